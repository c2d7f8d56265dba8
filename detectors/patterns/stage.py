"""The pattern stage: every builtin recognizer, filtered by the tenant policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from detectors.patterns import contact, dates, financial, identifiers, names, national_ids, postcodes
from detectors.patterns._recognizer import Recognizer
from detectors.span import Document, Span

BUILTIN_RECOGNIZERS: tuple[Recognizer, ...] = (
    contact.EMAIL,
    contact.IPV4,
    contact.IPV4_LOCAL,
    contact.IPV6,
    contact.PHONE,
    financial.CARD,
    financial.IBAN,
    identifiers.ACCOUNT,
    dates.DOB,
    national_ids.US_SSN,
    national_ids.ES_DNI,
    national_ids.ES_NIE,
    national_ids.FR_NIR,
    national_ids.DE_TAX_ID,
    national_ids.PT_NIF,
    national_ids.BR_CPF,
    national_ids.BR_CNPJ,
    national_ids.UK_NINO,
    national_ids.UK_NHS,
    national_ids.PASSPORT,
    identifiers.PASSPORT,
    identifiers.USERNAME,
    identifiers.SNAKE_USERNAME,
    identifiers.DOTTED_USERNAME,
    names.NAMES,
    postcodes.POSTCODE,
    postcodes.DISTINCTIVE_POSTCODE,
)


@dataclass(frozen=True, slots=True)
class PatternStage:
    """Deterministic patterns with validators and context words."""

    recognizers: Sequence[Recognizer] = BUILTIN_RECOGNIZERS
    name: str = "patterns"

    def detect(self, doc: Document) -> list[Span]:
        policy = doc.policy
        spans = []
        for recognizer in self.recognizers:
            if policy is not None and not policy.enabled(recognizer.entity):
                continue
            if recognizer.langs is not None and doc.lang not in recognizer.langs:
                continue
            for start, end, score in recognizer.find(doc.text, doc.lang):
                spans.append(Span(start, end, recognizer.entity, score, self.name))
        return spans

    @property
    def entities(self) -> frozenset[str]:
        return frozenset(r.entity for r in self.recognizers)
