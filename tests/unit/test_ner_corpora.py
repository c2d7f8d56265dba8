"""Label mapping, BIO conversion and readers of the NER corpus converter (training/ner/corpora.py).

Tiny inline examples only: no network, no fetched mirror.
"""

import json
from pathlib import Path

import pytest

from training.ner import corpora
from training.ner.corpora import (
    Corpus,
    Part,
    clean_tokens,
    convert,
    ends_sentence,
    map_type,
    normalize_token,
    parse_tag,
    read_europeana,
    read_germeval,
    read_hipe,
    read_space_conll,
    read_tab_conll,
    read_uner,
    split_sentences,
    to_bio,
    write_corpora,
)


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("PER", "PERSON"),
        ("PESSOA", "PERSON"),
        ("pers", "PERSON"),
        ("person", "PERSON"),
        ("PEr", "PERSON"),  # Europeana typo
        ("LOC", "LOCATION"),
        ("LOCAL", "LOCATION"),
        ("GPE", "LOCATION"),
        ("loc", "LOCATION"),
        ("location", "LOCATION"),
        ("ORG", "ORGANIZATION"),
        ("ORGANIZACAO", "ORGANIZATION"),
        ("org", "ORGANIZATION"),
        ("corporation", "ORGANIZATION"),
    ],
)
def test_kept_types(raw: str, label: str) -> None:
    assert map_type(raw) == label


@pytest.mark.parametrize(
    "raw",
    [
        "MISC",
        "OTH",
        "LOCderiv",
        "LOCpart",
        "PERpart",
        "ORGderiv",
        "LEGISLACAO",
        "JURISPRUDENCIA",
        "TEMPO",
        "HumanProd",
        "product",
        "creative-work",
        "group",
        "work",
        "scope",
        "date",
        "object",
    ],
)
def test_other_types_become_o(raw: str) -> None:
    assert map_type(raw) is None
    assert to_bio([f"B-{raw}", f"I-{raw}"]) == ["O", "O"]


def test_parse_tag() -> None:
    assert parse_tag("B-PER") == ("B", "PER")
    assert parse_tag("I-creative-work") == ("I", "creative-work")
    assert parse_tag("B_PER") == ("B", "PER")
    assert parse_tag("B.PER") == ("B", "PER")
    assert parse_tag("S-LOC") == ("B", "LOC")
    assert parse_tag("E-LOC") == ("I", "LOC")
    assert parse_tag("O") == ("O", "")
    assert parse_tag("Donau") == ("O", "")  # a token in the tag column


def test_bio2_is_kept() -> None:
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "B-ORG"]
    assert to_bio(tags) == [
        "B-PERSON",
        "I-PERSON",
        "O",
        "B-LOCATION",
        "B-LOCATION",
        "I-LOCATION",
        "B-ORGANIZATION",
    ]


def test_iob1_becomes_bio2() -> None:
    # IOB1 (wikigold, Europeana): I- opens an entity, B- only separates two adjacent ones of a type.
    tags = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG", "I-MISC", "I-LOC"]
    assert to_bio(tags) == [
        "B-PERSON",
        "I-PERSON",
        "B-PERSON",
        "O",
        "B-LOCATION",
        "B-ORGANIZATION",
        "O",
        "B-LOCATION",
    ]


def test_entity_after_a_dropped_type_starts_fresh() -> None:
    # GermEval: "deutschen" (LOCderiv) then I-LOC cannot continue anything.
    assert to_bio(["B-LOCderiv", "I-LOC", "I-LOC"]) == ["O", "B-LOCATION", "I-LOCATION"]
    assert to_bio(["B-PER", "I-LOC"]) == ["B-PERSON", "B-LOCATION"]


def test_wnut_labels() -> None:
    tags = ["B-person", "I-person", "B-group", "B-corporation", "I-corporation", "B-location", "B-product"]
    assert to_bio(tags) == [
        "B-PERSON",
        "I-PERSON",
        "O",
        "B-ORGANIZATION",
        "I-ORGANIZATION",
        "B-LOCATION",
        "O",
    ]


def test_lener_labels() -> None:
    tags = ["B-PESSOA", "I-PESSOA", "B-LEGISLACAO", "I-LEGISLACAO", "B-ORGANIZACAO", "B-LOCAL", "B-TEMPO"]
    assert to_bio(tags) == ["B-PERSON", "I-PERSON", "O", "O", "B-ORGANIZATION", "B-LOCATION", "O"]


def test_junk_tags_become_o() -> None:
    assert to_bio(["B-LOCer", "B-OLOC", "Donau", "", "B-PEr"]) == ["O", "O", "O", "O", "B-PERSON"]


