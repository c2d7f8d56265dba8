"""Varied records through `Masker.mask_batch`, and their outcomes as plain JSON (a golden file).

`tests/unit/data/masking_golden.json` holds the outcomes the masker gave before its CDC fast
path (`streams.masking`, 2026-12): `test_masking_golden.py` checks that every byte (masked
record, key, headers, partition, audit record) and every rejection stays the same. Detection
here is a small deterministic fake (e-mail addresses and runs of 7+ digits), so the golden
file does not move when the detectors do.

Regenerate (only on purpose, for an intended change of the output):
    .venv/bin/python tests/unit/_masking_cases.py > tests/unit/data/masking_golden.json
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Sequence
from typing import Any

from _stream_fakes import FakeTokens

from detectors import Document, Policy, Span
from streams.kafka import REPLAY_HEADER, InRecord
from streams.masking import Masked, Masker, Outcome
from streams.settings import WorkerSettings
from vault.policy_cache import PolicyCache

GOLDEN_POLICY = Policy.model_validate(
    {
        "tenant": "acme",
        "version": "7",
        "fields": {
            "contacts.id": "keep",
            "contacts.email": "EMAIL",
            "contacts.full_name": "PERSON",
            "contacts.phone": "PHONE",
            "contacts.notes": "detect",
            "contacts.segment": "keep",
            "contacts.profile": "PERSON",
            "contacts.account": "IBAN",
            "contacts.card": "CREDIT_CARD",
            "contacts.ssn": "US_SSN",
            "tickets.subject": "detect",
            "tickets.requester": "EMAIL",
            "contacts.dob": "DOB",
        },
        "channels": {"messaging": "redact"},
    }
)
OTHER_POLICY = Policy.model_validate({"tenant": "globex", "fields": {"contacts.email": "keep"}})

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_DIGITS = re.compile(r"\+?\d[\d -]{5,}\d")


def fake_detect(docs: Sequence[Document]) -> list[list[Span]]:
    """E-mail addresses and runs of 7+ digits; score by the document's field, so paths show."""
    out = []
    for doc in docs:
        spans = [
            Span(m.start(), m.end(), "EMAIL_ADDRESS", 0.91234567, "fake") for m in _EMAIL.finditer(doc.text)
        ]
        spans += [
            Span(m.start(), m.end(), "PHONE_NUMBER", 0.5 if doc.field else 0.75, "fake")
            for m in _DIGITS.finditer(doc.text)
            if not any(s.start <= m.start() < s.end for s in spans)
        ]
        out.append(sorted(spans, key=lambda s: s.start))
    return out


def golden_masker() -> Masker:
    settings = WorkerSettings(
        cdc_tables=("contacts", "tickets"), default_tenant=None, topic_tenants={"crm.cdc.tickets": "globex"}
    )
    return Masker(settings, fake_detect, FakeTokens(), PolicyCache([GOLDEN_POLICY, OTHER_POLICY]))


def _cdc(
    after: Any,
    before: Any = None,
    op: str = "u",
    wrapped: bool = False,
    table: str = "contacts",
    **extra: Any,
) -> bytes:
    payload = {"before": before, "after": after, "op": op, "source": {"table": table, "db": "crm", "lsn": 7}}
    payload.update(extra)
    body = {"schema": {"type": "struct", "optional": False}, "payload": payload} if wrapped else payload
    return json.dumps(body, ensure_ascii=False).encode()


def _col(column: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "optional": True, "field": column, **extra}


#: A Debezium JSON-converter schema block of typed columns (issue 21): a phone stored as int64 and
#: a birth date as `io.debezium.time.Date` without rules, a ruled date of birth, a timestamp.
_TYPED_VALUE = {
    "type": "struct",
    "optional": True,
    "name": "crm.public.contacts.Value",
    "fields": [
        _col("id", "int32", optional=False),
        _col("email", "string"),
        _col("phone", "int64", default=0),
        _col("birth_date", "int32", name="io.debezium.time.Date", version=1),
        _col("dob", "int32", name="io.debezium.time.Date", version=1),
        _col("updated_at", "int64", name="io.debezium.time.Timestamp", version=1),
    ],
}
TYPED_SCHEMA = {
    "type": "struct",
    "optional": False,
    "name": "crm.public.contacts.Envelope",
    "fields": [
        {**_TYPED_VALUE, "field": "before"},
        {**_TYPED_VALUE, "field": "after"},
        _col("op", "string", optional=False),
    ],
}
TYPED_ROW = {
    "id": 42,
    "email": "jane.roe@example.org",
    "phone": 14155550134,
    "birth_date": 7319,
    "dob": 7319,
    "updated_at": 1714557600000,
}


