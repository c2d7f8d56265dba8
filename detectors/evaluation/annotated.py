"""Hand-annotated evaluation text: inline markup, one file per language, many samples per file.

The format a person can write and review in an editor (`data/eval/reallife/GUIDE.md`)::

    === en-chat-007 chat
    hi its [[dave|PERSON]], card ends ... my number is [[oh seven seven ...|PHONE_NUMBER=07700900123]]
    === en-chat-008 chat negative
    order 4411-2093 shipped from our Leeds warehouse

A sample starts at a `=== <id> <kind> [negative]` line and runs to the next one; trailing blank
lines are dropped. `[[surface|CLASS]]` marks a gold span; `[[surface|CLASS=value]]` also gives
its canonical value (digits of a spoken card number, an ISO date), which the data tests check.
Lines before the first sample that start with `#` are comments. The id's prefix up to the
first `-` is the language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import regex

from detectors.evaluation.dataset import DatasetError, GoldSpan, Record, gold_class

KINDS: Final = ("chat", "email", "note", "transcript", "sms", "form")

_HEADER: Final = regex.compile(r"^=== (?P<id>[a-z]{2}-[\w-]+) (?P<kind>\w+)(?P<neg> negative)?\s*$")
#: A span: the surface may hold single brackets (`ana[at]x.pt`), not `|` or `[[` / `]]`.
_MARK: Final = regex.compile(r"\[\[(?P<surface>[^|]+?)\|(?P<label>[A-Z_]+)(?:=(?P<value>[^\]|]*))?\]\]")


@dataclass(frozen=True, slots=True)
class Sample:
    """One annotated sample before it becomes a `Record`."""

    id: str
    kind: str
    negative: bool
    text: str
    spans: tuple[GoldSpan, ...]
    #: Canonical values given with `=value`, by span position.
    values: tuple[tuple[int, int, str], ...]

    @property
    def lang(self) -> str:
        return self.id.split("-", 1)[0]


def parse_sample(sample_id: str, kind: str, negative: bool, marked: str, where: str) -> Sample:
    """Strip the markup of one sample's text, keeping the spans' offsets in the plain text."""
    parts: list[str] = []
    spans: list[GoldSpan] = []
    values: list[tuple[int, int, str]] = []
    pos = length = 0
    for m in _MARK.finditer(marked):
        parts.append(marked[pos : m.start()])
        length += m.start() - pos
        surface, label = m["surface"], m["label"]
        if surface != surface.strip():
            raise DatasetError(f"{where}: a marked span starts or ends with a space")
        spans.append(GoldSpan(length, length + len(surface), gold_class(label), label))
        if m["value"] is not None:
            values.append((length, length + len(surface), m["value"]))
        parts.append(surface)
        length += len(surface)
        pos = m.end()
    parts.append(marked[pos:])
    text = "".join(parts)
    if "[[" in text or "]]" in text:
        raise DatasetError(f"{where}: unbalanced or malformed [[...]] markup")
    if negative and spans:
        raise DatasetError(f"{where}: a negative sample has no gold spans")
    if kind not in KINDS:
        raise DatasetError(f"{where}: kind must be one of {', '.join(KINDS)}")
    return Sample(sample_id, kind, negative, text, tuple(spans), tuple(values))


def parse_text(content: str, source: str = "<text>") -> list[Sample]:
    """All samples of one annotated file."""
    samples: list[Sample] = []
    header: regex.Match[str] | None = None
    body: list[str] = []
    start = 0

    def flush() -> None:
        if header is None:
            return
        while body and not body[-1].strip():
            body.pop()
        where = f"{source}:{start} ({header['id']})"
        if not body:
            raise DatasetError(f"{where}: empty sample")
        marked = "\n".join(body)
        samples.append(parse_sample(header["id"], header["kind"], bool(header["neg"]), marked, where))

    for number, line in enumerate(content.splitlines(), 1):
        if line.startswith("==="):
            flush()
            header = _HEADER.match(line)
            if header is None:
                raise DatasetError(f"{source}:{number}: a header is '=== <lang>-<id> <kind> [negative]'")
            body, start = [], number
        elif header is None:
            if line.strip() and not line.startswith("#"):
                raise DatasetError(f"{source}:{number}: text before the first '===' header")
        else:
            body.append(line)
    flush()
    ids = [s.id for s in samples]
    if len(ids) != len(set(ids)):
        raise DatasetError(f"{source}: duplicate sample ids")
    return samples


def annotated_files(path: Path) -> list[Path]:
    """The `.txt` files of a directory (sorted), or the file itself."""
    return sorted(path.glob("*.txt")) if path.is_dir() else [path]


def load_samples(path: str | Path) -> list[Sample]:
    """Every sample of an annotated file or directory of files."""
    samples: list[Sample] = []
    for file in annotated_files(Path(path)):
        try:
            content = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DatasetError(f"cannot read {file}: {type(exc).__name__}") from None
        samples.extend(parse_text(content, file.name))
    return samples


def to_records(samples: Iterable[Sample]) -> list[Record]:
    """Samples as evaluation records; `metadata` carries the id, kind and negative flag."""
    return [
        Record(
            text=s.text,
            spans=tuple(sorted(s.spans, key=lambda g: (g.start, g.end))),
            lang=s.lang,
            index=i,
            template_id=s.id,
            metadata={"kind": s.kind, "negative": s.negative, "id": s.id},
        )
        for i, s in enumerate(samples)
    ]


def to_presidio(samples: Iterable[Sample]) -> list[dict[str, object]]:
    """Samples in presidio-research's JSON format (for tools that read it)."""
    return [
        {
            "full_text": s.text,
            "spans": [
                {
                    "entity_type": g.label,
                    "entity_value": s.text[g.start : g.end],
                    "start_position": g.start,
                    "end_position": g.end,
                }
                for g in s.spans
            ],
            "lang": s.lang,
            "template_id": s.id,
            "metadata": {"kind": s.kind, "negative": s.negative},
        }
        for s in samples
    ]
