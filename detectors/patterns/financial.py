"""Payment cards, IBANs and account numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import regex
from stdnum import iban

from detectors import entities
from detectors.patterns._context import near, negative, words_regex
from detectors.patterns._recognizer import NEGATIVE_PENALTY, DigitRunRecognizer, Hit, RegexRecognizer, Scoring
from detectors.validators import is_card

CARD = DigitRunRecognizer(
    entity=entities.CREDIT_CARD,
    lengths=frozenset(range(12, 20)),
    validator=is_card,
    scoring=Scoring(
        valid_score=0.95,
        context=("card", "tarjeta", "carte", "karte", "cartão", "cartao", "visa", "mastercard", "amex", "cc"),
    ),
)  # fmt: skip

_IBAN_CANDIDATE = regex.compile(r"(?<![\w])(?>[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,34})")
_IBAN_CONTEXT = words_regex(("iban", "account", "cuenta", "compte", "konto", "conta", "transfer", "bank"))
_ALNUM = regex.compile(r"[A-Za-z0-9]")


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
            ends = [match.start() + m.end() for m in _ALNUM.finditer(match.group())]
            compact = "".join(c for c in match.group() if c != " ").upper()
            for length in range(len(compact), self.min_length - 1, -1):
                end = ends[length - 1]
                if end < len(text) and text[end].isalnum():
                    continue  # a valid prefix must end at a word boundary
                if iban.is_valid(compact[:length]):
                    score = self.valid_score
                    if negative(text, match.start()) and not near(_IBAN_CONTEXT, text, match.start(), end):
                        score -= NEGATIVE_PENALTY
                    yield match.start(), end, score
                    break


IBAN = IbanRecognizer()

ACCOUNT = RegexRecognizer(
    entity=entities.ACCOUNT_ID,
    pattern=regex.compile(
        r"(?<!\w)(?:acct|account|cuenta|compte|konto|kontonummer|conta|customer|cliente|client|kunden)"
        r"(?:[ \t]*(?:no\.?|number|id|n[º°o]\.?|nr\.?|número|numéro|nummer|#))?"
        r"[ \t]*(?:is[ \t]+|es[ \t]+|:|#)?[ \t]*"
        r"(?P<v>(?=[A-Za-z-]{0,20}\d)[A-Za-z0-9][A-Za-z0-9-]{5,24})(?!\w)",
        regex.IGNORECASE,
    ),
    scoring=Scoring(score=0.45, penalize_negative=False),
)
