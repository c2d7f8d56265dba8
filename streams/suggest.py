"""`veilstream policy suggest`: field rules per CDC column, proposed from a sample of events.

Every column value of the sample's rows (`before` and `after`) goes through detection as the
worker would see it with no field rule: text in its row's language, numbers whose column looks
personal or that have 7+ digits (dates as ISO text), the column's name before the value where
the name looks personal (`streams.columns`). Per column, the evidence is counted and the rule
proposed:

- a class (`EMAIL_ADDRESS`): one class covers the whole value in at least 80 % of the values
  (or nothing was found but the name says it is a person's: `full_name` → `PERSON`);
- `detect`: some values hold personal data, but not as a whole; or the column's name looks
  personal; or it is free text in which nothing was found (detection stays on);
- `keep`: nothing found, and the values are structure: booleans, numbers of a column whose name
  is not personal, dates and times, or a few distinct short codes.

The evidence says how many values were seen and what was found, never a value. The operator
reviews the proposal and applies it with `veilstream policy apply`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from detectors import Document, Policy, Span
from detectors.language import guess_lang, lang_code
from streams import jsonio, shapes
from streams.columns import SchemaInfo, column_kind, name_words, temporal_text
from streams.errors import RecordError
from streams.records import change_event_from

Detect = Callable[[Sequence[Document]], list[list[Span]]]

#: Share of a column's values one class must cover whole to be proposed as the column's class.
WHOLE_SHARE: Final = 0.8
#: A span covering at least this share of a value's non-blank characters covers it whole.
WHOLE_COVER: Final = 0.9
#: Most distinct values, and longest value, of a column proposed `keep` as a code (`status`).
CODE_DISTINCT: Final = 12
CODE_LENGTH: Final = 32
#: Values held back for one detection call.
BATCH: Final = 256

#: Words that, beside `name`, make a column a person's name (which only NER detects).
_PERSON_NAME: Final = frozenset({"first", "last", "full", "given", "family", "middle", "maiden", "contact"})


@dataclass(slots=True)
class ColumnStats:
    """What the sample showed of one column (counts and hashes, never values)."""

    values: int = 0
    nulls: int = 0
    types: Counter[str] = field(default_factory=Counter)
    logical: str | None = None
    found: int = 0  # values in which detection found something
    whole: Counter[str] = field(default_factory=Counter)  # class → values it covers whole
    classes: Counter[str] = field(default_factory=Counter)  # class → values it is found in
    min_score: dict[str, float] = field(default_factory=dict)
    digests: set[bytes] = field(default_factory=set)  # distinct values, as short hashes (capped)
    longest: int = 0
    multiword: int = 0

    def see(self, text: str) -> None:
        if len(self.digests) <= CODE_DISTINCT:
            self.digests.add(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest())
        self.longest = max(self.longest, len(text))
        if len(text.split()) > 2:
            self.multiword += 1

    def spans(self, text: str, spans: list[Span]) -> None:
        if not spans:
            return
        self.found += 1
        blank = len(text) - len(text.strip())
        size = max(1, len(text) - blank)
        by_class: dict[str, int] = {}
        for span in spans:
            by_class[span.entity] = by_class.get(span.entity, 0) + span.end - span.start
            low = self.min_score.get(span.entity)
            self.min_score[span.entity] = span.score if low is None else min(low, span.score)
        for entity, covered in by_class.items():
            self.classes[entity] += 1
            if covered >= WHOLE_COVER * size:
                self.whole[entity] += 1


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed rule for `table.column`, the evidence for it, and the policy's current rule."""

    name: str
    rule: str
    evidence: str
    current: str | None = None
    values: int = 0
    classes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.name,
            "rule": self.rule,
            "current": self.current,
            "values": self.values,
            "classes": self.classes,
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class _Pending:
    stats: ColumnStats
    text: str
    doc: Document


