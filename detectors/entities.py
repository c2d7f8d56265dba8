"""Entity classes: canonical names, policy aliases and free-text tags.

Canonical names follow Presidio's vocabulary so that spans can be compared with
Presidio-format datasets directly. Policies may use the short aliases of the
design card (`EMAIL`, `CARD`, `DOB`, ...).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

PERSON: Final = "PERSON"
LOCATION: Final = "LOCATION"
STREET_ADDRESS: Final = "STREET_ADDRESS"
ORGANIZATION: Final = "ORGANIZATION"
EMAIL_ADDRESS: Final = "EMAIL_ADDRESS"
PHONE_NUMBER: Final = "PHONE_NUMBER"
CREDIT_CARD: Final = "CREDIT_CARD"
IBAN_CODE: Final = "IBAN_CODE"
IP_ADDRESS: Final = "IP_ADDRESS"
DATE_OF_BIRTH: Final = "DATE_OF_BIRTH"
US_SSN: Final = "US_SSN"
ES_DNI: Final = "ES_DNI"
ES_NIE: Final = "ES_NIE"
FR_NIR: Final = "FR_NIR"
DE_TAX_ID: Final = "DE_TAX_ID"
PT_NIF: Final = "PT_NIF"
BR_CPF: Final = "BR_CPF"
BR_CNPJ: Final = "BR_CNPJ"
UK_NINO: Final = "UK_NINO"
UK_NHS: Final = "UK_NHS"
PASSPORT: Final = "PASSPORT"
ACCOUNT_ID: Final = "ACCOUNT_ID"
USERNAME: Final = "USERNAME"

#: Short tag used in tagged free text (`<PER>…</PER>`) and redaction placeholders.
TAGS: Final = MappingProxyType(
    {
        PERSON: "PER",
        LOCATION: "LOC",
        STREET_ADDRESS: "ADDRESS",
        ORGANIZATION: "ORG",
        EMAIL_ADDRESS: "EMAIL",
        PHONE_NUMBER: "PHONE",
        CREDIT_CARD: "CARD",
        IBAN_CODE: "IBAN",
        IP_ADDRESS: "IP",
        DATE_OF_BIRTH: "DOB",
        US_SSN: "SSN",
        ES_DNI: "DNI",
        ES_NIE: "NIE",
        FR_NIR: "NIR",
        DE_TAX_ID: "TAXID",
        PT_NIF: "NIF",
        BR_CPF: "CPF",
        BR_CNPJ: "CNPJ",
        UK_NINO: "NINO",
        UK_NHS: "NHS",
        PASSPORT: "PASSPORT",
        ACCOUNT_ID: "ACCOUNT",
        USERNAME: "USER",
    }
)

BUILTIN: Final = frozenset(TAGS)

#: Names a policy may use for a builtin class, besides the canonical one and its tag.
_ALIASES: Final = {
    "EMAIL": EMAIL_ADDRESS,
    "PHONE": PHONE_NUMBER,
    "CARD": CREDIT_CARD,
    "IBAN": IBAN_CODE,
    "IP": IP_ADDRESS,
    "DOB": DATE_OF_BIRTH,
    "ORG": ORGANIZATION,
    "PER": PERSON,
    "LOC": LOCATION,
    "ADDRESS": STREET_ADDRESS,
    "SSN": US_SSN,
}


#: Tag names an LLM writes in place of ours (`<NAME>` for `<PER>`), read by the unmask path only:
#: a policy still names classes by their canonical name, tag or alias.
TAG_SYNONYMS: Final = MappingProxyType(
    {
        **dict.fromkeys(
            ("NAME", "FULL_NAME", "FULLNAME", "PERSON_NAME", "FIRST_NAME", "LAST_NAME", "CUSTOMER_NAME"),
            PERSON,
        ),
        **dict.fromkeys(("MAIL", "E_MAIL", "EMAILADDRESS", "EMAIL_ADDR"), EMAIL_ADDRESS),
        **dict.fromkeys(("TEL", "TELEPHONE", "PHONENUMBER", "PHONE_NO", "MOBILE", "CELL"), PHONE_NUMBER),
        **dict.fromkeys(("ADDR", "STREET", "POSTAL_ADDRESS", "HOME_ADDRESS"), STREET_ADDRESS),
        **dict.fromkeys(("PLACE", "CITY"), LOCATION),
        **dict.fromkeys(("ORGANISATION", "COMPANY"), ORGANIZATION),
        **dict.fromkeys(("CC", "CREDITCARD", "CARD_NUMBER", "CARD_NO"), CREDIT_CARD),
        **dict.fromkeys(("BIRTHDATE", "BIRTH_DATE", "DATEOFBIRTH", "BIRTHDAY"), DATE_OF_BIRTH),
        **dict.fromkeys(("ACCOUNT_NUMBER", "ACCOUNT_NO", "ACCT"), ACCOUNT_ID),
        **dict.fromkeys(("USER_NAME", "LOGIN", "HANDLE"), USERNAME),
        **dict.fromkeys(("IPADDRESS", "IP_ADDR"), IP_ADDRESS),
        "PASSPORT_NUMBER": PASSPORT,
        "SOCIAL_SECURITY_NUMBER": US_SSN,
    }
)


def canonical(name: str) -> str:
    """Return the canonical class for a policy name; unknown names come back upper-cased.

    Unknown names are legal: tenant custom entities define their own classes.
    """
    upper = name.strip().upper()
    if upper in BUILTIN:
        return upper
    if upper in _ALIASES:
        return _ALIASES[upper]
    for entity, tag in TAGS.items():
        if tag == upper:
            return entity
    return upper


def tag(entity: str) -> str:
    """Short tag for an entity class (custom classes are their own tag)."""
    return TAGS.get(entity, entity)
