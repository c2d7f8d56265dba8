"""Email addresses, IP addresses and phone numbers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import regex

from detectors import entities
from detectors.errors import DetectorsError
from detectors.patterns._context import near, negative_before, words_regex
from detectors.patterns._recognizer import NEGATIVE_PENALTY, Hit, RegexRecognizer, Scoring
from detectors.validators import is_ip

EMAIL = RegexRecognizer(
    entity=entities.EMAIL_ADDRESS,
    pattern=regex.compile(
        r"(?<![\w.%+-])(?>[\p{L}\p{N}_%+-]{1,64}(?:\.[\p{L}\p{N}_%+-]{1,64}){0,8})"
        r"@(?>[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,8}\p{L}{2,24}(?![\w@-])"
    ),
    scoring=Scoring(score=0.9, context=("email", "e-mail", "mail", "correo", "courriel", "adresse"),
                    context_boost=0.09, penalize_negative=False),
)  # fmt: skip

_IP_CONTEXT = ("ip", "address", "host", "server", "dirección", "adresse", "endereço", "client")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = RegexRecognizer(
    entity=entities.IP_ADDRESS,
    pattern=regex.compile(rf"(?<![\w.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\w|\.\d)"),
    scoring=Scoring(valid_score=0.85, context=_IP_CONTEXT, weak=True, weak_score=0.85),
    validator=is_ip,
)
IPV6 = RegexRecognizer(
    entity=entities.IP_ADDRESS,
    pattern=regex.compile(r"(?<![\w:])(?>(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)?)(?![\w:])"),
    scoring=Scoring(valid_score=0.9, penalize_negative=False),
    validator=lambda value: ":" in value and is_ip(value) and value.count(":") >= 3,
)

#: Regions tried for a number written without a country code, by document language first.
REGIONS: Mapping[str, tuple[str, ...]] = {
    "en": ("US", "GB", "CA", "AU", "IE"),
    "es": ("ES", "MX", "AR", "CO", "US"),
    "fr": ("FR", "BE", "CH", "CA"),
    "de": ("DE", "AT", "CH"),
    "pt": ("PT", "BR"),
}
_FALLBACK_REGIONS = ("US", "GB", "ES", "FR", "DE", "PT", "BR", "MX", "IT", "BE", "NL", "CH", "AT", "IN", "AU")

_PHONE_CONTEXT = words_regex((
    "phone", "tel", "call", "mobil", "cell", "fax", "whatsapp", "text me", "reach me", "contact",
    "answering", "sms",  # not `number`: `Tracking number: 9843…` is no phone context
    "teléfono", "telefono", "móvil", "movil", "celular", "llamar", "llámame", "llame",
    "téléphone", "telephone", "portable", "appeler", "appelez", "joindre",
    "telefon", "telefonnummer", "handy", "handynummer", "mobilnummer", "rufnummer", "anrufen",
    "telefone", "telemóvel", "telemovel", "ligar", "contato", "contacto",
))  # fmt: skip

# Optional country code, optional area code in brackets, then 6-15 digits with
# single separators between them, then an optional extension (`x4587`, `ext. 12`).
# Atomic and bounded: linear on any input.
_PHONE = regex.compile(
    r"(?<![\w+@/.,-])(?>(?:(?:\+|00)\d{1,3}[ \t.-]?)?(?:\(0?\d{1,5}\)[ \t.-]?)?\d(?:[ \t.\-/]?\d){5,14}"
    r"(?:[ \t]?(?:x|ext\.?)[ \t]?\d{1,6})?)"
    r"(?!\w|[.,/:-]\d)"
)
_DATE_LIKE = regex.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
# Year-led references: calendar versions (`2025.2.1148`) and numbering (`FT 2024/7962`).
_YEAR_LED = regex.compile(r"(?:19|20)\d\d[./]\d{1,4}(?:[./]\d{1,6})?")
_SEPARATED = regex.compile(r"[\s().\-/]")


#: Distinct phone candidates one text may hold before it fails (closed). Each costs up to ~1.3 ms
#: of libphonenumber parsing across regions; a support message holds a handful.
MAX_DISTINCT_CANDIDATES = 500


@dataclass(frozen=True, slots=True)
class PhoneRecognizer:
    """Phone numbers: a broad candidate regex, then libphonenumber decides.

    A number valid for a region the document's language suggests (or any
    number in international format) is likely; a merely *possible* number
    needs a context word (`phone`, `Telefon`, `llamar`...) to pass balanced mode.
    """

    entity: str = entities.PHONE_NUMBER
    langs: frozenset[str] | None = None
    valid_score: float = 0.65
    possible_score: float = 0.3
    context_boost: float = 0.3
    bare_penalty: float = 0.25
    #: Below checksum-validated identifiers, which win a tie on the same digits.
    max_score: float = 0.9

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        preferred = REGIONS.get(lang, ())
        verdicts: dict[str, bool | None] = {}  # a candidate repeated in one text is checked once
        for match in _PHONE.finditer(text):
            candidate = match.group()
            if candidate in verdicts:
                verdict = verdicts[candidate]
            elif _DATE_LIKE.fullmatch(candidate) or _YEAR_LED.fullmatch(candidate):
                verdict = verdicts[candidate] = None
            elif candidate.count(".") == 3 and is_ip(candidate):
                verdict = verdicts[candidate] = None  # a dotted quad (`135.190.233.155`) is an IPv4 address
            else:
                if len(verdicts) >= MAX_DISTINCT_CANDIDATES:
                    raise DetectorsError(
                        f"more than {MAX_DISTINCT_CANDIDATES} distinct phone-like numbers in one text"
                    )
                verdict = verdicts[candidate] = _classify(candidate, preferred)
            if verdict is None:
                continue
            start, end = match.span()
            score = self.valid_score if verdict else self.possible_score
            if not _SEPARATED.search(candidate) and not candidate.startswith("+"):
                score -= self.bare_penalty  # a bare digit string is as often an order number
            if near(_PHONE_CONTEXT, text, start, end):
                score += self.context_boost
            if negative_before(text, start, _PHONE_CONTEXT):
                score -= NEGATIVE_PENALTY
            if score > 0:
                yield start, end, min(score, self.max_score)


#: Fallback regions whose numbering plans accept the most digit strings. `_classify`'s verdict
#: does not depend on the order it tries regions in, but a valid number ends the search: trying
#: these right after the preferred regions saves most of the parses.
_PERMISSIVE_FIRST = ("DE", "AT")


@lru_cache(maxsize=64)
def _national_regions(preferred: tuple[str, ...]) -> tuple[str, ...]:
    """The preferred regions, then the fallback ones (permissive plans first), each once."""
    fallback = sorted(_FALLBACK_REGIONS, key=lambda region: region not in _PERMISSIVE_FIRST)
    return tuple(dict.fromkeys((*preferred, *fallback)))


def _classify(candidate: str, preferred: tuple[str, ...]) -> bool | None:
    """True: a valid number; False: only a possible one; None: not a phone number."""
    international = candidate.startswith(("+", "00"))
    number_text = "+" + candidate[2:] if candidate.startswith("00") else candidate
    regions: tuple[str | None, ...] = (None,) if international else _national_regions(preferred)
    possible = False
    for region in regions:
        try:
            number = phonenumbers.parse(number_text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
        possible = possible or phonenumbers.is_possible_number(number)
    return False if possible else None


PHONE = PhoneRecognizer()
