"""The NER training mixture: human-annotated corpora, hand-written real-life texts, generated text.

- **Corpora** (`training/ner/corpora.py` writes them): news, web, social media, legal text with
  PERSON, LOCATION and ORGANIZATION; tokens are joined back into text with the spacing a writer
  uses, and spans mapped onto it.
- **Hand-written texts** (`data/train/reallife`, the annotated format of the evaluation set):
  chats, emails, notes, transcripts, SMS and forms; the NER classes are kept, every other class
  (emails, phones, IDs: the pattern stages' work) becomes outside text.
- **Generated text** (`corpus.py`): addresses and the shapes of CRM records, in all five languages.

Never the evaluation set: `data/eval/reallife` is read only for model selection (`dev/`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from detectors.evaluation.annotated import load_samples
from detectors.ner._stage import ENTITIES
from training.ner.corpus import Example

#: No space before these tokens, none after the second set.
_NO_SPACE_BEFORE = frozenset(".,;:!?)]}»%’'…")
_NO_SPACE_AFTER = frozenset("([{«¿¡")


def detokenize(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Tokens joined as a writer would space them, and each token's character range."""
    parts: list[str] = []
    ranges: list[tuple[int, int]] = []
    length = 0
    for i, token in enumerate(tokens):
        glue = i > 0 and token[:1] not in _NO_SPACE_BEFORE and tokens[i - 1][-1:] not in _NO_SPACE_AFTER
        if glue:
            parts.append(" ")
            length += 1
        ranges.append((length, length + len(token)))
        parts.append(token)
        length += len(token)
    return "".join(parts), ranges


def bio_spans(tags: Sequence[str], ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Character spans of BIO tags (an `I-` after `O` or another class starts a span too)."""
    spans: list[tuple[int, int, str]] = []
    current: tuple[int, int, str] | None = None
    for tag, (start, end) in zip(tags, ranges, strict=True):
        kind, _, label = tag.partition("-")
        if kind == "O" or label not in ENTITIES:
            if current:
                spans.append(current)
            current = None
        elif kind == "B" or current is None or current[2] != label:
            if current:
                spans.append(current)
            current = (start, end, label)
        else:
            current = (current[0], end, label)
    if current:
        spans.append(current)
    return spans


def corpus_examples(
    directory: Path, exclude: Sequence[str] = (), historical_share: float = 1.0, seed: int = 0
) -> list[Example]:
    """Every sentence of the converted corpora in `directory` (sources starting with one of
    `exclude` left out), historical OCR sources down-sampled to `historical_share`."""
    rng = random.Random(seed)
    out: list[Example] = []
    for path in sorted(directory.glob("*.jsonl")):
        if path.name.startswith(tuple(exclude)):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("historical_ocr") and rng.random() >= historical_share:
                continue
            text, ranges = detokenize(record["tokens"])
            out.append(Example(text, record["lang"], tuple(bio_spans(record["tags"], ranges))))
    return out


def handwritten_examples(path: Path) -> list[Example]:
    """The annotated texts of `path` with their NER-class spans only."""
    return [
        Example(s.text, s.lang, tuple((g.start, g.end, g.entity) for g in s.spans if g.entity in ENTITIES))
        for s in load_samples(path)
    ]


def repeated(examples: Iterable[Example], times: int) -> Iterator[Example]:
    for example in examples:
        for _ in range(times):
            yield example
