"""The spoken-values stage: personal data said or spelled out in calls and chats.

Per language (the document's, or all five when it is not one of them): read the
dictated emails, the spoken dates and the runs of spoken digits and letters, write
them out in a normalized copy of the text, run the written recognizers on it and map
their hits back. Checksummed values (cards, IBANs, national IDs), emails and dates of
birth come from those recognizers; phone, account, passport numbers and postcodes
have no checksum, so they are taken only where the call names them (`cues`).
A value counts only when it was at least partly said in words: written values are
the pattern stage's.

Fast path: a text without two number words close together, nor an at word and a dot
word, is left after one regex scan.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import regex

from detectors import entities
from detectors.patterns import BUILTIN_RECOGNIZERS
from detectors.patterns._recognizer import NEGATIVE_PENALTY, Recognizer
from detectors.span import Document, Span
from detectors.spoken import cues
from detectors.spoken.languages import LEXICONS
from detectors.spoken.lexicon import Lexicon
from detectors.spoken.normalize import Normalized, Reading, normalize, read
from detectors.spoken.runs import Run
from detectors.spoken.values import (
    ACCOUNT_SCORE,
    DOB_SCORE,
    PASSPORT_SCORE,
    Value,
    birth_date,
    identifier,
    key,
    numeric_date,
    phone,
    postcode,
)

#: What the written recognizers look for in each kind of spoken value. Phones are read here
#: (spoken numbers are bare); IP addresses, usernames and street addresses are not read out as digits.
_FOR_KIND: Mapping[str, frozenset[str]] = {
    "email": frozenset({entities.EMAIL_ADDRESS}),
    "date": frozenset({entities.DATE_OF_BIRTH}),
    "run": frozenset({
        entities.CREDIT_CARD, entities.IBAN_CODE, entities.ACCOUNT_ID, entities.PASSPORT, entities.US_SSN,
        entities.ES_DNI, entities.ES_NIE, entities.FR_NIR, entities.DE_TAX_ID, entities.PT_NIF,
        entities.BR_CPF, entities.BR_CNPJ, entities.UK_NINO, entities.UK_NHS,
    }),
}  # fmt: skip
RECOGNIZERS: tuple[Recognizer, ...] = tuple(
    r for r in BUILTIN_RECOGNIZERS if any(r.entity in wanted for wanted in _FOR_KIND.values())
)

#: Checksums too weak to stand alone (one number in ten passes): a cue from the call raises them.
_WEAK_IDS = frozenset({entities.US_SSN, entities.DE_TAX_ID, entities.PT_NIF, entities.BR_CPF,
                       entities.BR_CNPJ, entities.UK_NHS, entities.UK_NINO})  # fmt: skip
CUED_ID_SCORE = 0.95

#: Recognizers see the normalized text this far around each spoken value (their context windows).
_WINDOW_BEFORE = 96
_WINDOW_AFTER = 48
#: Two number words at most this far apart make a text worth reading.
_NEAR = 40

_AT_WORD = regex.compile(r"\b(?:at|arroba|arobase|arrobase|ät|klammeraffe)\b", regex.IGNORECASE)
_DOT_WORD = regex.compile(r"\b(?:dot|punto|point|punkt|ponto)\b", regex.IGNORECASE)
#: How far after an at word a dot word must follow for an address to be worth reading.
_AT_TO_DOT = 60


@dataclass(frozen=True, slots=True)
class SpokenStage:
    """Spoken and spelled values: digits, letters, dates and emails said in words."""

    recognizers: Sequence[Recognizer] = field(default=RECOGNIZERS)
    name: str = "spoken"

    @property
    def entities(self) -> frozenset[str]:
        return frozenset(
            {r.entity for r in self.recognizers}
            | {entities.PHONE_NUMBER, entities.ACCOUNT_ID, entities.PASSPORT, entities.STREET_ADDRESS}
        )

    def detect(self, doc: Document) -> list[Span]:
        lexicon = LEXICONS.get(doc.lang)
        lexicons = (lexicon,) if lexicon is not None else tuple(LEXICONS.values())
        best: dict[tuple[int, int, str], Span] = {}
        for lex in lexicons:
            if not _worth_reading(doc.text, lex):
                continue
            for span in self._detect(doc, lex):
                where = (span.start, span.end, span.entity)
                if where not in best or best[where].score < span.score:
                    best[where] = span
        return sorted(best.values(), key=lambda s: (s.start, s.end, s.entity))

    def _detect(self, doc: Document, lexicon: Lexicon) -> list[Span]:
        """The spans of what was said in one language."""
        text = doc.text
        said = read(text, lexicon)
        if not (said.emails or said.dates or said.strict or said.greedy):
            return []
        loose = said.replacements()
        seen = {(r.start, r.end, r.text) for r in loose}
        # strict runs written where the speaker paused; only those that differ from the greedy ones
        tight = [r for r in said.replacements(strict=True) if (r.start, r.end, r.text) not in seen]
        context = cues.Cues(text)
        keyed = list(self._recognized(doc, normalize(text, loose), context))
        if tight:
            keyed.extend(self._recognized(doc, normalize(text, tight), context))
        keyed.extend(self._cued(doc, context, said.strict, said.greedy))
        keyed.extend(self._birth_dates(doc, context, said))
        # a value read back (`agent: fünf drei neun ...`) is as sure as its first reading
        best: dict[tuple[str, str], float] = {}
        for span, said_as in keyed:
            best[span.entity, said_as] = max(best.get((span.entity, said_as), 0.0), span.score)
        return [replace(span, score=best[span.entity, said_as]) for span, said_as in keyed]

    def _recognized(
        self, doc: Document, variant: Normalized, context: cues.Cues
    ) -> Iterator[tuple[Span, str]]:
        """The written recognizers' hits in the normalized text that touch a spoken value."""
        policy = doc.policy
        for kind, wanted in _FOR_KIND.items():
            recognizers = [
                r for r in self.recognizers
                if r.entity in wanted and (policy is None or policy.enabled(r.entity))
            ]  # fmt: skip
            yield from self._windows(doc, variant, context, kind, recognizers)

    def _windows(
        self, doc: Document, variant: Normalized, context: cues.Cues, kind: str, recognizers: list[Recognizer]
    ) -> Iterator[tuple[Span, str]]:
        for lo, hi in variant.windows(_WINDOW_BEFORE, _WINDOW_AFTER, kind):
            window = variant.text[lo:hi]
            for recognizer in recognizers:
                for start, end, score in recognizer.find(window, doc.lang):
                    mapped = variant.original(lo + start, lo + end)
                    if mapped is not None and mapped[0] < mapped[1]:
                        score = _rescored(context, mapped[0], recognizer.entity, score)
                        yield Span(*mapped, recognizer.entity, score, self.name), key(window[start:end])

    def _birth_dates(self, doc: Document, context: cues.Cues, said: Reading) -> list[tuple[Span, str]]:
        """Spoken dates the call asks for as a date of birth (`and your date of birth?` / `...`), also
        when the question is further back than the written recognizer looks."""
        if doc.policy is not None and not doc.policy.enabled(entities.DATE_OF_BIRTH):
            return []
        out = []
        for date in said.dates:
            start, end = said.items[date.first].start, said.items[date.last].end
            if context.before(start)[:1] == (entities.DATE_OF_BIRTH,) and birth_date(
                date.day, date.month, date.year
            ):
                out.append((Span(start, end, entities.DATE_OF_BIRTH, DOB_SCORE, self.name), key(date.text)))
        return out

    def _cued(
        self, doc: Document, context: cues.Cues, strict: list[Run], greedy: list[Run]
    ) -> list[tuple[Span, str]]:
        """Phone, account, passport numbers and postcodes where the call names them; their read-backs."""
        policy = doc.policy
        spans: list[tuple[Span, str]] = []
        said: dict[str, tuple[str, float]] = {}  # the key of each value found → its class and score
        for n, run in enumerate(strict):
            labels = (
                context.before(run.start, lines_above=False)
                or context.after(run.end)
                or context.before(run.start)
            )
            value = _classed(run, labels[0] if labels else None, strict[n + 1 : n + 2], greedy, doc.lang)
            if value is None and key(run.value) in said and len(key(run.value)) >= 5:
                entity, score = said[key(run.value)]  # read back: `agent: six four seven five ...`
                value = Value(run.start, run.end, entity, score, key(run.value))
            if value is None or (policy is not None and not policy.enabled(value.entity)):
                continue
            spans.append((Span(value.start, value.end, value.entity, value.score, self.name), value.key))
            said.setdefault(value.key, (value.entity, value.score))
            said.setdefault(key(run.value), (value.entity, value.score))
        return spans


