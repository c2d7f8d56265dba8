"""Dictated and obfuscated emails: `sam dot lee at outlook dot com`, `k.weber(at)firma.de`.

Around an *at* word (`at`, `arroba`, `arobase`, `ät`, `(at)`), the domain is read
forwards (words, spelled letters, digits joined by `dot`/`punto`/`point`/`punkt`/
`ponto` or `dash` words, ending in a top-level domain), and the local part backwards:
parts joined by separator words (`dot`, `underscore`, `guion bajo`, `tiret`...), or
side by side when that is how addresses are said: a name and its digits (`ribeiro
sessenta e oito`), one initial before a name (`d reyes`), a name followed by its own
spelling (`reyes r e y e s`), letters spelled one by one (`x comme xavier, i comme irma`).
Two plain words side by side end it (`it's sam dot lee`: `it's` is not part of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import regex

from detectors.spoken.lexicon import Lexicon, Role
from detectors.spoken.numbers import Grammar, digits
from detectors.spoken.tokens import Item

#: What may stand between the words of an address: blanks, a pause, brackets (`(at)`).
_SOFT = regex.compile(r"[ \t]*,?[ \t]*|[ \t]*[(\[{<][ \t]*|[ \t]*[)\]}>][ \t]*")
#: A separator written as such, without blanks: `k.weber`, `mbeki-bau`.
_WRITTEN_SEP = frozenset({".", "-", "_"})
_SEPARATORS = {Role.DOT: ".", Role.DASH: "-", Role.UNDERSCORE: "_"}
#: Most words one part of an address is said in (`x comme xavier, i comme irma, ...` is one per letter).
_LONGEST = 40

TLDS = frozenset({
    "com", "net", "org", "edu", "gov", "info", "biz", "io", "eu", "eus", "cat", "gal", "swiss", "online",
    "uk", "de", "fr", "es", "pt", "br", "ch", "at", "be", "it", "nl", "ie", "mx", "ar", "cl", "co", "pe",
    "ca", "us", "au", "lu", "pl", "se", "dk", "no", "fi", "ao", "mz", "cv",
})  # fmt: skip


class _Unit(Enum):
    WORD = 1
    NUMBER = 2
    LETTERS = 3
    SEP = 4


@dataclass(frozen=True, slots=True)
class _Part:
    unit: _Unit
    text: str
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class SpokenEmail:
    """An address read from the items `[first, last]`."""

    first: int
    last: int
    address: str


def emails(found: list[Item], lexicon: Lexicon) -> list[SpokenEmail]:
    """The dictated or obfuscated addresses among `found`."""
    grammar = Grammar(lexicon.unit_first, lexicon.vigesimal)
    out: list[SpokenEmail] = []
    for k, item in enumerate(found):
        if not (item.has(Role.AT) or item.text == "@") or (out and k <= out[-1].last):
            continue
        domain = _domain(found, k, grammar)
        if domain is None:
            continue
        local = _local(found, k, grammar)
        if not local:
            continue
        address = "".join(p.text for p in local) + "@" + "".join(p.text for p in domain)
        first, last = local[0].first, domain[-1].last
        said = found[first : last + 1]
        spoken = item.text != "@" or any(i.word is not None and not i.literal for i in said)
        if spoken:  # role mailboxes (`support@`) are left to the email recognizer's scoring
            out.append(SpokenEmail(first, last, address))
    return out


def _separator(item: Item) -> str | None:
    for role, char in _SEPARATORS.items():
        if item.has(role) and not item.letter:
            return char
    return None


def _number(item: Item) -> bool:
    word = item.word
    return word is not None and (word.number or (word.weak_number and bool(word.atoms)))


def _unit_at(found: list[Item], i: int, step: int, grammar: Grammar) -> _Part | None:
    """The unit of the address that ends (step -1) or starts (step 1) at item `i`."""
    item = found[i]
    if _number(item):
        j = i
        while 0 <= j + step < len(found) and abs(j - i) < _LONGEST and _soft(found, j, step):
            if _number(found[j + step]):
                j += step
            elif (  # `sessenta e oito`
                found[j + step].has(Role.AND)
                and 0 <= j + 2 * step < len(found)
                and _soft(found, j + step, step)
                and _number(found[j + 2 * step])
            ):
                j += 2 * step
            else:
                break
        first, last = min(i, j), max(i, j)
        atoms = [a for x in found[first : last + 1] if x.word is not None for a in x.word.atoms]
        value = digits(grammar.parse(atoms))
        return _Part(_Unit.NUMBER, value, first, last) if value else None
    if item.letter:
        j = i
        while (
            0 <= j + step < len(found)
            and abs(j - i) < _LONGEST
            and _soft(found, j, step)
            and found[j + step].letter
        ):
            j += step
        first, last = min(i, j), max(i, j)
        if first == last and len(item.text) > 1 and item.weak_letter:
            return _Part(_Unit.WORD, item.text, i, i)  # `mike`, `te`: a word when said alone
        return _Part(_Unit.LETTERS, "".join(x.letter for x in found[first : last + 1]), first, last)
    if item.text.isalnum() and _separator(item) is None and not item.has(Role.AT | Role.FILLER):
        return _Part(_Unit.WORD, item.text, i, i)
    return None


def _soft(found: list[Item], j: int, step: int) -> bool:
    """Whether items `j` and `j + step` are side by side (blanks or a pause between them)."""
    right = found[j + 1] if step > 0 else found[j]
    return bool(_SOFT.fullmatch(right.gap)) and right.gap not in _WRITTEN_SEP


def _local(found: list[Item], k: int, grammar: Grammar) -> list[_Part]:
    """The local part before the at word `found[k]`, read backwards."""
    parts: list[_Part] = []  # right to left
    closed = False  # after an initial (`d reyes`) only a separator may continue
    i = k - 1
    while i >= 0 and len(parts) < 12:
        gap = found[i + 1].gap
        written = gap in _WRITTEN_SEP
        if not written and not _SOFT.fullmatch(gap):
            break
        after_sep = bool(parts) and parts[-1].unit is _Unit.SEP
        if written:
            if not parts or after_sep:
                break
            parts.append(_Part(_Unit.SEP, gap, i + 1, i + 1))
            after_sep, closed = True, False
        sep = _separator(found[i])
        if sep is not None:
            if not parts or after_sep:
                break
            parts.append(_Part(_Unit.SEP, sep, i, i))
            closed = False
            i -= 1
            continue
        unit = _unit_at(found, i, -1, grammar)
        if unit is None:
            break
        if parts and not after_sep:
            if closed:
                break
            right = parts[-1]
            if unit.unit is _Unit.LETTERS and right.unit is _Unit.WORD:
                if not found[unit.last].weak_letter:
                    parts.append(_Part(_Unit.LETTERS, unit.text[-1], unit.last, unit.last))  # an initial
                closed = True
                i = unit.last - 1
                continue
            if unit.unit is _Unit.WORD and right.unit is _Unit.LETTERS and right.text == unit.text:
                parts[-1] = _Part(_Unit.WORD, unit.text, unit.first, right.last)  # `reyes r e y e s`
                i = unit.first - 1
                continue
            if right.unit is not _Unit.NUMBER or unit.unit is _Unit.NUMBER:
                break
        parts.append(unit)
        i = unit.first - 1
    while parts and parts[-1].unit is _Unit.SEP:
        parts.pop()
    return parts[::-1]


def _domain(found: list[Item], k: int, grammar: Grammar) -> list[_Part] | None:
    """The domain after the at word `found[k]`: parts joined by dots or dashes, ending in a TLD."""
    parts: list[_Part] = []
    j = k + 1
    while j < len(found) and len(parts) < 12:
        gap = found[j].gap
        after_sep = not parts or parts[-1].unit is _Unit.SEP
        if gap in _WRITTEN_SEP and parts:
            if after_sep:
                break
            parts.append(_Part(_Unit.SEP, gap, j, j))
            after_sep = True
        elif not _SOFT.fullmatch(gap):
            break
        sep = _separator(found[j])
        if sep is not None:
            if after_sep:
                break
            parts.append(_Part(_Unit.SEP, sep, j, j))
            j += 1
            continue
        if not after_sep:
            break
        unit = _unit_at(found, j, 1, grammar)
        if unit is None:
            break
        if unit.unit is _Unit.LETTERS and unit.first == unit.last and len(found[j].text) > 1:
            unit = _Part(_Unit.WORD, found[j].text, j, j)  # `punkt de`: the TLD, not the letter d
        parts.append(unit)
        j = unit.last + 1
    while parts and parts[-1].unit is _Unit.SEP:
        parts.pop()
    dots = [n for n, p in enumerate(parts) if p.unit is _Unit.SEP and p.text == "."]
    if not dots or parts[0].unit is _Unit.SEP:
        return None
    tail = parts[dots[-1] + 1 :]
    if len(tail) != 1 or not _tld(tail[0]):
        return None
    return parts


def _tld(part: _Part) -> bool:
    text = part.text.lower()
    if part.unit is _Unit.LETTERS:
        return len(text) in (2, 3)
    return part.unit is _Unit.WORD and text.isalpha() and (text in TLDS or len(text) == 2)
