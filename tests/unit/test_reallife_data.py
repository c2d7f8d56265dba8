"""The hand-annotated real-life evaluation set: well formed, valid checksums, the promised coverage."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from detectors import entities
from detectors.evaluation.annotated import KINDS, Sample, load_samples, parse_text
from detectors.evaluation.dataset import DatasetError
from detectors.validators import VALIDATORS

ROOT = Path(__file__).resolve().parents[2] / "data" / "eval" / "reallife"
SPLITS = ("dev", "test")
LANGS = ("en", "es", "fr", "de", "pt")

#: Classes a sample may use.
LABELS = frozenset(entities.BUILTIN)

#: Checksummed classes and the validator each value must pass.
CHECKED = {
    entities.CREDIT_CARD: "credit_card",
    entities.IBAN_CODE: "iban",
    entities.US_SSN: "us_ssn",
    entities.ES_DNI: "es_dni",
    entities.ES_NIE: "es_nie",
    entities.FR_NIR: "fr_nir",
    entities.DE_TAX_ID: "de_idnr",
    entities.PT_NIF: "pt_nif",
    entities.BR_CPF: "br_cpf",
    entities.BR_CNPJ: "br_cnpj",
    entities.UK_NINO: "uk_nino",
    entities.UK_NHS: "uk_nhs",
}


def _split(split: str) -> list[Sample]:
    return load_samples(ROOT / split)


def _values(sample: Sample) -> list[tuple[str, str, str]]:
    """(class, surface, value to validate) of every span."""
    given = {(start, end): value for start, end, value in sample.values}
    return [
        (g.entity, sample.text[g.start : g.end], given.get((g.start, g.end), sample.text[g.start : g.end]))
        for g in sample.spans
    ]


@pytest.mark.parametrize("split", SPLITS)
def test_every_file_parses_with_known_labels(split: str) -> None:
    for sample in _split(split):
        assert sample.lang in LANGS, sample.id
        assert sample.id.startswith(f"{sample.lang}-{sample.kind}-"), sample.id
        for g in sample.spans:
            assert g.label in LABELS, (sample.id, g.label)


@pytest.mark.parametrize("split", SPLITS)
def test_checksummed_values_are_valid(split: str) -> None:
    bad = []
    for sample in _split(split):
        for entity, surface, value in _values(sample):
            if entity in CHECKED and not VALIDATORS[CHECKED[entity]](value):
                bad.append((sample.id, entity, surface if surface == value else f"{surface} = {value}"))
    assert not bad, bad


@pytest.mark.parametrize("split", SPLITS)
def test_given_birth_dates_are_dates(split: str) -> None:
    for sample in _split(split):
        for entity, surface, value in _values(sample):
            if entity == entities.DATE_OF_BIRTH and value != surface:
                dt.date.fromisoformat(value)


def test_ids_are_unique_across_splits() -> None:
    ids = [s.id for split in SPLITS for s in _split(split)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("split", SPLITS)
def test_coverage_per_language(split: str) -> None:
    samples = _split(split)
    for lang in LANGS:
        mine = [s for s in samples if s.lang == lang]
        kinds = Counter(s.kind for s in mine)
        assert set(kinds) == set(KINDS), (lang, kinds)
        assert min(kinds.values()) >= 8, (lang, kinds)
        negatives = sum(s.negative for s in mine)
        assert negatives >= len(mine) / 4, (lang, negatives, len(mine))
    assert len(samples) >= 200


def test_markup_errors_are_reported_by_line() -> None:
    with pytest.raises(DatasetError, match=r"f\.txt:1 \(en-chat-001\).*unbalanced"):
        parse_text("=== en-chat-001 chat\nhi [[dave|PERSON]\n", "f.txt")
    with pytest.raises(DatasetError, match="negative sample"):
        parse_text("=== en-chat-001 chat negative\nhi [[dave|PERSON]]\n", "f.txt")
    with pytest.raises(DatasetError, match="header"):
        parse_text("=== en chat\nhi\n", "f.txt")


def test_markup_offsets_point_at_the_surface() -> None:
    (sample,) = parse_text(
        "# a comment\n=== en-sms-001 sms\nhi [[Dave|PERSON]], card [[four one|CREDIT_CARD=41]] ok\n\n"
    )
    assert sample.text == "hi Dave, card four one ok"
    person, card = sample.spans
    assert sample.text[person.start : person.end] == "Dave"
    assert sample.text[card.start : card.end] == "four one"
    assert sample.values == ((card.start, card.end, "41"),)


TRAIN = Path(__file__).resolve().parents[2] / "data" / "train" / "reallife"


def test_training_texts_are_well_formed_valid_and_apart_from_the_evaluation_set() -> None:
    samples = load_samples(TRAIN)
    assert {s.lang for s in samples} == set(LANGS) and len(samples) >= 500
    bad = [
        (s.id, entity)
        for s in samples
        for entity, _, value in _values(s)
        if entity in CHECKED and not VALIDATORS[CHECKED[entity]](value)
    ]
    assert not bad, bad
    assert all(g.label in LABELS for s in samples for g in s.spans)
    evaluation = {s.text for split in SPLITS for s in _split(split)}
    assert not evaluation & {s.text for s in samples}  # no evaluation text is trained on