def _classed(run: Run, label: str | None, following: list[Run], greedy: list[Run], lang: str) -> Value | None:
    """The value `run` is as the call's cue `label` classes it, when it has that value's shape."""
    if label == entities.PHONE_NUMBER:
        return phone(run, following[0] if following else None, lang)
    if label == entities.ACCOUNT_ID:
        return identifier(run, entities.ACCOUNT_ID, ACCOUNT_SCORE, 5, 20, 4)
    if label == entities.PASSPORT:
        return identifier(run, entities.PASSPORT, PASSPORT_SCORE, 6, 12, 5)
    if label == entities.STREET_ADDRESS:
        return postcode(run, greedy, 3, 8, 1)
    if label == cues.ADDRESS:  # `wittener straße dreiundvierzig vier vier sieben acht neun`
        return postcode(run, greedy, 4, 12, 4)
    if label == entities.DATE_OF_BIRTH:
        return numeric_date(run)
    return None


def _worth_reading(text: str, lexicon: Lexicon) -> bool:
    """Two number words close together, or an at word followed by a dot word (`at gmail dot com`):
    one scan for each kind of word."""
    previous = -_NEAR - 1
    for match in lexicon.trigger.finditer(text):
        if match.start() - previous <= _NEAR:
            return True
        previous = match.end()
    # `k.weber(at)firma.de` is written: the pattern stage's email recognizer reads it
    return any(_DOT_WORD.search(text, m.end(), m.end() + _AT_TO_DOT) for m in _AT_WORD.finditer(text))


def _rescored(context: cues.Cues, start: int, entity: str, score: float) -> float:
    """A weak check passed with the call's cue for that identifier scores as a strong one; a value
    the call calls an order, ticket or tracking number, or a phone number, loses `NEGATIVE_PENALTY`."""
    if entity in (entities.EMAIL_ADDRESS, entities.DATE_OF_BIRTH):
        return score
    labels = context.before(start)
    if entity in _WEAK_IDS and entity in labels:
        return max(score, CUED_ID_SCORE)
    if labels[:1] == (cues.NEGATIVE,) or (labels[:1] == (entities.PHONE_NUMBER,) and entity not in labels):
        # an order number, or a phone number that passes a card's or an ID's check by chance
        return max(0.0, score - NEGATIVE_PENALTY)
    return score