class Sampler:
    """Feed it decoded CDC event values; `suggestions()` proposes the rules."""

    def __init__(self, detect: Detect, policy: Policy, table: str | None = None) -> None:
        self.detect = detect
        self.policy = policy.model_copy(update={"fields": {}})  # detection as with no rule
        self.current = policy.fields
        self.table = table
        self.columns: dict[tuple[str, str], ColumnStats] = {}
        self.events = 0
        self.skipped = 0
        self._pending: list[_Pending] = []

    def add(self, value: Any, table: str | None = None) -> None:
        """One event value (decoded JSON: bare or with its schema); `table` when the event does not
        name one (`source.table`). An event that is not a change event is counted and skipped."""
        try:
            envelope = change_event_from(value)
        except RecordError:
            self.skipped += 1
            return
        event = envelope.event
        name = self.table or event.table or table
        if name is None:
            self.skipped += 1
            return
        self.events += 1
        info = SchemaInfo.of(envelope.schema_block) if envelope.wrapped else None
        for side, row in (("before", event.before), ("after", event.after)):
            if row is not None:
                self._row(name, side, row, info)
        if len(self._pending) >= BATCH:
            self._flush()

    def _row(self, table: str, side: str, row: dict[str, Any], info: SchemaInfo | None) -> None:
        lang_column = self.policy.lang_columns.get(table)
        row_lang = lang_code(row.get(lang_column)) if lang_column else None
        for column, value in row.items():
            stats = self.columns.setdefault((table, column), ColumnStats())
            logical = None if info is None else info.logical.get((side, column))
            if logical is not None:
                stats.logical = logical
            if value is None or value == "":
                stats.nulls += 1
                continue
            stats.values += 1
            kind = column_kind(column)
            text: str | None
            if type(value) is bool:
                stats.types["bool"] += 1
                continue
            if type(value) is int or type(value) is float:
                stats.types["number"] += 1
                text = temporal_text(value, logical, kind.birth) if kind.personal else None
                if text is None:
                    number = shapes.number_text(value)
                    text = number if number is not None or not kind.personal else str(abs(value))
                if text is None:
                    stats.see(str(value))
                    continue
            elif type(value) is str:
                stats.types["text"] += 1
                text = value
            else:
                stats.types["json"] += 1
                text = jsonio.dumps(value).decode("utf-8")
            stats.see(text)
            lang = row_lang or guess_lang(text) or self.policy.default_lang
            label = kind.label
            doc = Document(label + text, lang, f"{table}.{column}", self.policy)
            self._pending.append(_Pending(stats, text, doc))

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        found = self.detect([p.doc for p in pending])
        for item, spans in zip(pending, found, strict=True):
            offset = len(item.doc.text) - len(item.text)
            moved = [
                Span(max(0, s.start - offset), s.end - offset, s.entity, s.score, s.stage)
                for s in spans
                if s.end > offset
            ]
            item.stats.spans(item.text, moved)

    def suggestions(self) -> list[Suggestion]:
        self._flush()
        return [
            _suggest(f"{table}.{column}", column, stats, self.current.get(f"{table}.{column}"))
            for (table, column), stats in sorted(self.columns.items())
        ]


def _suggest(name: str, column: str, stats: ColumnStats, current: str | None) -> Suggestion:
    n = stats.values
    classes = dict(stats.classes.most_common())

    def out(rule: str, evidence: str) -> Suggestion:
        return Suggestion(name, rule, evidence, current, n, classes)

    if n == 0:
        return out("detect", f"no values in the sample ({stats.nulls} null or empty)")
    found = ", ".join(f"{c} in {k}" for c, k in stats.classes.most_common(4))
    if stats.whole:
        entity, whole = stats.whole.most_common(1)[0]
        if whole >= WHOLE_SHARE * n:
            low = stats.min_score.get(entity, 0.0)
            return out(entity, f"{whole}/{n} values are one {entity} (lowest score {low:.2f})")
    kind = column_kind(column)
    words = set(name_words(column))
    says_person = "surname" in words or ("name" in words and words & _PERSON_NAME)
    if says_person and set(stats.classes) <= {"PERSON"}:
        seen = f"PERSON in {stats.found} of {n} values" if stats.found else f"none in {n} values (NER off?)"
        return out("PERSON", f"the name says PERSON; detection found {seen}")
    if stats.found:
        return out("detect", f"{stats.found}/{n} values hold personal data ({found})")
    if kind.personal:
        return out("detect", f"the name looks personal; nothing found in {n} values")
    types = set(stats.types)
    distinct = len(stats.digests)
    if types <= {"bool", "number"}:
        what = stats.logical or "numbers" if "number" in types else "booleans"
        return out("keep", f"{n} values, {what}, no personal data found")
    if stats.logical is not None and stats.logical.startswith("io.debezium.time."):
        return out("keep", f"{n} values, {stats.logical}, no personal data found")
    code = distinct <= CODE_DISTINCT and stats.longest <= CODE_LENGTH and n >= 2 * distinct
    if code and "json" not in types and stats.logical != "io.debezium.data.Json":
        return out("keep", f"{n} values, {distinct} distinct codes of at most {stats.longest} characters")
    if stats.multiword:
        return out("detect", f"free text ({stats.multiword}/{n} values of several words), nothing found")
    many = f"more than {CODE_DISTINCT}" if distinct > CODE_DISTINCT else str(distinct)
    return out("detect", f"{n} values, {many} distinct, nothing found")


def sample(values: Iterable[tuple[Any, str | None]], detect: Detect, policy: Policy) -> Sampler:
    """A `Sampler` fed with (decoded value, table) pairs."""
    sampler = Sampler(detect, policy)
    for value, table in values:
        sampler.add(value, table)
    return sampler


def render_yaml(suggestions: Sequence[Suggestion], header: Sequence[str]) -> str:
    """The proposal as a policy's `fields:` block, the evidence as comments."""
    lines = [f"# {line}" for line in header]
    lines.append("fields:")
    width = max((len(s.name) + len(s.rule) for s in suggestions), default=0) + 4
    for s in suggestions:
        note = s.evidence
        if s.current is not None and s.current != s.rule:
            note += f"; the policy has {s.current}"
        entry = f"  {s.name}: {s.rule}"
        lines.append(f"{entry.ljust(width)}  # {note}")
    return "\n".join(lines) + "\n"


__all__ = ["ColumnStats", "Detect", "Sampler", "Suggestion", "render_yaml", "sample"]
