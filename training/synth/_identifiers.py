"""Valid identifiers for the synthetic set, each checked by its validator before use.

Every generator takes a seeded `random.Random` and returns the value as people
write it (grouped, dashed, compact...). A value that fails its check is drawn again.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

import phonenumbers
from stdnum import iban, luhn
from stdnum.br import cnpj, cpf
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.iso7064 import mod_11_10
from stdnum.pt import nif
from stdnum.us import ssn

from detectors import entities
from detectors.validators import VALIDATORS, is_card, is_uk_nino

Gen = Callable[[random.Random], str]
_TRIES: Final = 1000


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _draw(rng: random.Random, make: Gen, check: Callable[[str], bool]) -> str:
    for _ in range(_TRIES):
        value = make(rng)
        if check(value):
            return value
    raise RuntimeError("no valid value drawn")  # pragma: no cover - would be a generator bug


def _group(value: str, sizes: tuple[int, ...], sep: str) -> str:
    parts, i = [], 0
    for size in sizes:
        parts.append(value[i : i + size])
        i += size
    if i < len(value):
        parts.append(value[i:])
    return sep.join(p for p in parts if p)


# --- payment cards and IBANs -------------------------------------------------------------

_CARD_PREFIXES: Final = (("4", 16), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("34", 15),
                         ("37", 15), ("6011", 16), ("4", 13))  # fmt: skip


def card(rng: random.Random) -> str:
    prefix, length = rng.choice(_CARD_PREFIXES)

    def make(r: random.Random) -> str:
        body = prefix + _digits(r, length - len(prefix) - 1)
        return body + luhn.calc_check_digit(body)

    value = _draw(rng, make, lambda v: is_card(v) and luhn.is_valid(v))
    sizes = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    style = rng.random()
    if style < 0.45:
        return _group(value, sizes, " ")
    if style < 0.7:
        return _group(value, sizes, "-")
    return value


#: Country → BBAN layout: (kind, count) with kind "n" digits, "a" upper-case letters, "c" either.
_BBAN: Final[Mapping[str, tuple[tuple[str, int], ...]]] = MappingProxyType(
    {
        "ES": (("n", 20),),
        "FR": (("n", 10), ("c", 11), ("n", 2)),
        "DE": (("n", 18),),
        "PT": (("n", 21),),
        "GB": (("a", 4), ("n", 14)),
        "BR": (("n", 23), ("a", 1), ("c", 1)),
        "IT": (("a", 1), ("n", 10), ("c", 12)),
        "NL": (("a", 4), ("n", 10)),
        "BE": (("n", 12),),
    }
)
IBAN_COUNTRIES: Final = MappingProxyType(
    {"en": ("GB", "DE", "NL"), "es": ("ES",), "fr": ("FR", "BE"), "de": ("DE",), "pt": ("PT", "BR")}
)


def _bban(rng: random.Random, country: str) -> str:
    alphabet = {
        "n": "0123456789",
        "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    }
    return "".join(rng.choice(alphabet[kind]) for kind, n in _BBAN[country] for _ in range(n))


def iban_code(rng: random.Random, country: str) -> str:
    def make(r: random.Random) -> str:
        bban = _bban(r, country)
        return country + iban.calc_check_digits(country + "00" + bban) + bban

    value = _draw(rng, make, iban.is_valid)
    return _group(value, (4,) * 9, " ") if rng.random() < 0.55 else value


# --- national identifiers -------------------------------------------------------------------


def us_ssn(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        return f"{r.randint(1, 899):03d}{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"

    value = _draw(rng, make, ssn.is_valid)
    style = rng.random()
    return value if style < 0.1 else _group(value, (3, 2, 4), " " if style < 0.2 else "-")


def es_dni(rng: random.Random) -> str:
    body = _digits(rng, 8)
    value = _draw(rng, lambda r: body + dni.calc_check_digit(body), dni.is_valid)
    return value[:8] + "-" + value[8] if rng.random() < 0.2 else value


def es_nie(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        body = r.choice("XYZ") + _digits(r, 7)
        return body + nie.calc_check_digit(body)

    value = _draw(rng, make, nie.is_valid)
    return f"{value[0]}-{value[1:8]}-{value[8]}" if rng.random() < 0.2 else value


def fr_nir(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        body = f"{r.choice('12')}{r.randint(40, 99):02d}{r.randint(1, 12):02d}{r.randint(1, 95):02d}"
        body += f"{r.randint(1, 990):03d}{r.randint(1, 999):03d}"
        return body + nir.calc_check_digits(body)

    value = _draw(rng, make, nir.is_valid)
    return _group(value, (1, 2, 2, 2, 3, 3, 2), " ") if rng.random() < 0.6 else value


def de_tax_id(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        body = str(r.randint(1, 9)) + _digits(r, 9)
        return body + mod_11_10.calc_check_digit(body)

    value = _draw(rng, make, idnr.is_valid)
    return _group(value, (2, 3, 3, 3), " ") if rng.random() < 0.4 else value


def pt_nif(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        body = r.choice("123") + _digits(r, 7)
        return body + nif.calc_check_digit(body)

    value = _draw(rng, make, nif.is_valid)
    return _group(value, (3, 3, 3), " ") if rng.random() < 0.25 else value


def br_cpf(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        body = _digits(r, 9)
        first = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True)) * 10 % 11 % 10
        second = (
            sum(int(d) * w for d, w in zip(body + str(first), range(11, 1, -1), strict=True)) * 10 % 11 % 10
        )
        return f"{body}{first}{second}"

    value = _draw(rng, make, cpf.is_valid)
    return cpf.format(value) if rng.random() < 0.75 else value


def br_cnpj(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        body = _digits(r, 8) + "0001"
        return body + cnpj.calc_check_digits(body)

    value = _draw(rng, make, cnpj.is_valid)
    return cnpj.format(value) if rng.random() < 0.8 else value


_NINO_FIRST: Final = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND: Final = "ABCEGHJKLMNPRSTWXYZ"


def uk_nino(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        return r.choice(_NINO_FIRST) + r.choice(_NINO_SECOND) + _digits(r, 6) + r.choice("ABCD")

    value = _draw(rng, make, is_uk_nino)
    return _group(value, (2, 2, 2, 2, 1), " ") if rng.random() < 0.5 else value


def uk_nhs(rng: random.Random) -> str:
    def make(r: random.Random) -> str:
        body = str(r.randint(4, 9)) + _digits(r, 8)
        check = (11 - sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11) % 11
        return body + str(check)  # 10 is no digit: nhs.is_valid rejects the value, drawn again

    value = _draw(rng, make, nhs.is_valid)
    return _group(value, (3, 3, 4), " ") if rng.random() < 0.7 else value


NATIONAL_IDS: Final[Mapping[str, Gen]] = MappingProxyType(
    {
        entities.US_SSN: us_ssn,
        entities.ES_DNI: es_dni,
        entities.ES_NIE: es_nie,
        entities.FR_NIR: fr_nir,
        entities.DE_TAX_ID: de_tax_id,
        entities.PT_NIF: pt_nif,
        entities.BR_CPF: br_cpf,
        entities.BR_CNPJ: br_cnpj,
        entities.UK_NINO: uk_nino,
        entities.UK_NHS: uk_nhs,
    }
)

#: How each labelled identifier class is checked before it is written (and by the tests).
CHECKS: Final[Mapping[str, Callable[[str], bool]]] = MappingProxyType(
    {
        entities.CREDIT_CARD: lambda v: is_card(v) and luhn.is_valid("".join(c for c in v if c.isdigit())),
        entities.IBAN_CODE: iban.is_valid,
        entities.US_SSN: lambda v: ssn.is_valid(v.replace(" ", "-")),  # stdnum knows only dashes
        entities.ES_DNI: dni.is_valid,
        entities.ES_NIE: nie.is_valid,
        entities.FR_NIR: nir.is_valid,
        entities.DE_TAX_ID: idnr.is_valid,
        entities.PT_NIF: nif.is_valid,
        entities.BR_CPF: cpf.is_valid,
        entities.BR_CNPJ: cnpj.is_valid,
        entities.UK_NINO: VALIDATORS["uk_nino"],
        entities.UK_NHS: nhs.is_valid,
        entities.IP_ADDRESS: VALIDATORS["ip"],
    }
)


# --- phone numbers and IP addresses ---------------------------------------------------------

PHONE_REGIONS: Final = MappingProxyType(
    {"en": ("US", "GB"), "es": ("ES",), "fr": ("FR",), "de": ("DE",), "pt": ("PT", "BR")}
)
_TYPES: Final = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)


def phone(rng: random.Random, region: str) -> str:
    """A number valid for `region`, written the local way or in international format."""
    example = phonenumbers.example_number_for_type(region, rng.choice(_TYPES))
    assert example is not None  # noqa: S101 - every region above has examples
    national = str(example.national_number)
    keep = 3 if region in ("US", "BR", "DE") else 2

    def make(r: random.Random) -> str:
        return national[:keep] + _digits(r, len(national) - keep)

    digits = _draw(rng, make, lambda d: phonenumbers.is_valid_number(phonenumbers.parse(d, region)))
    number = phonenumbers.parse(digits, region)
    style = rng.random()
    if style < 0.55:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        if region == "FR" and rng.random() < 0.3:
            text = text.replace(" ", ".")
        elif region == "US" and rng.random() < 0.5:
            text = text.replace("(", "").replace(") ", "-")
        elif region == "DE" and rng.random() < 0.3:
            text = text.replace(" ", "/", 1)
        return text
    if style < 0.9:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid_phone(text: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return False


def ip_address(rng: random.Random) -> str:
    if rng.random() < 0.7:
        while True:
            v4 = ipaddress.IPv4Address(rng.getrandbits(32))
            if v4.is_global:
                return str(v4)
    v6 = ipaddress.IPv6Address((rng.choice((0x2001, 0x2A02, 0x2A00, 0x2606)) << 112) | rng.getrandbits(112))
    return v6.compressed if rng.random() < 0.6 else v6.exploded
