"""`detectors.evaluation`: dataset loading, label mapping, token-level metrics, `veilstream eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detectors import Policy, Span, default_pipeline, entities
from detectors.evaluation import DatasetError, evaluate, gold_class, load_dataset, producible, score
from detectors.evaluation.dataset import parse_records
from detectors.evaluation.report import to_json
from detectors.evaluation.scoring import OUTSIDE, token_labels, tokens
from veilstream.cli import app

TEXT = "Mail ann@x.io or call 555 0100 today"
#        0    5   9 11 14 17   22  26   31


def _record(text: str, spans: list[tuple[int, int, str]], lang: str | None = None) -> dict[str, object]:
    record: dict[str, object] = {
        "full_text": text,
        "spans": [
            {"entity_type": e, "start_position": s, "end_position": t, "entity_value": text[s:t]}
            for s, t, e in spans
        ],
    }
    if lang:
        record["lang"] = lang
    return record


def _pred(start: int, end: int, entity: str) -> Span:
    return Span(start, end, entity, 0.9, "patterns")


COVERED = frozenset({entities.EMAIL_ADDRESS, entities.PHONE_NUMBER, entities.CREDIT_CARD})


@pytest.fixture
def worked_example():
    """Nine tokens; gold EMAIL on 3 of them and PHONE on 2.

    Predicted: EMAIL on `ann@x` (io missed), CREDIT_CARD on the phone number (wrong class),
    PHONE on `today` (a false positive on an O token).
    """
    records = parse_records([_record(TEXT, [(5, 13, "EMAIL_ADDRESS"), (22, 30, "PHONE_NUMBER")])])
    pred = [[_pred(5, 10, "EMAIL_ADDRESS"), _pred(22, 30, "CREDIT_CARD"), _pred(31, 36, "PHONE_NUMBER")]]
    return score(records, pred, COVERED)


# --- tokens and labels ------------------------------------------------------------------------


def test_tokens_are_runs_of_letters_and_digits():
    assert [TEXT[s:e] for s, e in tokens(TEXT)] == [
        "Mail",
        "ann",
        "x",
        "io",
        "or",
        "call",
        "555",
        "0100",
        "today",
    ]
    assert tokens("née 15/03 Zoë") == [(0, 3), (4, 6), (7, 9), (10, 13)]


def test_a_token_takes_the_class_of_any_span_overlapping_it():
    toks = tokens(TEXT)
    labels = token_labels(toks, [(6, 7, "EMAIL_ADDRESS"), (27, 28, "PHONE_NUMBER")])
    assert labels == [
        OUTSIDE,
        "EMAIL_ADDRESS",
        OUTSIDE,
        OUTSIDE,
        OUTSIDE,
        OUTSIDE,
        OUTSIDE,
        "PHONE_NUMBER",
        OUTSIDE,
    ]


# --- hand-computed metrics ----------------------------------------------------------------------


def test_per_entity_counts_and_rates(worked_example):
    email = worked_example.confusion.entity("EMAIL_ADDRESS")
    assert (email.tp, email.fp, email.fn, email.tn) == (2, 0, 1, 6)
    assert email.precision == 1.0
    assert email.recall == pytest.approx(2 / 3)
    assert email.f1 == pytest.approx(0.8)
    assert email.fpr == 0.0

    phone = worked_example.confusion.entity("PHONE_NUMBER")
    assert (phone.tp, phone.fp, phone.fn, phone.tn) == (0, 1, 2, 6)
    assert (phone.precision, phone.recall, phone.f1) == (0.0, 0.0, 0.0)
    assert phone.fpr == pytest.approx(1 / 7)

    card = worked_example.confusion.entity("CREDIT_CARD")
    assert (card.tp, card.fp, card.fn, card.tn) == (0, 2, 0, 7)
    assert card.support == 0
    assert card.fpr == pytest.approx(2 / 9)


def test_micro_is_type_aware(worked_example):
    micro = worked_example.confusion.micro()
    # A token with the wrong class is both a false positive and a false negative.
    assert (micro.tp, micro.fp, micro.fn, micro.tn) == (2, 3, 3, 3)
    assert micro.precision == pytest.approx(0.4)
    assert micro.recall == pytest.approx(0.4)


def test_pii_is_type_agnostic_and_overall_fpr_counts_gold_o_tokens(worked_example):
    pii = worked_example.confusion.pii()
    assert (pii.tp, pii.fp, pii.fn, pii.tn) == (4, 1, 1, 3)
    assert pii.precision == pytest.approx(0.8)
    assert pii.recall == pytest.approx(0.8)
    assert worked_example.confusion.false_positive_rate() == pytest.approx(1 / 4)


def test_entity_level_counts(worked_example):
    spans = worked_example.spans
    assert (spans.gold["EMAIL_ADDRESS"], spans.found["EMAIL_ADDRESS"]) == (1, 1)
    assert (spans.gold["PHONE_NUMBER"], spans.found["PHONE_NUMBER"]) == (1, 0)
    # the phone number is covered by a CREDIT_CARD span: found under no class of its own, but masked
    assert (spans.masked["EMAIL_ADDRESS"], spans.masked["PHONE_NUMBER"]) == (1, 1)
    assert (spans.predicted["PHONE_NUMBER"], spans.correct["PHONE_NUMBER"]) == (1, 0)


def test_masked_recall_counts_a_gold_span_covered_by_any_class_and_only_those():
    text = "call 555 0100 or 555 0199 or 555 0123"
    records = parse_records(
        [_record(text, [(5, 13, "PHONE_NUMBER"), (17, 25, "PHONE_NUMBER"), (29, 37, "PHONE_NUMBER")])]
    )
    pred = [[_pred(5, 13, "PHONE_NUMBER"), _pred(20, 25, "CREDIT_CARD")]]  # the third: nothing
    result = score(records, pred, COVERED)
    level = to_json(result)["entity_level"]["PHONE_NUMBER"]
    assert (level["gold"], level["found"], level["masked"]) == (3, 1, 2)
    assert (level["recall"], level["masked_recall"]) == (round(1 / 3, 4), round(2 / 3, 4))


def test_per_language_split():
    records = parse_records(
        [
            _record("mail a@b.io", [(5, 11, "EMAIL_ADDRESS")], "es"),
            _record("mail c@d.io", [(5, 11, "EMAIL_ADDRESS")]),
        ],
        default_lang="de",
    )
    scores = score(records, [[_pred(5, 11, "EMAIL_ADDRESS")], []], COVERED)
    assert set(scores.by_lang) == {"es", "de"}
    assert scores.by_lang["es"].micro().recall == 1.0
    assert scores.by_lang["de"].micro().recall == 0.0
    assert scores.confusion.micro().recall == pytest.approx(0.5)


# --- not-covered classes ------------------------------------------------------------------------


def test_not_covered_tokens_are_neither_true_nor_false_positives():
    text = "Ann Lee met on 12 May 2024"
    records = parse_records([_record(text, [(0, 7, "PERSON"), (15, 26, "DATE_TIME")])])
    # The pipeline flags the date as a birth date: ignored, since DATE_TIME is not covered.
    scores = score(records, [[_pred(15, 26, "DATE_OF_BIRTH")]], COVERED | {entities.DATE_OF_BIRTH})
    conf = scores.confusion
    assert conf.ignored == {"PERSON": 2, "DATE_TIME": 3}
    assert conf.ignored_predicted == {"DATE_TIME": 3}
    assert conf.total == 2  # `met`, `on`
    assert conf.pii().fp == 0
    assert conf.false_positive_rate() == 0.0
    assert scores.spans.predicted["DATE_OF_BIRTH"] == 0

    report = to_json(scores, "tiny")
    assert report["not_covered"]["tokens"] == {"DATE_TIME": 3, "PERSON": 2}
    assert "neither TP nor FP" in report["not_covered"]["note"]


def test_covered_classes_come_from_the_stages_and_the_policy():
    pipeline = default_pipeline()
    covered = producible(pipeline, Policy.default())
    assert {entities.EMAIL_ADDRESS, entities.US_SSN, entities.IBAN_CODE} <= covered
    assert entities.LOCATION not in covered  # no NER stage (PERSON: the name cues of the pattern stage)
    off = Policy.default().model_copy(update={"entities": {entities.EMAIL_ADDRESS: False}})
    assert entities.EMAIL_ADDRESS not in producible(pipeline, off)


def test_evaluate_runs_the_pipeline_in_batches():
    records = parse_records(
        [_record(f"write to user{i}@example.com", [(9, 9 + 16 + len(str(i)), "EMAIL")]) for i in range(5)]
    )
    seen: list[int] = []
    scores = evaluate(default_pipeline(), records, Policy.default(), batch=2, progress=seen.append)
    assert seen == [2, 2, 1]
    assert scores.confusion.entity("EMAIL_ADDRESS").recall == 1.0


# --- label mapping and loading --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("GPE", "LOCATION"),
        ("LOCATION", "LOCATION"),
        ("STREET_ADDRESS", "STREET_ADDRESS"),
        ("ORGANIZATION", "ORGANIZATION"),
        ("ORG", "ORGANIZATION"),
        ("PER", "PERSON"),
        ("EMAIL", "EMAIL_ADDRESS"),
        ("phone_number", "PHONE_NUMBER"),
        ("CARD", "CREDIT_CARD"),
        ("IBAN", "IBAN_CODE"),
        ("DOB", "DATE_OF_BIRTH"),
        ("DATE_TIME", "DATE_TIME"),
        ("TITLE", "TITLE"),
        ("US_DRIVER_LICENSE", "US_DRIVER_LICENSE"),
    ],
)
def test_gold_labels_map_to_canonical_classes(label, expected):
    assert gold_class(label) == expected


def test_load_dataset_defaults_the_language(tmp_path: Path):
    path = tmp_path / "set.json"
    path.write_text(json.dumps([_record("x", []), _record("y", [], "PT")]), encoding="utf-8")
    records = load_dataset(path, default_lang="fr")
    assert [r.lang for r in records] == ["fr", "pt"]


@pytest.mark.parametrize(
    "data",
    [
        {"full_text": "x"},
        [{"text": "x"}],
        [{"full_text": "abc", "spans": [{"entity_type": "PERSON", "start_position": 1, "end_position": 9}]}],
        [{"full_text": "abc", "spans": [{"entity_type": "PERSON", "start_position": 1}]}],
    ],
)
def test_malformed_datasets_raise_a_dataset_error(data):
    with pytest.raises(DatasetError):
        parse_records(data)


def test_errors_never_quote_the_text():
    private = "call 555 0100"
    with pytest.raises(DatasetError) as info:
        parse_records(
            [{"full_text": private, "spans": [{"entity_type": "X", "start_position": 0, "end_position": 99}]}]
        )
    assert private not in str(info.value)


# --- the command --------------------------------------------------------------------------------


def test_eval_command_json(tmp_path: Path):
    path = tmp_path / "tiny.json"
    path.write_text(
        json.dumps(
            [
                _record("write to ann@example.com now", [(9, 24, "EMAIL_ADDRESS")], "en"),
                _record(
                    "Sevilla: correo ana@example.es", [(0, 7, "LOCATION"), (16, 30, "EMAIL_ADDRESS")], "es"
                ),
            ]
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["eval", str(path), "--json", "--no-ner", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["records"] == 2
    assert report["entities"]["EMAIL_ADDRESS"]["recall"] == 1.0
    assert report["overall"]["fpr"] == 0.0
    assert set(report["languages"]) == {"en", "es"}
    assert report["not_covered"]["tokens"] == {"LOCATION": 1}


def test_eval_command_table_to_file(tmp_path: Path):
    path = tmp_path / "tiny.json"
    path.write_text(
        json.dumps([_record("IBAN GB82 WEST 1234 5698 7654 32", [(5, 32, "IBAN_CODE")])]), encoding="utf-8"
    )
    out = tmp_path / "report.txt"
    result = CliRunner().invoke(app, ["eval", str(path), "--no-ner", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = out.read_text(encoding="utf-8")
    assert "IBAN_CODE" in table
    assert "1.000" in table


def test_eval_command_bad_file(tmp_path: Path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(path), "--no-ner"])
    assert result.exit_code == 2


def _annotated(tmp_path: Path) -> Path:
    (tmp_path / "en.txt").write_text(
        "=== en-chat-001 chat\nmail [[jo@example.com|EMAIL_ADDRESS]] or call [[0151 224 5901|PHONE_NUMBER]]\n"
        "=== en-chat-002 chat\nmy card [[4111 1111 1111 1111|CREDIT_CARD]]\n"
        "=== en-sms-001 sms negative\norder 123 shipped\n"
        "=== en-sms-002 sms negative\nwrite to jo@example.com\n",
        encoding="utf-8",
    )
    return tmp_path


def test_annotated_text_loads_with_kinds_and_scores_texts_that_leak(tmp_path: Path) -> None:
    records = load_dataset(_annotated(tmp_path))
    assert [r.metadata["kind"] for r in records] == ["chat", "chat", "sms", "sms"]
    assert records[0].text == "mail jo@example.com or call 0151 224 5901"
    # Predicted: the email only (the phone leaks); nothing in the card text; the email in a negative.
    pred = [
        [Span(5, 19, entities.EMAIL_ADDRESS, 0.9, "t")],
        [],
        [],
        [Span(9, 23, entities.EMAIL_ADDRESS, 0.9, "t")],
    ]
    covered = {entities.EMAIL_ADDRESS, entities.PHONE_NUMBER, entities.CREDIT_CARD}
    scores = score(records, pred, covered)
    assert (scores.texts.with_pii, scores.texts.leaked) == (2, 2)
    assert (scores.texts.without_pii, scores.texts.over_masked) == (2, 1)
    report = to_json(scores)
    assert report["kinds"]["chat"]["texts"]["leak_rate"] == 1.0
    assert report["kinds"]["sms"]["texts"]["over_mask_rate"] == 0.5
    assert report["languages"]["en"]["texts"]["leaked"] == 2


def test_a_text_whose_personal_data_is_all_masked_does_not_leak(tmp_path: Path) -> None:
    records = load_dataset(_annotated(tmp_path))[1:2]
    scores = score(records, [[Span(8, 27, entities.CREDIT_CARD, 0.9, "t")]], {entities.CREDIT_CARD})
    assert (scores.texts.with_pii, scores.texts.leaked) == (1, 0)