def test_normalize_token() -> None:
    assert normalize_token("``") == '"'
    assert normalize_token("''") == '"'
    assert normalize_token("„") == "„"  # real quotes are kept
    assert normalize_token("Zuspit\u00adzung") == "Zuspitzung"
    assert normalize_token("\ufeffHaus\u200b ") == "Haus"
    assert normalize_token("Sa\u0303o") == "São"  # NFC


def test_clean_tokens_splits_whitespace_and_drops_empty() -> None:
    tokens, tags = clean_tokens(
        ["Deutsche Bank", "\u200b", "in", "New\u00a0York"], ["B-ORG", "O", "O", "I-LOC"]
    )
    assert tokens == ["Deutsche", "Bank", "in", "New", "York"]
    assert tags == ["B-ORG", "I-ORG", "O", "I-LOC", "I-LOC"]
    assert to_bio(tags) == ["B-ORGANIZATION", "I-ORGANIZATION", "O", "B-LOCATION", "I-LOCATION"]


def test_empty_token_inside_entity_keeps_bio_valid() -> None:
    tokens, tags = clean_tokens(["\u00ad", "Lisboa"], ["B-LOC", "I-LOC"])
    assert tokens == ["Lisboa"]
    assert to_bio(tags) == ["B-LOCATION"]


def test_ends_sentence() -> None:
    assert ends_sentence(".", "Haus")
    assert ends_sentence("statt.")
    assert ends_sentence("müsse.“")
    assert ends_sentence("?")
    assert not ends_sentence(".", "R")  # initial
    assert not ends_sentence(".", "1")  # German ordinal: 1 . Januar
    assert not ends_sentence("26.")
    assert not ends_sentence("Dr.")
    assert not ends_sentence("z.B.")
    assert not ends_sentence("Zuschrift:")


def test_split_sentences() -> None:
    tokens = ["Max", "Weber", "kam", ".", "Er", "sah", "R", ".", "Koch", "in", "Bonn", "."]
    tokens += ["dann", "etc", ".", "und", "so", "."]
    raw = ["I-PER", "I-PER", "O", "O"] + ["O", "O", "I-PER", "I-PER", "I-PER", "O", "I-LOC", "O"] + ["O"] * 6
    sentences = [" ".join(t) for t, _ in split_sentences(tokens, to_bio(raw))]
    # no cut after the initial "R", nor before lower-case "dann" and "und"
    assert sentences == ["Max Weber kam .", "Er sah R . Koch in Bonn . dann etc . und so ."]


def test_split_sentences_never_cuts_an_entity() -> None:
    tokens = ["Stadttheaters", "Merano.", "Soubrette", "Rue", "St.", "Honoré"]
    bio = ["B-ORGANIZATION", "I-ORGANIZATION", "O", "B-LOCATION", "I-LOCATION", "I-LOCATION"]
    assert [t for t, _ in split_sentences(tokens, bio)] == [
        ["Stadttheaters", "Merano."],
        ["Soubrette", "Rue", "St.", "Honoré"],
    ]


def test_read_uner() -> None:
    text = (
        "# sent_id = 1\n# text = O João mora em Lisboa\n"
        "1\tO\tO\t-\t-\n2\tJoão\tB-PER\t-\tborje\n3\tmora\tO\t-\t-\n4\tem\tO\t-\t-\n5\tLisboa\tB-LOC\t-\tborje\n\n"
        "# sent_id = 2\n1\t#\tO\t-\t-\n\n"
    )
    assert list(read_uner(text)) == [
        (["O", "João", "mora", "em", "Lisboa"], ["O", "B-PER", "O", "O", "B-LOC"]),
        (["#"], ["O"]),
    ]


def test_read_germeval_keeps_outer_level() -> None:
    text = (
        "#\thttp://example.org\t[2009-08-13]\t\n"
        "1\tBayerischen\tB-ORG\tB-LOCderiv\n2\tRundfunk\tI-ORG\tO\n3\tin\tO\tO\n4\tdeutschen\tB-LOCderiv\tO\n\n"
    )
    tokens, tags = next(read_germeval(text))
    assert tokens == ["Bayerischen", "Rundfunk", "in", "deutschen"]
    assert to_bio(tags) == ["B-ORGANIZATION", "I-ORGANIZATION", "O", "O"]


def test_read_space_and_tab_conll() -> None:
    wikigold = "-DOCSTART- O\n\n010 I-MISC\nis O\nby I-PER\n\nOslo I-LOC\n"
    assert list(read_space_conll(wikigold)) == [
        (["010", "is", "by"], ["I-MISC", "O", "I-PER"]),
        (["Oslo"], ["I-LOC"]),
    ]
    btc = "#\tO\nLondon\tB-LOC\n\n"
    assert list(read_tab_conll(btc)) == [(["#", "London"], ["O", "B-LOC"])]


