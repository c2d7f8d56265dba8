"""Shared fixtures of the streams unit tests: a policy, a row, records, and an in-memory tokenizer."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from detectors import Policy, Span, apply_spans, default_pipeline
from streams.kafka import InRecord
from streams.masking import Masker
from streams.settings import WorkerSettings
from vault.errors import TokenSpaceExhaustedError
from vault.policy_cache import PolicyCache

EMAIL = "jane.roe@example.org"
PHONE = "+1 415 555 0134"
CARD = "4111 1111 1111 1111"
NAME = "Jane Roe"

POLICY = Policy.model_validate(
    {
        "tenant": "acme",
        "fields": {
            "contacts.email": "EMAIL",
            "contacts.full_name": "PERSON",
            "contacts.phone": "PHONE",
            "contacts.notes": "detect",
            "contacts.segment": "keep",
        },
        "channels": {"messaging": "redact"},
    }
)


class FakeTokens:
    """Deterministic tagged tokens; records its calls."""

    def __init__(self, fail: BaseException | None = None, poison: str | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.fail = fail
        self.poison = poison

    async def tokenize_texts(
        self, tenant: str, docs: Sequence[tuple[str, Sequence[Span]]], *, principal: str | None = None
    ) -> list[str]:
        self.calls.append((tenant, len(docs)))
        if self.fail is not None:
            raise self.fail
        if self.poison and any(self.poison in text for text, _ in docs):
            raise TokenSpaceExhaustedError("no free token")

        def token(span: Span, value: str) -> str:
            digest = hashlib.sha256(f"{tenant}|{span.entity}|{value}".encode()).hexdigest()[:12]
            return f"<{span.entity}>{digest}</{span.entity}>"

        return [apply_spans(text, spans, token) for text, spans in docs]


def settings(**kw: Any) -> WorkerSettings:
    return WorkerSettings(cdc_tables=("contacts",), **kw)


def masker(tokens: FakeTokens | None = None, detect: Any = None, **kw: Any) -> Masker:
    pipeline = default_pipeline()
    return Masker(
        settings(**kw), detect or pipeline.detect_many, tokens or FakeTokens(), PolicyCache([POLICY])
    )


def cdc(after: dict[str, Any] | None, before: dict[str, Any] | None = None, wrapped: bool = False) -> bytes:
    payload = {"before": before, "after": after, "op": "u", "source": {"table": "contacts", "db": "crm"}}
    body = {"schema": {"type": "struct"}, "payload": payload} if wrapped else payload
    return json.dumps(body).encode()


def record(
    value: bytes | None,
    *,
    topic: str = "crm.cdc.contacts",
    key: bytes | None = b'{"id":42}',
    offset: int = 0,
    partition: int = 2,
    tenant: bytes | None = b"acme",
) -> InRecord:
    headers = (("veilstream-tenant", tenant),) if tenant is not None else ()
    return InRecord(topic, partition, offset, key, value, (*headers, ("x-trace", b"abc")), 1_700_000_000_000)


def run(m: Masker, records: list[InRecord]) -> list[Any]:
    return asyncio.run(m.mask_batch(records))


ROW = {
    "id": 42,
    "tenant_id": "acme",
    "email": EMAIL,
    "full_name": NAME,
    "phone": 14155550134,
    "segment": "gold",
    "notes": f"Called from {PHONE}, card {CARD}, asked to write to {EMAIL}.",
    "age": 37,
}
