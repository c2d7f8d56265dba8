"""Recognizers: the small declarative units the pattern stage is made of.

A recognizer finds candidate values in a text and scores them. Scoring follows
one rule set everywhere:

- a validator that fails rejects the match;
- a passed *strong* check (a checksum few random strings pass, or a format only
  that identifier has) scores `valid_score` (>= 0.95 by default);
- a passed *weak* check (one check digit on a bare digit string: one random
  string in ten passes) scores `weak_score` unless a context word is near,
  or `formatted_score` when written in the identifier's own layout;
- a context word near the match raises the score by `context_boost`;
- a negative word just before it (`order`, `version`, ...) lowers it by `NEGATIVE_PENALTY`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import regex

from detectors.patterns import _context
from detectors.validators import Validator, digits

NEGATIVE_PENALTY = 0.4

Hit = tuple[int, int, float]


class Recognizer(Protocol):
    """Finds one entity class in a text."""

    @property
    def entity(self) -> str: ...

    @property
    def langs(self) -> frozenset[str] | None: ...

    def find(self, text: str, lang: str) -> Iterator[Hit]: ...


def _clamp(score: float) -> float:
    return max(0.0, min(1.0, score))


@dataclass(frozen=True, slots=True)
class Scoring:
    """How a candidate that passed (or has no) validation is scored."""

    score: float = 0.5
    valid_score: float = 0.95
    weak: bool = False
    weak_score: float = 0.45
    formatted_score: float = 0.95
    context: tuple[str, ...] = ()
    context_boost: float = 0.35
    needs_context: bool = False
    penalize_negative: bool = True
    _context_re: regex.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_context_re", _context.words_regex(self.context) if self.context else None)

    def rate(
        self, text: str, start: int, end: int, validated: bool | None, formatted: bool = False
    ) -> float | None:
        """Score a candidate; None drops it.

        `validated` is None when there is no validator; `formatted` says the value
        is written in a layout specific to its identifier (`123.456.789-09`).
        """
        if validated is False:
            return None
        has_context = _context.near(self._context_re, text, start, end)
        if self.needs_context and not has_context:
            return None
        if validated is None:
            score = self.score + (self.context_boost if has_context else 0.0)
        elif has_context or not self.weak:
            score = self.valid_score
        elif formatted:
            score = self.formatted_score
        else:
            score = self.weak_score
        if self.penalize_negative and _context.negative(text, start):
            score -= NEGATIVE_PENALTY
        return _clamp(score)


@dataclass(frozen=True, slots=True)
class RegexRecognizer:
    """A regex, an optional validator and a scoring rule.

    When the pattern has a group named `v`, only that group is the entity
    (the rest of the match is anchoring context).
    """

    entity: str
    pattern: regex.Pattern[str]
    scoring: Scoring
    validator: Validator | None = None
    langs: frozenset[str] | None = None
    #: Seconds one scan may take (tenant-supplied patterns); `TimeoutError` past it.
    timeout: float | None = None

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        for match in self.pattern.finditer(text, timeout=self.timeout):
            start, end = match.span("v") if "v" in self.pattern.groupindex else match.span()
            if start < 0 or start == end:
                continue
            value = text[start:end]
            validated = None if self.validator is None else self.validator(value)
            score = self.scoring.rate(text, start, end, validated)
            if score is not None:
                yield start, end, score


# A run of up to 10 digit groups joined by single separators. Atomic group and
# bounded repeats: linear time whatever the input.
_DIGIT_RUN = regex.compile(r"(?<![\w.,/-])(?>\d{1,19}(?:[ .\-/]\d{1,19}){0,9})(?![\w]|[.,/-]\d)")
_GROUP = regex.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class DigitRunRecognizer:
    """Numeric identifiers written with or without separators (cards, SSN, NIR, CPF...).

    Finds runs of digit groups, then the longest sub-run of whole groups whose
    digit count is allowed and whose value validates, so a card number followed
    by a year (`4111 1111 1111 1111 2024`) is still found. `formatted` (a
    full-match pattern) marks the identifier's own layout, scored by
    `Scoring.formatted_score` when the check digit alone is weak.
    """

    entity: str
    lengths: frozenset[int]
    validator: Validator
    scoring: Scoring
    formatted: regex.Pattern[str] | None = None
    langs: frozenset[str] | None = None
    accept: Callable[[str], bool] | None = None

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        for run in _DIGIT_RUN.finditer(text):
            hit = self._best(text, run.start(), [g.span() for g in _GROUP.finditer(run.group())])
            if hit is not None:
                yield hit

    def _best(self, text: str, base: int, groups: list[tuple[int, int]]) -> Hit | None:
        n = len(groups)
        for width in range(n, 0, -1):
            for first in range(0, n - width + 1):
                start, end = base + groups[first][0], base + groups[first + width - 1][1]
                value = text[start:end]
                if len(digits(value)) not in self.lengths or not self.validator(value):
                    continue
                if self.accept is not None and not self.accept(value):
                    continue
                formatted = self.formatted is not None and bool(self.formatted.fullmatch(value))
                score = self.scoring.rate(text, start, end, True, formatted)
                if score is not None:
                    return start, end, score
        return None
