"""Real Debezium streams through the masker: topic names, deletes without a tenant, typed columns
and their schema block, logical messages, the language of CDC text. No servers."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

import pytest
from _stream_fakes import FakeTokens, run

from detectors import Document, Policy, Span, default_pipeline
from streams.kafka import InRecord
from streams.masking import Masked, Masker, Rejected
from streams.settings import WorkerSettings
from vault.policy_cache import PolicyCache

POLICY = Policy.model_validate(
    {
        "tenant": "acme",
        "fields": {"contacts.email": "EMAIL", "contacts.dob": "DOB", "contacts.id": "keep"},
        "lang_columns": {"tickets": "language"},
    }
)
OTHER = Policy.model_validate({"tenant": "globex"})
PIPELINE = default_pipeline()


def masker(detect: Any = None, **kw: Any) -> Masker:
    base: dict[str, Any] = {
        "cdc_tables": ("contacts", "tickets"),
        "cdc_topic_pattern": "{tenant}.public.{table}",
    }
    return Masker(
        WorkerSettings(**{**base, **kw}),
        detect or PIPELINE.detect_many,
        FakeTokens(),
        PolicyCache([POLICY, OTHER]),
    )


def rec(
    value: Any,
    *,
    topic: str = "acme.public.contacts",
    key: Any = b'{"id":42}',
    headers: Any = (),
    offset: int = 0,
) -> InRecord:
    raw = value if value is None or isinstance(value, bytes) else json.dumps(value).encode()
    key = key if key is None or isinstance(key, bytes) else json.dumps(key).encode()
    return InRecord(topic, 0, offset, key, raw, headers, 1)


def col(column: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "optional": True, "field": column, **extra}


COLUMNS = [
    col("id", "int32", optional=False),
    col("email", "string"),
    col("phone", "int64"),
    col("birth_date", "int32", name="io.debezium.time.Date", version=1),
    col("dob", "int32", name="io.debezium.time.Date", version=1),
    col("score", "int32"),
    col("updated_at", "int64", name="io.debezium.time.MicroTimestamp", version=1),
]
ROW = {
    "id": 42,
    "email": "jane.roe@example.org",
    "phone": 14155550134,
    "birth_date": 7319,
    "dob": 7319,
    "score": 7,
    "updated_at": 1714557600000000,
}


def envelope(
    after: Any, before: Any = None, op: str = "u", columns: Sequence[Any] = COLUMNS
) -> dict[str, Any]:
    value = {
        "type": "struct",
        "optional": True,
        "name": "acme.public.contacts.Value",
        "fields": list(columns),
    }
    schema = {
        "type": "struct",
        "optional": False,
        "name": "acme.public.contacts.Envelope",
        "version": 2,
        "fields": [
            {**value, "field": "before"},
            {**value, "field": "after"},
            {"type": "struct", "fields": [col("table", "string")], "field": "source"},
            col("op", "string", optional=False),
            col("ts_ms", "int64"),
        ],
    }
    payload = {"before": before, "after": after, "source": {"table": "contacts"}, "op": op, "ts_ms": 1}
    return {"schema": schema, "payload": payload}


def masked(outcome: Any) -> Any:
    assert isinstance(outcome, Masked), outcome
    return json.loads(outcome.record.value) if outcome.record.value is not None else None


def fields_of(body: dict[str, Any], side: str) -> dict[str, dict[str, Any]]:
    (node,) = [f for f in body["schema"]["fields"] if f["field"] == side]
    return {f["field"]: f for f in node["fields"]}


# -- topics and tenants ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "headers", "key", "kw", "outcome"),
    [
        # (topic, headers, key, settings, tenant or DLQ reason)
        ("acme.public.contacts", (), b'{"id":42}', {}, "acme"),  # the topic's {tenant}
        ("globex.public.contacts", (), b'{"id":42}', {}, "globex"),
        ("initech.public.contacts", (), b'{"id":42}', {}, "unknown_tenant"),
        (
            "acme.public.contacts",
            (("veilstream-tenant", b"globex"),),
            b'{"id":42}',
            {},
            "globex",
        ),  # header wins
        ("crm.cdc.contacts", (), b'{"id":42,"tenant_id":"acme"}', {"cdc_topic_pattern": None}, "acme"),  # key
        (
            "crm.cdc.contacts",
            (),
            json.dumps({"schema": {"type": "struct"}, "payload": {"id": 42, "tenant_id": "globex"}}).encode(),
            {"cdc_topic_pattern": None},
            "globex",
        ),  # a Debezium key with its schema
        ("crm.cdc.contacts", (), b'{"id":42}', {"cdc_topic_pattern": None, "default_tenant": "acme"}, "acme"),
        ("crm.cdc.contacts", (), b'{"id":42}', {"cdc_topic_pattern": None}, "no_tenant"),
        ("crm.cdc.contacts", (), b"not json", {"cdc_topic_pattern": None}, "no_tenant"),
        (
            "crm.cdc.contacts",
            (),
            b'{"id":42}',
            {"cdc_topic_pattern": None, "topic_tenants": {"crm.cdc.contacts": "globex"}},
            "globex",
        ),
        ("acme.public.orders", (), b'{"id":42}', {}, "unknown_topic"),
    ],
)
@pytest.mark.parametrize(
    "value",
    [
        None,  # a tombstone
        {"op": "t", "before": None, "after": None, "source": {"table": "contacts"}, "ts_ms": 1},
        {
            "op": "m",
            "source": {"table": "contacts"},
            "message": {"prefix": "audit", "content": base64.b64encode(b"hello").decode()},
        },
        {"op": "d", "before": {"id": 42}, "after": None, "source": {"table": "contacts"}},
    ],
    ids=["tombstone", "truncate", "message", "delete"],
)
def test_events_without_a_tenant_field_take_the_topic_key_or_default_tenant(
    topic: str, headers: Any, key: bytes, kw: dict[str, Any], outcome: str, value: Any
) -> None:
    (out,) = run(masker(**kw), [rec(value, topic=topic, key=key, headers=headers)])
    if outcome in ("unknown_tenant", "no_tenant", "unknown_topic"):
        assert isinstance(out, Rejected) and out.reason == outcome
    else:
        assert isinstance(out, Masked) and out.tenant == outcome
        assert out.record.topic == "masked.crm.contacts" and out.record.key == key


def test_a_tombstone_carries_the_same_masked_key_as_the_rows_before_it() -> None:
    key = {"email": "jane.roe@example.org"}  # a primary key holding personal data
    create, tombstone = run(masker(), [rec(envelope(ROW, op="c"), key=key), rec(None, key=key, offset=1)])
    assert isinstance(create, Masked) and isinstance(tombstone, Masked)
    assert tombstone.record.value is None
    assert tombstone.record.key == create.record.key
    assert b"jane.roe" not in tombstone.record.key and json.loads(tombstone.record.key)["email"].startswith(
        "<EMAIL_ADDRESS>"
    )


def test_a_truncate_keeps_its_shape() -> None:
    event = {
        "op": "t",
        "before": None,
        "after": None,
        "source": {"table": "contacts", "db": "crm"},
        "ts_ms": 5,
    }
    (out,) = run(
        masker(), [rec({"schema": {"type": "struct", "optional": False}, "payload": event}, key=None)]
    )
    assert masked(out) == {"schema": {"type": "struct", "optional": False}, "payload": event}
    assert out.record.key is None


def test_a_logical_message_content_is_detected_as_the_text_it_encodes() -> None:
    content = base64.b64encode(b"write to jane.roe@example.org").decode()
    event = {"op": "m", "source": {"table": "contacts"}, "message": {"prefix": "notes", "content": content}}
    (out,) = run(masker(), [rec(event, key={"prefix": "notes"})])
    body = masked(out)
    text = base64.b64decode(body["message"]["content"]).decode()
    assert text.startswith("write to <EMAIL_ADDRESS>") and "jane.roe" not in text
    assert body["message"]["prefix"] == "notes"
    assert b"jane.roe" not in out.audit.value


@pytest.mark.parametrize("content", ["not base64!", base64.b64encode(b"\xff\xfe\x00").decode(), 5])
def test_a_logical_message_content_that_is_not_base64_text_is_detected_as_it_is(content: Any) -> None:
    event = {"op": "m", "source": {"table": "contacts"}, "message": {"prefix": "p", "content": content}}
    (out,) = run(masker(), [rec(event)])
    assert masked(out)["message"]["content"] == content


# -- typed columns ---------------------------------------------------------------------------------


def test_typed_personal_columns_are_masked_and_their_schema_rewritten() -> None:
    (out,) = run(masker(), [rec(envelope(ROW))])
    body = masked(out)
    after = body["payload"]["after"]
    assert after["phone"].startswith("<PHONE_NUMBER>")  # int64, no rule: the name made it a candidate
    assert after["birth_date"].startswith("<DATE_OF_BIRTH>")  # io.debezium.time.Date, no rule
    assert after["dob"].startswith("<DATE_OF_BIRTH>")  # ruled DOB: the date's ISO text is tokenized
    assert after["email"].startswith("<EMAIL_ADDRESS>")
    assert after["id"] == 42 and after["score"] == 7 and after["updated_at"] == 1714557600000000
    for side in ("before", "after"):
        schema = fields_of(body, side)
        assert schema["phone"] == col("phone", "string")
        assert schema["birth_date"] == col("birth_date", "string")  # no logical type left
        assert schema["dob"] == col("dob", "string")
        assert schema["id"] == col("id", "int32", optional=False)  # untouched
        assert schema["updated_at"]["name"] == "io.debezium.time.MicroTimestamp"
    audit = json.loads(out.audit.value)
    assert {"after.phone", "after.birth_date", "after.dob"} <= {d["path"] for d in audit["detections"]}
    assert b"4155550134" not in out.record.value + out.audit.value


def test_the_token_of_a_date_is_the_token_of_its_iso_text() -> None:
    tokens = FakeTokens()
    m = Masker(WorkerSettings(cdc_tables=("contacts",)), PIPELINE.detect_many, tokens, PolicyCache([POLICY]))
    row = {"dob": 7319}
    (typed,) = run(
        m, [rec(envelope(row), topic="crm.cdc.contacts", headers=(("veilstream-tenant", b"acme"),))]
    )
    (text,) = run(
        m,
        [
            rec(
                {"op": "c", "after": {"dob": "1990-01-15"}},
                topic="crm.cdc.contacts",
                headers=(("veilstream-tenant", b"acme"),),
            )
        ],
    )
    assert masked(typed)["payload"]["after"]["dob"] == masked(text)["after"]["dob"]


def test_a_column_retyped_on_one_side_is_retyped_on_the_other() -> None:
    before = {**ROW, "phone": 12, "birth_date": None}  # 12: nothing found, but after's phone is text now
    (out,) = run(masker(), [rec(envelope(ROW, before=before))])
    body = masked(out)
    assert body["payload"]["before"]["phone"] == "12" and body["payload"]["before"]["birth_date"] is None
    assert fields_of(body, "before")["phone"]["type"] == "string"


def test_typed_values_where_nothing_is_found_keep_their_type_and_schema() -> None:
    row = {"id": 1, "phone": 12, "score": 1234567, "birth_date": None}
    (out,) = run(masker(), [rec(envelope(row))])
    body = masked(out)
    assert body["payload"]["after"] == row
    assert fields_of(body, "after")["phone"] == col("phone", "int64")


def test_a_bare_event_types_its_numbers_by_name() -> None:
    row = {"id": 1, "phone": 14155550134, "birth_date": 19900115, "score": 19900115}
    (out,) = run(masker(), [rec({"op": "c", "after": row, "source": {"table": "contacts"}})])
    after = masked(out)["after"]
    assert after["phone"].startswith("<PHONE_NUMBER>") and after["birth_date"].startswith("<DATE_OF_BIRTH>")
    assert after["score"] == 19900115  # 8 digits, not personal by name: a number detection finds nothing in


def test_the_key_schema_is_rewritten_for_a_masked_key_column() -> None:
    key = {
        "schema": {"type": "struct", "name": "k", "fields": [col("phone", "int64", optional=False)]},
        "payload": {"phone": 14155550134},
    }
    (out,) = run(masker(), [rec(envelope(ROW), key=key)])
    masked_key = json.loads(out.record.key)
    assert masked_key["payload"]["phone"].startswith("<PHONE_NUMBER>")
    assert masked_key["schema"]["fields"] == [{"type": "string", "optional": False, "field": "phone"}]
    assert masked_key["payload"]["phone"] == masked(out)["payload"]["after"]["phone"]


def test_a_personal_text_column_is_detected_with_its_name_before_it() -> None:
    seen: list[str] = []

    def detect(docs: Sequence[Document]) -> list[list[Span]]:
        seen.extend(d.text for d in docs)
        return PIPELINE.detect_many(docs)

    (out,) = run(masker(detect), [rec({"op": "c", "after": {"mobile": "415 555 0134", "city": "Paris"}})])
    assert "mobile: 415 555 0134" in seen and "Paris" in seen
    after = masked(out)["after"]
    assert after["mobile"].startswith("<PHONE_NUMBER>") and after["mobile"].endswith("</PHONE_NUMBER>")
    assert after["city"] == "Paris"


# -- schema blocks are walked once -------------------------------------------------------------------


def test_a_schema_block_walked_clean_is_not_walked_again_but_one_with_pii_always_is() -> None:
    seen: list[str] = []

    def detect(docs: Sequence[Document]) -> list[list[Span]]:
        seen.extend(d.text for d in docs)
        return PIPELINE.detect_many(docs)

    m = masker(detect)
    clean = envelope({"id": 1}, columns=[col("id", "int32", doc="the row id")])
    run(m, [rec(clean)])
    assert "the row id" in seen
    seen.clear()
    run(m, [rec(clean, offset=1)])
    assert "the row id" not in seen  # same block, same tenant and policy: its verdict is known
    run(m, [rec(clean, offset=2, topic="globex.public.contacts")])
    assert "the row id" in seen  # another tenant walks it for itself
    dirty = envelope({"id": 1}, columns=[col("id", "int32", doc="ask jane.roe@example.org")])
    for offset in range(2):
        (out,) = run(m, [rec(dirty, offset=offset)])
        assert b"jane.roe" not in out.record.value
        assert fields_of(masked(out), "after")["id"]["doc"].startswith("ask <EMAIL_ADDRESS>")


# -- the language of CDC text ----------------------------------------------------------------------

SPOKEN_ES = "mi número es seis uno dos tres cuatro cinco seis siete ocho, llámame"  # es only


@pytest.mark.parametrize(
    ("row", "found"),
    [
        ({"id": 1, "language": "es", "body": SPOKEN_ES}, True),  # the row's language column
        ({"id": 1, "language": "es-MX", "body": SPOKEN_ES}, True),
        ({"id": 1, "language": "en", "body": SPOKEN_ES}, False),  # the column wins over the text
        ({"id": 1, "body": SPOKEN_ES}, True),  # no column value: the text reads as Spanish
        ({"id": 1, "language": "klingon", "body": SPOKEN_ES}, True),
    ],
)
def test_cdc_text_is_detected_in_the_rows_language(row: dict[str, Any], found: bool) -> None:
    event = {"op": "c", "after": row, "source": {"table": "tickets"}}
    (out,) = run(masker(), [rec(event, topic="acme.public.tickets")])
    assert ("<PHONE_NUMBER>" in masked(out)["after"]["body"]) is found


def test_a_message_without_lang_is_detected_in_its_own_language() -> None:
    body = {"message_id": "m1", "tenant_id": "acme", "channel": "chat", "text": SPOKEN_ES}
    (out,) = run(masker(), [rec(body, topic="support.messages", key=b"c1")])
    assert "<PHONE_NUMBER>" in masked(out)["text"]
    (english,) = run(masker(), [rec({**body, "lang": "en"}, topic="support.messages", key=b"c1")])
    assert "<PHONE_NUMBER>" not in masked(english)["text"]
