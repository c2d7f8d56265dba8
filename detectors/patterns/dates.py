"""Dates of birth: the date formats of en, es, fr, de, pt, kept only near a birth word."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import regex

from detectors import entities
from detectors.patterns._context import words_regex
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
MONTHS: Mapping[str, int] = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_MONTH = "|".join(sorted((regex.escape(m) for m in MONTHS), key=len, reverse=True))

_DATE = regex.compile(
    r"(?<![\w./-])(?:"
    r"(?P<a_d>\d{1,2})[./-](?P<a_m>\d{1,2})[./-](?P<a_y>\d{4}|\d{2})"
    r"|(?P<b_y>\d{4})[-/.](?P<b_m>\d{1,2})[-/.](?P<b_d>\d{1,2})"
    rf"|(?P<c_d>\d{{1,2}})(?:\.|º|er|st|nd|rd|th)?[ \t]+(?:de[ \t]+)?"
    rf"(?P<c_m>{_MONTH})\.?,?[ \t]+(?:de[ \t]+)?(?P<c_y>\d{{4}})"
    rf"|(?P<d_m>{_MONTH})\.?[ \t]+(?P<d_d>\d{{1,2}})(?:st|nd|rd|th)?,?[ \t]+(?P<d_y>\d{{4}})"
    r")(?![\w]|[./-]\d)",
    regex.IGNORECASE,
)

_BIRTH_WORDS = words_regex((
    "born", "birth", "dob", "d.o.b", "birthday", "b-day", "date of birth",
    "nacimiento", "nacido", "nacida", "nació", "nacio", "f. nac", "fecha de nac", "cumpleaños",
    "né le", "née le", "né", "née", "naissance", "date de naissance", "anniversaire",
    "geboren", "geb.", "geburtsdatum", "geburtstag", "geburt",
    "nascimento", "nascido", "nascida", "nasceu", "data de nasc", "aniversário",
))  # fmt: skip


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # 2-digit years: assume the most recent century that is not in the future
        today = dt.date.today().year
        year += 2000 if year <= today % 100 else 1900
    return year


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return is_birth_year(year)


def _parse(match: regex.Match[str]) -> bool:
    g = match.groupdict()
    if g["a_y"]:  # day-first and month-first are both in use: accept either reading
        y, first, second = _year(g["a_y"]), int(g["a_d"]), int(g["a_m"])
        return _is_date(y, second, first) or _is_date(y, first, second)
    if g["b_y"]:
        return _is_date(int(g["b_y"]), int(g["b_m"]), int(g["b_d"]))
    if g["c_y"]:
        return _is_date(int(g["c_y"]), MONTHS[g["c_m"].lower()], int(g["c_d"]))
    return _is_date(int(g["d_y"]), MONTHS[g["d_m"].lower()], int(g["d_d"]))


@dataclass(frozen=True, slots=True)
class BirthDateRecognizer:
    """A real calendar date a living person could be born on, with a birth word just before it."""

    entity: str = entities.DATE_OF_BIRTH
    langs: frozenset[str] | None = None
    score: float = 0.85
    window: int = 60

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        for match in _DATE.finditer(text):
            start = match.start()
            if not _BIRTH_WORDS.search(text, max(0, start - self.window), start):
                continue
            if _parse(match):
                yield start, match.end(), self.score


DOB = BirthDateRecognizer()
