"""Spoken numbers to digit strings: `cincuenta y cinco dieciocho` → `55` `18`.

People read long numbers digit by digit (`four five three`), in pairs (`eighty two`,
`quatre-vingt-dix-sept`), in threes (`novecentos e dezoito`) or as years (`nineteen
seventy`, `mil novecientos ochenta y uno`). The grammar reads the longest number it
can at each point and starts a new group when the next word cannot continue it:
`twenty three` is 23, `nineteen seventy` is 19 then 70, `four five` is 4 then 5. The
digits of a value are its groups' digits put end to end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from detectors.spoken.lexicon import Atom, Kind

_BELOW_HUNDRED = (Kind.DIGIT, Kind.TEEN, Kind.TENS)
_STARTS = (*_BELOW_HUNDRED, Kind.HUNDREDS, Kind.HUNDRED)


class Mark(Enum):
    VALUE = "value"
    #: Dropped: the speaker restarted the number (`noventa e... noventa e um`).
    DROPPED = "dropped"
    #: A connector that joins nothing (`cento e noventa e nove e noventa`): the value ends here.
    BREAK = "break"


@dataclass(frozen=True, slots=True)
class Group:
    """One number as said: its digits and the atoms `[first, last]` it was read from."""

    digits: str
    first: int
    last: int
    mark: Mark = Mark.VALUE


@dataclass(frozen=True, slots=True)
class Grammar:
    """The number grammar of one language."""

    #: `achtundachtzig`: unit, `und`, tens (German).
    unit_first: bool = False
    #: `quatre-vingt-dix-huit`, `soixante et onze` (French).
    vigesimal: bool = False

    def parse(self, atoms: Sequence[Atom]) -> list[Group]:
        """Every group of `atoms`, in order; connectors that join nothing become BREAK groups."""
        groups: list[Group] = []
        scaled = any(a.kind is Kind.THOUSAND or a.kind is Kind.MILLION for a in atoms)
        i = 0
        while i < len(atoms):
            atom = atoms[i]
            if atom.kind is Kind.LITERAL:
                groups.append(Group(atom.digits, i, i))
                i += 1
                continue
            value, end = self._number(atoms, i) if scaled else self._below_thousand(atoms, i)
            if value is None:
                groups.append(Group("", i, i, Mark.BREAK))
                i += 1
                continue
            dangling = end < len(atoms) and atoms[end].kind is Kind.AND
            if dangling and end + 1 < len(atoms) and atoms[end + 1] == atom:
                groups.append(Group("", i, end, Mark.DROPPED))  # `ninety and... ninety one`
                i = end + 1
                continue
            groups.append(Group(str(value), i, end - 1))
            i = end
        return groups

    def _number(self, atoms: Sequence[Atom], i: int) -> tuple[int | None, int]:
        """The number starting at `i` (millions, thousands, the rest) and where it ends."""
        total, j, found = 0, i, False
        for scale, factor in ((Kind.MILLION, 1_000_000), (Kind.THOUSAND, 1000)):
            value, k = self._below_thousand(atoms, j)
            if k < len(atoms) and atoms[k].kind is scale and value != 0:
                total += (1 if value is None else value) * factor
                j, found = self._and_number(atoms, k + 1), True
        value, k = self._below_thousand(atoms, j)
        if value is not None:
            return total + value, k
        return (total, j) if found else (None, i)

    def _below_thousand(self, atoms: Sequence[Atom], i: int) -> tuple[int | None, int]:
        if i >= len(atoms):
            return None, i
        value, k = self._below_hundred(atoms, i)
        if k < len(atoms) and atoms[k].kind is Kind.HUNDRED and value != 0:
            hundreds, j = (1 if value is None else value) * 100, k + 1  # `four hundred`, `neunzehnhundert`
        elif value is None and atoms[i].kind is Kind.HUNDREDS:
            hundreds, j = atoms[i].value, i + 1  # `doscientos`, `quinhentos`
        else:
            return value, k
        rest, k = self._below_hundred(atoms, self._and_number(atoms, j))
        return (hundreds + rest, k) if rest is not None else (hundreds, j)

    def _below_hundred(self, atoms: Sequence[Atom], i: int) -> tuple[int | None, int]:
        if i >= len(atoms):
            return None, i
        atom = atoms[i]
        if atom.kind is Kind.DIGIT:
            if (
                self.unit_first
                and atom.value
                and _kind(atoms, i + 1) is Kind.AND
                and _kind(atoms, i + 2) is Kind.TENS
            ):
                return atom.value + atoms[i + 2].value, i + 3  # `drei und vierzig`
            if (
                self.vigesimal
                and atom.value == 4
                and _kind(atoms, i + 1) is Kind.TENS
                and atoms[i + 1].value == 20
            ):
                return self._tens_tail(atoms, 80, i + 2)  # `quatre-vingt`
            return atom.value, i + 1
        if atom.kind is Kind.TEEN:
            return self._teen(atoms, i)
        if atom.kind is Kind.TENS:
            return self._tens_tail(atoms, atom.value, i + 1)
        return None, i

    def _teen(self, atoms: Sequence[Atom], i: int) -> tuple[int, int]:
        value = atoms[i].value
        if self.vigesimal and value == 10 and _kind(atoms, i + 1) is Kind.DIGIT and atoms[i + 1].value >= 7:
            return 10 + atoms[i + 1].value, i + 2  # `dix-sept`
        return value, i + 1

    def _tens_tail(self, atoms: Sequence[Atom], tens: int, i: int) -> tuple[int, int]:
        """`tens` read; a unit may follow (`twenty three`, `treinta y uno`, `soixante et onze`)."""
        j = i + 1 if _kind(atoms, i) is Kind.AND else i
        if not self.unit_first and _kind(atoms, j) is Kind.DIGIT and atoms[j].value:
            return tens + atoms[j].value, j + 1
        if self.vigesimal and tens in (60, 80) and _kind(atoms, j) is Kind.TEEN:
            teen, k = self._teen(atoms, j)
            return tens + teen, k
        return tens, i

    @staticmethod
    def _and_number(atoms: Sequence[Atom], i: int) -> int:
        """Past an `and` that joins the next number (`hundred and five`), else `i`."""
        if _kind(atoms, i) is Kind.AND and _kind(atoms, i + 1) in _STARTS:
            return i + 1
        return i


def _kind(atoms: Sequence[Atom], i: int) -> Kind | None:
    return atoms[i].kind if i < len(atoms) else None


def digits(groups: Sequence[Group]) -> str:
    """The digit string of a value: its groups end to end."""
    return "".join(g.digits for g in groups if g.mark is Mark.VALUE)
