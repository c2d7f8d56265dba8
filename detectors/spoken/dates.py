"""Spoken dates: `the third of may nineteen seventy`, `vinte e nove do onze de oitenta e quatro`.

A date is a day (ordinal or cardinal word), a month (its name, or its number after
`of`/`de`/`do`) and a year (`nineteen seventy`, `eighty nine`, `zweitausendeins`),
day first or month first (`june second twenty fifteen`). It is rewritten as
`DD.MM.YYYY` (or `DD.MM.YY`) for the written date-of-birth recognizer, which wants a
birth word before it and checks the calendar. Dates without a year are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from detectors.spoken.lexicon import Atom, Kind, Lexicon, Role
from detectors.spoken.numbers import Grammar, Mark
from detectors.spoken.tokens import Item

_BLANK = regex.compile(r"[ \t]*,?[ \t]*|-")
#: Most words a day or a year is said in (`mil novecientos ochenta y cuatro`).
_LONGEST = 8


@dataclass(frozen=True, slots=True)
class SpokenDate:
    """A date read from the items `[first, last]`."""

    first: int
    last: int
    day: int
    month: int
    year: str  # two or four digits

    @property
    def text(self) -> str:
        return f"{self.day:02d}.{self.month:02d}.{self.year}"


@dataclass(frozen=True, slots=True)
class _Read:
    value: int
    digits: str
    last: int  # index of the last item read
    spoken: bool


def dates(found: list[Item], lexicon: Lexicon, taken: set[int]) -> list[SpokenDate]:
    """The spoken dates among `found`, left to right, not overlapping `taken` items."""
    grammar = Grammar(lexicon.unit_first, lexicon.vigesimal)
    out: list[SpokenDate] = []
    i = 0
    while i < len(found):
        word = found[i].word
        if (
            i in taken
            or word is None
            or not (word.month or ((word.atoms or word.ordinal) and _month_near(found, i)))
        ):
            i += 1
            continue
        date = _day_first(found, i, grammar) or _month_first(found, i, grammar)
        if date is not None and not any(k in taken for k in range(date.first, date.last + 1)):
            out.append(date)
            i = date.last + 1
        else:
            i += 1
    return out


def _month_near(found: list[Item], i: int) -> bool:
    """A month name, `of` before a month's number, or an ordinal month after an ordinal day
    (`vierzehnter zweiter`) within the next words: worth reading a date."""
    word, nxt = found[i].word, found[i + 1].word if i + 1 < len(found) else None
    if word is not None and word.ordinal and nxt is not None and 0 < nxt.ordinal <= 12:
        return True
    return any(
        item.word is not None and (item.word.month or item.word.roles & Role.OF)
        for item in found[i + 1 : i + 5]
    )


def _day_first(found: list[Item], i: int, grammar: Grammar) -> SpokenDate | None:
    day = _day(found, i, grammar)
    if day is None:
        return None
    j, linked = _skip(found, day.last + 1, Role.OF | Role.ARTICLE)
    if j >= len(found) or not _joined(found[j]):
        return None
    month: _Read | None
    word = found[j].word
    if word is not None and word.month:
        month = _Read(word.month, "", j, False)
    elif word is not None and 0 < word.ordinal <= 12 and _is_ordinal(found[day.last]):
        month = _Read(word.ordinal, "", j, True)  # `vierzehnter zweiter`: ordinal day, ordinal month
    elif linked:  # `the fourth of the first`, `vinte e nove do onze`: the month's number after `of`
        ordinal = _ordinal(found, j)
        month = ordinal or _cardinal(found, j, grammar)
        if month is None or not 1 <= month.value <= 12:
            return None
        if ordinal is None and not _skip(found, month.last + 1, Role.OF)[1]:
            return None  # `vinte e nove do onze de ...`: a month's number needs `of` on both sides
    else:
        return None
    return _with_year(found, i, day, month, grammar)


def _month_first(found: list[Item], i: int, grammar: Grammar) -> SpokenDate | None:
    """`june second twenty fifteen`, `may the third ...`: an ordinal day (`may nineteen seventy` has none)."""
    word = found[i].word
    if word is None or not word.month:
        return None
    j, _ = _skip(found, i + 1, Role.ARTICLE)
    if j >= len(found) or not _joined(found[j]):
        return None
    day = _ordinal(found, j)
    if day is None or not 1 <= day.value <= 31:
        return None
    return _with_year(found, i, day, _Read(word.month, "", i, False), grammar)


def _with_year(
    found: list[Item], first: int, day: _Read, month: _Read, grammar: Grammar
) -> SpokenDate | None:
    last = max(day.last, month.last)
    j, _ = _skip(found, last + 1, Role.OF | Role.ARTICLE)
    if j >= len(found) or not _joined(found[j]):
        return None
    year = _year(found, j, grammar)
    if year is None or not (day.spoken or year.spoken):
        return None
    return SpokenDate(first, year.last, day.value, month.value, year.digits)


def _skip(found: list[Item], j: int, roles: int) -> tuple[int, bool]:
    """Past up to two `of` / article words; whether one of them was `of` (`de`, `do`...)."""
    linked = False
    for _ in range(2):
        if j < len(found) and found[j].has(roles) and _joined(found[j]) and not found[j].has(Role.AND):
            linked = linked or found[j].has(Role.OF)
            j += 1
    return j, linked


def _is_ordinal(item: Item) -> bool:
    return item.word is not None and item.word.ordinal > 0


def _joined(item: Item) -> bool:
    return bool(_BLANK.fullmatch(item.gap))


def _day(found: list[Item], i: int, grammar: Grammar) -> _Read | None:
    read = _ordinal(found, i) or _cardinal(found, i, grammar)
    if read is None or not 1 <= read.value <= 31:
        return None
    return read


def _ordinal(found: list[Item], i: int) -> _Read | None:
    """`third`, `zwölften`, `primeiro`; `twenty third` (tens, then an ordinal unit)."""
    word = found[i].word
    if word is None:
        return None
    if word.ordinal:
        return _Read(word.ordinal, "", i, True)
    nxt = found[i + 1].word if i + 1 < len(found) and _joined(found[i + 1]) else None
    if (
        nxt is not None
        and 0 < nxt.ordinal < 10
        and len(word.atoms) == 1
        and word.atoms[0].kind is Kind.TENS
        and word.atoms[0].value in (20, 30)
    ):
        return _Read(word.atoms[0].value + nxt.ordinal, "", i + 1, True)
    return None


def _cardinal(found: list[Item], i: int, grammar: Grammar) -> _Read | None:
    """The first number said at `i` (`vingt-neuf`, `quinze`, `23`)."""
    groups = _groups(found, i, grammar)
    if not groups:
        return None
    digits, last, spoken = groups[0]
    return _Read(int(digits), digits, last, spoken)


def _year(found: list[Item], i: int, grammar: Grammar) -> _Read | None:
    """Four digits when the groups make them (`nineteen seventy`), else two (`eighty nine`)."""
    groups = _groups(found, i, grammar)
    text, spoken = "", False
    for digits, last, said in groups[:3]:
        text, spoken = text + digits, spoken or said
        if len(text) == 4 and text[:2] in ("19", "20"):
            return _Read(int(text), text, last, spoken)
        if len(text) > 4:
            break
    if groups and len(groups[0][0]) == 2:
        digits, last, said = groups[0]
        return _Read(int(digits), digits, last, said)
    return None


def _groups(found: list[Item], i: int, grammar: Grammar) -> list[tuple[str, int, bool]]:
    """The number groups said from item `i` on: digits, last item, whether said in words."""
    atoms: list[Atom] = []
    owners: list[int] = []
    j = i
    while j < len(found) and j < i + _LONGEST and (j == i or _joined(found[j])):
        word = found[j].word
        if word is None or not word.atoms or (word.weak_number and j == i):
            break
        if word.roles & Role.AND and not (atoms and j + 1 < len(found) and _numeric(found[j + 1])):
            break
        atoms.extend(word.atoms)
        owners.extend([j] * len(word.atoms))
        j += 1
    groups = []
    start = 0
    for group in grammar.parse(atoms):
        if group.mark is Mark.BREAK:
            break
        if group.mark is Mark.VALUE:
            first = owners[start]
            last = owners[group.last]
            spoken = any(not found[k].literal for k in range(first, last + 1))
            groups.append((group.digits, last, spoken))
        start = group.last + 1
    return groups


def _numeric(item: Item) -> bool:
    return item.word is not None and item.word.number