def test_read_europeana() -> None:
    text = (
        "# file:\t\tF_SBB_1\n# sbb url:\thttp://example.org\n"
        "Deutsche Bank B-ORG\nworden\nDie Donau\n. O\n"
        "# file:\t\tF_SBB_2\nParis I-LOC\n"
    )
    assert list(read_europeana(text)) == [
        (["Deutsche Bank", "worden", "Die Donau", "."], ["B-ORG", "O", "O", "O"]),
        (["Paris"], ["I-LOC"]),
    ]


def test_read_hipe() -> None:
    row = "{}\t{}\t_\t_\t_\t_\tO\t_\t_\t{}\n"
    text = (
        "TOKEN\tNE-COARSE-LIT\tNE-COARSE-METO\tNE-FINE-LIT\tNE-FINE-METO\tNE-FINE-COMP\tNE-NESTED\tNEL-LIT\tNEL-METO\tMISC\n"
        "# hipe2022:document_id = d1\n"
        + row.format("R", "B-pers", "NoSpaceAfter")
        + row.format("Ellis", "I-pers", "_")
        + row.format("Ajax", "B-work", "NoSpaceAfter")
        + row.format(".", "O", "EndOfSentence")
        + row.format("Athens", "B-loc", "_")
        + "\n# hipe2022:document_id = d2\n"
        + row.format("Haus", "O", "_")
    )
    sentences = list(read_hipe(text))
    assert sentences == [
        (["R", "Ellis", "Ajax", "."], ["B-pers", "I-pers", "B-work", "O"]),
        (["Athens"], ["B-loc"]),
        (["Haus"], ["O"]),
    ]
    assert to_bio(sentences[0][1]) == ["B-PERSON", "I-PERSON", "O", "O"]


class _FakeMirror:
    """Files of one fake repository, in place of `corpora.Mirror`."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def has(self, repo: str, commit: str, path: str) -> bool:
        return path in self.files

    def read(self, repo: str, commit: str, path: str) -> str:
        return self.files[path]


def test_write_corpora(tmp_path: Path) -> None:
    long_sentence = "".join(f"w{i} O\n" for i in range(corpora.MAX_TOKENS + 1))
    corpus = Corpus(
        "toy",
        "fr",
        "owner/toy",
        "0" * 40,
        read_europeana,
        (Part("a.bio", "train"), Part("b.bio", "train"), Part("absent.bio", "dev", optional=True)),
        historical_ocr=True,
        unsegmented=True,
    )
    mirror = _FakeMirror(
        {"a.bio": "Emmanuel I-PER\nDesoles I-PER\nvint .\nIl O\npart O\n. O\n", "b.bio": long_sentence}
    )
    manifest = write_corpora(mirror, tmp_path, [corpus])  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy.fr.train.jsonl"]
    records = [json.loads(line) for line in (tmp_path / "toy.fr.train.jsonl").read_text().splitlines()]
    assert records == [
        {
            "tokens": ["Emmanuel", "Desoles", "vint", "."],
            "tags": ["B-PERSON", "I-PERSON", "O", "O"],
            "lang": "fr",
            "source": "toy",
            "split": "train",
            "historical_ocr": True,
        },
        {
            "tokens": ["Il", "part", "."],
            "tags": ["O", "O", "O"],
            "lang": "fr",
            "source": "toy",
            "split": "train",
            "historical_ocr": True,
        },
    ]
    stats = manifest["toy.fr.train.jsonl"]
    assert stats["sentences"] == 2
    assert stats["tokens"] == 7
    assert stats["entities"] == {"PERSON": 1, "LOCATION": 0, "ORGANIZATION": 0}
    assert stats["dropped_long"] == 1


def test_missing_required_file_fails(tmp_path: Path) -> None:
    corpus = Corpus("toy", "en", "owner/toy", "0" * 40, read_tab_conll, (Part("gone.conll", "train"),))
    with pytest.raises(FileNotFoundError):
        write_corpora(_FakeMirror({}), tmp_path, [corpus])  # type: ignore[arg-type]


def test_convert_segmented_corpus_keeps_sentences() -> None:
    corpus = Corpus("toy", "en", "owner/toy", "0" * 40, read_tab_conll, ())
    assert list(convert(corpus, [(["A", ".", "B", "."], ["I-PER", "O", "O", "O"])])) == [
        (["A", ".", "B", "."], ["B-PERSON", "O", "O", "O"])
    ]


def test_every_corpus_is_pinned() -> None:
    for corpus in corpora.CORPORA:
        assert len(corpus.commit) == 40
        assert corpus.parts
        assert {part.split for part in corpus.parts} <= {"train", "dev", "test"}
