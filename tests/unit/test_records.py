"""Record parsing: Debezium envelopes (wrapped and bare), support messages, bad input."""

from __future__ import annotations

import json

import pytest

from streams.errors import RecordError
from streams.records import (
    MAX_RECORD_BYTES,
    dump_change_event,
    parse_change_event,
    parse_support_message,
)
from streams.tenancy import TenantResolver

EVENT = {
    "before": None,
    "after": {"id": 7, "email": "ana.ruiz@example.es", "full_name": "Ana Ruiz"},
    "op": "c",
    "source": {
        "table": "contacts",
        "db": "crm",
        "schema": "public",
        "ts_ms": 1,
        "lsn": 42,
        "snapshot": "false",
    },
    "ts_ms": 2,
}


@pytest.mark.parametrize("wrapped", [False, True])
def test_change_event_round_trips_in_its_own_shape(wrapped: bool) -> None:
    body = (
        {"schema": {"type": "struct", "name": "crm.contacts.Envelope"}, "payload": EVENT}
        if wrapped
        else EVENT
    )
    envelope = parse_change_event(json.dumps(body).encode())
    assert envelope.wrapped is wrapped
    assert envelope.event.table == "contacts"
    assert envelope.event.op == "c"
    assert json.loads(dump_change_event(envelope, envelope.event)) == body


def test_masked_copy_keeps_envelope_and_unknown_source_keys() -> None:
    envelope = parse_change_event(json.dumps(EVENT).encode())
    masked = envelope.event.model_copy(update={"after": {"id": 7, "email": "<EMAIL>", "full_name": "<PER>"}})
    out = json.loads(dump_change_event(envelope, masked))
    assert out["after"]["email"] == "<EMAIL>"
    assert out["source"]["snapshot"] == "false"
    assert out["ts_ms"] == 2


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe{}", "bad_utf8"),
        (b'{"op": "c", ', "bad_json"),
        (b"[1, 2]", "bad_schema"),
        (b'{"op": "x", "after": {}}', "bad_schema"),
        (b'{"schema": {}, "payload": "nope"}', "bad_schema"),
        (b" " * (MAX_RECORD_BYTES + 1), "too_large"),
    ],
)
def test_bad_change_events_get_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_change_event(raw)
    assert info.value.reason == reason


def test_schema_errors_name_the_field_not_the_value() -> None:
    canary = "canary.person@example.org"
    raw = json.dumps({"message_id": "m1", "channel": "email", "text": 5, "sender": canary}).encode()
    with pytest.raises(RecordError) as info:
        parse_support_message(raw)
    assert info.value.reason == "bad_schema"
    assert "text" in str(info.value)
    assert canary not in str(info.value)


def test_support_message_fields() -> None:
    raw = {
        "message_id": "m-1",
        "tenant_id": "acme",
        "channel": "web_widget",
        "conversation_id": "c-9",
        "sender": "customer",
        "text": "Hola, soy Lucía",
        "lang": "es",
        "ts": "2026-11-23T10:00:00Z",
        "metadata": {"agent": "bot"},
    }
    msg = parse_support_message(json.dumps(raw).encode())
    assert (msg.tenant_id, msg.channel, msg.lang, msg.metadata) == (
        "acme",
        "web_widget",
        "es",
        {"agent": "bot"},
    )
    with pytest.raises(RecordError):
        parse_support_message(json.dumps({**raw, "lang": "spanish"}).encode())
    with pytest.raises(RecordError):
        parse_support_message(json.dumps({**raw, "unexpected": 1}).encode())


@pytest.mark.parametrize(
    ("headers", "record", "topic", "expected"),
    [
        ([("veilstream-tenant", b"acme")], {"tenant_id": "globex"}, "t", "acme"),
        ([("veilstream-tenant", b"bad tenant!")], {"tenant_id": "globex"}, "t", "globex"),
        ([], {"tenant_id": 5}, "crm.cdc.contacts", "initech"),
        ([], None, "unmapped", None),
    ],
)
def test_tenant_resolution_order(headers, record, topic, expected) -> None:  # type: ignore[no-untyped-def]
    resolver = TenantResolver(topics={"crm.cdc.contacts": "initech"})
    assert resolver.resolve(topic, headers, record) == expected
