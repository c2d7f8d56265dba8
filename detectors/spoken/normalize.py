"""A text with its spoken values written out, and the map back to the original offsets.

`my card is four five three two ...` becomes `my card is 4532...`; every character of a
replacement knows the original range it was read from, every other character is
shifted by the replacements before it. The written recognizers run on the normalized
text, and their hits are mapped back with `Normalized.original`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors.spoken.dates import SpokenDate, dates
from detectors.spoken.emails import SpokenEmail, emails
from detectors.spoken.languages import LEXICONS
from detectors.spoken.lexicon import Lexicon
from detectors.spoken.runs import Run, runs
from detectors.spoken.tokens import Item, items

#: A replacement's text, one original range per character.
Sources = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Replacement:
    """`text` stands for the original `[start, end)`; `sources[i]` is where `text[i]` came from."""

    start: int
    end: int
    text: str
    sources: Sources
    kind: str = "run"  # what was said: "run", "email" or "date"


@dataclass(frozen=True, slots=True)
class Normalized:
    """The normalized text and its replacements (sorted, in normalized and original offsets)."""

    text: str
    #: `(normalized start, replacement)`.
    regions: tuple[tuple[int, Replacement], ...]

    def original(self, start: int, end: int) -> tuple[int, int] | None:
        """The original range of the normalized `[start, end)`, or None when it has no spoken part."""
        starts = [n for n, _ in self.regions]
        first = bisect_right(starts, start) - 1
        spoken = False
        for n, rep in self.regions[max(first, 0) :]:
            if n >= end:
                break
            if n + len(rep.text) > start:
                spoken = True
                break
        if not spoken:
            return None
        return self._point(start, starts)[0], self._point(end - 1, starts)[1]

    def _point(self, pos: int, starts: list[int]) -> tuple[int, int]:
        """The original range normalized character `pos` comes from."""
        k = bisect_right(starts, pos) - 1
        if k >= 0:
            n, rep = self.regions[k]
            if pos < n + len(rep.text):
                return rep.sources[pos - n]
            shift = (rep.end - rep.start) - len(rep.text) + _shift(self.regions[:k])
            return pos + shift, pos + shift + 1
        return pos, pos + 1

    def windows(self, before: int, after: int, kind: str) -> list[tuple[int, int]]:
        """Stretches of the normalized text around the replacements of `kind` (merged when they touch)."""
        out: list[tuple[int, int]] = []
        for n, rep in self.regions:
            if rep.kind != kind:
                continue
            lo, hi = max(0, n - before), min(len(self.text), n + len(rep.text) + after)
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
        return out


def _shift(regions: Sequence[tuple[int, Replacement]]) -> int:
    return sum((rep.end - rep.start) - len(rep.text) for _, rep in regions)


def normalize(text: str, replacements: Iterable[Replacement]) -> Normalized:
    """Apply non-overlapping `replacements` to `text` (overlapping ones: the first wins)."""
    parts: list[str] = []
    regions: list[tuple[int, Replacement]] = []
    cursor = length = 0
    for rep in sorted(replacements, key=lambda r: r.start):
        if rep.start < cursor:
            continue
        parts.append(text[cursor : rep.start])
        length += rep.start - cursor
        regions.append((length, rep))
        parts.append(rep.text)
        length += len(rep.text)
        cursor = rep.end
    parts.append(text[cursor:])
    return Normalized("".join(parts), tuple(regions))


def run_replacement(run: Run, chunked: bool) -> Replacement:
    """A run written compact (`4532015112830366`) or with a blank where the speaker paused."""
    text: list[str] = []
    sources: list[tuple[int, int]] = []
    for piece in run.pieces:
        if chunked and piece.pause and text:
            text.append(" ")
            sources.append((piece.start, piece.start))
        text.append(piece.text)
        sources.extend((piece.start, piece.end) for _ in piece.text)
    return Replacement(run.start, run.end, "".join(text), tuple(sources))


def whole_replacement(found: list[Item], first: int, last: int, text: str, kind: str) -> Replacement:
    """A value (an email, a date) that maps back as a whole."""
    start, end = found[first].start, found[last].end
    return Replacement(start, end, text, tuple((start, end) for _ in text), kind)


def email_replacement(found: list[Item], email: SpokenEmail) -> Replacement:
    return whole_replacement(found, email.first, email.last, email.address, "email")


def date_replacement(found: list[Item], date: SpokenDate) -> Replacement:
    return whole_replacement(found, date.first, date.last, date.text, "date")


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything said in one text, read in one language."""

    items: list[Item]
    emails: list[SpokenEmail]
    dates: list[SpokenDate]
    #: Runs without letter blocks that are all common words (`é o três ...` → `3...`).
    strict: list[Run]
    #: Runs with every letter (`e ese setenta y dos ...` → `ES72...`).
    greedy: list[Run]

    def replacements(self, strict: bool = False) -> list[Replacement]:
        """Emails and dates as written, then the greedy runs compact (or the strict ones paused)."""
        found = self.items
        fixed = [email_replacement(found, m) for m in self.emails] + [
            date_replacement(found, d) for d in self.dates
        ]
        said = self.strict if strict else self.greedy
        return [*fixed, *(run_replacement(r, chunked=strict) for r in said)]


def read(text: str, lexicon: Lexicon) -> Reading:
    """Emails first, then dates, then runs of digits and letters in what is left."""
    found = items(text, lexicon)
    mails = emails(found, lexicon)
    taken = {i for m in mails for i in range(m.first, m.last + 1)}
    said_dates = dates(found, lexicon, taken)
    taken |= {i for d in said_dates for i in range(d.first, d.last + 1)}
    strict, greedy = runs(found, lexicon, taken)
    return Reading(found, mails, said_dates, strict, greedy)


def normalized(text: str, lang: str) -> Normalized:
    """`text` with what was said in `lang` written out: `my card is four five ...` → `my card is 45...`.

    Dates become `DD.MM.YYYY`, emails `local@domain`, runs of digits and letters their compact
    value. `Normalized.original` maps a range of the result back to `text`.
    """
    return normalize(text, read(text, LEXICONS[lang]).replacements())
