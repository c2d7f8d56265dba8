"""Checks for spoken values without a checksum: phone numbers, postcodes, numeric dates of birth.

Each takes a run (or a spoken date) the call's cue has already classed, and says whether
it has the shape of that value; scores follow `detectors/patterns/_recognizer.py`: a
context-dependent shape scores below a validated checksum.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import phonenumbers

from detectors import entities
from detectors.patterns.contact import REGIONS
from detectors.spoken.runs import Run
from detectors.validators import is_birth_year

#: A phone number said where the call asks for one; a valid one (libphonenumber) a little more.
PHONE_SCORE = 0.8
VALID_PHONE_BONUS = 0.1
ACCOUNT_SCORE = 0.6
PASSPORT_SCORE = 0.6
POSTCODE_SCORE = 0.6
#: As the written date-of-birth recognizer scores a date after a birth word.
DOB_SCORE = 0.85

PHONE_DIGITS = range(7, 16)
#: Lines a company runs (toll-free, shared-cost, premium-rate, one number for the country).
_SERVICE_LINES = frozenset({
    phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST, phonenumbers.PhoneNumberType.UAN,
})  # fmt: skip


class Value(NamedTuple):
    """A value found in `text[start:end]`; `key` is what a read-back of it has in common with it."""

    start: int
    end: int
    entity: str
    score: float
    key: str


def key(value: str) -> str:
    """What two readings of one value have in common: its letters and digits."""
    return "".join(c for c in value if c.isalnum()).upper()


def shaped(value: str, shortest: int, longest: int, min_digits: int) -> bool:
    """Between `shortest` and `longest` letters and digits, at least `min_digits` of them digits."""
    alnum = [c for c in value if c.isalnum()]
    return shortest <= len(alnum) <= longest and sum(c.isdigit() for c in alnum) >= min_digits


def identifier(
    run: Run, entity: str, score: float, shortest: int, longest: int, min_digits: int
) -> Value | None:
    """An account or document number of a plausible length."""
    if not shaped(run.value, shortest, longest, min_digits):
        return None
    return Value(run.start, run.end, entity, score, key(run.value))


def phone(run: Run, following: Run | None, lang: str) -> Value | None:
    """A spoken phone number of a plausible length, not a company's service line.

    A number too short by itself but completed by a correction (`quatre-vingt-dix-huit...
    non quatre-vingt-huit, onze, zéro trois`) spans both.
    """
    if run.letters:
        return None
    end, digits = run.end, run.digits
    if (
        len(digits) not in PHONE_DIGITS
        and following is not None
        and following.corrects
        and not following.letters
    ):
        corrected = "".join(p.text for p in run.pieces[:-1] if p.text.isdigit()) + following.digits
        if len(corrected) in PHONE_DIGITS:
            end, digits = following.end, corrected
    if len(digits) not in PHONE_DIGITS:
        return None
    verdict = line(("+" if run.plus else "") + digits, lang)
    if verdict is None:
        return None
    score = PHONE_SCORE + (VALID_PHONE_BONUS if verdict else 0.0)
    return Value(run.start, end, entities.PHONE_NUMBER, score, digits)


def line(number: str, lang: str) -> bool | None:
    """Read in the first region of the language where the number is possible: True when valid there,
    None when it is a company's service line there (toll-free, shared-cost...), else False."""
    regions: tuple[str | None, ...] = (None,) if number.startswith("+") else REGIONS.get(lang, ("US", "GB"))
    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_possible_number(parsed):
            continue
        if not phonenumbers.is_valid_number(parsed):
            return False
        return None if phonenumbers.number_type(parsed) in _SERVICE_LINES else True
    return False


def postcode(run: Run, greedy: list[Run], shortest: int, longest: int, min_digits: int) -> Value | None:
    """A postcode (after `postcode` / `code postal` / `PLZ` / `CEP`: letters kept, `c f twenty four`),
    or the house number and postcode of an address."""
    for candidate in (*(g for g in greedy if g.start <= run.start < g.end), run):
        if shaped(candidate.value, shortest, longest, min_digits):
            return Value(
                candidate.start, candidate.end, entities.STREET_ADDRESS, POSTCODE_SCORE, key(candidate.value)
            )
    return None


def birth_date(day: int, month: int, year: str, today: dt.date | None = None) -> dt.date | None:
    """The date a living person could be born on (two-digit years: the latest century not ahead)."""
    today = today or dt.date.today()
    full = int(year)
    if len(year) == 2:
        full += 2000 if full <= today.year % 100 else 1900
    try:
        born = dt.date(full, month, day)
    except ValueError:
        return None
    return born if is_birth_year(born.year, today) else None


def numeric_date(run: Run) -> Value | None:
    """A date of birth said as its digits after a birth word (`oh three oh five nineteen seventy`):
    day, month (or month, day), then a four- or two-digit year."""
    digits = run.digits
    if run.letters or len(digits) not in (6, 8):
        return None
    for day, month in ((digits[0:2], digits[2:4]), (digits[2:4], digits[0:2])):
        if birth_date(int(day), int(month), digits[4:]) is not None:
            return Value(run.start, run.end, entities.DATE_OF_BIRTH, DOB_SCORE, digits)
    return None
