"""Email addresses, IP addresses and phone numbers (per language region and international)."""

from __future__ import annotations

import pytest
from _ids import find, only

from detectors import Document, default_pipeline
from detectors.patterns import contact
from detectors.policy import DEFAULT_THRESHOLD

# ---------------------------------------------------------------- email

EMAILS = [
    "john.doe@example.com",
    "a.b-c+tag@sub.example.co.uk",
    "user_01%x@mail-server.example.org",
    "jöhn@exämple.de",
    "JANE.ROE@EXAMPLE.FR",
    "x@example.museum",
]


@pytest.mark.parametrize("email", EMAILS)
def test_email_found_at_its_offsets(email: str) -> None:
    text = f"write to {email}, thanks"
    found, start, end, score = only(contact.EMAIL, text)
    assert (found, start, end) == (email, 9, 9 + len(email))
    assert score >= 0.9


@pytest.mark.parametrize("word", ["email", "E-mail", "correo", "courriel", "Mail"])
def test_email_context_raises_the_score(word: str) -> None:
    _, _, _, plain = only(contact.EMAIL, "to jane@example.com")
    _, _, _, boosted = only(contact.EMAIL, f"{word}: jane@example.com")
    assert boosted > plain


@pytest.mark.parametrize(
    "text",
    [
        "not@an",  # no top-level domain
        "user@@example.com",
        "user@example",
        "@example.com",
        "user@-example.com",
        "user@example.c",  # one-letter TLD
        "version 1.2.3@build",
    ],
)
def test_not_an_email(text: str) -> None:
    assert find(contact.EMAIL, text) == []


def test_email_not_lowered_by_negative_words() -> None:
    _, _, _, score = only(contact.EMAIL, "order confirmation sent to jane@example.com")
    assert score >= 0.9


# ---------------------------------------------------------------- IP addresses

