"""The pipeline: field rules, stage toggles, batches, limits and the slot for a batch stage (NER)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from detectors import (
    BatchStage,
    DetectorsError,
    Document,
    Pipeline,
    Span,
    Stage,
    default_pipeline,
    parse_policy,
    redact,
)
from detectors.custom import CustomStage
from detectors.patterns import PatternStage, contact
from detectors.spoken import SpokenStage

EMAIL = contact.EMAIL.score

FIELDS = {
    "tenant": "acme",
    "entities": {"ORG": False},
    "fields": {
        "contacts.email": "EMAIL",
        "contacts.full_name": "PERSON",
        "contacts.company": "ORG",
        "contacts.id": "keep",
        "tickets.body": "detect",
    },
}


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        # a field rule tags the whole value, without detection, at full confidence
        ("contacts.full_name", "Ana Ruiz", [(0, 8, "PERSON", 1.0, "fields")]),
        ("contacts.email", "not even an email", [(0, 17, "EMAIL_ADDRESS", 1.0, "fields")]),
        # keep: nothing masked, even what patterns would find
        ("contacts.id", "ana@example.com", []),
        # a field rule for a disabled class masks nothing
        ("contacts.company", "Acme Corp", []),
        # detect: the normal stages run
        ("tickets.body", "write to ana@example.com", [(9, 24, "EMAIL_ADDRESS", EMAIL, "patterns")]),
        # no rule for the column: the normal stages run
        ("tickets.subject", "write to ana@example.com", [(9, 24, "EMAIL_ADDRESS", EMAIL, "patterns")]),
        # an empty or blank value has nothing to mask
        ("contacts.full_name", "", []),
        ("contacts.full_name", "   ", []),
    ],
)
def test_field_rules(column: str, text: str, expected: list[tuple[int, int, str, float, str]]) -> None:
    policy = parse_policy(FIELDS)
    spans = default_pipeline(policy=policy).detect(Document(text, field=column, policy=policy))
    assert [(s.start, s.end, s.entity, s.score, s.stage) for s in spans] == expected


def test_field_rules_come_from_the_pipeline_default_policy_when_the_document_has_none() -> None:
    policy = parse_policy(FIELDS)
    spans = default_pipeline(policy=policy).detect(Document("Ana Ruiz", field="contacts.full_name"))
    assert [(s.entity, s.stage) for s in spans] == [("PERSON", "fields")]


@dataclass
class FakeStage:
    """A stage that reports the first word of each document and records what it saw."""

    name: str
    entity: str = "FAKE"
    seen: list[str] = field(default_factory=list)

    def detect(self, doc: Document) -> list[Span]:
        self.seen.append(doc.text)
        end = doc.text.find(" ")
        return [Span(0, end if end > 0 else len(doc.text), self.entity, 0.99, self.name)] if doc.text else []


@dataclass
class FakeBatchStage(FakeStage):
    """A batch stage (the NER slot): records each call's batch."""

    batches: list[list[str]] = field(default_factory=list)

    def detect_many(self, docs: Sequence[Document]) -> list[list[Span]]:
        self.batches.append([d.text for d in docs])
        return [self.detect(d) for d in docs]


def test_fake_stages_satisfy_the_protocols() -> None:
    assert isinstance(FakeStage("x"), Stage)
    assert not isinstance(FakeStage("x"), BatchStage)
    assert isinstance(FakeBatchStage("ner"), BatchStage)


def test_a_batch_stage_receives_all_pending_documents_in_one_call() -> None:
    policy = parse_policy({"tenant": "t", "fields": {"contacts.full_name": "PERSON", "contacts.id": "keep"}})
    ner = FakeBatchStage("ner", entity="PERSON")
    pipeline = default_pipeline(ner=ner, policy=policy)
    docs = [
        Document("Ana Ruiz called", policy=policy),
        Document("Ana Ruiz", field="contacts.full_name", policy=policy),  # field rule: not pending
        Document("Jo Smith wrote", lang="es", policy=policy),
        Document("x-123", field="contacts.id", policy=policy),  # keep: not pending
        Document("Li Wei here", policy=policy),
    ]
    results = pipeline.detect_many(docs)
    assert ner.batches == [["Ana Ruiz called", "Jo Smith wrote", "Li Wei here"]]
    assert [[(s.entity, s.stage) for s in r] for r in results] == [
        [("PERSON", "ner")],
        [("PERSON", "fields")],
        [("PERSON", "ner")],
        [],
        [("PERSON", "ner")],
    ]


