"""Generated identifiers for the unit tests: valid by construction, never anyone's real data.

Check digits come from python-stdnum's own `calc_check_digit(s)` functions (or, where
stdnum keeps the calculation private, the single check digit that its `is_valid` accepts).
Every value is re-checked with stdnum's `is_valid`, so a wrong generator fails loudly.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from stdnum import iban, luhn
from stdnum.br import cnpj, cpf
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.iso7064 import mod_11_10
from stdnum.pt import nif

from detectors.patterns._recognizer import Recognizer

#: Public test numbers of the card networks and of the IBAN registry examples.
TEST_CARDS = ("4111111111111111", "5555555555554444", "378282246310005", "6011111111111117")
TEST_IBANS = ("GB82WEST12345698765432", "DE89370400440532013000", "ES9121000418450200051332")


def _checked(value: str, is_valid: Callable[[str], bool]) -> str:
    assert is_valid(value), f"generator produced an invalid value {value}"
    return value


def _brute(body: str, width: int, is_valid: Callable[[str], bool]) -> str:
    for check in range(10**width):
        candidate = f"{body}{check:0{width}d}"
        if is_valid(candidate):
            return candidate
    raise AssertionError(f"no check digits make {body} valid")


def es_dni(body: str = "12345678") -> str:
    return _checked(body + dni.calc_check_digit(body), dni.is_valid)


def es_nie(body: str = "X1234567") -> str:
    return _checked(body + nie.calc_check_digit(body), nie.is_valid)


def fr_nir(body: str = "1850578006084") -> str:
    return _checked(body + nir.calc_check_digits(body), nir.is_valid)


def de_idnr(body: str = "8609574271") -> str:
    return _checked(body + mod_11_10.calc_check_digit(body), idnr.is_valid)


def pt_nif(body: str = "12345678") -> str:
    return _checked(body + nif.calc_check_digit(body), nif.is_valid)


def br_cpf(body: str = "123456789") -> str:
    return _brute(body, 2, cpf.is_valid)


def br_cnpj(body: str = "112223330001") -> str:
    return _checked(body + cnpj.calc_check_digits(body), cnpj.is_valid)


def uk_nhs(body: str = "943476591") -> str:
    return _brute(body, 1, nhs.is_valid)


def card(body: str) -> str:
    return _checked(body + luhn.calc_check_digit(body), luhn.is_valid)


def iban_valid(value: str) -> str:
    return _checked(value, iban.is_valid)


def bad_digit(value: str) -> str:
    """The same value with its last digit changed: the check digit no longer matches."""
    last = value[-1]
    return value[:-1] + str((int(last) + 1) % 10)


def bad_letter(value: str) -> str:
    """The same value with its trailing check letter changed."""
    last = value[-1].upper()
    return value[:-1] + ("A" if last != "A" else "B")


def bodies(seed: int, count: int, length: int, first: str = "123456789") -> list[str]:
    """Reproducible random digit strings of `length` whose first digit is taken from `first`."""
    rng = random.Random(seed)
    return [
        rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(length - 1)) for _ in range(count)
    ]


def de_idnr_samples(count: int, seed: int = 7) -> list[str]:
    """Valid German tax IDs (the digit-repetition rule rejects most bodies: try until enough pass)."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        body = rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(9))
        value = body + mod_11_10.calc_check_digit(body)
        if idnr.is_valid(value):
            out.append(value)
    return out


Found = tuple[str, int, int, float]


def find(recognizer: Recognizer, text: str, lang: str = "en") -> list[Found]:
    """What one recognizer finds: (value, start, end, score) per hit."""
    return [(text[s:e], s, e, score) for s, e, score in recognizer.find(text, lang)]


def only(recognizer: Recognizer, text: str, lang: str = "en") -> Found:
    """The single hit of `recognizer` in `text` (fails when there is not exactly one)."""
    hits = find(recognizer, text, lang)
    assert len(hits) == 1, f"expected one hit in {text!r}, got {hits}"
    return hits[0]
