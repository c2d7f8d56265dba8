"""The unmask worker's batch: requests in, policy-checked replies out, every request audited.

Request (`veilstream.unmask.requests`, JSON):
`{"request_id", "tenant", "principal", "policy_name", "purpose", "token_value"}`.
Reply (`veilstream.unmask.replies`, keyed by request_id):
`{"request_id", "value", "unresolved": [...]}` or `{"request_id", "error": {"code", "message"}}`
(codes: `unknown_principal`, `unknown_policy`, `policy_refused`, `reply_too_large`: a reply
over `MAX_REPLY_BYTES`, which no producer would deliver).

The principal is named, not authenticated by a secret: who may write to the request topic is
the broker's ACL. The principal must exist, be enabled and be allowed by the named policy.
Replies carry revealed values, so the reply topic must be as restricted as the vault itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from streams import metrics
from streams.errors import RecordError
from streams.kafka import InRecord, OutRecord
from streams.masking import Rejected
from streams.records import load_value, schema_error
from vault import audit, principals
from vault.errors import PolicyRefusedError, UnknownPolicyError
from vault.store import Vault, tenant_exists
from vault.unmask import unmask_texts

log = logging.getLogger(__name__)

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"


#: Largest reply value: the producers' `max_request_size` is 1 MiB (record overhead included).
MAX_REPLY_BYTES = 1_000_000


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class UnmaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(pattern=_ID)
    tenant: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    principal: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
    policy_name: str = Field(min_length=1, max_length=128)
    purpose: str | None = Field(default=None, max_length=128)
    token_value: str = Field(max_length=1_000_000)


class UnmaskService:
    def __init__(self, vault: Vault, replies_topic: str) -> None:
        self.vault = vault
        self.replies_topic = replies_topic

    async def answer(self, records: Sequence[InRecord]) -> list[OutRecord | Rejected]:
        """A reply per record, or a rejection for records that are not requests at all."""
        return [await self._one(r) for r in records]

    async def _one(self, record: InRecord) -> OutRecord | Rejected:
        try:
            request = UnmaskRequest.model_validate(load_value(record.value or b"null"))
        except RecordError as exc:
            return Rejected(exc.reason, type(exc).__name__, detail=exc.detail)
        except ValidationError as exc:
            error = schema_error(exc)
            return Rejected(error.reason, type(error).__name__, detail=error.detail)
        body: dict[str, Any] = {"request_id": request.request_id}
        principal = await self._principal(request)
        if principal is None:
            body["error"] = {"code": "unknown_principal", "message": "no such enabled principal"}
        else:
            try:
                results, _ = await unmask_texts(
                    self.vault, principal, request.policy_name, [request.token_value], request.purpose
                )
                body["value"] = results[0].text
                body["unresolved"] = list(results[0].unresolved)
            except UnknownPolicyError as exc:
                body["error"] = {"code": "unknown_policy", "message": str(exc)}
            except PolicyRefusedError as exc:
                body["error"] = {"code": "policy_refused", "message": str(exc)}
        value = _encode(body)
        if len(value) > MAX_REPLY_BYTES:  # the producer would refuse it: say so instead
            size = len(value)
            body = {"request_id": request.request_id}
            body["error"] = {"code": "reply_too_large", "message": f"the reply would be {size} bytes"}
            value = _encode(body)
        outcome = body["error"]["code"] if "error" in body else "ok"
        metrics.UNMASK.labels(outcome).inc()
        log.info("unmask tenant=%s policy=%s outcome=%s", request.tenant, request.policy_name, outcome)
        return OutRecord(
            self.replies_topic,
            request.request_id.encode(),
            value,
            (("veilstream-tenant", request.tenant.encode()),),
        )

    async def _principal(self, request: UnmaskRequest) -> principals.Principal | None:
        async with self.vault.pool.connection() as conn:
            found = await principals.lookup(conn, request.tenant, request.principal)
            if found is None and await tenant_exists(conn, request.tenant):
                await audit.append(
                    conn,
                    audit.AuditRecord(
                        request.tenant,
                        "unmask",
                        "refused: unknown principal",
                        request.principal,
                        request.policy_name,
                        request.purpose,
                        {"items": 1},
                    ),
                )
        return found