ROW: dict[str, Any] = {
    "id": 42,
    "email": "jane.roe@example.org",
    "full_name": "Jane Roe",
    "phone": "+1 415 555 0134",
    "segment": "gold",
    "notes": "Called from +1 415 555 0134, mail jane.roe@example.org, order 1234.",
    "age": 37,
    "score": 0.5,
    "active": True,
}


def cases() -> list[tuple[str, InRecord]]:
    """(name, record): every shape the masker knows, valid or not."""
    topic = "crm.cdc.contacts"
    acme = (("veilstream-tenant", b"acme"), ("x-trace", b"abc"))
    big = 123456789012345678901234567890

    def rec(
        value: bytes | None, key: bytes | None = b'{"id":42}', headers: Any = acme, t: str = topic
    ) -> InRecord:
        return InRecord(t, 3, 1000, key, value, headers, 1_700_000_000_000)

    nested = {
        **ROW,
        "profile": {"first": "Jane", "last": "Roe", "aliases": ["J. Roe", "", "  "], "age": 37, "n": None},
        "notes": {
            "text": "mail a.b@example.com",
            "calls": ["+44 20 7946 0958", 12345678901, 12, None, False],
        },
    }
    return [
        ("after_only", rec(_cdc(ROW, op="c"))),
        (
            "before_and_after",
            rec(_cdc(ROW, before={**ROW, "email": "old@example.org", "phone": 14155550134})),
        ),
        ("delete_before_only", rec(_cdc(None, before=ROW, op="d"))),
        ("wrapped", rec(_cdc(ROW, wrapped=True))),
        ("wrapped_before_after", rec(_cdc(ROW, before=ROW, wrapped=True))),
        ("tombstone", rec(None)),
        ("tombstone_no_key", rec(None, key=None)),
        ("nulls", rec(_cdc({k: None for k in ROW}, before={"id": 1, "email": None}))),
        ("empty_and_blank", rec(_cdc({**ROW, "email": "", "full_name": "   ", "phone": "\t", "notes": ""}))),
        ("nested_json_columns", rec(_cdc(nested))),
        ("big_integers", rec(_cdc({**ROW, "balance": big, "phone": 10**25 + 7, "small": -(2**63)}))),
        ("big_integer_key", rec(_cdc(ROW), key=json.dumps({"id": big}).encode())),
        (
            "non_ascii",
            rec(
                _cdc(
                    {
                        **ROW,
                        "full_name": "Zoë Ångström-Øster 山田太郎",
                        "notes": "Écrire à zoë@exämple.org 🙂",
                    }
                )
            ),
        ),
        (
            "nfd_and_spaces",
            rec(_cdc({**ROW, "full_name": "  Zoe\u0308   Roe\u00a0 ", "email": " Jane@Example.ORG "})),
        ),
        ("integer_and_float_ruled", rec(_cdc({**ROW, "phone": 4155550134, "full_name": 7, "email": 1.5}))),
        ("bool_ruled", rec(_cdc({**ROW, "phone": True, "email": False}))),
        ("short_and_long_ints", rec(_cdc({**ROW, "age": 123456, "zip": 1234567, "neg": -98765432}))),
        (
            "unruled_columns",
            rec(_cdc({"id": 1, "city": "Call 555-123-4567", "country": "FR", "x": "a@b.co"})),
        ),
        (
            "ruled_other_entities",
            rec(
                _cdc(
                    {
                        **ROW,
                        "account": "DE89 3704 0044 0532 0130 00",
                        "card": "4111-1111",
                        "ssn": "078-05-1120",
                    }
                )
            ),
        ),
        ("key_plain_text", rec(_cdc(ROW), key=b"jane.roe@example.org")),
        ("key_plain_number", rec(_cdc(ROW), key=b"12345678901")),
        ("key_json_pii", rec(_cdc(ROW), key=b'{"email": "jane.roe@example.org", "id": 42}')),
        (
            "key_debezium_wrapped",
            rec(_cdc(ROW), key=b'{"schema":{"type":"struct"},"payload":{"email":"k@x.io"}}'),
        ),
        ("key_json_list", rec(_cdc(ROW), key=b'["a@b.io", 1]')),
        ("key_json_string", rec(_cdc(ROW), key=b'"a@b.io"')),
        ("key_spaced_json", rec(_cdc(ROW), key=b'{ "id" : 42 }')),
        ("replayed", rec(_cdc(ROW), headers=(*acme, (REPLAY_HEADER, b"crm.cdc.contacts/1/99")))),
        ("replayed_bad_reference", rec(_cdc(ROW), headers=(*acme, (REPLAY_HEADER, b"not a reference")))),
        ("tenant_from_field", rec(_cdc({**ROW, "tenant_id": "acme"}), headers=())),
        (
            "tenant_from_topic",
            rec(
                _cdc({"subject": "mail a@b.io", "requester": "x@y.io"}, table="tickets"),
                headers=(),
                t="crm.cdc.tickets",
            ),
        ),
        (
            "ticket_with_acme_header",
            rec(
                _cdc({"subject": "call 5551234567", "requester": "x@y.io"}, table="tickets"),
                t="crm.cdc.tickets",
            ),
        ),
        ("other_tenant_keeps_email", rec(_cdc(ROW), headers=(("veilstream-tenant", b"globex"),))),
        (
            "extra_envelope_fields",
            rec(_cdc(ROW, ts_ms=1700000000123, transaction={"id": "tx1", "total_order": 3})),
        ),
        (
            "source_extra_keys",
            rec(
                json.dumps(
                    {
                        "after": ROW,
                        "op": "r",
                        "source": {
                            "table": "contacts",
                            "schema": "public",
                            "name": "crm",
                            "snapshot": "true",
                            "txId": 9,
                        },
                    }
                ).encode()
            ),
        ),
        (
            "unordered_keys",
            rec(
                json.dumps(
                    {"op": "u", "source": {"table": "contacts"}, "after": {"phone": "555 0100", "id": 1}}
                ).encode()
            ),
        ),
        (
            "escaped_json",
            rec(_cdc({**ROW, "notes": 'quote " slash \\ tab \t nl \n ctrl \u0001 mail q@x.io'})),
        ),
        (
            "ascii_escapes_input",
            rec(
                json.dumps(
                    {
                        "after": {"full_name": "Zo\u00eb", "email": "z@x.io"},
                        "op": "c",
                        "source": {"table": "contacts"},
                    }
                ).encode()
            ),
        ),
        (
            "message_detect",
            rec(
                json.dumps(
                    {
                        "message_id": "m1",
                        "tenant_id": "acme",
                        "channel": "web_widget",
                        "text": "I am at a.b@example.com or +1 415 555 0134",
                        "sender": "c@d.io",
                        "metadata": {
                            "order": "1234567",
                            "nested": {"tel": "555-123-4567"},
                            "n": 5,
                            "list": ["x@y.io"],
                        },
                    }
                ).encode(),
                key=b"conv-1",
                t="support.messages",
            ),
        ),
        (
            "message_redact",
            rec(
                json.dumps(
                    {
                        "message_id": "m2",
                        "tenant_id": "acme",
                        "channel": "messaging",
                        "text": "mail a.b@example.com",
                        "lang": "de",
                    }
                ).encode(),
                key=None,
                t="support.messages",
            ),
        ),
        (
            "message_no_pii",
            rec(
                json.dumps({"message_id": "m3", "channel": "web_widget", "text": "hello"}).encode(),
                t="support.messages",
            ),
        ),
        ("bad_json", rec(b'{"after": ')),
        ("bad_utf8", rec(b'{"after": "\xff"}')),
        ("nan", rec(b'{"after": {"x": NaN}, "op": "c"}')),
        ("bad_schema_op", rec(_cdc(ROW, op="x"))),
        ("bad_schema_after", rec(json.dumps({"after": [1, 2], "op": "c"}).encode())),
        (
            "bad_schema_source",
            rec(json.dumps({"after": ROW, "op": "c", "source": {"ts_ms": "soon"}}).encode()),
        ),
        ("not_an_object", rec(b"[1, 2, 3]")),
        ("wrapped_not_an_object", rec(b'{"schema": {}, "payload": 5}')),
        ("unknown_tenant", rec(_cdc(ROW), headers=(("veilstream-tenant", b"initech"),))),
        ("no_tenant", rec(_cdc(ROW), headers=())),
        ("bad_tenant_header", rec(_cdc(ROW), headers=(("veilstream-tenant", b"bad tenant!"),))),
        ("bad_key_utf8", rec(_cdc(ROW), key=b"\xff\xfe")),
        ("unknown_topic", rec(_cdc(ROW), t="elsewhere")),
        (
            "bad_message",
            rec(json.dumps({"message_id": "", "channel": "web", "text": "x"}).encode(), t="support.messages"),
        ),
        # issue 21: real Debezium streams
        (
            "typed_columns_schema_rewritten",
            rec(
                json.dumps(
                    {
                        "schema": TYPED_SCHEMA,
                        "payload": {
                            "before": {**TYPED_ROW, "phone": 12, "birth_date": None},
                            "after": TYPED_ROW,
                            "op": "u",
                            "source": {"table": "contacts"},
                        },
                    }
                ).encode()
            ),
        ),
        (
            "typed_key_schema_rewritten",
            rec(
                _cdc(ROW),
                key=json.dumps(
                    {
                        "schema": {"type": "struct", "fields": [_col("phone", "int64", optional=False)]},
                        "payload": {"phone": 14155550134},
                    }
                ).encode(),
            ),
        ),
        ("tombstone_tenant_from_key", rec(None, key=b'{"id":42,"tenant_id":"acme"}', headers=())),
        ("tombstone_no_tenant", rec(None, headers=())),
        (
            "truncate_tenant_from_topic",
            rec(
                json.dumps(
                    {"op": "t", "before": None, "after": None, "source": {"table": "tickets"}}
                ).encode(),
                key=None,
                headers=(),
                t="crm.cdc.tickets",
            ),
        ),
        (
            "logical_message",
            rec(
                json.dumps(
                    {
                        "op": "m",
                        "ts_ms": 1,
                        "source": {"table": "contacts"},
                        "message": {
                            "prefix": "notes",
                            "content": base64.b64encode(b"mail jane.roe@example.org").decode(),
                        },
                    }
                ).encode(),
                key=b'{"prefix":"notes"}',
            ),
        ),
    ]


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "backslashreplace")


def as_json(outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, Masked):
        return {
            "tenant": outcome.tenant,
            "entities": outcome.entities,
            **{
                name: {
                    "topic": r.topic,
                    "key": _text(r.key),
                    "value": _text(r.value),
                    "headers": [[k, _text(v)] for k, v in r.headers],
                    "partition": r.partition,
                }
                for name, r in (("record", outcome.record), ("audit", outcome.audit))
            },
        }
    return {"rejected": [outcome.reason, outcome.error_class, outcome.tenant, outcome.detail]}


def outcomes() -> dict[str, Any]:
    """Every case, alone and (with its neighbours) in one batch: both must agree."""
    named = cases()
    records = [r for _, r in named]
    together = asyncio.run(golden_masker().mask_batch(records))
    alone = [asyncio.run(golden_masker().mask_batch([r]))[0] for r in records]
    out = {}
    for (name, _), one, batched in zip(named, alone, together, strict=True):
        assert as_json(one) == as_json(batched), name
        out[name] = as_json(one)
    return out


if __name__ == "__main__":
    print(json.dumps(outcomes(), indent=1, ensure_ascii=False, sort_keys=True))
