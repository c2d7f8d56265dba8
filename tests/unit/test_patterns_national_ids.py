"""National identifiers and passports: checksums, layouts, context and negative words.

Scoring rules under test (detectors/patterns/_recognizer.py and national_ids.py docstrings):
a strong check scores >= 0.95 alone; a single check digit on a bare digit string stays
below the balanced threshold unless a context word is near; the identifier's own layout
scores `formatted_score`; a negative word just before the value lowers the score.
"""

from __future__ import annotations

import pytest
from _ids import (
    bad_digit,
    bad_letter,
    bodies,
    br_cnpj,
    br_cpf,
    de_idnr,
    de_idnr_samples,
    es_dni,
    es_nie,
    find,
    fr_nir,
    only,
    pt_nif,
    uk_nhs,
)
from stdnum.br import cnpj, cpf

from detectors import Document, default_pipeline, parse_policy
from detectors.patterns import national_ids as ids
from detectors.patterns._recognizer import NEGATIVE_PENALTY
from detectors.policy import DEFAULT_THRESHOLD

HIGH = 0.95


def _split(value: str, widths: tuple[int, ...]) -> list[str]:
    """`value` cut into groups of `widths` (its printed layout)."""
    out, at = [], 0
    for width in widths:
        out.append(value[at : at + width])
        at += width
    assert at == len(value)
    return out


# (recognizer, lang, valid value, sentence with a context word around {v})
VALID = [
    (ids.US_SSN, "en", "123-45-6789", "Her SSN is {v}."),
    (ids.US_SSN, "en", "123 45 6789", "social security {v}"),
    (ids.US_SSN, "en", "123456789", "SSN: {v}"),
    (ids.ES_DNI, "es", es_dni(), "DNI {v}"),
    (ids.ES_DNI, "es", es_dni("00000001"), "mi documento de identidad es {v}"),
    (ids.ES_DNI, "es", es_dni("87654321"), "dni: {v}"),
    (ids.ES_NIE, "es", es_nie(), "NIE {v}"),
    (ids.ES_NIE, "es", es_nie("Y7654321"), "tarjeta de residencia {v}"),
    (ids.ES_NIE, "es", es_nie("Z0000001"), "nie: {v}"),
    (ids.FR_NIR, "fr", fr_nir(), "numéro de sécurité sociale {v}"),
    (ids.FR_NIR, "fr", fr_nir("2991275123456"), "NIR {v}"),
    (ids.DE_TAX_ID, "de", de_idnr(), "Steuer-ID {v}"),
    (ids.PT_NIF, "pt", pt_nif(), "NIF {v}"),
    (ids.PT_NIF, "pt", pt_nif("23456789"), "número de contribuinte {v}"),
    (ids.BR_CPF, "pt", br_cpf(), "CPF {v}"),
    (ids.BR_CNPJ, "pt", br_cnpj(), "CNPJ {v}"),
    (ids.UK_NINO, "en", "AB123456C", "National Insurance number {v}"),
    (ids.UK_NINO, "en", "ab 12 34 56 d", "NI number {v}"),
    (ids.UK_NHS, "en", uk_nhs(), "NHS number {v}"),
    (ids.UK_NHS, "en", uk_nhs("401023213"), "NHS no. {v}"),
]
VALID += [(ids.DE_TAX_ID, "de", v, "Steueridentifikationsnummer: {v}") for v in de_idnr_samples(3)]
VALID += [(ids.PT_NIF, "pt", pt_nif(b), "NIF {v}") for b in bodies(3, 3, 8, first="1235689")]
VALID += [(ids.BR_CPF, "pt", br_cpf(b), "CPF {v}") for b in bodies(4, 3, 9)]
VALID += [(ids.BR_CNPJ, "pt", br_cnpj(b), "CNPJ {v}") for b in bodies(5, 3, 12)]
VALID += [(ids.FR_NIR, "fr", fr_nir(b), "NIR {v}") for b in ("1690149123456", "2880775012345")]
VALID += [(ids.ES_DNI, "es", es_dni(b), "DNI {v}") for b in bodies(6, 3, 8)]


@pytest.mark.parametrize(("recognizer", "lang", "value", "sentence"), VALID)
def test_valid_value_with_context_is_found_at_its_offsets_with_a_high_score(
    recognizer: ids.RegexRecognizer, lang: str, value: str, sentence: str
) -> None:
    text = sentence.format(v=value)
    found, start, end, score = only(recognizer, text, lang)
    assert (found, start, end) == (value, text.index(value), text.index(value) + len(value))
    assert score >= HIGH