IPS = [
    (contact.IPV4, "8.8.8.8"),
    (contact.IPV4, "255.255.255.255"),
    (contact.IPV6, "2001:db8::1"),
    (contact.IPV6, "fe80::1ff:fe23:4567:890a"),
    (contact.IPV6, "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
    (contact.IPV6, "FE80::0202:B3FF:FE1E:8329"),
]


@pytest.mark.parametrize(("recognizer", "ip"), IPS)
def test_ip_found_at_its_offsets(recognizer: contact.RegexRecognizer, ip: str) -> None:
    text = f"client {ip} connected"
    found, start, end, score = only(recognizer, text)
    assert (found, start, end) == (ip, 7, 7 + len(ip))
    assert score >= 0.85
    spans = default_pipeline().detect(Document(text))
    assert [(s.start, s.end, s.entity) for s in spans] == [(7, 7 + len(ip), "IP_ADDRESS")]


@pytest.mark.parametrize(
    ("recognizer", "text"),
    [
        (contact.IPV4, "at 10.0.0.256 now"),  # octet out of range
        (contact.IPV4, "1.2.3.4.5"),  # five parts: a version string
        (contact.IPV4, "v1.2.3.4"),
        (contact.IPV4, "1.2.3"),
        (contact.IPV6, "12:30:45"),  # a time
        (contact.IPV6, "a::b::c"),  # two `::`
        (contact.IPV6, "gggg::1:2:3"),
        (contact.IPV6, "1:2:3:4:5:6:7:8:9"),
    ],
)
def test_not_an_ip(recognizer: contact.RegexRecognizer, text: str) -> None:
    assert find(recognizer, text) == []


def test_ip_after_a_version_word_is_lowered() -> None:
    _, _, _, plain = only(contact.IPV4, "host 1.2.3.4")
    _, _, _, lowered = only(contact.IPV4, "version 1.2.3.4")
    assert lowered < DEFAULT_THRESHOLD <= plain


# ---------------------------------------------------------------- phones

# (document language, number as written): valid for a region of that language.
PHONES = [
    ("en", "(415) 555-2671"),  # US
    ("en", "415-555-2671"),
    ("en", "415.555.2671"),
    ("en", "020 7946 0958"),  # GB London
    ("en", "07700 900123"),  # GB mobile
    ("es", "612 34 56 78"),  # ES mobile
    ("es", "912 345 678"),  # ES Madrid
    ("fr", "06 12 34 56 78"),  # FR mobile
    ("fr", "01 23 45 67 89"),  # FR Paris
    ("fr", "01.23.45.67.89"),
    ("de", "030 12345678"),  # DE Berlin
    ("de", "0151 23456789"),  # DE mobile
    ("de", "089/1234567"),
    ("pt", "912 345 678"),  # PT mobile
    ("pt", "21 234 5678"),  # PT Lisbon
    ("pt", "(11) 91234-5678"),  # BR São Paulo mobile
    ("pt", "(21) 2345-6789"),  # BR Rio
    # international format: valid whatever the document language
    ("en", "+44 20 7946 0958"),
    ("en", "+33 6 12 34 56 78"),
    ("es", "+49 30 12345678"),
    ("fr", "+34 612 34 56 78"),
    ("de", "+1-415-555-2671"),
    ("pt", "+351 912 345 678"),
    ("en", "+55 11 91234-5678"),
    ("en", "0049 30 12345678"),  # 00 international prefix
]


@pytest.mark.parametrize(("lang", "number"), PHONES)
def test_phone_found_per_language_region(lang: str, number: str) -> None:
    text = f"Kunde: {number} danke"
    found, start, end, score = only(contact.PHONE, text, lang)
    assert (found, start, end) == (number, 7, 7 + len(number))
    assert score >= contact.PHONE.valid_score
    spans = default_pipeline().detect(Document(text, lang))
    assert [(s.start, s.end, s.entity) for s in spans] == [(7, 7 + len(number), "PHONE_NUMBER")]


@pytest.mark.parametrize(
    ("lang", "context"),
    [
        ("en", "call me on"),
        ("en", "phone:"),
        ("es", "teléfono"),
        ("es", "llámame al"),
        ("fr", "téléphone"),
        ("de", "Telefon:"),
        ("de", "Handynummer"),
        ("pt", "telemóvel"),
        ("pt", "ligar para"),
    ],
)
def test_phone_context_word_raises_the_score(lang: str, context: str) -> None:
    number = {"en": "415-555-2671", "es": "612 34 56 78", "fr": "06 12 34 56 78"}.get(lang, "030 12345678")
    if lang == "pt":
        number = "912 345 678"
    _, _, _, plain = only(contact.PHONE, f"x {number}", lang)
    _, _, _, boosted = only(contact.PHONE, f"{context} {number}", lang)
    assert boosted > plain
    assert boosted <= contact.PHONE.max_score


@pytest.mark.parametrize(
    ("lang", "negative"),
    [("en", "order"), ("en", "Invoice #"), ("es", "pedido"), ("de", "Rechnung"), ("fr", "commande")],
)
def test_phone_after_a_negative_word_is_dropped_in_balanced_mode(lang: str, negative: str) -> None:
    number = "415-555-2671"
    _, _, _, plain = only(contact.PHONE, f"x {number}", "en")
    hits = find(contact.PHONE, f"{negative} {number}", lang)
    assert all(h[3] < plain for h in hits)
    assert all(h[3] < DEFAULT_THRESHOLD for h in hits)


def test_bare_digit_string_scores_lower_than_a_written_out_number() -> None:
    _, _, _, bare = only(contact.PHONE, "x 4155552671", "en")
    _, _, _, written = only(contact.PHONE, "x 415-555-2671", "en")
    assert bare < written
    assert bare < DEFAULT_THRESHOLD
    _, _, _, with_context = only(contact.PHONE, "call 4155552671", "en")
    assert with_context >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "2024-01-15"),  # ISO date
        ("en", "15/01/2024"),
        ("de", "15.01.2024"),
        ("en", "version 1.2.3"),
        ("en", "12345"),  # too short
        ("en", "1234567890123456789012"),  # too long
        ("en", "1/2"),
        ("en", "v2025.2.1148"),
    ],
)
def test_not_a_phone(lang: str, text: str) -> None:
    assert find(contact.PHONE, text, lang) == []


