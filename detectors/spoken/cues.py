"""Cues: what the words before a spoken value say it is.

In a call the question names the value (`and a mobile?` / `caller: oh four nine...`),
so a spoken number is classed by the last cue on its own line before it, else by the
cues of the line before (the question), the most specific one first. A cue word ending
in `*` is a prefix (`kundennummer*` also finds `Kundennummern`); the others are whole words.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping

import regex

from detectors import entities
from detectors.spoken.lexicon import alternation

NEGATIVE = "NEGATIVE"
ADDRESS = "ADDRESS"
#: Cues that name something else (`email address`): they only keep the others from applying.
OTHER = "OTHER"
#: A bare `number` / `Nummer`: a phone number unless something else is said near it.
NUMBER = "NUMBER"

_PHONE = (
    "phone*", "telephone*", "mobile*", "cell", "cellphone*", "landline*", "text me", "text you", "whatsapp*",
    "call me", "call you", "call back", "ring me", "reach me", "reach you", "best number", "contact number",
    "number to reach", "port my number", "new number", "callback", "call back number", "sms",
    "teléfono*", "telefono*", "celular*", "móvil*", "movil*", "línea", "linea", "número de contacto", "fijo",
    "llamar*", "llámame", "llamarle", "contactarle", "whatsapp",
    "téléphone*", "portable*", "cellulaire*", "joindre", "rejoindre", "joignable", "rappeler",
    "numéro de contact", "ligne", "fixe",
    "telefon*", "handy*", "mobil*", "rufnummer*", "kontaktnummer*", "festnetz*", "rückruf*", "anrufen",
    "zurückrufen", "neue nummer",
    "telefone*", "telemóvel*", "telemovel*", "contacto", "contato", "linha", "ligar", "ligue", "fixo", "zap",
)  # fmt: skip
#: A number the company gives as its own (`call us on`, `unsere Hotline`): not the caller's.
_BUSINESS = (
    "call us", "contact us", "reach us", "our number", "hotline", "helpline", "customer service",
    "llámenos", "llamenos", "nuestro teléfono", "nuestro número", "línea de atención", "atención al cliente",
    "appelez-nous", "notre numéro", "service client", "rufen sie uns", "unsere hotline", "servicenummer",
    "kundenservice", "fale conosco", "ligue para nós", "central de atendimento", "linha de apoio",
)  # fmt: skip
#: Numbers of things, not of people: `flight number`, `room number`, `número de asiento`.
_OTHER_NUMBERS = (
    "flight", "seat", "room", "gate", "platform", "registration", "number plate", "licence plate",
    "sort code", "bic", "swift", "routing number", "bank code", "bankleitzahl", "blz", "código swift",
    "vuelo", "asiento", "habitación", "matrícula", "vol", "siège", "chambre", "immatriculation",
    "flug*", "sitzplatz", "zimmer*", "kennzeichen", "voo", "assento", "quarto", "placa",
)  # fmt: skip
_CARD = (
    "card*", "tarjeta*", "carte*", "karte*", "kreditkarte*", "kartennummer*", "cartão*", "cartao*", "visa",
    "mastercard", "amex", "american express",
)  # fmt: skip
_IBAN = (
    "iban*", "bank account", "cuenta bancaria", "compte bancaire", "bankverbindung*", "conta bancária",
    "rib", "nib",
)  # fmt: skip
_ACCOUNT = (
    "account", "acct", "customer number", "customer id", "customer no", "member id", "member number",
    "membership*", "policy", "contract", "subscriber*", "loyalty", "loyalty card", "member card",
    "membership card", "tarjeta de socio", "tarjeta de fidelidad", "carte de fidélité", "carte de membre",
    "kundenkarte*", "mitgliedskarte*", "cartão de sócio", "cartão de fidelidade", "número de socio",
    "número de cliente", "numero de cliente", "número de cuenta", "cuenta", "póliza", "poliza", "contrato",
    "socio", "afiliado", "abonado",
    "numéro client", "numéro de client", "compte client", "numéro de compte", "compte", "contrat", "police",
    "adhérent", "sociétaire", "abonné",
    "kundennummer*", "kundennr*", "kunden-nr*", "vertragsnummer*", "vertragskonto*", "versicherungsnummer*",
    "versicherungsschein*", "policennummer*", "mitglied*", "konto*", "police",
    "número do cliente", "conta", "apólice", "apolice", "sócio", "assinante",
)  # fmt: skip
_POSTCODE = (
    "postcode*", "post code", "postal code", "zip", "zip code", "eircode*", "código postal", "codigo postal",
    "code postal", "postleitzahl*", "plz", "cep",
)  # fmt: skip
_PASSPORT = (
    "passport*", "pasaporte*", "passeport*", "reisepass*", "passaporte*", "passnummer*",
    "tarjeta de identidad",
    "carte d'identité", "carte d'identite", "personalausweis*", "ausweis*", "cartão de cidadão",
    "documento de identidad", "rut", "cédula", "cedula", "identity card", "id card", "bilhete de identidade",
    "rg",
)  # fmt: skip
#: Where the caller lives: the numbers said next are a house number and a postcode.
_ADDRESS = (
    "address",
    "home address",
    "adresse",
    "dirección",
    "direccion",
    "domicilio",
    "anschrift",
    "wohnadresse",
    "endereço",
    "endereco",
    "morada",
)
#: Not a postal address: `email address`, `IP address`, `adresse mail`.
_OTHER_ADDRESS = (
    "email address",
    "e-mail address",
    "mail address",
    "ip address",
    "web address",
    "adresse mail",
    "adresse e-mail",
    "adresse email",
    "adresse ip",
    "dirección de correo",
    "dirección ip",
    "e-mail-adresse",
    "mailadresse",
    "ip-adresse",
    "endereço de email",
    "endereço de e-mail",
    "endereço ip",
)
_BIRTH = (
    "birth*", "dob", "born", "nacimiento", "nacido", "nacida", "naissance", "geburt*", "geboren",
    "nascimento", "nascido", "nascida",
)  # fmt: skip
_NEGATIVE = (
    "order*", "invoice*", "tracking", "reference", "ref", "ticket*", "case number", "shipment", "parcel",
    "sku",
    "model", "serial", "version", "product code", "booking", "confirmation number", "pin", "cvv", "cvc",
    "security code", "expiry", "expires", "expiration", "valid until", "ending", "ends in", "last four",
    "quote", "claim number",
    "pedido*", "factura*", "seguimiento", "referencia*", "incidencia*", "envío", "envio", "producto",
    "modelo", "versión", "serie", "caducidad", "vencimiento", "termina en", "código de seguridad",
    "localizador", "reserva",
    "commande*", "facture*", "suivi", "colis", "référence*", "dossier", "modèle", "série", "cryptogramme",
    "se termine par", "finit par", "date d'expiration",
    "bestell*", "rechnung*", "sendung*", "paket*", "auftrag*", "vorgang*", "schadennummer*", "aktenzeichen",
    "referenz*", "modell*", "seriennummer*", "gültig bis", "ablauf*", "endet auf", "sicherheitscode",
    "encomenda*", "fatura*", "rastreio", "rastreamento", "protocolo*", "sinistro*", "boletim", "ocorrência",
    "chamado", "referência*", "versão", "validade", "termina em", "terminado em", "código de segurança",
)  # fmt: skip
_NUMBER = ("number", "número", "numero", "numéro", "nummer", "nº")

_IDS: Mapping[str, tuple[str, ...]] = {
    entities.US_SSN: ("ssn", "social security", "seguro social", "itin"),
    entities.UK_NHS: ("nhs",),
    entities.UK_NINO: ("national insurance", "ni number", "nino"),
    entities.DE_TAX_ID: ("steuer-id", "steuer id", "steuerid", "steueridentifikations*", "steuernummer*",
                         "identifikationsnummer*", "idnr", "tax id"),
    entities.PT_NIF: ("nif", "contribuinte", "número fiscal", "nipc"),
    entities.BR_CPF: ("cpf",),
    entities.BR_CNPJ: ("cnpj",),
    entities.ES_DNI: ("dni", "nif"),
    entities.ES_NIE: ("nie",),
    entities.FR_NIR: ("sécurité sociale", "securite sociale", "sécu", "nir", "insee", "carte vitale"),
}  # fmt: skip

#: Most specific first: when the question names two things (`the postcode on the account`). Cards,
#: IBANs and IDs have checksums of their own: their cues only keep a number from being read as another.
PRIORITY: tuple[str, ...] = (
    entities.STREET_ADDRESS, entities.DATE_OF_BIRTH, *_IDS, entities.PASSPORT, OTHER, entities.PHONE_NUMBER,
    ADDRESS, entities.CREDIT_CARD, entities.IBAN_CODE, entities.ACCOUNT_ID, NEGATIVE, NUMBER,
)  # fmt: skip


def _table() -> dict[str, tuple[str, ...]]:
    labels: dict[str, list[str]] = {}
    groups = [
        (entities.PHONE_NUMBER, _PHONE), (entities.CREDIT_CARD, _CARD), (entities.IBAN_CODE, _IBAN),
        (entities.ACCOUNT_ID, _ACCOUNT), (entities.STREET_ADDRESS, _POSTCODE), (entities.PASSPORT, _PASSPORT),
        (entities.DATE_OF_BIRTH, _BIRTH), (NEGATIVE, _NEGATIVE), (NUMBER, _NUMBER), (ADDRESS, _ADDRESS),
        (OTHER, _OTHER_ADDRESS), (OTHER, _OTHER_NUMBERS), (NEGATIVE, _BUSINESS), *_IDS.items(),
    ]  # fmt: skip
    for label, words in groups:
        for word in words:
            labels.setdefault(word, []).append(label)
    return {word: tuple(dict.fromkeys(found)) for word, found in labels.items()}


_LABELS = _table()
_BY_TEXT = {w.rstrip("*"): labels for w, labels in _LABELS.items()}
_CUES = regex.compile(
    r"(?<!\w)(?:"
    + alternation((w for w in _LABELS if not w.endswith("*")), (w[:-1] for w in _LABELS if w.endswith("*")))
    + ")",
    regex.IGNORECASE,
)

#: How far back a cue on the value's own line may be; lines above are read whole, up to this far.
SAME_LINE = 120
PREVIOUS_LINE = 320
#: Lines above the value that are read for a cue (`steuer id?` / `die können Sie mir durchgeben` / ...).
LINES_BACK = 2
#: A cue after the value counts only right after it (`... still the best number`), not the next question.
AFTER = 24


class Cues:
    """The cue words of one text, found in one scan."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._found = [
            (m.start(), m.end(), _BY_TEXT.get(m.group().lower(), ())) for m in _CUES.finditer(text)
        ]
        self._starts = [start for start, _, _ in self._found]

    def _between(self, start: int, end: int) -> list[tuple[int, int, tuple[str, ...]]]:
        return self._found[bisect_left(self._starts, start) : bisect_left(self._starts, end)]

    def before(self, start: int, lines_above: bool = True) -> tuple[str, ...]:
        """What the words before `text[start:]` say it is: the cue labels, most likely first.

        The last cue on the value's own line decides; else the cues of the closest line above
        that has any (at most `LINES_BACK` lines up), in `PRIORITY` order. A bare `number`
        counts as a phone cue only with no other cue near.
        """
        text = self.text
        line = text.rfind("\n", 0, start) + 1
        same = self._between(max(line, start - SAME_LINE), start)
        previous: list[tuple[int, int, tuple[str, ...]]] = []
        bottom = line
        for _ in range(LINES_BACK if lines_above else 0):  # the closest line above with a cue: the question
            if previous or bottom == 0:
                break
            top = text.rfind("\n", 0, bottom - 1) + 1
            previous = self._between(max(top, start - PREVIOUS_LINE), bottom)
            bottom = top
        if same:
            last = same[-1]
            if last[2] == (NUMBER,) and len(same) > 1 and last[0] - same[-2][1] <= 2:
                last = same[-2]  # `contrat numéro`, `Kunden nummer`: the number of what is named just before
            found = list(last[2])
            others = {label for cue in (*same, *previous) if cue is not last for label in cue[2]}
        elif previous:
            found = sorted({label for cue in previous for label in cue[2]}, key=PRIORITY.index)
            others = set()
        else:
            return ()
        if found[:1] == [NUMBER]:  # `la dirección ... número setenta y nueve`: a house number
            return (
                (NEGATIVE,)
                if NEGATIVE in others
                else (ADDRESS,)
                if ADDRESS in others
                else (entities.PHONE_NUMBER,)
            )
        return tuple(found)

    def after(self, end: int) -> tuple[str, ...]:
        """The labels of the first cue after `text[:end]` on the same line (`... still the best number`)."""
        stop = self.text.find("\n", end)
        found = self._between(end, min(end + AFTER, len(self.text) if stop < 0 else stop))
        return found[0][2] if found else ()
