"""Dates of birth: the date formats of en, es, fr, de, pt, kept only near a birth word."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter

import regex

from detectors import entities
from detectors.patterns._context import trie, whole_words_regex
from detectors.patterns._recognizer import Hit
from detectors.validators import is_birth_year

_MONTH_NAMES: Mapping[int, tuple[str, ...]] = {
    1: ("january", "jan", "enero", "ene", "janvier", "janv", "januar", "jänner", "janeiro"),
    2: ("february", "feb", "febrero", "février", "fevrier", "févr", "februar", "fevereiro", "fev"),
    3: ("march", "mar", "marzo", "mars", "märz", "maerz", "março", "marco"),
    4: ("april", "apr", "abril", "abr", "avril", "avr"),
    5: ("may", "mayo", "mai", "maio"),
    6: ("june", "jun", "junio", "juin", "juni", "junho"),
    7: ("july", "jul", "julio", "juillet", "juil", "juli", "julho"),
    8: ("august", "aug", "agosto", "ago", "août", "aout"),
    9: ("september", "sep", "sept", "septiembre", "setiembre", "septembre", "setembro", "set"),
    10: ("october", "oct", "octubre", "octobre", "oktober", "okt", "outubro", "out"),
    11: ("november", "nov", "noviembre", "novembre", "novembro"),
    12: ("december", "dec", "diciembre", "dic", "décembre", "decembre", "déc", "dezember", "dez", "dezembro"),
}  # fmt: skip
#: Months in Roman numerals (`12-IV-1985`, `3.XI.1979`), read only between a day and a year.
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
MONTHS: Mapping[str, int] = {
    **{name: number for number, names in _MONTH_NAMES.items() for name in names},
    **{roman: number for number, roman in enumerate(_ROMAN, 1)},
}


_MONTH = trie(MONTHS)

_DATE = regex.compile(
    r"\b(?<![./-])(?:"  # `\b`: every branch starts with a word character; faster than a lookbehind
    r"(?P<a_d>\d{1,2})[./-](?P<a_m>\d{1,2})[./-](?P<a_y>\d{4}|\d{2})"
    r"|(?P<b_y>\d{4})[-/.](?P<b_m>\d{1,2})[-/.](?P<b_d>\d{1,2})"
    rf"|(?P<c_d>\d{{1,2}})(?:\.|º|er|st|nd|rd|th)?(?:[ \t]+(?:(?:de|of|del|do|da)[ \t]+)?|[-/.])"
    rf"(?P<c_m>{_MONTH})\.?,?(?:[ \t]+(?:(?:de|del|do)[ \t]+)?|[-/.])(?P<c_y>\d{{4}})"
    rf"|(?P<d_m>{_MONTH})\.?[ \t]+(?P<d_d>\d{{1,2}})(?:st|nd|rd|th)?,?[ \t]+(?P<d_y>\d{{4}})"
    r")(?![\w]|[./-]\d)",
    regex.IGNORECASE,
)

_BIRTH_WORDS_WHOLE = (
    "born", "dob", "birthday", "b-day", "date of birth",
    "nacimiento", "nacido", "nacida", "nació", "nacio", "cumpleaños",
    "né le", "née le", "né", "née", "naissance", "date de naissance", "anniversaire",
    "geboren", "geburtsdatum", "geburtstag",
    "nascimento", "nascido", "nascida", "nasceu", "aniversário",
)  # fmt: skip
#: Matched as word prefixes (`birthdate`, `Geburtsort`, `f. nac.`); the words above only whole,
#: so that `né` does not match `nécessaire`, nor `born` the town of `Borna`.
_BIRTH_STEMS = (
    "birth", "d.o.b", "f. nac", "fecha de nac", "fecha_nac", "f.nac", "nac.", "geb.", "gebdat", "geburt",
    "data de nasc", "data_nasc", "nasc", "date_naiss", "date de naiss", "naiss.", "née", "geb.-",
)  # fmt: skip
_BIRTH_WORDS = whole_words_regex(_BIRTH_WORDS_WHOLE, _BIRTH_STEMS)

# Every birth word and stem as a bare prefix: matches wherever `_BIRTH_WORDS` matches in any
# window (and more), so a text it does not match holds no date of birth. One scan per text.
_ALL_BIRTH_WORDS = [w.lower() for w in (*_BIRTH_WORDS_WHOLE, *_BIRTH_STEMS)]
_BIRTH_ANYWHERE = regex.compile(
    (r"\b" if all(regex.match(r"\w", w) for w in _ALL_BIRTH_WORDS) else r"(?<!\w)")  # see words_regex
    + f"(?:{trie(_ALL_BIRTH_WORDS)})",
    regex.IGNORECASE,
)


def _year(text: str, today: dt.date) -> int:
    year = int(text)
    if len(text) == 2:  # 2-digit years: assume the most recent century that is not in the future
        year += 2000 if year <= today.year % 100 else 1900
    return year


def _is_date(year: int, month: int, day: int, today: dt.date) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return is_birth_year(year, today)


# `Match.groupdict()` costs ~25 µs in `regex` (more than the rest of a date's checks); `groups()` ~1 µs.
_GROUPS = itemgetter(
    *(
        _DATE.groupindex[name] - 1
        for name in ("a_d", "a_m", "a_y", "b_y", "b_m", "b_d", "c_d", "c_m", "c_y", "d_m", "d_d", "d_y")
    )
)


def _parse(match: regex.Match[str], today: dt.date) -> bool:
    a_d, a_m, a_y, b_y, b_m, b_d, c_d, c_m, c_y, d_m, d_d, d_y = _GROUPS(match.groups())
    if a_y:  # day-first and month-first are both in use: accept either reading
        y, first, second = _year(a_y, today), int(a_d), int(a_m)
        return _is_date(y, second, first, today) or _is_date(y, first, second, today)
    if b_y:
        return _is_date(int(b_y), int(b_m), int(b_d), today)
    if c_y:
        return _is_date(int(c_y), MONTHS[c_m.lower()], int(c_d), today)
    return _is_date(int(d_y), MONTHS[d_m.lower()], int(d_d), today)


@dataclass(frozen=True, slots=True)
class BirthDateRecognizer:
    """A real calendar date a living person could be born on, with a birth word just before it."""

    entity: str = entities.DATE_OF_BIRTH
    langs: frozenset[str] | None = None
    score: float = 0.85
    window: int = 60

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        if _BIRTH_ANYWHERE.search(text) is None:
            return  # every date needs a birth word before it: none in the text, no date to scan for
        today = dt.date.today()
        previous = 0  # a birth word counts for the first date after it (`Geb.-Datum: …, Reisedatum: …`)
        for match in _DATE.finditer(text):
            start = match.start()
            if not _BIRTH_WORDS.search(text, max(previous, start - self.window), start):
                previous = match.end()
                continue
            previous = match.end()
            if _parse(match, today):
                yield start, match.end(), self.score


DOB = BirthDateRecognizer()