def test_detect_many_keeps_the_input_order() -> None:
    texts = [f"mail user{i}@example.com now" if i % 2 else f"nothing {i}" for i in range(20)]
    results = default_pipeline().detect_many([Document(t) for t in texts])
    assert len(results) == len(texts)
    for text, spans in zip(texts, results, strict=True):
        assert [text[s.start : s.end] for s in spans] == ([text.split()[1]] if "@" in text else [])
    assert results == [default_pipeline().detect(Document(t)) for t in texts]


def test_detect_many_of_nothing() -> None:
    assert default_pipeline().detect_many([]) == []


def test_the_pipeline_runs_without_a_ner_stage() -> None:
    pipeline = default_pipeline()
    assert [type(s) for s in pipeline.stages] == [PatternStage, SpokenStage, CustomStage]
    assert pipeline.detect(Document("Ana Ruiz, ana@example.com"))[0].entity == "EMAIL_ADDRESS"


@pytest.mark.parametrize(
    ("stages", "seen_patterns", "seen_custom", "seen_ner"),
    [
        ({}, True, True, True),
        ({"patterns": False}, False, True, True),
        ({"custom": False}, True, False, True),
        ({"ner": False}, True, True, False),
        ({"patterns": False, "custom": False, "ner": False}, False, False, False),
    ],
)
def test_stage_toggles_from_the_policy(
    stages: dict[str, bool], seen_patterns: bool, seen_custom: bool, seen_ner: bool
) -> None:
    policy = parse_policy({"tenant": "t", "stages": stages})
    patterns, custom, ner = FakeStage("patterns"), FakeStage("custom"), FakeBatchStage("ner")
    Pipeline([patterns, custom, ner], default_policy=policy).detect(Document("hello", policy=policy))
    assert (bool(patterns.seen), bool(custom.seen), bool(ner.seen)) == (seen_patterns, seen_custom, seen_ner)


def test_stage_toggles_from_an_environment_override() -> None:
    policy = parse_policy(
        {"tenant": "t", "overrides": [{"environment": "dev", "stages": {"ner": False}}]}
    ).resolve(environment="dev")
    ner = FakeBatchStage("ner")
    Pipeline([ner]).detect(Document("hello", policy=policy))
    assert ner.seen == []


def test_disabling_the_pattern_stage_in_the_policy_stops_pattern_detection() -> None:
    policy = parse_policy({"tenant": "t", "stages": {"patterns": False}})
    assert default_pipeline(policy=policy).detect(Document("ana@example.com", policy=policy)) == []


def test_disabled_entity_is_not_detected() -> None:
    policy = parse_policy({"tenant": "t", "entities": {"EMAIL": "off"}})
    text = "ana@example.com, 4111 1111 1111 1111"
    spans = default_pipeline(policy=policy).detect(Document(text, policy=policy))
    assert [s.entity for s in spans] == ["CREDIT_CARD"]


def test_strict_mode_keeps_what_balanced_drops() -> None:
    text = "passport? AB1234567 maybe, 123456789"
    balanced = default_pipeline().detect(Document(text))
    strict_policy = parse_policy({"tenant": "t", "mode": "strict"})
    strict = default_pipeline(policy=strict_policy).detect(Document(text, policy=strict_policy))
    assert {(s.start, s.end) for s in balanced} < {(s.start, s.end) for s in strict}
    assert all(s.score > 0 for s in strict)


def test_max_chars_fails_the_batch_without_the_text() -> None:
    pipeline = Pipeline([PatternStage()], max_chars=100)
    secret = "ana@example.com " * 10
    with pytest.raises(DetectorsError) as info:
        pipeline.detect(Document(secret))
    assert "exceeds the 100 limit" in str(info.value)
    assert "ana@" not in str(info.value)
    assert pipeline.detect(Document(secret[:100])) != []


