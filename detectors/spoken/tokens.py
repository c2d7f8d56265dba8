"""Words of a text with their offsets, looked up in one language's lexicon.

An `Item` is one word, or one fixed phrase (`guion bajo`, `as in`), or one letter
spelled with a word (`b de barcelona`, `x comme xavier`), with the text between it
and the previous item (`gap`) so that readers can tell a pause (`,`) from a new line.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

import regex

from detectors.spoken.letters import spells
from detectors.spoken.lexicon import Atom, Kind, Lexicon, Role, Word

#: Letters and digits (and combining accents), with inner apostrophes (`it's`, `c'est`); `@`, `+`.
#: The standard `re` module: faster than `regex` on this simple pattern.
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+(?:['’](?:[^\W_]|[\u0300-\u036f])+)*|[@+]")
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er|re|e|º|ª|o|a|ten|ter|te)")
#: Words of a phrase are separated by blanks only.
_BLANK = regex.compile(r"[ \t]+")


class Item(NamedTuple):
    """One word, phrase or spelled letter of the text: `text[start:end]` (a tuple: cheap to make)."""

    start: int
    end: int
    text: str  # lower case
    word: Word | None
    gap: str  # the text between the previous item and this one

    @property
    def letter(self) -> str:
        return self.word.letter if self.word is not None else ""

    @property
    def weak_letter(self) -> bool:
        return self.word is not None and self.word.weak_letter

    def has(self, role: int) -> bool:
        return self.word is not None and bool(self.word.roles & role)

    @property
    def literal(self) -> bool:
        """Digits written as digits."""
        return self.word is not None and bool(self.word.atoms) and self.word.atoms[0].kind is Kind.LITERAL


def items(text: str, lexicon: Lexicon) -> list[Item]:
    """The items of `text`: phrases joined, spelled letters (`efe de francia`) folded into one."""
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(text)]
    out: list[Item] = []
    previous_end = 0
    i = 0
    lookup, phrases = lexicon.lookup, lexicon.phrases
    while i < len(tokens):
        start, end, low = tokens[i]
        word = _phrase(text, tokens, i, lexicon) if (low in phrases or not low.isascii()) else None
        if word is not None:
            end = tokens[i + word.size - 1][1]
        else:
            word = lookup(low) or _literal(low)
        out.append(Item(start, end, low, word, text[previous_end:start]))
        previous_end = end
        i += word.size if word is not None else 1
    return _spelled(out)


def _phrase(text: str, tokens: list[tuple[int, int, str]], i: int, lexicon: Lexicon) -> Word | None:
    if i + 1 >= len(tokens) or not lexicon.starts_phrase(tokens[i][2]):
        return None
    stop = i + 1
    while stop < min(len(tokens), i + 4) and _BLANK.fullmatch(text, tokens[stop - 1][1], tokens[stop][0]):
        stop += 1
    return lexicon.phrase([t[2] for t in tokens[i:stop]])


def _literal(token: str) -> Word | None:
    """Digits written as such (`0151`), or a day written as an ordinal (`3rd`, `1er`, `12º`)."""
    if token.isdigit() and token.isascii():
        return Word(atoms=(Atom(Kind.LITERAL, digits=token),))
    ordinal = _ORDINAL.fullmatch(token)
    if ordinal is not None and 1 <= int(ordinal.group(1)) <= 31:
        return Word(ordinal=int(ordinal.group(1)))
    return None


def _spelled(found: list[Item]) -> list[Item]:
    """`<letter> <as in> <word>` → one strong letter item spanning the three."""
    out: list[Item] = []
    i = 0
    while i < len(found):
        item = found[i]
        if item.letter and i + 2 < len(found):
            spell, example = found[i + 1], found[i + 2]
            if (
                spell.has(Role.SPELL)
                and _BLANK.fullmatch(spell.gap)
                and _BLANK.fullmatch(example.gap)
                and spells(item.letter, example.text)
            ):
                letter = Word(letter=item.letter)
                out.append(Item(item.start, example.end, item.text, letter, item.gap))
                i += 3
                continue
        if item.word is not None and item.word.letter and item.word.size > 1:
            out.append(item._replace(word=replace(item.word, weak_letter=False)))  # `i griega`
        else:
            out.append(item)
        i += 1
    return out
