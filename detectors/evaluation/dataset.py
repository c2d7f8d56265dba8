"""Presidio-research format datasets: loading, and mapping gold labels to veilstream classes.

A dataset is a JSON list of records::

    {"full_text": "...", "spans": [{"entity_type", "start_position", "end_position", "entity_value"}],
     "lang": "es", "template_id": 3, "metadata": {...}}

`lang`, `template_id` and `metadata` are optional. Gold classes are mapped to the
canonical classes of `detectors.entities` (`GPE` → `LOCATION`, `EMAIL` → `EMAIL_ADDRESS`, ...);
classes veilstream has no name for keep their own (`DATE_TIME`, `TITLE`, `NRP`, ...).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from detectors import entities
from detectors.errors import DetectorsError

#: Gold labels of other datasets that name a veilstream class differently.
GOLD_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "GPE": entities.LOCATION,
        "LOC": entities.LOCATION,
        "CITY": entities.LOCATION,
        "COUNTRY": entities.LOCATION,
        "ADDRESS": entities.STREET_ADDRESS,
        "STREET": entities.STREET_ADDRESS,
        "ORG": entities.ORGANIZATION,
        "PER": entities.PERSON,
        "EMAIL": entities.EMAIL_ADDRESS,
        "PHONE": entities.PHONE_NUMBER,
        "CARD": entities.CREDIT_CARD,
        "IBAN": entities.IBAN_CODE,
        "IP": entities.IP_ADDRESS,
        "DOB": entities.DATE_OF_BIRTH,
        "SSN": entities.US_SSN,
        "UK_NIN": entities.UK_NINO,
        "ES_NIF": entities.ES_DNI,
    }
)


class DatasetError(DetectorsError):
    """A dataset file that cannot be read or does not have the expected shape."""


def gold_class(label: str) -> str:
    """The veilstream class for a gold label; labels without one come back upper-cased."""
    upper = label.strip().upper()
    return GOLD_ALIASES.get(upper) or entities.canonical(upper)


@dataclass(frozen=True, slots=True)
class GoldSpan:
    start: int
    end: int
    entity: str
    #: The label as written in the dataset, before mapping.
    label: str


@dataclass(frozen=True, slots=True)
class Record:
    text: str
    spans: tuple[GoldSpan, ...]
    lang: str
    index: int
    template_id: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


def parse_records(data: Any, default_lang: str = "en", source: str = "<data>") -> list[Record]:
    """Validate parsed JSON as a presidio-research dataset. Errors name the record, never its text."""
    if not isinstance(data, list):
        raise DatasetError(f"{source}: the top level must be a list of records")
    return [_record(item, i, default_lang, source) for i, item in enumerate(data)]


def load_dataset(path: str | Path, default_lang: str = "en") -> list[Record]:
    """Read a presidio-research format JSON file, or hand-annotated text (a `.txt` file or a
    directory of them: `detectors.evaluation.annotated`)."""
    path = Path(path)
    if path.is_dir() or path.suffix == ".txt":
        from detectors.evaluation import annotated  # it imports this module

        return annotated.to_records(annotated.load_samples(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {type(exc).__name__}") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(f"cannot parse {path}: invalid JSON at line {exc.lineno}") from None
    return parse_records(data, default_lang, str(path))


def _record(item: Any, index: int, default_lang: str, source: str) -> Record:
    where = f"{source}: record {index}"
    if not isinstance(item, Mapping) or not isinstance(item.get("full_text"), str):
        raise DatasetError(f"{where}: needs a string 'full_text'")
    text: str = item["full_text"]
    raw_spans = item.get("spans") or []
    if not isinstance(raw_spans, list):
        raise DatasetError(f"{where}: 'spans' must be a list")
    spans = tuple(_span(s, len(text), f"{where}, span {j}") for j, s in enumerate(raw_spans))
    lang = item.get("lang") or default_lang
    if not isinstance(lang, str):
        raise DatasetError(f"{where}: 'lang' must be a string")
    metadata = item.get("metadata") or {}
    return Record(
        text=text,
        spans=tuple(sorted(spans, key=lambda s: (s.start, s.end))),
        lang=lang.lower(),
        index=index,
        template_id=item.get("template_id"),
        metadata=metadata if isinstance(metadata, Mapping) else {},
    )


def _span(item: Any, length: int, where: str) -> GoldSpan:
    try:
        start, end, label = int(item["start_position"]), int(item["end_position"]), str(item["entity_type"])
    except (KeyError, TypeError, ValueError):
        raise DatasetError(f"{where}: needs entity_type, start_position, end_position") from None
    if not 0 <= start < end <= length:
        raise DatasetError(f"{where}: range [{start}, {end}) outside the text")
    return GoldSpan(start, end, gold_class(label), label)


def gold_classes(records: Iterable[Record]) -> set[str]:
    return {s.entity for r in records for s in r.spans}