def test_phone_is_checked_against_the_document_language_first() -> None:
    # 06 12 34 56 78 is a French mobile; as English text it is at most a possible number
    _, _, _, french = only(contact.PHONE, "x 06 12 34 56 78", "fr")
    english = find(contact.PHONE, "x 06 12 34 56 78", "en")
    assert french >= contact.PHONE.valid_score
    assert all(h[3] <= french for h in english)


@pytest.mark.parametrize("ip", ["192.168.178.1", "10.4.0.12", "127.0.0.1", "172.20.1.5", "169.254.10.1"])
def test_private_network_addresses_are_strict_mode_only(ip: str) -> None:
    assert find(contact.IPV4, f"router at {ip}") == []
    ((_, _, _, score),) = find(contact.IPV4_LOCAL, f"router at {ip}")
    assert score < DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("k.weber(at)firma.de", "k.weber(at)firma.de"),
        ("mail: ana[at]provedor.com.br", "ana[at]provedor.com.br"),
        ("jd.ospina (arroba) gmail.com", "jd.ospina (arroba) gmail.com"),
        ("thomas(arobase)menuiserie-vandamme.be", "thomas(arobase)menuiserie-vandamme.be"),
        ("my email is thabo.ns at icloud dot com", "thabo.ns at icloud dot com"),
        ("ayesha dot rahman dot 90 at gmail dot com", "ayesha dot rahman dot 90 at gmail dot com"),
        ("email: jane at gmail.com", "jane at gmail.com"),
        ("k.weber (at) firma (punkt) de", "k.weber (at) firma (punkt) de"),
    ],
)
def test_obfuscated_emails(text: str, value: str) -> None:
    found, _, _, score = only(contact.EMAIL, text)
    assert found == value and score >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    "text", ["I bought it at amazon.com yesterday", "see you at home dot now", "meet at 10 dot com"]
)
def test_prose_with_at_is_no_email(text: str) -> None:
    assert find(contact.EMAIL, text) == []


@pytest.mark.parametrize(
    "address",
    ["support@acme.com", "noreply@shop.es", "atencion@tiendalume.es", "service-client@maboutique.fr",
     "kundenservice@bank.de", "sinistros@seguradora.pt", "info@x.org"],
)  # fmt: skip
def test_role_mailboxes_are_strict_mode_only(address: str) -> None:
    _, _, _, score = only(contact.EMAIL, f"write to {address}")
    assert score < DEFAULT_THRESHOLD
    _, _, _, personal = only(contact.EMAIL, "write to jo.souza@acme.com")
    assert personal >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("lang", "text", "kept"),
    [
        ("en", "call us on 0800 079 0440", False),  # toll-free, and the business's own line
        ("es", "Puedes llamarnos al 600 360 7700", False),
        ("pt", "Info: 808 500 700", False),  # shared cost, no phone word
        ("de", "Kundenservice 0800 777 1234", False),
        ("de", "Rückruf erbeten unter 0157 / 38 02 144", True),  # slash with spaces
        ("es", "me localizan en el +44 7700 900 418", True),  # possible only, international, a phone word
        ("es", "celular: +52 1 33 2904 1186", True),  # not even possible, but phone-shaped after a phone word
        ("es", "de que la llamen al 3004417825", True),
        ("fr", "Votre code de vérification est 482 913", False),
        ("en", "Order number: 40029-7731", False),
        ("es", "Total: $5.676.500", False),
        ("en", "sticker SN 4539 1200 8871 0043", False),  # the tail of a longer run of digit groups
        ("fr", "facture de régularisation n° 2024/118 552", False),
    ],
)
def test_phone_numbers_of_people_not_of_businesses(lang: str, text: str, kept: bool) -> None:
    hits = [h for h in find(contact.PHONE, text, lang) if h[3] >= DEFAULT_THRESHOLD]
    assert bool(hits) is kept, hits
