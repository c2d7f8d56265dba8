"""Runs: stretches of spoken digits and letters that read as one value.

`i e one nine i p b s five nine ...` is one run (`IE19IPBS59...`); a word that is
neither a number nor a letter ends it, and so does a new line. Inside a run, fillers
(`um`, `euh`) are skipped, `double five` is `55`, `dois setes` is `77`, a dash word
(`guion`, `tiret`) is `-`, and a pause (`,`) is remembered for the readers that care.

Letters are where ordinary speech and spelling meet: `a`, `e`, `de`, `ese` are also
words. In *strict* runs a block of letters is kept only when one of them is not a
common word (`p a`, `efe zeta`) or a dash word joins it to the digits (`a u te guion
...`); *greedy* runs keep every letter (`e ese setenta y dos` → `ES72`) and leave it
to a checksum to say whether the letters were meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import regex

from detectors.spoken.lexicon import Atom, Kind, Lexicon, Role
from detectors.spoken.numbers import Grammar, Mark
from detectors.spoken.tokens import Item

#: What may stand between two items of one run: blanks, a pause (`,` `...`), a compound's hyphen.
_JOIN = regex.compile(r"[ \t]*(?:[,.…]{1,3}[ \t]*)?|-")
#: Countries of the IBAN registry whose code is also said as a word (`de`, `es`, `be`).
_IBAN_REGISTRY = (
    "ad ae al at az ba be bg bh br by ch cr cy cz de dk do ee eg es fi fo fr gb ge gi gl gr gt hr hu ie il"
    " iq is it jo kw kz lb lc li lt lu lv mc md me mk mr mt mu nl no pk pl ps pt qa ro rs sa sc se si sk sm"
    " st sv tl tn tr ua va vg xk"
)
IBAN_COUNTRIES = frozenset(_IBAN_REGISTRY.split())


class _Part(Enum):
    NUM = 1
    LETTER = 2
    AND = 3
    DASH = 4
    FILLER = 5
    REPEAT = 6
    PLURAL = 7
    PLUS = 8
    BREAK = 9


@dataclass(frozen=True, slots=True)
class Piece:
    """Digits, an upper-case letter or `-`, read from `text[start:end]`."""

    text: str
    start: int
    end: int
    #: The speaker paused before it (`six un deux, trois zéro quatre`).
    pause: bool
    #: The items `[first, last]` it was read from.
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class Run:
    """One spoken value: its pieces and the items `[first, last]` it was read from."""

    pieces: tuple[Piece, ...]
    first: int
    last: int
    #: Right after a correction of the previous run (`... no sorry ...`, `... nee warte ...`).
    corrects: bool = False

    @property
    def start(self) -> int:
        return self.pieces[0].start

    @property
    def end(self) -> int:
        return self.pieces[-1].end

    @property
    def plus(self) -> bool:
        """Said after `plus` / `mais` / `más`: an international phone number."""
        return self.pieces[0].text == "+"

    @property
    def value(self) -> str:
        return "".join(p.text for p in self.pieces)

    @property
    def digits(self) -> str:
        return "".join(p.text for p in self.pieces if p.text.isdigit())

    @property
    def letters(self) -> str:
        return "".join(p.text for p in self.pieces if p.text.isalpha())


def runs(found: list[Item], lexicon: Lexicon, taken: set[int]) -> tuple[list[Run], list[Run]]:
    """The strict and the greedy runs of `found`, skipping the items in `taken` (emails, dates)."""
    grammar = Grammar(lexicon.unit_first, lexicon.vigesimal)
    strict: list[Run] = []
    greedy: list[Run] = []
    for segment in _segments(found, taken):
        parts = _parts(found, segment)
        loose = _read(found, segment, parts, grammar, greedy=True)
        greedy.extend(loose)
        tight = _drop_weak_letters(found, segment, parts)
        surface = any(len(p.text) == 2 and p.text.isalpha() for run in loose for p in run.pieces)  # `DE33`
        same = tight == parts and not surface
        strict.extend(loose if same else _read(found, segment, tight, grammar, greedy=False))
    return _link_corrections(found, strict), _link_corrections(found, greedy)


def _segments(found: list[Item], taken: set[int]) -> list[list[int]]:
    """Stretches of candidate items side by side that hold at least one number word."""
    out: list[list[int]] = []
    segment: list[int] = []
    numeric = False
    for i, item in enumerate(found):
        if i in taken or not _candidate(item) or not (segment and _JOIN.fullmatch(item.gap)):
            if numeric:
                out.append(segment)
            segment, numeric = [], False
            if i in taken or not _candidate(item):
                continue
        segment.append(i)
        word = item.word
        numeric = numeric or (word is not None and bool(word.atoms or word.weak_number))
    if numeric:
        out.append(segment)
    return out


def _candidate(item: Item) -> bool:
    word = item.word
    if word is None:
        return False
    return bool(
        word.atoms
        or word.weak_number
        or word.letter
        or word.repeat
        or word.plural >= 0
        or word.roles & (Role.DASH | Role.FILLER | Role.PLUS)
    )


def _parts(found: list[Item], segment: list[int]) -> list[_Part]:
    """What each item of a segment is in this run."""
    words = [found[i].word for i in segment]
    strong = [w is not None and w.number and not w.weak_number for w in words]
    # a weak number (`oh`, `meia`, `um`) is a digit only within two words of a sure one
    number = [s or (w is not None and w.weak_number and any(strong[max(0, k - 2) : k + 3]))
              for k, (s, w) in enumerate(zip(strong, words, strict=True))]  # fmt: skip
    parts: list[_Part] = []
    for k, word in enumerate(words):
        assert word is not None  # noqa: S101 - segments hold candidates only
        if number[k]:
            parts.append(_Part.NUM)
        elif word.roles & Role.AND and 0 < k < len(words) - 1 and number[k - 1] and number[k + 1]:
            parts.append(_Part.AND)
        elif word.letter:
            parts.append(_Part.LETTER)
        elif word.roles & Role.FILLER:
            parts.append(_Part.FILLER)
        elif word.roles & Role.DASH:
            parts.append(_Part.DASH)
        elif word.repeat and k + 1 < len(words):
            parts.append(_Part.REPEAT)
        elif word.plural >= 0 and k > 0 and parts[-1] is _Part.NUM:
            parts.append(_Part.PLURAL)
        elif word.roles & Role.PLUS:
            parts.append(_Part.PLUS)
        else:
            parts.append(_Part.BREAK)
    return parts


def _drop_weak_letters(found: list[Item], segment: list[int], parts: list[_Part]) -> list[_Part]:
    """Strict runs: a block of letters that are all common words is not part of a value."""
    parts = list(parts)
    k = 0
    while k < len(parts):
        if parts[k] is not _Part.LETTER:
            k += 1
            continue
        end = k
        while end < len(parts) and parts[end] is _Part.LETTER:
            end += 1
        dashed = (k > 0 and parts[k - 1] is _Part.DASH) or (end < len(parts) and parts[end] is _Part.DASH)
        if not dashed and all(found[segment[j]].weak_letter for j in range(k, end)):
            for j in range(k, end):
                parts[j] = _Part.BREAK
        k = end
    return parts


def _read(
    found: list[Item], segment: list[int], parts: list[_Part], grammar: Grammar, greedy: bool
) -> list[Run]:
    runs_: list[Run] = []
    start = 0
    for k in range(len(parts) + 1):
        if k == len(parts) or parts[k] is _Part.BREAK:
            runs_.extend(_pieces(found, segment[start:k], parts[start:k], grammar, greedy))
            start = k + 1
    return runs_


def _pieces(
    found: list[Item], segment: list[int], parts: list[_Part], grammar: Grammar, greedy: bool
) -> list[Run]:
    """The runs one unbroken stretch reads as (a connector joining nothing splits it)."""
    while parts and parts[-1] in (_Part.AND, _Part.DASH, _Part.FILLER, _Part.REPEAT, _Part.PLUS):
        parts, segment = parts[:-1], segment[:-1]
    plus: Piece | None = None
    while parts and parts[0] in (_Part.AND, _Part.DASH, _Part.FILLER, _Part.PLURAL, _Part.PLUS):
        said = found[segment[0]]
        plus = (
            Piece("+", said.start, said.end, False, segment[0], segment[0])
            if parts[0] is _Part.PLUS
            else None
        )
        parts, segment = parts[1:], segment[1:]
    if not any(p is _Part.NUM for p in parts):
        return []
    pieces: list[Piece | None] = [plus] if plus is not None else []  # None: the value ends here
    k = 0
    while k < len(parts):
        item = found[segment[k]]
        part = parts[k]
        if part is _Part.LETTER:
            text = item.letter.upper()
            if (
                greedy
                and k == 0
                and item.text in IBAN_COUNTRIES
                and k + 1 < len(parts)
                and parts[1] is _Part.NUM
            ):
                text = item.text.upper()  # `de dreiunddreißig ...`: the country code said as a word
            pieces.append(Piece(text, item.start, item.end, _paused(item), segment[k], segment[k]))
            k += 1
        elif part is _Part.DASH:
            pieces.append(Piece("-", item.start, item.end, False, segment[k], segment[k]))
            k += 1
        elif part is _Part.REPEAT and parts[k + 1] is _Part.LETTER:
            nxt = found[segment[k + 1]]
            text = nxt.letter.upper() * _repeat(item)
            pieces.append(Piece(text, item.start, nxt.end, _paused(item), segment[k], segment[k + 1]))
            k += 2
        elif part in (_Part.NUM, _Part.AND, _Part.REPEAT, _Part.PLURAL):
            end = k
            while end < len(parts) and parts[end] in (
                _Part.NUM,
                _Part.AND,
                _Part.REPEAT,
                _Part.PLURAL,
                _Part.FILLER,
            ):
                end += 1
            pieces.extend(_number(found, segment[k:end], parts[k:end], grammar))
            k = end
        else:
            k += 1
    out: list[Run] = []
    current: list[Piece] = []
    for piece in [*pieces, None]:
        if piece is not None:
            current.append(piece)
            continue
        while current and current[-1].text in ("-", "+"):
            current.pop()
        while current and current[0].text == "-":
            current.pop(0)
        if any(p.text.isdigit() for p in current):
            first, last = current[0].first, current[-1].last
            if any(_said(found[i]) for i in range(first, last + 1)):
                out.append(Run(tuple(current), first, last))
        current = []
    return out


def _number(
    found: list[Item], segment: list[int], parts: list[_Part], grammar: Grammar
) -> list[Piece | None]:
    """The digit pieces of a stretch of number words; None where a connector breaks it."""
    atoms: list[Atom] = []
    spans: list[tuple[int, int]] = []  # the items each atom was read from
    k = 0
    while k < len(parts):
        item = found[segment[k]]
        word = item.word
        assert word is not None  # noqa: S101 - segments hold candidates only
        if parts[k] is _Part.FILLER:
            k += 1
        elif parts[k] is _Part.REPEAT:
            nxt = found[segment[k + 1]] if k + 1 < len(parts) else None
            digit = _single_digit(nxt)
            if nxt is not None and digit is not None and parts[k + 1] is _Part.NUM:
                atoms.append(Atom(Kind.LITERAL, digits=digit * _repeat(item)))
                spans.append((segment[k], segment[k + 1]))
                k += 2
            else:
                k += 1
        elif (
            parts[k] is _Part.PLURAL and atoms and atoms[-1].kind is Kind.DIGIT and atoms[-1].value in (2, 3)
        ):
            count = atoms.pop()
            first, _ = spans.pop()
            atoms.append(Atom(Kind.LITERAL, digits=str(word.plural) * count.value))
            spans.append((first, segment[k]))
            k += 1
        else:
            word_atoms = word.atoms if parts[k] is _Part.NUM else (Atom(Kind.AND),)
            if not word_atoms:  # a weak number that has no atoms of its own: not possible, guard
                k += 1
                continue
            atoms.extend(word_atoms)
            spans.extend((segment[k], segment[k]) for _ in word_atoms)
            k += 1
    pieces: list[Piece | None] = []
    restarted: int | None = None  # a restarted number: its words belong to the value, its digits do not
    for group in grammar.parse(atoms):
        first, last = spans[group.first][0], spans[group.last][1]
        if group.mark is Mark.BREAK:
            pieces.append(None)
        elif group.mark is Mark.DROPPED:
            restarted = first if restarted is None else restarted
        else:
            first, restarted = first if restarted is None else restarted, None
            head = found[first]
            pieces.append(Piece(group.digits, head.start, found[last].end, _paused(head), first, last))
    return pieces


def _said(item: Item) -> bool:
    """A number word or a letter's name: said, not written (`n.º 3100482271` is written)."""
    word = item.word
    if word is None or item.literal:
        return False
    return bool(word.atoms or word.weak_number or word.repeat or word.plural >= 0) or len(item.text) > 1


def _single_digit(item: Item | None) -> str | None:
    if item is None or item.word is None or len(item.word.atoms) != 1:
        return None
    atom = item.word.atoms[0]
    if atom.kind is Kind.DIGIT:
        return str(atom.value)
    if atom.kind is Kind.LITERAL and len(atom.digits) == 1:
        return atom.digits
    return None


def _repeat(item: Item) -> int:
    return item.word.repeat if item.word is not None else 1


def _paused(item: Item) -> bool:
    gap = item.gap
    return "," in gap or "." in gap or "…" in gap


def _link_corrections(found: list[Item], out: list[Run]) -> list[Run]:
    """Mark runs said right after a correction of the previous one (`... nee warte sechs sieben`)."""
    linked = list(out)
    for n in range(1, len(linked)):
        before, after = linked[n - 1], linked[n]
        between = found[before.last + 1 : after.first]
        if (
            between
            and all(i.has(Role.CORRECTION | Role.FILLER) for i in between)
            and not any("\n" in i.gap for i in (*between, found[after.first]))
        ):
            linked[n] = Run(after.pieces, after.first, after.last, corrects=True)
    return linked