@pytest.mark.parametrize(("recognizer", "lang", "value", "sentence"), VALID)
def test_valid_value_is_reported_by_the_default_pipeline(
    recognizer: ids.RegexRecognizer, lang: str, value: str, sentence: str
) -> None:
    text = sentence.format(v=value)
    spans = default_pipeline().detect(Document(text, lang))
    start = text.index(value)
    assert [(s.start, s.end, s.entity, s.stage) for s in spans] == [
        (start, start + len(value), recognizer.entity, "patterns")
    ]


# Check digit (or letter) wrong: rejected whatever the context.
INVALID = [
    (ids.ES_DNI, "es", bad_letter(es_dni())),
    (ids.ES_DNI, "es", bad_letter(es_dni("87654321"))),
    (ids.ES_NIE, "es", bad_letter(es_nie())),
    (ids.ES_NIE, "es", "W1234567L"),  # W is not an NIE prefix
    (ids.FR_NIR, "fr", bad_digit(fr_nir())),
    (ids.FR_NIR, "fr", bad_digit(fr_nir("2991275123456"))),
    (ids.DE_TAX_ID, "de", bad_digit(de_idnr())),
    (ids.DE_TAX_ID, "de", "11111111111"),  # digit-repetition rule
    (ids.PT_NIF, "pt", bad_digit(pt_nif())),
    (ids.BR_CPF, "pt", bad_digit(br_cpf())),
    (ids.BR_CPF, "pt", cpf.format(bad_digit(br_cpf()))),
    (ids.BR_CNPJ, "pt", bad_digit(br_cnpj())),
    (ids.BR_CNPJ, "pt", cnpj.format(bad_digit(br_cnpj()))),
    (ids.UK_NHS, "en", bad_digit(uk_nhs())),
    (ids.US_SSN, "en", "000-12-3456"),  # area 000
    (ids.US_SSN, "en", "666-12-3456"),  # area 666
    (ids.US_SSN, "en", "912-34-5678"),  # area 9xx
    (ids.US_SSN, "en", "123-00-4567"),  # group 00
    (ids.US_SSN, "en", "123-45-0000"),  # serial 0000
    (ids.UK_NINO, "en", "GB123456C"),  # prefix never issued
    (ids.UK_NINO, "en", "DA123456C"),  # D is not a valid first letter
    (ids.UK_NINO, "en", "AO123456C"),  # O is not a valid second letter
    (ids.UK_NINO, "en", "AB123456E"),  # suffix A-D only
]


@pytest.mark.parametrize(("recognizer", "lang", "value"), INVALID)
def test_checksum_or_structure_invalid_value_is_rejected(
    recognizer: ids.RegexRecognizer, lang: str, value: str
) -> None:
    # the strongest context word each recognizer knows is right there: still nothing
    context = recognizer.scoring.context[0]
    assert find(recognizer, f"{context} {value}", lang) == []
    assert find(recognizer, value, lang) == []


# (recognizer, lang, text, expected score attribute of the recognizer's Scoring)
LAYOUT_SCORES = [
    # bare digit strings with one check digit: weak_score, below the balanced threshold
    (ids.US_SSN, "en", "x 123456789 y", "weak_score"),
    (ids.DE_TAX_ID, "de", f"x {de_idnr()} y", "weak_score"),
    (ids.PT_NIF, "pt", f"x {pt_nif()} y", "weak_score"),
    (ids.BR_CPF, "pt", f"x {br_cpf()} y", "weak_score"),
    (ids.BR_CNPJ, "pt", f"x {br_cnpj()} y", "weak_score"),
    (ids.UK_NHS, "en", f"x {uk_nhs()} y", "weak_score"),
    # the identifier's own layout: formatted_score
    (ids.US_SSN, "en", "x 123-45-6789 y", "formatted_score"),
    (ids.US_SSN, "en", "x 123 45 6789 y", "formatted_score"),
    (ids.DE_TAX_ID, "de", "x {} {} {} {} y".format(*_split(de_idnr(), (2, 3, 3, 3))), "formatted_score"),
    (ids.PT_NIF, "pt", "x {} {} {} y".format(*_split(pt_nif(), (3, 3, 3))), "formatted_score"),
    (ids.BR_CPF, "pt", f"x {cpf.format(br_cpf())} y", "formatted_score"),
    (ids.BR_CNPJ, "pt", f"x {cnpj.format(br_cnpj())} y", "formatted_score"),
    (ids.UK_NHS, "en", "x {} {} {} y".format(*_split(uk_nhs(), (3, 3, 4))), "formatted_score"),
    # a strong check needs no context nor layout: valid_score
    (ids.ES_DNI, "es", f"x {es_dni()} y", "valid_score"),
    (ids.ES_NIE, "es", f"x {es_nie()} y", "valid_score"),
    (ids.FR_NIR, "fr", f"x {fr_nir()} y", "valid_score"),
    (
        ids.FR_NIR,
        "fr",
        "x {} {} {} {} {} {} {} y".format(*_split(fr_nir(), (1, 2, 2, 2, 3, 3, 2))),
        "valid_score",
    ),
]


