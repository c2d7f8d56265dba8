"""Gating and merging: from every stage's candidate spans to one clean, non-overlapping list."""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterable

from detectors.policy import Policy
from detectors.span import Span

#: On equal score and length, earlier stages win (validated patterns over NER guesses).
STAGE_RANK = {"fields": 0, "patterns": 1, "spoken": 2, "custom": 3, "ner": 4}

#: Same-class spans separated only by this much whitespace are joined (`John` `Smith`).
JOIN_GAP = 2

_TRIM = " \t\r\n.,;:!?\"'()[]{}<>"


def gate(spans: Iterable[Span], policy: Policy) -> list[Span]:
    """Keep spans of enabled classes that the policy's mode lets through.

    *strict* keeps every span with a score above zero; *balanced* keeps spans at or
    above their class threshold. Runs before the merge, so a discarded low-confidence
    guess never trims a kept span.
    """
    strict = policy.mode == "strict"
    return [
        s
        for s in spans
        if policy.enabled(s.entity) and (s.score > 0 if strict else s.score >= policy.threshold(s.entity))
    ]


def merge(spans: Iterable[Span], text: str) -> list[Span]:
    """Resolve overlaps by confidence, then join touching same-class spans.

    The highest-scoring span keeps its range; a lower one that overlaps it keeps
    only the parts left uncovered (trimmed of spaces and punctuation, and only
    where at least two letters or digits remain), so what
    a weaker stage found is never silently dropped. Result: sorted, no overlaps.
    """
    ordered = sorted(spans, key=lambda s: (-s.score, s.start - s.end, STAGE_RANK.get(s.stage, 9), s.start))
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Span] = []
    for span in ordered:
        for start, end in _uncovered(span.start, span.end, starts, ends):
            whole = (start, end) == (span.start, span.end)
            piece = (start, end) if whole else _trimmed(text, start, end)
            if piece is None:
                continue
            kept.append(span if whole else Span(piece[0], piece[1], span.entity, span.score, span.stage))
            insort(starts, piece[0])
            insort(ends, piece[1])
    kept.sort(key=lambda s: s.start)
    return _join(kept, text)


def _uncovered(start: int, end: int, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """Parts of `[start, end)` not covered by the taken intervals (sorted, disjoint)."""
    pieces = []
    i = bisect_right(ends, start)
    cursor = start
    while i < len(starts) and starts[i] < end:
        if starts[i] > cursor:
            pieces.append((cursor, starts[i]))
        cursor = max(cursor, ends[i])
        i += 1
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    if sum(c.isalnum() for c in text[start:end]) < 2:
        return None
    return start, end


def _join(spans: list[Span], text: str) -> list[Span]:
    joined: list[Span] = []
    for span in spans:
        if joined:
            last = joined[-1]
            gap = text[last.end : span.start]
            if last.entity == span.entity and len(gap) <= JOIN_GAP and not gap.strip():
                joined[-1] = Span(last.start, span.end, last.entity, max(last.score, span.score), last.stage)
                continue
        joined.append(span)
    return joined
