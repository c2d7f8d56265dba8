"""Email addresses, IP addresses and phone numbers."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import regex

from detectors import entities
from detectors.errors import DetectorsError
from detectors.patterns._context import near, negative_before, words_regex
from detectors.patterns._recognizer import Hit, RegexRecognizer, Scoring
from detectors.validators import is_ip

_EMAIL = regex.compile(
    r"(?<![\w.%+-])(?>[\p{L}\p{N}_%+-]{1,64}(?:\.[\p{L}\p{N}_%+-]{1,64}){0,8})"
    r"@(?>[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,8}\p{L}{2,24}(?![\w@-])"
)
_EMAIL_CONTEXT = words_regex(("email", "e-mail", "mail", "correo", "courriel", "adresse"))

# Written obfuscations: `k.weber(at)firma.de`, `ana[at]provedor.com.br`, `x (arroba) y.com`,
# `name at domain dot com`, `name at domain.com`. The `at` and `dot` words of the five languages.
_AT_WORD = r"(?:at|arroba|arobase|ät|chez)"
_DOT_WORD = r"(?:dot|punto|point|punkt|ponto)"
_BRACKETED_AT = rf"[ \t]*[(\[{{<][ \t]*(?:{_AT_WORD}|@)[ \t]*[)\]}}>][ \t]*"
_SPACED_AT = rf"[ \t]+{_AT_WORD}[ \t]+"
_DOT = rf"(?:\.|[ \t]*[(\[{{<][ \t]*{_DOT_WORD}[ \t]*[)\]}}>][ \t]*|[ \t]+{_DOT_WORD}[ \t]+)"
_LABEL = r"[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?"
#: Top-level domains a written-out domain may end in (a real dot accepts any).
_TLDS = (
    "com net org info biz edu gov mil int io co me app dev eu uk de fr es pt br ie us ca au mx ar cl pe uy ve"
    " bo py ec cr ch at be nl it lu nz za in cn jp eus cat gal pl ro se no dk fi"
)
_LOCAL_PART = (
    rf"[\p{{L}}\p{{N}}_%+-]{{1,64}}(?:(?:\.|[ \t]+{_DOT_WORD}[ \t]+)[\p{{L}}\p{{N}}_%+-]{{1,64}}){{0,8}}"
)
# Found from the `at` outwards (the costly local part is read only where an `at` and a domain are):
# the domain forward from the `at`, the local part backward from it (`(?r)`: a reverse search).
_AT = regex.compile(rf"{_BRACKETED_AT}|(?P<spaced>{_SPACED_AT})", regex.IGNORECASE)
_DOMAIN = regex.compile(
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL}){{0,6}}{_DOT}(?P<tld>\p{{L}}{{2,24}}))(?![\w@-])",
    regex.IGNORECASE,
)
_LOCAL_BACK = regex.compile(rf"(?r){_LOCAL_PART}", regex.IGNORECASE)
#: Characters that may not stand right before a local part (it would be longer, or another token).
_LOCAL_BOUNDARY = frozenset(".%+@-_")
_KNOWN_TLD = frozenset(_TLDS.split())
_DOT_RE = regex.compile(_DOT, regex.IGNORECASE)
_DOTTED_LOCAL = regex.compile(r"[._\d]|[ \t]")

#: Mailboxes of a role, not a person (RFC 2142 and their everyday kin in five languages):
#: `support@`, `noreply@`, `atencion@`, `service-client@`, `kundenservice@`, `atendimento@`.
_ROLE_MAILBOX = regex.compile(
    r"(?:no-?reply|do-?not-?reply|donotreply|support|info|contact|contacto|contato|kontakt|hello|hola|help"
    r"|helpdesk|service|services|customerservice|customer-?care|sales|ventas|vendas|billing|invoices?"
    r"|accounts?|admin|office|team|hr|rh|rrhh|jobs|careers|press|legal|privacy|dpo|datenschutz|compliance"
    r"|security|abuse|postmaster|webmaster|marketing|newsletter|news|orders?|pedidos|commandes?|returns?"
    r"|bookings?|reservations?|reservas|claims|siniestros|sinistros|sinistres|schaden|reclamos|reclamaciones"
    r"|reclamacoes|atencion|atencionalcliente|atendimento|sac|suporte|soporte|faturamento|facturacion"
    r"|financeiro|finanzas|finance|comptabilite|buchhaltung|debitoren|kundenservice|kundendienst"
    r"|service-?client|serviceclient|relation-?client|averias|notifications?|alerts?|mailer-daemon"
    r"|einkauf|verkauf|k(?:ue|ü)ndigung|purchasing|procurement|compras|achats|recrutement|recrutamento)"
    r"(?:[._-]?\w{0,12})?",
    regex.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class EmailRecognizer:
    """Email addresses, also obfuscated in writing; role mailboxes (`support@…`) score low.

    Role mailboxes are a business's, not a person's: balanced mode lets them through, strict
    mode masks them.
    """

    entity: str = entities.EMAIL_ADDRESS
    langs: frozenset[str] | None = None
    score: float = 0.9
    context_boost: float = 0.09
    obfuscated_score: float = 0.85
    role_score: float = 0.3

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        if "@" in text:
            for match in _EMAIL.finditer(text):
                start, end = match.span()
                local = match.group().split("@", 1)[0]
                yield start, end, self._rate(text, start, end, local, self.score)
        taken = 0
        for at in _AT.finditer(text):
            if at.start() < taken:
                continue
            found = _obfuscated(text, at)
            if found is None:
                continue
            start, end, local, written_out = found
            if (
                at.group("spaced") and not written_out and not _DOTTED_LOCAL.search(local)
                and not near(_EMAIL_CONTEXT, text, start, end)
            ):  # fmt: skip
                continue  # `bought it at amazon.com`: a plain word, `at`, a domain is prose
            taken = end
            yield start, end, self._rate(text, start, end, local, self.obfuscated_score)

    def _rate(self, text: str, start: int, end: int, local: str, score: float) -> float:
        """The score of an address: low for a role mailbox, a little higher near an email word."""
        if _ROLE_MAILBOX.fullmatch(local):
            return self.role_score
        return min(1.0, score + (self.context_boost if near(_EMAIL_CONTEXT, text, start, end) else 0.0))


def _obfuscated(text: str, at: regex.Match[str]) -> tuple[int, int, str, bool] | None:
    """(start, end, local part, whether the domain is written out) of an obfuscated address around `at`."""
    after = _DOMAIN.match(text, at.end())
    if after is None:
        return None
    domain = after.group("domain")
    written_out = domain.count(".") < domain.count(" ") or "(" in domain or "[" in domain
    if written_out and (
        after.group("tld").lower() not in _KNOWN_TLD
        or not any(c.isalpha() for c in _DOT_RE.sub(".", domain).rsplit(".", 1)[0])
    ):
        return None  # `meet at home dot now`, `at 10 dot com`: a known TLD after a named domain
    before = _LOCAL_BACK.search(text, max(0, at.start() - 400), at.start())
    if before is None or before.end() != at.start():
        return None
    start = before.start()
    if start > 0 and (text[start - 1] in _LOCAL_BOUNDARY or text[start - 1].isalnum()):
        return None
    return start, after.end(), before.group(), written_out


EMAIL = EmailRecognizer()

_IP_CONTEXT = ("ip", "address", "host", "server", "dirección", "adresse", "endereço", "client")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = RegexRecognizer(
    entity=entities.IP_ADDRESS,
    pattern=regex.compile(rf"(?<![\w.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\w|\.\d)"),
    scoring=Scoring(valid_score=0.85, context=_IP_CONTEXT, weak=True, weak_score=0.85),
    validator=lambda value: is_ip(value) and not _local_network(value),
)
#: A private network's address says nothing about who (`192.168.178.1` is in every home): strict only.
IPV4_LOCAL = RegexRecognizer(
    entity=entities.IP_ADDRESS,
    pattern=IPV4.pattern,
    scoring=Scoring(valid_score=0.3, penalize_negative=False),
    validator=lambda value: is_ip(value) and _local_network(value),
)


def _local_network(value: str) -> bool:
    """RFC 1918, loopback, link-local and unspecified addresses (not the documentation ranges)."""
    address = ipaddress.ip_address(value)
    return any(address in net for net in _LOCAL_NETWORKS)


_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8")
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
#: Every region the five languages are spoken in (and a few neighbours): a number in a text of
#: another or no language is still checked against all of them.
#: A business giving its own number: `call us on`, `llámenos al`, `notre service client`,
#: `unser Dispo-Team unter`, `fale conosco`.
_BUSINESS_LINE = regex.compile(
    "(?<!\\w)(?:"
    + "|".join(
        (
            r"(?:call|contact|reach|phone|ring|text)[ \t]+us",
            r"our[ \t]+(?:\w+[ \t]+){0,2}(?:line|team|hotline|helpline|office|service|support|desk)",
            r"hotline|helpline|customer[ \t]+(?:service|care|support)",
            r"llámenos|llamenos|llamarnos|contáctenos|contactenos|con[ \t]+nosotros",
            r"nuestr[oa][ \t]+(?:\w+[ \t]+){0,2}(?:línea|linea|teléfono|telefono|número|numero)",
            r"línea[ \t]+de[ \t]+atención|atención[ \t]+al[ \t]+cliente|número[ \t]+para[ \t]+clientes",
            r"appelez-nous|nous[ \t]+joindre",
            r"notre[ \t]+(?:\w+[ \t]+){0,2}(?:service|ligne|numéro|numero|standard)",
            r"service[ \t]+client|ligne[ \t]+d'astreinte",
            r"rufen[ \t]+sie[ \t]+uns|erreichen[ \t]+sie[ \t]+uns",
            r"unser(?:e|en)?[ \t]+[\w-]+(?:[ \t]+\w+)?[ \t]+unter|kundenservice|kundendienst|servicenummer",
            r"fale[ \t]+(?:conosco|com[ \t]+a[ \t]+gente)|ligue[ \t]+para[ \t]+(?:nós|nos)",
            r"nossa[ \t]+central",
            r"central[ \t]+de[ \t]+atendimento|linha[ \t]+de[ \t]+apoio|serviço[ \t]+de[ \t]+apoio|sac",
        )
    )
    + ")(?!\\w)",
    regex.IGNORECASE,
)

_FALLBACK_REGIONS = (
    "US", "GB", "ES", "FR", "DE", "PT", "BR", "MX", "IT", "BE", "NL", "CH", "AT", "IN", "AU", "CA", "IE",
    "AR", "CO", "CL", "PE", "LU", "NZ", "ZA", "AO", "MZ", "CV",
)  # fmt: skip

_PHONE_CONTEXT = words_regex((
    "phone", "tel", "call", "mobil", "cell", "fax", "whatsapp", "text me", "reach me", "contact",
    "answering", "sms", "ring me", "ring back",  # not `number`: `Tracking number: 9843…` is no phone context
    "teléfono", "telefono", "tlf", "tfno", "telf", "móvil", "movil", "celular", "llamar", "llámame",
    "llamame", "llame", "localizan", "localizar", "localízame", "contactar",
    "téléphone", "telephone", "portable", "appeler", "appelez", "rappeler", "rappelez", "joindre", "natel",
    "gsm",
    "telefon", "telefonnummer", "handy", "handynummer", "mobilnummer", "rufnummer", "anrufen", "rückruf",
    "ruckruf", "zurückrufen", "erreichbar", "erreichen",
    "telefone", "telemóvel", "telemovel", "ligar", "ligue", "liga", "contato", "contacto", "fone", "zap",
    # `number` only in phrases a phone number follows
    "my number", "best number", "your number", "contact number", "mobile number", "mi número", "mi numero",
    "mon numéro", "mon numero", "mon num", "joignable", "meine nummer", "unter der nummer",
    "meu número", "meu numero", "número de contacto", "numéro de contact",
))  # fmt: skip

# Optional country code, optional area code in brackets, then 6-15 digits with single separators
# between them (a slash may have spaces around it: `0151 / 22 45 901`), then an optional
# extension (`x4587`, `ext. 12`, `Durchwahl 12`). Not the tail of a longer run of digit groups
# (`4532 8810 2291 7740`), nor an amount (`$5.676.500`). Atomic and bounded: linear on any input.
_PHONE = regex.compile(
    r"(?<![\w+@/.,-])(?<!\d[ \t]|[$€£¥][ \t]?)"
    r"(?>(?:(?:\+|00)\d{1,3}[ \t.-]?)?(?:\(0?\d{1,5}\)[ \t.-]?)?\d(?:(?:[ \t]?/[ \t]?|[ \t.\-/])?\d){5,14}"
    r"(?:[ \t]?(?:x|ext\.?|extension|poste|ramal|anexo|durchwahl|dw\.?)[ \t]?\d{1,6})?)"
    r"(?!\w|[.,/:-]\d|[ \t]?(?:€|EUR|USD|COP|MXN|BRL|reais|euros|pesos|dollars)(?!\w))",
    regex.IGNORECASE,
)
_DATE_LIKE = regex.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
# Year-led references: calendar versions (`2025.2.1148`) and numbering (`FT 2024/7962`,
# `2024/118 552`, `2025-0012987`).
_YEAR_LED = regex.compile(r"(?:19|20)\d\d(?:[./]\d{1,4}(?:[./]\d{1,6})?|[./-]\d.*)")
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
    #: A possible number in international format (`+44 7700 900 418`): that layout is a phone's.
    international_score: float = 0.5
    #: Phone-shaped, neither valid nor possible anywhere: kept only right after a phone word.
    shaped_score: float = 0.25
    context_boost: float = 0.3
    bare_penalty: float = 0.25
    #: Numbers a business gives as its own (`call us on`, `unser Kundenservice unter`) are not a
    #: person's; nor, unless a phone word is near, toll-free, shared-cost, premium-rate and
    #: universal-access numbers.
    business_penalty: float = 0.5
    service_penalty: float = 0.35
    negative_penalty: float = 0.5
    #: Below checksum-validated identifiers, which win a tie on the same digits.
    max_score: float = 0.9

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        preferred = REGIONS.get(lang, ())
        verdicts: dict[str, str | None] = {}  # a candidate repeated in one text is checked once
        for match in _PHONE.finditer(text):
            candidate = match.group()
            if candidate in verdicts:
                verdict = verdicts[candidate]
            elif _DATE_LIKE.fullmatch(candidate) or _YEAR_LED.fullmatch(candidate):
                verdict = verdicts[candidate] = "never"
            elif candidate.count(".") == 3 and is_ip(candidate):
                verdict = verdicts[candidate] = "never"  # a dotted quad (`135.190.233.155`): IPv4
            else:
                if len(verdicts) >= MAX_DISTINCT_CANDIDATES:
                    raise DetectorsError(
                        f"more than {MAX_DISTINCT_CANDIDATES} distinct phone-like numbers in one text"
                    )
                verdict = verdicts[candidate] = _classify(candidate, preferred)
            start, end = match.span()
            context = near(_PHONE_CONTEXT, text, start, end)
            if verdict == "never":
                continue
            if verdict is None:
                if not (context and _SEPARATED.search(candidate) and 8 <= _digit_count(candidate) <= 15):
                    continue
                verdict = "shaped"  # fail safe: a phone word, and a phone's layout
            if not context and _digit_count(candidate) < 7:
                continue  # `4970 10`: too short to be anyone's number without a phone word
            score = self._score(verdict, candidate)
            if not _SEPARATED.search(candidate) and not candidate.startswith("+"):
                score -= self.bare_penalty  # a bare digit string is as often an order number
            if context:
                score += self.context_boost
            score = min(score, self.max_score)
            if negative_before(text, start, _PHONE_CONTEXT):
                score -= self.negative_penalty
            if _BUSINESS_LINE.search(text, max(0, start - 48), start):
                score -= self.business_penalty
            elif verdict == "service":
                score -= self.service_penalty
            if score > 0:
                yield start, end, min(score, self.max_score)

    def _score(self, verdict: str, candidate: str) -> float:
        if verdict in ("valid", "service"):
            return self.valid_score
        if verdict == "possible" and candidate.startswith(("+", "00")):
            return self.international_score
        return self.possible_score if verdict == "possible" else self.shaped_score


#: Fallback regions whose numbering plans accept the most digit strings. `_classify`'s verdict
#: does not depend on the order it tries regions in, but a valid number ends the search: trying
#: these right after the preferred regions saves most of the parses.
_PERMISSIVE_FIRST = ("DE", "AT")


@lru_cache(maxsize=64)
def _national_regions(preferred: tuple[str, ...]) -> tuple[str, ...]:
    """The preferred regions, then the fallback ones (permissive plans first), each once."""
    fallback = sorted(_FALLBACK_REGIONS, key=lambda region: region not in _PERMISSIVE_FIRST)
    return tuple(dict.fromkeys((*preferred, *fallback)))


_SERVICE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
    }
)
_EXTENSION = regex.compile(
    r"[ \t]?(?:x|ext\.?|extension|poste|ramal|anexo|durchwahl|dw\.?)[ \t]?\d{1,6}$", regex.I
)


def _digit_count(candidate: str) -> int:
    return sum(c.isdigit() for c in candidate)


def _classify(candidate: str, preferred: tuple[str, ...]) -> str | None:
    """`valid`; `service` (valid, and a business's toll-free, shared-cost, premium-rate or
    universal-access line); `possible` (the right length only); None: not a phone number.

    In the document language's regions a personal reading wins over a business one; the other
    regions are asked only when those have no valid reading."""
    candidate = _EXTENSION.sub("", candidate)
    international = candidate.startswith(("+", "00"))
    number_text = "+" + candidate[2:] if candidate.startswith("00") else candidate
    regions: tuple[str | None, ...] = (None,) if international else _national_regions(preferred)
    possible = service = False
    for region in regions:
        if service and region not in preferred:
            return "service"
        try:
            number = phonenumbers.parse(number_text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            if phonenumbers.number_type(number) not in _SERVICE_TYPES:
                return "valid"
            if region is None or region not in preferred:
                return "service"
            service = True
        possible = possible or phonenumbers.is_possible_number(number)
    if service:
        return "service"
    return "possible" if possible else None


PHONE = PhoneRecognizer()