@pytest.mark.parametrize(("recognizer", "lang", "text", "attribute"), LAYOUT_SCORES)
def test_bare_formatted_and_strong_values_score_per_the_rules(
    recognizer: ids.RegexRecognizer, lang: str, text: str, attribute: str
) -> None:
    _, _, _, score = only(recognizer, text, lang)
    assert score == pytest.approx(getattr(recognizer.scoring, attribute))


WEAK = [ids.US_SSN, ids.DE_TAX_ID, ids.PT_NIF, ids.BR_CPF, ids.BR_CNPJ, ids.UK_NHS]


@pytest.mark.parametrize("recognizer", WEAK, ids=lambda r: r.entity)
def test_weak_checks_stay_below_the_balanced_threshold_without_context(
    recognizer: ids.RegexRecognizer,
) -> None:
    # issue 3: shape-only matches score <= 0.5; one check digit is not enough on its own
    assert recognizer.scoring.weak
    assert recognizer.scoring.weak_score < DEFAULT_THRESHOLD
    assert recognizer.scoring.valid_score >= HIGH


@pytest.mark.parametrize(
    ("recognizer", "lang", "value", "context"),
    [
        (ids.US_SSN, "en", "123456789", "ssn"),
        (ids.US_SSN, "en", "123456789", "Social Security"),
        (ids.DE_TAX_ID, "de", de_idnr(), "Steuer-ID"),
        (ids.DE_TAX_ID, "de", de_idnr(), "IdNr"),
        (ids.PT_NIF, "pt", pt_nif(), "contribuinte"),
        (ids.BR_CPF, "pt", br_cpf(), "cpf"),
        (ids.BR_CNPJ, "pt", br_cnpj(), "cnpj"),
        (ids.UK_NHS, "en", uk_nhs(), "NHS"),
        (ids.UK_NINO, "en", "AB123456C", "national insurance"),
    ],
)
def test_a_context_word_before_or_after_raises_a_weak_match(
    recognizer: ids.RegexRecognizer, lang: str, value: str, context: str
) -> None:
    _, _, _, bare = only(recognizer, f"x {value} y", lang)
    _, _, _, before = only(recognizer, f"{context}: {value}", lang)
    _, _, _, after = only(recognizer, f"{value} ({context})", lang)
    assert bare < DEFAULT_THRESHOLD or recognizer is ids.UK_NINO
    assert before >= HIGH
    assert after >= HIGH


def test_context_far_away_does_not_count() -> None:
    filler = "lorem ipsum dolor sit amet " * 3
    _, _, _, score = only(ids.PT_NIF, f"NIF {filler} {pt_nif()}", "pt")
    assert score == pytest.approx(ids.PT_NIF.scoring.weak_score)


