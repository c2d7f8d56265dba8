"""Payment cards, IBANs and account numbers."""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass

import regex
from stdnum import iban

from detectors import entities
from detectors.patterns._context import near, negative, words_regex
from detectors.patterns._recognizer import NEGATIVE_PENALTY, DigitRunRecognizer, Hit, Scoring
from detectors.validators import is_card

# How card numbers are written: compact, or groups led by four digits (4-4-4-4, Amex 4-6-5,
# 4-4-4-4-3) with one kind of separator. `056-3474135-3919375` is an order number, not a card.
_CARD_LAYOUT = regex.compile(r"\d{12,19}|\d{4}(?:(?P<sep>[ .-])\d{3,6})(?:(?P=sep)\d{1,6}){0,3}")

CARD = DigitRunRecognizer(
    entity=entities.CREDIT_CARD,
    lengths=frozenset(range(12, 20)),
    validator=is_card,
    accept=lambda value: bool(_CARD_LAYOUT.fullmatch(value)),
    # a card starts its digit run (a year or CVC may follow it), and is not the body of an
    # IBAN whose check failed (`DE47 3005 0110 1009 8834 …`) nor the middle of a longer key
    from_run_start=True,
    not_after=regex.compile(r"\b[A-Z]{2}\d{2}[ ]?\Z"),
    scoring=Scoring(
        valid_score=0.95,
        negative_penalty=0.5,  # Luhn passes one number in ten: `Tracking 5970…` without `card` is dropped
        context=("card", "tarjeta", "carte", "karte", "cartão", "cartao", "visa", "mastercard", "amex", "cc"),
    ),
)  # fmt: skip

# `\b` rather than `(?<!\w)` before a letter or digit: the same test, and `regex` scans it ~3x faster.
_IBAN_CANDIDATE = regex.compile(r"\b(?>[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,34})")
_IBAN_CONTEXT = words_regex(("iban", "account", "cuenta", "compte", "konto", "conta", "transfer", "bank"))
_ALNUM_CHARS = frozenset(string.ascii_letters + string.digits)


@dataclass(frozen=True, slots=True)
class IbanRecognizer:
    """IBANs, compact or in groups of four, upper or lower case, validated by mod-97.

    The candidate pattern may run into the next word (`GB82WEST... for`), so the
    longest valid prefix is taken.
    """

    entity: str = entities.IBAN_CODE
    langs: frozenset[str] | None = None
    valid_score: float = 0.95
    min_length: int = 15

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        for match in _IBAN_CANDIDATE.finditer(text):
            compact = match.group().replace(" ", "").upper()
            lengths = _checksum_lengths(compact, self.min_length)
            if not lengths:
                continue
            # end offset of each letter or digit of the candidate (no regex Match per character)
            ends = [match.start() + i + 1 for i, c in enumerate(match.group()) if c in _ALNUM_CHARS]
            for length in lengths:
                end = ends[length - 1]
                if end < len(text) and text[end].isalnum():
                    continue  # a valid prefix must end at a word boundary
                if iban.is_valid(compact[:length]):
                    score = self.valid_score
                    if negative(text, match.start()) and not near(_IBAN_CONTEXT, text, match.start(), end):
                        score -= NEGATIVE_PENALTY
                    yield match.start(), end, score
                    break


def _checksum_lengths(compact: str, shortest: int) -> list[int]:
    """Lengths (longest first, at least `shortest`) of the prefixes of `compact` that pass mod-97.

    One pass over the candidate instead of a python-stdnum call per prefix: a run such as
    `GB00 GB00 GB00 ...` would otherwise cost ~20 full validations per candidate. stdnum still
    validates the prefixes found here (country, length, BBAN layout).
    """
    head = "".join(str(int(c, 36)) for c in compact[:4])  # moved to the end by the IBAN check
    head_value, head_shift = int(head) % 97, pow(10, len(head), 97)
    lengths: list[int] = []
    rest = 0
    for length, char in enumerate(compact[4:], start=5):
        digit = int(char, 36)
        rest = (rest * (100 if digit > 9 else 10) + digit) % 97
        if length >= shortest and (rest * head_shift + head_value) % 97 == 1:
            lengths.append(length)
    return lengths[::-1]


IBAN = IbanRecognizer()
