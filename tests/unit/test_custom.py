"""Tenant custom entities: regexes, dictionaries, validators, context words, runaway regexes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from _ids import bad_digit, bad_letter, br_cnpj, br_cpf, de_idnr, es_dni, es_nie, fr_nir, pt_nif, uk_nhs

from detectors import DetectorsError, Document, Span, default_pipeline, parse_policy
from detectors.custom import REGEX_TIMEOUT_S, CustomStage
from detectors.validators import VALIDATORS


def _policy(*custom: dict[str, Any], **extra: Any) -> Any:
    return parse_policy({"tenant": "t", "custom": list(custom), **extra})


def _custom(text: str, *custom: dict[str, Any], lang: str = "en") -> list[tuple[str, str, float]]:
    policy = _policy(*custom)
    spans = CustomStage().detect(Document(text, lang, policy=policy))
    return [(text[s.start : s.end], s.entity, s.score) for s in sorted(spans, key=lambda s: s.start)]


MEMBER = {"name": "MEMBER_ID", "pattern": r"MBR-\d{8}", "context": ["member", "membership"]}


def test_regex_entity_found_with_its_offsets_and_base_score() -> None:
    text = "Ref MBR-12345678 and mbr-87654321."
    policy = _policy(MEMBER)
    spans = CustomStage().detect(Document(text, policy=policy))
    assert spans == [
        Span(4, 16, "MEMBER_ID", 0.6, "custom"),
        Span(21, 33, "MEMBER_ID", 0.6, "custom"),  # case-insensitive by default
    ]


def test_case_sensitive_regex() -> None:
    hits = _custom("MBR-12345678 mbr-87654321", {**MEMBER, "case_sensitive": True})
    assert [h[0] for h in hits] == ["MBR-12345678"]


@pytest.mark.parametrize(
    "text",
    ["membership MBR-12345678", "MBR-12345678 (member)", "Member no. MBR-12345678"],
)
def test_context_word_raises_the_score_to_context_score(text: str) -> None:
    [(_, _, score)] = _custom(text, {**MEMBER, "score": 0.3, "context_score": 0.85})
    assert score == pytest.approx(0.85)


def test_context_score_below_score_never_lowers_it() -> None:
    [(_, _, score)] = _custom("member MBR-12345678", {**MEMBER, "score": 0.7, "context_score": 0.2})
    assert score == pytest.approx(0.7)


def test_negative_words_do_not_lower_tenant_entities() -> None:
    [(_, _, score)] = _custom("order MBR-12345678", MEMBER)
    assert score == pytest.approx(0.6)


def test_dictionary_is_case_insensitive_and_whole_word_by_default() -> None:
    entity = {"name": "PRODUCT_CODE", "dictionary": ["Gold Plan", "Platinum", "a.b"]}
    hits = _custom("GOLD PLAN, platinum, Platinumish, axb, a.b", entity)
    assert [h[0] for h in hits] == ["GOLD PLAN", "platinum", "a.b"]  # escaped: `.` is literal


def test_dictionary_prefers_the_longest_entry() -> None:
    hits = _custom("the Gold Plan Plus", {"name": "PLAN", "dictionary": ["Gold Plan", "Gold Plan Plus"]})
    assert [h[0] for h in hits] == ["Gold Plan Plus"]


def test_case_sensitive_dictionary() -> None:
    hits = _custom("Platinum platinum", {"name": "PLAN", "dictionary": ["Platinum"], "case_sensitive": True})
    assert [h[0] for h in hits] == ["Platinum"]


def test_pattern_and_dictionary_together() -> None:
    hits = _custom("MBR-12345678 or VIP", {**MEMBER, "dictionary": ["vip"]})
    assert [h[0] for h in hits] == ["MBR-12345678", "VIP"]


def test_validator_filters_matches() -> None:
    entity = {"name": "LOYALTY_CARD", "pattern": r"\b\d{16}\b", "validator": "luhn"}
    hits = _custom("4111111111111111 4111111111111112", entity)
    assert [h[0] for h in hits] == ["4111111111111111"]


def test_named_group_v_selects_the_value() -> None:
    hits = _custom("claim: CLM-778899", {"name": "CLAIM", "pattern": r"claim:\s*(?P<v>CLM-\d+)"})
    assert [h[0] for h in hits] == ["CLM-778899"]


def test_disabled_custom_entity_is_not_run() -> None:
    policy = _policy(MEMBER, entities={"MEMBER_ID": False})
    assert CustomStage().detect(Document("MBR-12345678", policy=policy)) == []


def test_no_policy_or_no_custom_entities_means_no_spans() -> None:
    assert CustomStage().detect(Document("MBR-12345678")) == []
    assert CustomStage().detect(Document("MBR-12345678", policy=parse_policy({"tenant": "t"}))) == []


def test_custom_spans_go_through_the_pipeline_gate() -> None:
    low = {**MEMBER, "score": 0.3, "context_score": 0.9}
    policy = _policy(low)
    pipeline = default_pipeline(policy=policy)
    assert pipeline.detect(Document("x MBR-12345678", policy=policy)) == []
    [span] = pipeline.detect(Document("member MBR-12345678", policy=policy))
    assert (span.start, span.end, span.entity, span.stage) == (7, 19, "MEMBER_ID", "custom")


#: Exponential backtracking in the `regex` module: the alternation `a|a` cannot be
#: collapsed, so each extra `a` doubles the work before `$` fails on the `!`.
CATASTROPHIC = r"(a|a)+$"
#: What would give the text away if an error message echoed it.
CANARY = "canary-4d2e@example.com "


def test_catastrophic_pattern_really_backtracks() -> None:
    import regex

    with pytest.raises(TimeoutError):
        regex.compile(CATASTROPHIC).search("a" * 40 + "!", timeout=REGEX_TIMEOUT_S)


def test_catastrophic_tenant_regex_fails_the_text_quickly_without_its_content() -> None:
    policy = _policy({"name": "BAD", "pattern": CATASTROPHIC})
    text = CANARY + "a" * 40 + "!"
    started = time.perf_counter()
    with pytest.raises(DetectorsError) as info:
        default_pipeline(policy=policy).detect(Document(text, policy=policy))
    elapsed = time.perf_counter() - started
    # REGEX_TIMEOUT_S of regex time, plus slack for a loaded machine
    assert elapsed < REGEX_TIMEOUT_S + 4.0
    message = str(info.value)
    assert "BAD" in message
    assert "timed out" in message
    assert CANARY.strip() not in message
    assert "aaaa" not in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


# Every validator name a policy may use: (valid sample, invalid sample).
VALIDATOR_SAMPLES = {
    "luhn": ("1234567812345670", "1234567812345671"),
    "credit_card": ("4111 1111 1111 1111", "1234567812345670"),
    "iban": ("GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 33"),
    "ip": ("2001:db8::1", "256.1.1.1"),
    "us_ssn": ("123 45 6789", "666-45-6789"),
    "es_dni": (es_dni(), bad_letter(es_dni())),
    "es_nie": (es_nie(), bad_letter(es_nie())),
    "fr_nir": (fr_nir(), bad_digit(fr_nir())),
    "de_idnr": (de_idnr(), bad_digit(de_idnr())),
    "pt_nif": (pt_nif(), bad_digit(pt_nif())),
    "br_cpf": (br_cpf(), bad_digit(br_cpf())),
    "br_cnpj": (br_cnpj(), bad_digit(br_cnpj())),
    "uk_nino": ("AB 12 34 56 C", "QQ123456C"),
    "uk_nhs": (uk_nhs(), bad_digit(uk_nhs())),
}


def test_every_validator_is_covered() -> None:
    assert set(VALIDATOR_SAMPLES) == set(VALIDATORS)


@pytest.mark.parametrize("name", sorted(VALIDATOR_SAMPLES))
def test_named_validators(name: str) -> None:
    valid, invalid = VALIDATOR_SAMPLES[name]
    assert VALIDATORS[name](valid) is True
    assert VALIDATORS[name](invalid) is False
