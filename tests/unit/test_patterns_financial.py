"""Payment cards (Luhn + issuer prefix), IBANs (mod-97) and account numbers."""

from __future__ import annotations

import pytest
from _ids import TEST_CARDS, TEST_IBANS, bad_digit, bodies, card, find, iban_valid, only
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.iso7064 import mod_97_10

from detectors import Document, default_pipeline
from detectors.patterns import financial
from detectors.patterns.financial import _checksum_lengths
from detectors.policy import DEFAULT_THRESHOLD

HIGH = 0.95

# ---------------------------------------------------------------- cards

GENERATED_CARDS = [card("4" + b) for b in bodies(11, 3, 14)] + [
    card("5" + b) for b in bodies(12, 2, 14, "12345")
]


#: Luhn-valid with a Visa prefix, but written the way order numbers are.
_ORDER = card("45613474135391937")


def _grouped(number: str, sep: str) -> str:
    if len(number) == 15:  # Amex 4-6-5
        return sep.join((number[:4], number[4:10], number[10:]))
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


@pytest.mark.parametrize("number", [*TEST_CARDS, *GENERATED_CARDS])
@pytest.mark.parametrize("sep", ["", " ", "-"])
def test_card_found_compact_and_grouped(number: str, sep: str) -> None:
    written = _grouped(number, sep)
    text = f"paid with {written} yesterday"
    found, start, end, score = only(financial.CARD, text)
    assert (found, start, end) == (written, 10, 10 + len(written))
    assert score >= HIGH
    spans = default_pipeline().detect(Document(text))
    assert [(s.start, s.end, s.entity, s.stage) for s in spans] == [
        (10, 10 + len(written), "CREDIT_CARD", "patterns")
    ]


@pytest.mark.parametrize(
    "text",
    [
        bad_digit("4111111111111111"),  # Luhn fails
        _grouped(bad_digit("5555555555554444"), " "),
        bad_digit("378282246310005"),
        "1234567812345670",  # Luhn-valid, but no card network uses prefix 1
        "0000000000000000",
        "41111111111",  # too short
        "4111 1111 1111 111",  # 15 digits of a 16-digit card
        f"{_ORDER[:4]}-{_ORDER[4:11]}-{_ORDER[11:]}",  # 4-7-7: an order number's layout
    ],
)
def test_card_rejected(text: str) -> None:
    assert find(financial.CARD, f"card {text}") == []


def test_card_followed_by_a_year_is_still_found() -> None:
    found, start, end, _ = only(financial.CARD, "4111 1111 1111 1111 2024")
    assert (found, start, end) == ("4111 1111 1111 1111", 0, 19)


@pytest.mark.parametrize("negative", ["order", "Order #", "tracking", "Rechnung", "pedido"])
def test_card_after_a_negative_word_is_lowered(negative: str) -> None:
    _, _, _, plain = only(financial.CARD, "x 4111111111111111")
    _, _, _, lowered = only(financial.CARD, f"{negative} 4111111111111111")
    assert lowered < plain
    assert lowered < DEFAULT_THRESHOLD


@pytest.mark.parametrize("context", ["card", "Visa", "tarjeta", "carte", "Karte", "cartão"])
def test_card_context_word_cancels_a_negative_word(context: str) -> None:
    _, _, _, score = only(financial.CARD, f"order paid, {context} 4111111111111111")
    assert score >= HIGH


# ---------------------------------------------------------------- IBAN

IBANS = [
    *TEST_IBANS,
    "FR1420041010050500013M02606",
    "PT50000201231234567890154",
    "NL91ABNA0417164300",
]


def _spaced(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


@pytest.mark.parametrize("value", IBANS)
@pytest.mark.parametrize("layout", ["compact", "spaced", "lower"])
def test_iban_found_in_its_layouts(value: str, layout: str) -> None:
    written = {"compact": iban_valid(value), "spaced": _spaced(value), "lower": _spaced(value).lower()}[
        layout
    ]
    text = f"Transfer to {written} for the rent"
    found, start, end, score = only(financial.IBAN, text)
    assert (found, start, end) == (written, 12, 12 + len(written))
    assert score >= HIGH
    spans = default_pipeline().detect(Document(text))
    assert [(s.start, s.end, s.entity) for s in spans] == [(12, 12 + len(written), "IBAN_CODE")]


@pytest.mark.parametrize(
    "text",
    [
        bad_digit("GB82WEST12345698765432"),
        "GB83WEST12345698765432",  # wrong check digits
        "XX82WEST12345698765432",  # no such country
        "DE89 3704 0044 0532 0130 01",
        "GB82WEST",
    ],
)
def test_iban_checksum_invalid_rejected(text: str) -> None:
    assert find(financial.IBAN, f"IBAN {text}") == []


def test_iban_running_into_the_next_word_is_cut_at_the_valid_prefix() -> None:
    found, start, end, _ = only(financial.IBAN, "GB82 WEST 1234 5698 7654 32 for rent")
    assert (found, start, end) == ("GB82 WEST 1234 5698 7654 32", 0, 27)


def test_iban_after_a_negative_word_is_lowered_unless_a_bank_word_is_near() -> None:
    _, _, _, lowered = only(financial.IBAN, "Rechnung DE89370400440532013000")
    _, _, _, kept = only(financial.IBAN, "Rechnung, bitte auf Konto DE89370400440532013000")
    assert lowered < HIGH
    assert kept >= HIGH


# ---------------------------------------------------------------- account IDs


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=4, max_size=38))
def test_iban_checksum_prefilter_agrees_with_stdnum(compact: str) -> None:
    expected = [n for n in range(len(compact), 14, -1) if mod_97_10.is_valid(compact[4:n] + compact[:4])]
    assert _checksum_lengths(compact, 15) == expected


@pytest.mark.parametrize("value", IBANS)
def test_iban_checksum_prefilter_keeps_every_valid_iban(value: str) -> None:
    assert len(value) in _checksum_lengths(value + "ABCD1234", 15)


@given(st.text(alphabet="0123456789", min_size=1, max_size=24))
def test_fast_luhn_agrees_with_stdnum(value: str) -> None:
    from stdnum import luhn

    from detectors.validators import luhn_ok

    assert luhn_ok(value) == luhn.is_valid(value)
