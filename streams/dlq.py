"""The dead-letter path: a reference on `veilstream.dlq`, the raw record encrypted in the vault.

The DLQ record names the record (topic, partition, offset), the reason code and the error
class. Its content never goes on a topic: the key, value and headers are kept, encrypted,
in the vault's quarantine table under the same reference, for `veilstream dlq replay`.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from streams.errors import StreamsError
from streams.kafka import InRecord, OutRecord
from streams.masking import Rejected

#: Tenant that holds quarantined records of no known tenant (not a valid tenant id, so never a real one).
UNASSIGNED = "_unassigned"


def _b64(raw: bytes | None) -> str | None:
    return None if raw is None else base64.b64encode(raw).decode("ascii")


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def quarantine_payload(record: InRecord) -> bytes:
    """Everything needed to replay `record`, as bytes to encrypt."""
    body = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp_ms": record.timestamp_ms,
        "key": _b64(record.key),
        "value": _b64(record.value),
        "headers": [[k, _b64(v)] for k, v in record.headers],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def from_quarantine(payload: bytes) -> InRecord:
    """The record `quarantine_payload` kept."""
    try:
        body: dict[str, Any] = json.loads(payload)
        return InRecord(
            str(body["topic"]),
            int(body["partition"]),
            int(body["offset"]),
            _unb64(body["key"]),
            _unb64(body["value"]),
            tuple((str(k), _unb64(v) or b"") for k, v in body["headers"]),
            body.get("timestamp_ms"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StreamsError(f"quarantined payload is not readable: {type(exc).__name__}") from None


def quarantine_tenant(rejected: Rejected) -> str:
    return rejected.tenant or UNASSIGNED


def dlq_record(record: InRecord, rejected: Rejected, topic: str) -> OutRecord:
    """The reference that goes on the DLQ topic: where, why, and where the content is kept."""
    body = {
        "reference": record.reference,
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "reason": rejected.reason,
        "error_class": rejected.error_class,
        "detail": rejected.detail,
        "tenant": rejected.tenant,
        "quarantine_tenant": quarantine_tenant(rejected),
        "replay_of": record.replay_of,
        "ts_ms": int(time.time() * 1000),
    }
    return OutRecord(
        topic, record.reference.encode(), json.dumps(body, separators=(",", ":")).encode(), (), None
    )
