"""Record parsing: Debezium envelopes (wrapped and bare), support messages, bad input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.errors import RecordError
from streams.records import (
    MAX_RECORD_BYTES,
    ChangeEvent,
    change_event_from,
    change_event_row,
    dump_change_event,
    parse_change_event,
    parse_support_message,
    plainly_valid,
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


# -- the masker's fast path: `change_event_row` against the model -----------------------------

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**90),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["c", "u", "d", "r", "t", "m", "x", "", "12", "C"]),
    st.text(max_size=4),
    st.dictionaries(
        st.sampled_from(["id", "email", "tenant_id"]), st.integers() | st.text(max_size=3), max_size=3
    ),
    st.lists(st.integers(), max_size=2),
)
_SOURCE = st.fixed_dictionaries(
    {},
    optional={
        name: _VALUES
        for name in ("table", "db", "schema", "schema_name", "connector", "ts_ms", "lsn", "name")
    },
)
_PAYLOADS = st.fixed_dictionaries(
    {},
    optional={
        "op": _VALUES,
        "before": _VALUES,
        "after": _VALUES,
        "ts_ms": _VALUES,
        "source": _SOURCE | _VALUES,
        "transaction": _VALUES,
    },
)
_EVENTS = _PAYLOADS | _PAYLOADS.map(lambda p: {"schema": {"type": "struct"}, "payload": p}) | _VALUES


def _reference(data: object) -> object:
    """What the masker read before its fast path: the model's after, else before (or the error)."""
    try:
        event = change_event_from(data).event
    except RecordError as exc:
        return ("error", exc.reason, exc.detail)
    return event.after or event.before


def _fast(data: object) -> object:
    try:
        return change_event_row(data)
    except RecordError as exc:
        return ("error", exc.reason, exc.detail)


@settings(max_examples=400)
@given(_EVENTS)
def test_change_event_row_answers_as_the_model(data: object) -> None:
    assert _fast(data) == _reference(data)


@settings(max_examples=400)
@given(_PAYLOADS)
def test_a_plainly_valid_payload_is_one_the_model_accepts(payload: dict[str, object]) -> None:
    if plainly_valid(payload):
        ChangeEvent.model_validate(payload)  # raises if not


@pytest.mark.parametrize(
    ("payload", "plain"),
    [
        (EVENT, True),
        ({"op": "u", "after": {"id": 1}}, True),
        ({"op": "d", "before": {"id": 1}, "after": None, "source": {"lsn": "0/1A2B"}}, True),
        ({"op": "c", "ts_ms": 10**30, "source": {"ts_ms": 10**25, "lsn": 10**40}}, True),
        ({"op": "c", "source": None}, False),  # the model refuses a null source
        ({"op": "c", "ts_ms": True}, False),  # the model decides about booleans
        ({"op": "c", "ts_ms": 1.0}, False),
        ({"op": "c", "source": {"ts_ms": "1"}}, False),
        ({"op": "c", "source": {"schema_name": 5}}, False),
        ({"op": "x"}, False),
        ({"after": {}}, False),
        ({"op": "c", "after": []}, False),
    ],
)
def test_plainly_valid_cases(payload: dict[str, object], plain: bool) -> None:
    assert plainly_valid(payload) is plain
    assert _fast(payload) == _reference(payload)
