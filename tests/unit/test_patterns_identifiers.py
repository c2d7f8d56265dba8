"""Account and member numbers, ID-document numbers and usernames: found after their context
words in five languages, never without them (order, ticket and tracking numbers look the same)."""

from __future__ import annotations

import pytest
from _ids import find

from detectors.patterns import identifiers, postcodes


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("account number 12345678", "12345678"),
        ("Acct# 98765432", "98765432"),
        ("Konto: AB-123456", "AB-123456"),
        ("Kontonummer 0012345678", "0012345678"),
        ("customer id is CUS-2024-77", "CUS-2024-77"),
        ("número de cuenta: 55501234", "55501234"),
        ("numéro de compte 4455667788", "4455667788"),
        ("conta nº 123456-7", "123456-7"),
        ("My policy number is HTC-5530-0917.", "HTC-5530-0917"),
        ("Member # MEM-330-1187 (summer)", "MEM-330-1187"),
        ("Nº de socio asignado: FU-RZ-20931", "FU-RZ-20931"),
        ("tengo la póliza de hogar nº HG-0588412", "HG-0588412"),
        ("Contrat n° 3004 118 522", "3004 118 522"),
        ("N° carte fidélité actuelle : 2705 4419 0083", "2705 4419 0083"),
        ("Versichertennr. K839201746", "K839201746"),
        ("Mitgliedsnummer: M-2207-1093", "M-2207-1093"),
        ("(KdNr CUS-0088213)", "CUS-0088213"),
        ("customer_id: C-00917734", "C-00917734"),
        ("Customer ref: WW-004318227", "WW-004318227"),
        ("apólice AU-40 118 552, sinistro", "AU-40 118 552"),
        ("Cartão de sócio: 0048211", "0048211"),
        ("mon numéro de travailleur chez vous est le TRV-0093417", "TRV-0093417"),
        ("Kunde: KD-4471902", "KD-4471902"),  # a speaker label, but a distinctive value
    ],
)
def test_account_ids_after_their_context_words(text: str, value: str) -> None:
    ((found, start, end, score),) = find(identifiers.ACCOUNT, text)
    assert (found, start, end) == (value, text.index(value), text.index(value) + len(value))
    assert score >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "account 123",  # too few digits
        "customer id ABCDEFG",
        "12345678",  # no context
        "my account is fine",
        "Order number: 4500-88213",
        "Cliente: oi, meu pedido #BR-7730912 não chegou",  # the order's number
        "Client : Bonjour, ma commande CMD-2024-118834 est en retard",
        "Cliente: 004512",  # a speaker label, then a meter reading
        "Kundenservice 0800 777 1234",  # the hotline, not a customer number
        "Ticket T-2025-0448812",
    ],
)
def test_no_account_id_without_its_context(text: str) -> None:
    assert find(identifiers.ACCOUNT, text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Reisepass-Nr.: C5VJ81KN3", "C5VJ81KN3"),
        ("Ausweis per Video-Ident geprüft, Nr. L8R4CM2T9", "L8R4CM2T9"),
        ("Tipo doc.: C.C.   Número: 1.077.452.903", "1.077.452.903"),
        ("RG: MG-14.882.301", "MG-14.882.301"),
        ("Título de residência n.º: TR00841277", "TR00841277"),
        ("passport no. X1234567", "X1234567"),
        ("DNI 32.456.789", "32.456.789"),
    ],
)
def test_id_document_numbers_after_a_document_word(text: str, value: str) -> None:
    ((found, _, _, score),) = find(identifiers.PASSPORT, text)
    assert found == value and score >= 0.5


@pytest.mark.parametrize("text", ["passport expires 2031", "Pass auf dich auf", "permis de construire"])
def test_no_document_number_without_one(text: str) -> None:
    assert find(identifiers.PASSPORT, text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Mi usuario es juanda_ospina93", "juanda_ospina93"),
        ("my insta is @lu.zhang.eats", "@lu.zhang.eats"),
        ("Pseudo : ti_breizh29", "ti_breizh29"),
        ("meu login no sistema é lara_financeiro.", "lara_financeiro"),
        ("github: jwpark-dev", "jwpark-dev"),
        ("linkedin: linkedin.com/in/jiwoo-park-swe", "jiwoo-park-swe"),
        ("usuario_portal: jlahumada79", "jlahumada79"),
        ("salut, mon compte xX_tarik93_Xx est bloqué", "xX_tarik93_Xx"),
        ("Kundin hat sich über Instagram gemeldet (@lina.bakes.ffm)", "@lina.bakes.ffm"),
        ("hi its gamerjoe_97 again", "gamerjoe_97"),
    ],
)
def test_usernames_and_handles(text: str, value: str) -> None:
    found = {f for f, *_ in find(identifiers.USERNAME, text) + find(identifiers.SNAKE_USERNAME, text)}
    assert found == {value}


@pytest.mark.parametrize(
    "text",
    [
        "User: done.",  # a speaker label, then a word
        "User: says 2.4.118",  # a version
        "usuario: la tarjeta termina en 4471",
        "write to jo.smith@example.com",  # an email's local part is not a handle
        "address_line1: 12 High St",  # a form field's name
        "my username is fine",
    ],
)
def test_not_usernames(text: str) -> None:
    assert find(identifiers.USERNAME, text) + find(identifiers.SNAKE_USERNAME, text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PLZ: 04275", "04275"),
        ("Identifikation ok (PLZ 53113)", "53113"),
        ("Code postal : 69003", "69003"),
        ("Código postal: 46004", "46004"),
        ("CP: C1428AAQ", "C1428AAQ"),
        ('"cod_postal": "6500000"', "6500000"),
        ("CEP: 50050-000", "50050-000"),
        ("Código postal: 4200-319", "4200-319"),
        ("Postal code: V6B 3K9", "V6B 3K9"),
        ("zip: 22767", "22767"),
        ("PLZ/Ort: 3011 Bern", "3011"),
    ],
)
def test_postcodes_after_a_postcode_word(text: str, value: str) -> None:
    ((found, _, _, score),) = find(postcodes.POSTCODE, text)
    assert found == value and score >= 0.5


@pytest.mark.parametrize("value", ["M14 5RT", "EH7 5JY", "SW1A 1AA", "A65 F4E2", "D6W 1234", "H2H 1V4"])
def test_distinctive_postcodes_on_their_own(value: str) -> None:
    ((found, _, _, score),) = find(postcodes.DISTINCTIVE_POSTCODE, f"it's {value} thanks")
    assert found == value and score >= 0.5


@pytest.mark.parametrize(
    "text", ["order 40029", "room 3B", "version 2.4.118", "SKU HK2-RSG-17", "12345 euros"]
)
def test_no_postcode_without_a_postcode_word_or_shape(text: str) -> None:
    assert find(postcodes.POSTCODE, text) + find(postcodes.DISTINCTIVE_POSTCODE, text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("[09:16] tobias.wendt", ["tobias.wendt"]),
        ("atendente: bruna.alves", ["bruna.alves"]),
        ("login PPPoE anaclaudia.b@fibranet", ["anaclaudia.b@fibranet"]),
        ("see report.pdf and gmail.com", []),
        ("e.g. use it", []),
        ("write to jo.smith@example.com", []),
    ],
)
def test_dotted_logins(text: str, found: list[str]) -> None:
    hits = find(identifiers.DOTTED_USERNAME, text) + find(identifiers.USERNAME, text)
    assert sorted({h[0] for h in hits}) == found
