"""The masking core without servers: a deterministic in-memory tokenizer stands in for the vault."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from _stream_fakes import CARD, EMAIL, NAME, PHONE, ROW, FakeTokens, cdc, masker, record, run

from detectors import Document, Policy, Span, default_pipeline
from streams.kafka import REPLAY_HEADER, InRecord
from streams.masking import Masked, Rejected
from streams.records import MAX_RECORD_BYTES
from vault.errors import VaultUnavailableError


def all_bytes(out: Masked) -> bytes:
    parts = [out.record.value or b"", out.record.key or b"", out.audit.value or b"", out.audit.key or b""]
    parts += [v for _, v in out.record.headers + out.audit.headers]
    return b"\n".join(parts)


def test_cdc_event_is_masked_by_field_rules_and_detection() -> None:
    (out,) = run(masker(), [record(cdc(ROW, before={**ROW, "email": "old.address@example.org"}))])
    assert isinstance(out, Masked)
    body = json.loads(out.record.value)
    assert body["op"] == "u" and body["source"]["table"] == "contacts"
    after, before = body["after"], body["before"]
    assert after["email"].startswith("<EMAIL_ADDRESS>") and after["full_name"].startswith("<PERSON>")
    assert isinstance(after["phone"], str) and after["phone"].startswith("<PHONE_NUMBER>")
    assert after["segment"] == "gold" and after["id"] == 42 and after["age"] == 37
    assert "<PHONE_NUMBER>" in after["notes"] and "<CREDIT_CARD>" in after["notes"]
    assert after["notes"].startswith("Called from <PHONE_NUMBER>")
    assert before["email"].startswith("<EMAIL_ADDRESS>") and before["email"] != after["email"]
    assert before["full_name"] == after["full_name"]  # deterministic per value
    for raw in (EMAIL, PHONE, CARD, NAME, "old.address", "4155550134"):
        assert raw.encode() not in all_bytes(out)
    assert out.record.topic == "masked.crm.contacts" and out.record.partition == 2
    assert out.record.key == b'{"id":42}'


def test_wrapped_envelope_keeps_its_shape_and_schema_block() -> None:
    (out,) = run(masker(), [record(cdc(ROW, wrapped=True))])
    body = json.loads(out.record.value)
    assert body["schema"] == {"type": "struct"}
    assert body["payload"]["after"]["email"].startswith("<EMAIL_ADDRESS>")


def test_headers_carry_metadata_not_values_and_input_headers_are_dropped() -> None:
    (out,) = run(masker(), [record(cdc(ROW))])
    headers = dict(out.record.headers)
    assert "x-trace" not in headers
    assert headers["veilstream-tenant"] == b"acme"
    assert headers["veilstream-source"] == b"crm.cdc.contacts/2/0"
    assert headers["veilstream-policy-version"] == b"1"
    entities = json.loads(headers["veilstream-entities"])
    assert entities["EMAIL_ADDRESS"]["count"] == 2  # the column, and the address inside the notes
    assert 0 < entities["CREDIT_CARD"]["min_score"] <= entities["CREDIT_CARD"]["max_score"] <= 1


def test_audit_record_has_masked_body_and_detector_confidences() -> None:
    (out,) = run(masker(), [record(cdc(ROW))])
    audit = json.loads(out.audit.value)
    assert out.audit.topic == "veilstream.audit" and out.audit.key == b"crm.cdc.contacts/2/0"
    assert audit["masked"]["after"]["email"].startswith("<EMAIL_ADDRESS>")
    paths = {d["path"] for d in audit["detections"]}
    assert {"after.email", "after.notes", "after.phone"} <= paths
    assert all({"entity_type", "score", "stage", "start", "end"} <= d.keys() for d in audit["detections"])


def test_key_carrying_pii_is_masked_with_the_same_token() -> None:
    key = json.dumps({"email": EMAIL}).encode()
    (out,) = run(masker(), [record(cdc(ROW), key=key)])
    masked_key = json.loads(out.record.key)["email"]
    assert masked_key == json.loads(out.record.value)["after"]["email"]
    (text_key,) = run(masker(), [record(cdc(ROW), key=EMAIL.encode())])
    assert text_key.record.key.startswith(b"<EMAIL_ADDRESS>")


def test_tombstone_passes_through_with_its_key() -> None:
    (out,) = run(masker(), [record(None)])
    assert isinstance(out, Masked) and out.record.value is None and out.record.key == b'{"id":42}'


def test_replay_is_identical() -> None:
    batch = [record(cdc(ROW), offset=i) for i in range(3)]
    first, second = run(masker(), batch), run(masker(), batch)
    assert [o.record for o in first] == [o.record for o in second]


def message(text: str, channel: str = "web_widget", **extra: Any) -> bytes:
    body = {"message_id": "m1", "channel": channel, "conversation_id": "c9", "text": text, **extra}
    return json.dumps(body).encode()


def test_support_message_is_tokenized_or_redacted_per_channel() -> None:
    text = f"Hi, I'm at {EMAIL} or {PHONE}"
    m = masker()
    tok, red = run(
        m,
        [
            record(message(text, sender=EMAIL), topic="support.messages", key=b"c9"),
            record(message(text, "messaging"), topic="support.messages", key=b"c9", offset=1),
        ],
    )
    tokenized, redacted = json.loads(tok.record.value), json.loads(red.record.value)
    assert "<EMAIL_ADDRESS>" in tokenized["text"] and "</EMAIL_ADDRESS>" in tokenized["text"]
    assert tokenized["sender"].startswith("<EMAIL_ADDRESS>")
    assert redacted["text"] == "Hi, I'm at <EMAIL_ADDRESS> or <PHONE_NUMBER>"
    assert dict(red.record.headers)["veilstream-mode"] == b"redact"
    assert tok.record.topic == "masked.support.messages" and tok.record.key == b"c9"
    assert tokenized["message_id"] == "m1" and tokenized["conversation_id"] == "c9"


def test_message_metadata_strings_are_scanned() -> None:
    (out,) = run(
        masker(), [record(message("hello", metadata={"from": EMAIL, "n": 3}), topic="support.messages")]
    )
    meta = json.loads(out.record.value)["metadata"]
    assert meta["from"].startswith("<EMAIL_ADDRESS>") and meta["n"] == 3


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"{not json", "bad_json"),
        (b"\xff\xfe{}", "bad_utf8"),
        (json.dumps({"op": "x"}).encode(), "bad_schema"),
        (b"[1, 2]", "bad_schema"),
        (b"{" + b" " * MAX_RECORD_BYTES + b"}", "too_large"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(value: bytes, reason: str) -> None:
    (out,) = run(masker(), [record(value)])
    assert isinstance(out, Rejected) and out.reason == reason
    assert EMAIL not in out.detail


def test_tenant_rules() -> None:
    rows = [
        record(cdc(ROW), tenant=b"globex"),  # a tenant without a policy
        record(cdc({**ROW, "tenant_id": None}), tenant=None),  # none at all
        record(cdc({**ROW, "tenant_id": None}), tenant=b"../etc"),  # malformed header: ignored
        record(cdc(ROW), tenant=None),  # from the row's tenant_id
    ]
    unknown, none, garbage, from_field = run(masker(), rows)
    assert isinstance(unknown, Rejected) and unknown.reason == "unknown_tenant" and unknown.tenant is None
    assert isinstance(none, Rejected) and none.reason == "no_tenant"
    assert isinstance(garbage, Rejected) and garbage.reason == "no_tenant"
    assert isinstance(from_field, Masked)
    (defaulted,) = run(masker(default_tenant="acme"), [rows[1]])
    assert isinstance(defaulted, Masked)


def test_undecodable_key_and_unknown_topic_are_rejected() -> None:
    bad_key, stray = run(
        masker(), [record(cdc(ROW), key=b"\xff\x00"), record(cdc(ROW), topic="crm.cdc.other")]
    )
    assert isinstance(bad_key, Rejected) and bad_key.reason == "bad_key"
    assert isinstance(stray, Rejected) and stray.reason == "unknown_topic"


def test_a_detection_failure_rejects_only_its_record() -> None:
    pipeline = default_pipeline()

    def detect(docs: Sequence[Document]) -> list[list[Span]]:
        if any("BOOM" in d.text for d in docs):
            raise RuntimeError("detector broke")
        return pipeline.detect_many(docs)

    ok, bad, ok2 = run(
        masker(detect=detect),
        [record(cdc(ROW)), record(cdc({**ROW, "notes": "BOOM"}), offset=1), record(cdc(ROW), offset=2)],
    )
    assert isinstance(ok, Masked) and isinstance(ok2, Masked)
    assert isinstance(bad, Rejected) and bad.reason == "detect_failed" and bad.error_class == "RuntimeError"


def test_a_record_that_cannot_be_tokenized_is_rejected_alone() -> None:
    tokens = FakeTokens(poison="poison")
    ok, bad = run(
        masker(tokens), [record(cdc(ROW)), record(cdc({**ROW, "notes": f"poison {EMAIL}"}), offset=1)]
    )
    assert isinstance(ok, Masked)
    assert isinstance(bad, Rejected) and bad.reason == "tokenize_failed"


def test_vault_outage_propagates_so_the_batch_is_retried() -> None:
    with pytest.raises(VaultUnavailableError):
        run(masker(FakeTokens(fail=VaultUnavailableError("down"))), [record(cdc(ROW))])


def test_one_vault_call_per_tenant_per_batch() -> None:
    tokens = FakeTokens()
    run(masker(tokens), [record(cdc(ROW), offset=i) for i in range(50)])
    assert len(tokens.calls) == 1


def test_field_ruled_columns_do_not_go_through_detection() -> None:
    seen: list[str | None] = []
    pipeline = default_pipeline()

    def detect(docs: Sequence[Document]) -> list[list[Span]]:
        seen.extend(d.field for d in docs)
        return pipeline.detect_many(docs)

    ruled = {"id": 7, "email": EMAIL, "full_name": NAME, "phone": PHONE, "segment": "gold"}
    m = masker(detect=detect)
    run(m, [record(cdc(ruled), key=None)])  # the first event's column names are detected once
    assert seen == [None] * len(ruled)  # the names of `after` (`before` is null)
    seen.clear()
    (only_rules,) = run(m, [record(cdc(ruled), key=None)])
    assert isinstance(only_rules, Masked) and seen == []  # no thread hop for a fully ruled row
    after = json.loads(only_rules.record.value)["after"]
    assert after["email"].startswith("<EMAIL_ADDRESS>") and after["phone"].startswith("<PHONE_NUMBER>")
    run(m, [record(cdc({**ruled, "notes": f"mail {EMAIL}"}), key=None)])
    assert seen == [None, "contacts.notes"]  # the new column's name, and its value


def test_integers_beyond_64_bits_keep_every_digit() -> None:
    big = 123456789012345678901234567890  # a Debezium NUMERIC can carry one
    row = {**ROW, "balance": big, "small": -(2**63)}
    (out,) = run(masker(), [record(cdc(row))])
    assert isinstance(out, Masked)
    assert b'"balance":123456789012345678901234567890' in out.record.value
    after = json.loads(out.record.value)["after"]
    assert after["balance"] == big and after["small"] == -(2**63)
    assert json.loads(out.audit.value)["masked"]["after"]["balance"] == big


def test_small_batches_are_detected_on_the_loop_big_ones_in_the_detection_thread() -> None:
    import threading

    threads: list[str] = []
    pipeline = default_pipeline()

    def detect(docs: Sequence[Document]) -> list[list[Span]]:
        threads.append(threading.current_thread().name)
        return pipeline.detect_many(docs)

    run(masker(detect=detect), [record(cdc(ROW))])
    many = [record(cdc({**ROW, "notes": f"{i} mail {EMAIL} " * 20}), offset=i) for i in range(5)]
    run(masker(detect=detect), many)
    assert threads[0] == "MainThread" and threads[1].startswith("veilstream-detect")


FIELD_POLICY = Policy.model_validate(
    {
        "tenant": "acme",
        "fields": {
            "contacts.email": "EMAIL",
            "contacts.notes": "detect",
            "contacts.segment": "keep",
            "contacts.account": "IBAN",
            "contacts.tag": "CUSTOMER_TIER",
        },
        # a field rule's class is builtin or declared: CUSTOMER_TIER is a custom entity
        "custom": [{"name": "CUSTOMER_TIER", "dictionary": ["tier-unused-in-these-texts"]}],
        "entities": {"IBAN_CODE": False},
    }
)


@pytest.mark.parametrize("text", ["", " ", "\t\n", "Jane", " Jane ", "é", "a" * 300, "\u00a0"])
@pytest.mark.parametrize(
    "field",
    [
        None,
        "contacts.email",
        "contacts.notes",
        "contacts.segment",
        "contacts.account",
        "contacts.tag",
        "contacts.x",
    ],
)
def test_rule_spans_are_those_of_field_rule(text: str, field: str | None) -> None:
    from detectors.pipeline import field_rule, rule_spans

    rule = FIELD_POLICY.fields.get(field) if field is not None else None
    expected = field_rule(Document(text, "en", field, FIELD_POLICY), FIELD_POLICY)
    assert rule_spans(text, rule, FIELD_POLICY) == expected
    assert rule_spans(text, rule, FIELD_POLICY) == expected  # the memoized span too


def test_replay_reference_needs_a_well_formed_header() -> None:
    plain = record(cdc(ROW))
    assert plain.replay_of is None
    replayed = InRecord(plain.topic, 0, 0, None, None, ((REPLAY_HEADER, b"crm.cdc.contacts/1/99"),))
    assert replayed.replay_of == "crm.cdc.contacts/1/99"
    for bad in (b"", b"nope", b"a/b/c", "é/1/2".encode()):
        assert InRecord(plain.topic, 0, 0, None, None, ((REPLAY_HEADER, bad),)).replay_of is None
