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
- a negative word just before it (`order`, `version`, ...), with no context word
  between the two, lowers it by `negative_penalty` (`NEGATIVE_PENALTY` by default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Protocol

import regex

from detectors.errors import DetectorsError
from detectors.patterns import _context
from detectors.validators import Validator

NEGATIVE_PENALTY = 0.4

#: Distinct digit runs one text may hold before it fails (closed: DLQ, not a stalled worker).
#: Each costs up to ~1 ms of validation; CRM texts hold dozens, not thousands.
MAX_DISTINCT_RUNS = 1_000

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
    negative_penalty: float = NEGATIVE_PENALTY
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
        if self.penalize_negative and _context.negative_before(text, start, self._context_re):
            score -= self.negative_penalty
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


#: Fewest digits a `DigitRunRecognizer` identifier may have; shorter runs are not reported.
MIN_RUN_DIGITS = 9
# A run of up to 10 digit groups joined by single separators. Atomic group and
# bounded repeats: linear time whatever the input. The lookahead drops runs of fewer
# than MIN_RUN_DIGITS digits, and only those (for MIN_RUN_DIGITS <= 10: a run cut short by
# its bounds has at least 10 digits), before any Python code sees them.
_DIGIT_RUN = regex.compile(
    rf"(?<![\w.,/+-])(?=\d(?:[ .\-/]?\d){{{MIN_RUN_DIGITS - 1}}})"
    r"(?>\d{1,19}(?:[ .\-/]\d{1,19}){0,9})(?![\w]|[.,/-]\d)"
)

#: A digit run: its start in the text, its text, and the running digit count
#: before each of its groups (`counts[i]` digits precede group i; `counts[-1]` is the total).
_Run = tuple[int, str, tuple[int, ...]]


@lru_cache(maxsize=1)
def _digit_runs(text: str) -> tuple[_Run, ...]:
    """The digit runs of `text`, found once for all the digit-run recognizers that scan it."""
    runs = []
    for match in _DIGIT_RUN.finditer(text):
        run = match.group()
        groups = run.replace(".", " ").replace("-", " ").replace("/", " ").split(" ")  # no empty group
        runs.append((match.start(), run, (0, *accumulate(map(len, groups)))))
    return tuple(runs)


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
    #: Only sub-runs that start the run: the value is not the middle of a longer number.
    from_run_start: bool = False
    #: A run right after text this pattern matches at its end is not scanned (`DE47 3005 …`: an IBAN).
    not_after: regex.Pattern[str] | None = None

    def __post_init__(self) -> None:
        if self.lengths and min(self.lengths) < MIN_RUN_DIGITS:
            raise ValueError(f"{self.entity}: runs of fewer than {MIN_RUN_DIGITS} digits are not scanned")

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        if not self.lengths:
            return
        shortest = min(self.lengths)
        # Which sub-runs validate depends only on the run's text: repeated runs are checked once.
        checked: dict[str, tuple[tuple[int, int, bool], ...]] = {}
        for base, run, counts in _digit_runs(text):
            if counts[-1] < shortest:
                continue  # fewer digits than the shortest identifier: no sub-run can match
            if self.not_after is not None and self.not_after.search(text, max(0, base - 8), base):
                continue
            valid = checked.get(run)
            if valid is None:
                if len(checked) >= MAX_DISTINCT_RUNS:
                    raise DetectorsError(
                        f"{self.entity}: more than {MAX_DISTINCT_RUNS} distinct number sequences in one text"
                    )
                valid = checked[run] = self._valid(run, counts)
            for start, end, formatted in valid:
                score = self.scoring.rate(text, base + start, base + end, True, formatted)
                if score is not None:
                    yield base + start, base + end, score
                    break

    def _valid(self, run: str, counts: tuple[int, ...]) -> tuple[tuple[int, int, bool], ...]:
        """The sub-runs of whole groups that pass length, validator and `accept`, longest first."""
        ends = [end for end, c in enumerate(run) if c in " .-/"] + [len(run)]
        starts = [0] + [end + 1 for end in ends[:-1]]
        n = len(ends)
        found = []
        for width in range(n, 0, -1):
            for first in range(0, 1 if self.from_run_start else n - width + 1):
                if counts[first + width] - counts[first] not in self.lengths:
                    continue
                start, end = starts[first], ends[first + width - 1]
                value = run[start:end]
                if self.accept is not None and not self.accept(value):
                    continue  # the cheap layout check first: validators cost tens of µs
                if not self.validator(value):
                    continue
                formatted = self.formatted is not None and bool(self.formatted.fullmatch(value))
                found.append((start, end, formatted))
        return tuple(found)