def test_spans_from_all_stages_are_gated_and_merged() -> None:
    text = "Ana Ruiz ana@example.com"
    person = FakeBatchStage("ner", entity="PERSON")
    spans = default_pipeline(ner=person).detect(Document(text))
    # the name span grows over the surname right after it (`grow_names`)
    assert [(s.start, s.end, s.entity) for s in spans] == [(0, 8, "PERSON"), (9, 24, "EMAIL_ADDRESS")]
    assert redact(text, spans) == "<PERSON> <EMAIL_ADDRESS>"


def test_documents_are_immutable() -> None:
    doc = Document("x")
    with pytest.raises(AttributeError):
        doc.text = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": 5, "end": 5}, "invalid span range"),
        ({"start": -1, "end": 5}, "invalid span range"),
        ({"start": 6, "end": 5}, "invalid span range"),
        ({"score": 1.01}, "outside [0, 1]"),
        ({"score": -0.1}, "outside [0, 1]"),
    ],
)
def test_span_rejects_bad_values(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"start": 0, "end": 3, "entity": "X", "score": 0.5, "stage": "s"} | kwargs
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Span(**args)


def test_span_json_contract() -> None:
    assert Span(1, 4, "EMAIL_ADDRESS", 0.912345, "patterns").to_json() == {
        "start": 1,
        "end": 4,
        "entity_type": "EMAIL_ADDRESS",
        "score": 0.9123,
        "stage": "patterns",
    }


def test_importing_detectors_does_not_import_flair_or_torch() -> None:
    code = (
        "import sys, detectors, detectors.patterns, detectors.custom, detectors.ner\n"
        "from detectors import default_pipeline, Document\n"
        "default_pipeline().detect(Document('ana@example.com'))\n"
        "stage = detectors.ner.load_default(required=False)  # unloaded until first use\n"
        "assert stage is None or stage.name == 'ner'\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'flair', 'torch', 'transformers'})\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "version 10.0.19045.3803 installed"),
        ("en", "Order #123-45-6789 shipped"),
        ("en", "at 14:32:05 for $1,299.00"),
        ("de", "SKU 4006381333931, Preis 1.299,00 €"),
        ("fr", "le 03/04/2023 à 10h, commande 884213"),
        ("en", "MAC 00:1A:2B:3C:4D:5E, time 12:34:56:78"),
        ("es", "Pedido 4111111111111111 enviado"),
        ("en", "Meeting on 15/03/1985, invoice 2024-0042"),
        ("pt", "Fatura FT 2024/7962 de 12/05/2024"),
    ],
)
def test_hard_negatives_give_no_spans_in_balanced_mode(lang: str, text: str) -> None:
    assert default_pipeline().detect(Document(text, lang)) == []


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "mail john@example.com.", [("john@example.com", "EMAIL_ADDRESS")]),
        ("en", "host 93.184.216.34:8080", [("93.184.216.34", "IP_ADDRESS")]),
        ("en", "[2001:db8::1]:443", [("2001:db8::1", "IP_ADDRESS")]),
        ("en", "tel:+14155552671", [("+14155552671", "PHONE_NUMBER")]),
        (
            "pt",
            "João, CPF 123.456.789-09, nascido em 12/05/1990.",
            [("123.456.789-09", "BR_CPF"), ("12/05/1990", "DATE_OF_BIRTH")],
        ),
        (
            "en",
            "Customer called from (415) 555-2671 about card 4111 1111 1111 1111. Reply to j.h@example.com.",
            [
                ("(415) 555-2671", "PHONE_NUMBER"),
                ("4111 1111 1111 1111", "CREDIT_CARD"),
                ("j.h@example.com", "EMAIL_ADDRESS"),
            ],
        ),
    ],
)
def test_values_next_to_punctuation(lang: str, text: str, expected: list[tuple[str, str]]) -> None:
    spans = default_pipeline().detect(Document(text, lang))
    assert [(text[s.start : s.end], s.entity) for s in spans] == expected
