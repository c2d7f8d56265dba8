"""The seeded multilingual generator behind data/eval/multilingual_v1.json (`training.synth`)."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest

from detectors import entities
from detectors.evaluation import load_dataset
from detectors.evaluation.scoring import TOKEN
from training.synth import _identifiers as ids
from training.synth import multilingual as synth

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "eval" / "multilingual_v1.json"
PER_LANG = 32  # two passes over each language's 16 templates
PATTERN_CLASSES = frozenset(ids.CHECKS) | {
    entities.EMAIL_ADDRESS,
    entities.PHONE_NUMBER,
    entities.DATE_OF_BIRTH,
}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return synth.generate(seed=11, per_lang=PER_LANG)


def _spans(records):
    for record in records:
        for span in record["spans"]:
            yield record, span


def test_same_seed_same_output(records):
    assert synth.dumps(synth.generate(seed=11, per_lang=PER_LANG)) == synth.dumps(records)


def test_another_seed_another_output(records):
    assert synth.generate(seed=12, per_lang=3) != records[:3]


def test_every_language_and_kind(records):
    assert Counter(r["lang"] for r in records) == dict.fromkeys(synth.LANGS, PER_LANG)
    kinds = {(r["lang"], r["metadata"]["kind"]) for r in records}
    assert kinds == {(lang, kind) for lang in synth.LANGS for kind in ("crm", "ticket", "chat", "email")}


def test_spans_match_their_text_and_do_not_overlap(records):
    for record in records:
        text, spans = record["full_text"], record["spans"]
        for span in spans:
            assert text[span["start_position"] : span["end_position"]] == span["entity_value"]
            assert span["entity_value"] == span["entity_value"].strip()
        ordered = sorted((s["start_position"], s["end_position"]) for s in spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ordered))


def test_every_labelled_identifier_validates(records):
    checked = Counter()
    for _, span in _spans(records):
        check = ids.CHECKS.get(span["entity_type"])
        if check is not None:
            assert check(span["entity_value"]), span["entity_type"]
            checked[span["entity_type"]] += 1
    assert set(checked) == set(ids.CHECKS)


def test_phone_numbers_are_valid_for_the_locale(records):
    for record, span in _spans(records):
        if span["entity_type"] != entities.PHONE_NUMBER:
            continue
        value = span["entity_value"]
        region = {"en_GB": "GB", "pt_BR": "BR"}.get(record["metadata"]["locale"])
        region = region or ids.PHONE_REGIONS[record["lang"]][0]
        number = phonenumbers.parse(value, region)
        assert phonenumbers.is_valid_number(number), value
        assert phonenumbers.region_code_for_number(number) == region


def test_national_ids_belong_to_their_language(records):
    allowed = {
        "en": {"US_SSN", "UK_NINO", "UK_NHS"},
        "es": {"ES_DNI", "ES_NIE"},
        "fr": {"FR_NIR"},
        "de": {"DE_TAX_ID"},
        "pt": {"PT_NIF", "BR_CPF", "BR_CNPJ"},
    }
    all_ids = set().union(*allowed.values())
    for record, span in _spans(records):
        if span["entity_type"] in all_ids:
            assert span["entity_type"] in allowed[record["lang"]]


def test_ids_mostly_come_with_their_context_word(records):
    flags = [r["metadata"]["id_context"] for r in records if "id_context" in r["metadata"]]
    assert 0.6 < sum(flags) / len(flags) < 1.0  # most with the context word, some without


def test_hard_negatives_are_present_and_unlabelled(records):
    seen = Counter()
    for record in records:
        labelled = [(s["start_position"], s["end_position"]) for s in record["spans"]]
        for slot, start, end in record["metadata"]["negatives"]:
            seen[slot] += 1
            value = record["full_text"][start:end]
            assert TOKEN.search(value), (slot, value)
            assert not any(a < end and start < b for a, b in labelled), (slot, value)
    assert set(seen) == synth.NEGATIVES


def test_dates_of_birth_follow_a_birth_word(records):
    words = ("dob", "birth", "born", "nacimiento", "nací", "nacid", "naissance", "né", "geboren", "geb.",
             "geburtsdatum", "nascimento", "nasci")  # fmt: skip
    for record, span in _spans(records):
        if span["entity_type"] == entities.DATE_OF_BIRTH:
            before = record["full_text"][max(0, span["start_position"] - 40) : span["start_position"]].lower()
            assert any(w in before for w in words), before


def test_ner_classes_are_labelled_too(records):
    classes = {span["entity_type"] for _, span in _spans(records)}
    assert {entities.PERSON, entities.LOCATION, entities.STREET_ADDRESS, entities.ORGANIZATION} <= classes
    assert classes >= PATTERN_CLASSES


def test_command_line_writes_a_loadable_file(tmp_path: Path):
    out = tmp_path / "set.json"
    synth.main(["--seed", "3", "--per-lang", "2", "--lang", "de", "--lang", "pt", "--out", str(out)])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [r["lang"] for r in data] == ["de", "de", "pt", "pt"]
    assert len(load_dataset(out)) == 4


def test_shipped_set_is_consistent():
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert len(data) == 1500
    assert SHIPPED.stat().st_size < 2_000_000
    assert Counter(r["lang"] for r in data) == dict.fromkeys(synth.LANGS, 300)
    for record in data:
        for span in record["spans"]:
            value = record["full_text"][span["start_position"] : span["end_position"]]
            assert value == span["entity_value"]
            check = ids.CHECKS.get(span["entity_type"])
            assert check is None or check(value)


def test_importing_the_package_does_not_import_faker():
    import subprocess
    import sys

    code = "import sys, detectors.evaluation, training.synth; print('faker' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_faker_the_generator_says_which_extra_in_one_line():
    import subprocess
    import sys

    code = (  # `python -m training.synth` where faker cannot be imported
        "import runpy, sys; sys.modules['faker'] = None;"
        " runpy.run_module('training.synth', run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-c", code, "--per-lang", "1"], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == "training.synth: generating data needs Faker: pip install 'veilstream[synth]'\n"
