"""Gating (strict / balanced / disabled classes) and merging (overlaps by score, joins, order)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import DetectorsError, Span, apply_spans, parse_policy, redact
from detectors.merge import JOIN_GAP, STAGE_RANK, gate, merge
from detectors.policy import DEFAULT_THRESHOLD, DEFAULT_THRESHOLDS, NER_THRESHOLD, Policy


def S(start: int, end: int, entity: str = "X", score: float = 0.9, stage: str = "patterns") -> Span:
    return Span(start, end, entity, score, stage)


def _t(spans: list[Span]) -> list[tuple[int, int, str, float]]:
    return [(s.start, s.end, s.entity, s.score) for s in spans]


# ---------------------------------------------------------------- gate

STRICT = parse_policy({"tenant": "t", "mode": "strict"})
BALANCED = Policy.default()


def test_strict_keeps_every_span_with_a_score_above_zero() -> None:
    spans = [S(0, 2, score=0.0), S(3, 5, score=0.01), S(6, 8, score=0.3), S(9, 11, score=1.0)]
    assert gate(spans, STRICT) == spans[1:]


@pytest.mark.parametrize(
    ("entity", "score", "kept"),
    [
        ("EMAIL_ADDRESS", DEFAULT_THRESHOLD, True),  # at the threshold: kept
        ("EMAIL_ADDRESS", DEFAULT_THRESHOLD - 0.01, False),
        ("PASSPORT", DEFAULT_THRESHOLDS["PASSPORT"], True),  # class default below the global one
        ("PASSPORT", DEFAULT_THRESHOLDS["PASSPORT"] - 0.01, False),
        ("ACCOUNT_ID", 0.45, True),
        ("MEMBER_ID", 0.49, False),  # a custom class gets the global default
        # the NER stage's classes: its own threshold
        *(
            (entity, NER_THRESHOLD, True)
            for entity in ("PERSON", "LOCATION", "STREET_ADDRESS", "ORGANIZATION")
        ),
        *((entity, NER_THRESHOLD - 0.01, False) for entity in ("PERSON", "ORGANIZATION")),
        ("PERSON", 0.4, True),
    ],
)
def test_balanced_uses_class_thresholds(entity: str, score: float, kept: bool) -> None:
    span = S(0, 4, entity, score)
    assert gate([span], BALANCED) == ([span] if kept else [])


def test_balanced_per_class_thresholds_from_the_policy_including_aliases() -> None:
    policy = parse_policy(
        {"tenant": "t", "thresholds": {"PHONE": 0.8, "EMAIL_ADDRESS": 0.2, "PASSPORT": 0.9}}
    )
    spans = [
        S(0, 2, "PHONE_NUMBER", 0.79),
        S(3, 5, "PHONE_NUMBER", 0.8),
        S(6, 8, "EMAIL_ADDRESS", 0.2),
        S(9, 11, "PASSPORT", 0.85),
        S(12, 14, "US_SSN", 0.5),
    ]
    assert gate(spans, policy) == [spans[1], spans[2], spans[4]]


def test_threshold_overrides_apply_per_workspace_and_environment() -> None:
    policy = parse_policy(
        {
            "tenant": "t",
            "thresholds": {"PHONE": 0.6},
            "overrides": [{"environment": "staging", "thresholds": {"PHONE": 0.3}}],
        }
    )
    span = S(0, 4, "PHONE_NUMBER", 0.4)
    assert gate([span], policy.resolve()) == []
    assert gate([span], policy.resolve(environment="staging")) == [span]


@pytest.mark.parametrize("policy_mode", ["strict", "balanced"])
def test_disabled_entities_are_dropped_in_both_modes(policy_mode: str) -> None:
    policy = parse_policy({"tenant": "t", "mode": policy_mode, "entities": {"EMAIL": False, "CARD": "off"}})
    spans = [S(0, 2, "EMAIL_ADDRESS", 1.0), S(3, 5, "CREDIT_CARD", 1.0), S(6, 8, "PHONE_NUMBER", 1.0)]
    assert gate(spans, policy) == [spans[2]]


# ---------------------------------------------------------------- merge

TEXT = "0123456789 abcdefghij klmnopqrst uvwxyz ABCDEFGHIJ KLMNOPQRST"


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        pytest.param([], [], id="empty"),
        pytest.param([S(5, 9), S(0, 3)], [(0, 3, "X", 0.9), (5, 9, "X", 0.9)], id="sorted by start"),
        pytest.param(
            [S(11, 21, "A", 0.6), S(11, 21, "B", 0.9)],
            [(11, 21, "B", 0.9)],
            id="same range: higher score wins",
        ),
        pytest.param(
            [S(11, 21, "A", 0.9), S(14, 18, "B", 0.6)],
            [(11, 21, "A", 0.9)],
            id="contained lower span dropped",
        ),
        pytest.param(
            [S(11, 32, "LOW", 0.5), S(22, 32, "HIGH", 0.95)],
            [(11, 21, "LOW", 0.5), (22, 32, "HIGH", 0.95)],
            id="lower span keeps its uncovered part, trimmed of the space",
        ),
        pytest.param(
            [S(11, 39, "LOW", 0.5), S(22, 32, "HIGH", 0.95)],
            [(11, 21, "LOW", 0.5), (22, 32, "HIGH", 0.95), (33, 39, "LOW", 0.5)],
            id="lower span split around a higher one",
        ),
        pytest.param(
            [S(11, 23, "LOW", 0.5), S(12, 32, "HIGH", 0.95)],
            [(12, 32, "HIGH", 0.95)],
            id="uncovered fragment under two alnum chars is dropped",
        ),
        pytest.param(
            [S(0, 5, "A"), S(5, 10, "A")], [(0, 10, "A", 0.9)], id="touching same-class spans joined"
        ),
        pytest.param(
            [S(11, 21, "A", 0.6), S(22, 32, "A", 0.8)],
            [(11, 32, "A", 0.8)],
            id="same class across one space joined, max score",
        ),
        pytest.param(
            [S(11, 21, "A"), S(22, 32, "B")],
            [(11, 21, "A", 0.9), (22, 32, "B", 0.9)],
            id="different classes not joined",
        ),
        pytest.param(
            [S(0, 3, "A"), S(7, 10, "A")],
            [(0, 3, "A", 0.9), (7, 10, "A", 0.9)],
            id="gap with text not joined",
        ),
    ],
)
def test_merge_table(spans: list[Span], expected: list[tuple[int, int, str, float]]) -> None:
    assert _t(merge(spans, TEXT)) == expected


def test_merge_joins_across_whitespace_up_to_the_gap_only() -> None:
    text = "Ana" + " " * JOIN_GAP + "Ruiz" + " " * (JOIN_GAP + 1) + "Gil"
    a = S(0, 3, "PERSON", stage="ner")
    b = S(3 + JOIN_GAP, 7 + JOIN_GAP, "PERSON", stage="ner")
    c = S(len(text) - 3, len(text), "PERSON", stage="ner")
    assert _t(merge([a, b, c], text)) == [(0, 7 + JOIN_GAP, "PERSON", 0.9), (c.start, c.end, "PERSON", 0.9)]


def test_on_equal_score_and_length_the_earlier_stage_wins() -> None:
    spans = [S(0, 10, "PERSON", 0.9, "ner"), S(0, 10, "CUSTOMER", 0.9, "custom"), S(0, 10, "US_SSN", 0.9)]
    assert merge(spans, TEXT)[0].entity == "US_SSN"


def test_on_equal_score_the_longer_span_wins() -> None:
    spans = [S(0, 5, "A", 0.9), S(0, 10, "B", 0.9)]
    assert _t(merge(spans, TEXT)) == [(0, 10, "B", 0.9)]


# ---------------------------------------------------------------- properties

ENTITIES = st.sampled_from(["A", "B", "C"])
STAGES = st.sampled_from(["fields", "patterns", "custom", "ner", "other"])


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    text = draw(st.text(alphabet=st.sampled_from("ab1 .,-\n"), min_size=1, max_size=60))
    n = len(text)
    spans = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start + 1, n))
        score = draw(st.floats(0.0, 1.0, allow_nan=False))
        spans.append(Span(start, end, draw(ENTITIES), score, draw(STAGES)))
    return text, spans


def _assert_clean(spans: list[Span], text: str) -> None:
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start, (a, b)


@settings(max_examples=200, deadline=None)
@given(text_and_spans())
def test_merge_output_is_clean_and_faithful_to_its_candidates(case: tuple[str, list[Span]]) -> None:
    text, spans = case
    merged = merge(spans, text)
    # in bounds, sorted, no overlaps
    _assert_clean(merged, text)
    for out in merged:
        # every merged span comes from candidates of its class and keeps one of their scores
        sources = [s for s in spans if s.entity == out.entity and s.overlaps(out)]
        assert sources
        assert any(s.score == out.score for s in sources)
        # each covered character is covered by one of them (joins add only whitespace)
        for i in range(out.start, out.end):
            assert text[i].isspace() or any(s.start <= i < s.end for s in sources)
    if spans:
        # the first span in merge's own order (score, length, stage rank) survives whole;
        # it may have been joined with a neighbour of its class, never cut
        best = min(spans, key=lambda s: (-s.score, s.start - s.end, STAGE_RANK.get(s.stage, 9), s.start))
        assert any(m.start <= best.start and best.end <= m.end for m in merged)


@settings(max_examples=200, deadline=None)
@given(text_and_spans())
def test_merge_is_idempotent_gate_is_stable_and_redaction_lengths_add_up(
    case: tuple[str, list[Span]],
) -> None:
    text, spans = case
    once = merge(spans, text)
    assert merge(once, text) == once
    # merged spans keep their candidates' scores: gating the result again removes nothing
    gated = merge(gate(spans, STRICT), text)
    assert gate(gated, STRICT) == gated
    assert merge(gated, text) == gated
    # placeholders replace exactly the spans' characters
    redacted = redact(text, once)
    assert len(redacted) == len(text) + sum(len(f"<{s.entity}>") - (s.end - s.start) for s in once)
    assert apply_spans(text, once, lambda _span, value: value) == text
    upper = apply_spans(text, once, lambda _span, value: value.upper())
    assert len(upper) == len(text)
    for s in once:
        assert upper[s.start : s.end] == text[s.start : s.end].upper()


def test_apply_spans_rejects_overlapping_unsorted_or_out_of_range_spans() -> None:
    for bad in ([S(0, 5), S(3, 8)], [S(5, 8), S(0, 3)], [S(0, len(TEXT) + 1)]):
        with pytest.raises(DetectorsError, match="spans overlap"):
            apply_spans(TEXT, bad, lambda _span, value: value)