@pytest.mark.parametrize(
    ("recognizer", "lang", "value", "negative"),
    [
        (ids.US_SSN, "en", "123-45-6789", "Order"),
        (ids.US_SSN, "en", "123-45-6789", "version"),
        (ids.BR_CPF, "pt", cpf.format(br_cpf()), "pedido"),
        (ids.BR_CNPJ, "pt", cnpj.format(br_cnpj()), "Fatura"),
        (ids.ES_DNI, "es", es_dni(), "factura"),
        (ids.FR_NIR, "fr", fr_nir(), "commande"),
        (ids.DE_TAX_ID, "de", "{} {} {} {}".format(*_split(de_idnr(), (2, 3, 3, 3))), "Rechnung"),
        (ids.DE_TAX_ID, "de", "{} {} {} {}".format(*_split(de_idnr(), (2, 3, 3, 3))), "Bestellnummer"),
        (ids.UK_NINO, "en", "AB123456C", "invoice"),
        (ids.PASSPORT, "en", "AB1234567", "SKU"),
    ],
)
def test_a_negative_word_just_before_lowers_the_score(
    recognizer: ids.RegexRecognizer, lang: str, value: str, negative: str
) -> None:
    _, _, _, plain = only(recognizer, f"x {value}", lang)
    hits = find(recognizer, f"{negative}: {value}", lang)
    lowered = hits[0][3] if hits else 0.0
    assert lowered == pytest.approx(max(0.0, plain - NEGATIVE_PENALTY))


def test_a_negative_word_does_not_lower_a_match_with_its_own_context_word() -> None:
    _, _, _, score = only(ids.US_SSN, "order form, SSN 123-45-6789", "en")
    assert score >= HIGH


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AB1234567", 0.15),  # shape only
        ("passport AB1234567", 0.5),
        ("Reisepass: C01X00T47", None),  # not the shape
        ("Pasaporte X1234567", 0.5),
        ("numéro de passeport AB123456", 0.5),
        ("ab1234567", None),  # upper-case letters only
        ("ABC1234567", None),  # at most two letters
        ("AB12345", None),  # at least six digits
    ],
)
def test_passport_is_shape_only_and_needs_context(text: str, expected: float | None) -> None:
    hits = find(ids.PASSPORT, text)
    if expected is None:
        assert hits == []
    else:
        assert [h[3] for h in hits] == [pytest.approx(expected)]
        assert expected <= 0.5


def test_passport_without_context_is_dropped_in_balanced_mode_and_kept_in_strict() -> None:
    text = "Ref AB1234567 shipped"
    balanced = default_pipeline().detect(Document(text))
    strict_policy = parse_policy({"tenant": "t", "mode": "strict"})
    strict = default_pipeline(policy=strict_policy).detect(Document(text, policy=strict_policy))
    assert balanced == []
    assert strict == [] or all(s.score > 0 for s in strict)
    with_context = default_pipeline().detect(Document("passport AB1234567"))
    assert [(s.start, s.end, s.entity) for s in with_context] == [(9, 18, "PASSPORT")]


@pytest.mark.parametrize(
    ("lang", "text", "entity"),
    [
        ("de", f"Die Zahl {de_idnr()} steht da", "DE_TAX_ID"),
        ("pt", f"valor {pt_nif()} pago", "PT_NIF"),
        ("en", f"number {uk_nhs()} here", "UK_NHS"),
    ],
)
def test_bare_weak_identifier_is_not_reported_as_that_class_in_balanced_mode(
    lang: str, text: str, entity: str
) -> None:
    spans = default_pipeline().detect(Document(text, lang))
    assert entity not in {s.entity for s in spans}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"A{es_dni()}", []),
        (f"{es_dni()}5", []),
    ],
)
def test_dni_needs_word_boundaries(text: str, expected: list[str]) -> None:
    assert [h[0] for h in find(ids.ES_DNI, text, "es")] == expected


@pytest.mark.parametrize(
    "layout",
    ["{b}{c}", "{b}-{c}", "{b} {c}", "{b}{lc}"],
)
def test_dni_layouts(layout: str) -> None:
    value = es_dni()
    text = layout.format(b=value[:-1], c=value[-1], lc=value[-1].lower())
    found, start, end, score = only(ids.ES_DNI, f"DNI {text}.", "es")
    assert (found, start, end) == (text, 4, 4 + len(text))
    assert score >= HIGH


@pytest.mark.parametrize("layout", ["{p}{d}{c}", "{p}-{d}-{c}", "{p} {d} {c}", "{lp}{d}{lc}"])
def test_nie_layouts(layout: str) -> None:
    value = es_nie("Y7654321")
    p, d, c = value[0], value[1:-1], value[-1]
    text = layout.format(p=p, d=d, c=c, lp=p.lower(), lc=c.lower())
    found, start, end, score = only(ids.ES_NIE, f"NIE: {text}", "es")
    assert (found, start, end) == (text, 5, 5 + len(text))
    assert score >= HIGH
