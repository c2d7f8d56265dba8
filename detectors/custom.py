"""Tenant custom entities: regexes and dictionaries declared in the policy."""

from __future__ import annotations

from functools import lru_cache

import regex

from detectors.errors import DetectorsError
from detectors.patterns._recognizer import RegexRecognizer, Scoring
from detectors.policy import CustomEntity
from detectors.span import Document, Span
from detectors.validators import VALIDATORS

#: A tenant regex that runs longer than this on one text fails the text (fail closed).
REGEX_TIMEOUT_S = 0.5


@lru_cache(maxsize=1024)
def _recognizers(entity: CustomEntity) -> tuple[RegexRecognizer, ...]:
    flags = 0 if entity.case_sensitive else regex.IGNORECASE
    scoring = Scoring(
        score=entity.score,
        context=entity.context,
        context_boost=max(0.0, entity.context_score - entity.score),
        penalize_negative=False,
    )
    validator = VALIDATORS[entity.validator] if entity.validator else None
    patterns = []
    if entity.pattern is not None:
        patterns.append(regex.compile(entity.pattern, flags))
    if entity.dictionary:
        words = sorted((regex.escape(w) for w in entity.dictionary), key=len, reverse=True)
        patterns.append(regex.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", flags))
    return tuple(
        RegexRecognizer(entity.name, p, scoring, validator, timeout=REGEX_TIMEOUT_S) for p in patterns
    )


class CustomStage:
    """Runs the custom entities of the document's policy."""

    name = "custom"

    def detect(self, doc: Document) -> list[Span]:
        if doc.policy is None or not doc.policy.custom:
            return []
        spans: list[Span] = []
        for entity in doc.policy.custom:
            if not doc.policy.enabled(entity.name):
                continue
            for recognizer in _recognizers(entity):
                try:
                    hits = list(recognizer.find(doc.text, doc.lang))
                except TimeoutError:
                    raise DetectorsError(f"custom entity {entity.name}: pattern timed out") from None
                spans.extend(Span(s, e, entity.name, score, self.name) for s, e, score in hits)
        return spans
