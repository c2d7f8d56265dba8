"""Fail closed: whatever the masker does not know to be structure is detected, or the record is
rejected; one bad record never stops a batch. Each case leaked or stopped the worker before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _stream_fakes import EMAIL, ROW, masker, record, run

from streams.errors import RecordError
from streams.masking import Masked, Rejected
from streams.records import load_value, support_message_from

CARD = "4111111111111111"
OTHER_EMAIL = "lee.sam@outlook.example"


def masked_bytes(out: Any) -> bytes:
    assert isinstance(out, Masked), out
    parts = [out.record.value or b"", out.record.key or b"", out.audit.value or b"", out.audit.key or b""]
    parts += [v for _, v in out.record.headers + out.audit.headers]
    return b"\n".join(parts)


def event(**payload: Any) -> bytes:
    body = {"before": None, "after": None, "op": "c", "source": {"table": "contacts", "db": "crm"}}
    body.update(payload)
    return json.dumps(body).encode()


def message(**fields: Any) -> bytes:
    body = {"message_id": "m-1", "channel": "web_widget", "text": "hello", "tenant_id": "acme"}
    body.update(fields)
    return json.dumps(body).encode()


def one(value: bytes, **kw: Any) -> Any:
    (out,) = run(masker(), [record(value, **kw)])
    return out


@pytest.mark.parametrize(
    "value",
    [
        event(afternull={"email": EMAIL, "notes": f"card {CARD}"}),  # a mutated `after` key
        event(**{"after,": {"email": EMAIL}}),
        event(source={"table": "contacts", "db": "crm", "query": f"UPDATE contacts SET email='{EMAIL}'"}),
        event(source={"table": EMAIL, "db": "crm"}),  # a known source field of the wrong shape
        event(source={"table": "contacts", "sequence": f'["{CARD}", "x{EMAIL}"]'}),
        event(transaction={"id": EMAIL, "total_order": 1}),
        event(comment=f"written by {EMAIL}"),  # an unexpected top-level field
        event(after={"id": 1, "nested": {"deeper": [{"x": EMAIL}]}}),
        json.dumps({"schema": {"type": "struct", "doc": EMAIL}, "payload": json.loads(event())}).encode(),
        json.dumps(
            {
                "schema": {"type": "struct", "fields": [{"field": "x", "default": EMAIL}]},
                "payload": json.loads(event()),
            }
        ).encode(),
        json.dumps({"payload": json.loads(event()), "extra": {"who": EMAIL}}).encode(),
    ],
)
def test_unknown_keys_and_odd_shapes_in_change_events_are_detected(value: bytes) -> None:
    out = one(value)
    body = masked_bytes(out)
    assert EMAIL.encode() not in body and CARD.encode() not in body
    assert b"<EMAIL_ADDRESS>" in body or b"<CREDIT_CARD>" in body


def test_personal_data_in_object_keys_is_masked_and_paths_name_the_masked_key() -> None:
    out = one(event(after={"id": 1, EMAIL: "yes", "tags": {OTHER_EMAIL: {"k": 1}}}))
    body = masked_bytes(out)
    assert EMAIL.encode() not in body and OTHER_EMAIL.encode() not in body
    after = json.loads(out.record.value)["after"]
    names = list(after)
    assert names[0] == "id" and names[1].startswith("<EMAIL_ADDRESS>")
    assert after[names[1]] == "yes"  # the value stays under its renamed key
    audit = json.loads(out.audit.value)
    assert all(EMAIL not in d["path"] for d in audit["detections"])


def test_metadata_keys_of_support_messages_are_masked() -> None:
    out = one(message(metadata={EMAIL: "vip", "plain": {"nested": OTHER_EMAIL}}), topic="support.messages")
    body = masked_bytes(out)
    assert EMAIL.encode() not in body and OTHER_EMAIL.encode() not in body
    metadata = json.loads(out.record.value)["metadata"]
    assert "plain" in metadata and any(k.startswith("<EMAIL_ADDRESS>") for k in metadata)


def test_keys_that_mask_alike_are_rejected_not_merged() -> None:
    # The fake policy redacts the `messaging` channel: both keys would become `<EMAIL_ADDRESS>`.
    out = one(message(channel="messaging", metadata={EMAIL: 1, OTHER_EMAIL: 2}), topic="support.messages")
    assert isinstance(out, Rejected) and out.reason == "bad_schema"
    assert EMAIL not in out.detail and OTHER_EMAIL not in out.detail


@pytest.mark.parametrize(
    "number", [int(CARD), -int(CARD), float(CARD), 4.111111111111111e15, -4.111111111111111e15]
)
def test_card_numbers_in_any_numeric_form_are_detected(number: float) -> None:
    out = one(event(after={"id": 1, "unruled": number}))
    after = json.loads(out.record.value)["after"]
    assert isinstance(after["unruled"], str) and "<CREDIT_CARD>" in after["unruled"], after
    assert CARD.encode() not in masked_bytes(out)


def test_short_numbers_and_structural_fields_are_left_alone() -> None:
    value = event(
        after={"id": 1, "amount": 12.5, "age": 37, "ratio": 0.25},
        source={"table": "contacts", "db": "crm", "lsn": 24023928, "ts_ms": 1_700_000_000_000,
                "sequence": '["24023928","24023928"]', "connector": "postgresql", "version": "2.5.0.Final"},
        ts_ms=1_700_000_000_000,
    )  # fmt: skip
    out = one(value)
    body = json.loads(out.record.value)
    assert body["after"] == {"id": 1, "amount": 12.5, "age": 37, "ratio": 0.25}
    assert body["source"]["lsn"] == 24023928 and body["source"]["sequence"] == '["24023928","24023928"]'
    assert json.loads(out.audit.value)["detections"] == []


@pytest.mark.parametrize("name", ["message_id", "conversation_id"])
def test_ids_of_messages_that_are_not_identifiers_are_detected(name: str) -> None:
    out = one(message(**{name: f"<{EMAIL}>"}), topic="support.messages")
    assert EMAIL.encode() not in masked_bytes(out)
    assert json.loads(out.record.value)[name].startswith("<<EMAIL_ADDRESS>")


@pytest.mark.parametrize(
    "fields", [{"channel": EMAIL}, {"ts": EMAIL}, {"ts": int(CARD)}, {"tenant_id": EMAIL}, {EMAIL: "x"}]
)
def test_structural_message_fields_of_the_wrong_shape_are_rejected_without_echo(
    fields: dict[str, Any],
) -> None:
    out = one(message(**fields), topic="support.messages")
    assert isinstance(out, Rejected) and out.reason == "bad_schema"
    assert EMAIL not in out.detail and CARD not in out.detail


def test_schema_errors_never_name_a_field_the_input_made_up() -> None:
    with pytest.raises(RecordError) as err:
        support_message_from({"message_id": "m", "channel": "c", "text": "t", CARD: 1})
    assert CARD not in str(err.value) and "<unexpected field>" in err.value.detail


def test_deep_records_go_to_the_dlq_and_the_batch_goes_on() -> None:
    deep_parse = b'{"after": ' + b"[" * 5000 + b"]" * 5000 + b', "op": "c"}'
    deep_walk = event(after={"id": 1, "x": json.loads("[" * 200 + "]" * 200)})
    good = event(after={**ROW})
    outs = run(masker(), [record(good, offset=0), record(deep_parse, offset=1), record(deep_walk, offset=2),
                          record(good, offset=3)])  # fmt: skip
    assert isinstance(outs[0], Masked) and isinstance(outs[3], Masked)
    assert [o.reason for o in outs[1:3]] == ["too_deep", "too_deep"]
    with pytest.raises(RecordError, match="too_deep"):
        load_value(b"[" * 100_000 + b"]" * 100_000)


def test_any_exception_while_planning_one_record_rejects_only_that_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = masker()
    real = m._collect_change_event

    def flaky(plan: Any, body: Any, lang: str) -> None:
        if plan.record.offset == 1:
            raise KeyError("boom")
        real(plan, body, lang)

    monkeypatch.setattr(m, "_collect_change_event", flaky)
    outs = run(m, [record(event(after=ROW), offset=i) for i in range(3)])
    assert isinstance(outs[0], Masked) and isinstance(outs[2], Masked)
    assert (
        isinstance(outs[1], Rejected) and outs[1].reason == "internal" and outs[1].error_class == "KeyError"
    )


def test_texts_beyond_the_detection_limit_are_rejected_with_a_reason() -> None:
    from detectors.pipeline import MAX_CHARS

    out = one(message(text="word " * (MAX_CHARS // 5 + 10)), topic="support.messages")
    assert isinstance(out, Rejected) and out.reason == "too_large"
    assert f"detection limit of {MAX_CHARS}" in out.detail


def test_detection_failures_say_why_without_content() -> None:
    numbers = " and ".join(f"{n:07d}" for n in range(1_200))  # distinct number sequences beyond the limit
    out = one(message(text=numbers), topic="support.messages")
    assert isinstance(out, Rejected) and out.reason == "detect_failed"
    assert "distinct phone-like numbers" in out.detail and "0000001" not in out.detail
