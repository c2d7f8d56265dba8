"""Identifiers that only their context tells apart: account, member and policy numbers, ID-document
numbers, usernames and social handles.

Each recognizer is a context phrase in en/es/fr/de/pt (`policy no.`, `Nº de socio`,
`Mitgliedsnummer`, `cartão de sócio`), a few filler words (`number`, `is`, `:`, `n.º`, `my`),
then a value of the identifier's shape, checked by a validator (enough digits; a username is
not a plain word). Values of a distinctive shape (`TRV-0093417`, `lara_financeiro`) may stand a
few words further on. Without the context phrase nothing is reported: order, ticket and
tracking numbers have the same shapes. Bare `@handles` and `snake_case` names with digits are
the exception: they are usernames on their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import regex

from detectors import entities
from detectors.patterns._context import trie
from detectors.patterns._recognizer import Hit, RegexRecognizer, Scoring
from detectors.validators import Validator


def _words(words: str) -> str:
    """Space-separated words (`_` stands for a space inside one) as a trie-shaped alternation:
    `regex` rejects a position that starts no word in a few steps."""
    return trie(w.replace("_", " ").lower() for w in words.split()).replace("\\ ", "[ \\t]")


def _context(whole: str, stems: str = "") -> str:
    """Context words as whole words (or joined by `_` to a field-name suffix: `customer_id`), and
    German compound stems (a regex alternation) as word prefixes (`Mitgliedsnummer`)."""
    out = rf"(?<!\w)(?:(?:{_words(whole)})(?:_(?:id|no|nr|num|number|ref|code|portal|name))?(?!\w)"
    if stems:
        out += rf"|(?:{stems})\w*"
    return out + ")"


#: What may stand between a context phrase and its value.
_FILLER = _words(
    "number numbers num n no no. nr nr. nº n° n.º n.° n# id ref ref. code is was es era est ist é e de da do"
    " du del des la le el o a the my mi mon ma meu minha mein meine your su seu sua card tarjeta carte karte"
    " cartão cartao actual actuelle atual assigned asignado attribué número numero numéro nummer"
)
_GAP = rf"(?:[ \t]*(?:[:#(\-]|(?:{_FILLER})(?!\w)))*[ \t]*"
#: Up to four words of any kind: only before values of a distinctive shape.
_WIDE_GAP = r"(?:[ \t]*[:#(\-]?[ \t]*\p{L}{1,14}(?!\w)[,;]?){0,4}[ \t]*[:#(\-]?[ \t]*"

_ACCOUNT_CONTEXT = _context(
    "account acct customer client clt member membership loyalty policy contract subscriber subscription"
    " insured patient employee staff payroll frequent_flyer rewards"
    " cuenta cliente socio socia abonado póliza poliza contrato asegurado afiliado afiliación membresía"
    " membresia paciente historia empleado nómina nomina fidelización"
    " compte adhérent adherent sociétaire abonné abonne police contrat assuré assure membre matricule"
    " travailleur fidélité fidelite"
    " konto kunde kd kdnr abo abonnent vertrag mitglied patient mitarbeiter"
    " conta sócio assinante apólice apolice segurado associado membro utente matrícula matricula"
    " funcionário funcionario fidelidade",
    "kunden(?!service|dienst|center|zentrum|hotline|support|beratung)|mitglieds|versicherungs|versicherten"
    "|vertrags|policen|personalnr|personalnummer|konto",
)
#: Letter prefixes (`CUS-`, `CTR-MX-`, `K`; capitals and a space: `HAB 77 402 118`), then digit
#: groups joined by `-./` or single spaces.
_ACCOUNT_VALUE = (
    r"(?:(?-i:[A-Z]{2,4})[ ](?=\d))?"
    r"(?:[A-Z]{1,6}[-./]?){0,2}\d[\d./-]*(?:(?<=\d)[ ]\d[\d./-]*){0,3}[A-Z0-9]*(?<=[A-Z0-9])"
)
#: A distinctive account value: a letter prefix and a hyphen (`TRV-0093417`, `MEM-330-1187`).
_ACCOUNT_SHAPED = r"[A-Z]{2,6}(?:-[A-Z]{1,5})?-\d{3,}(?:-\d+)*"


def _digits(least: int) -> Validator:
    def check(value: str) -> bool:
        return sum(c.isdigit() for c in value) >= least

    return check


#: Words that, between a context phrase and a value, make the value something else's.
_GAP_NEGATIVE = regex.compile(
    r"(?<!\w)(?:order|ticket|tracking|invoice|pedido|factura|commande|facture|encomenda|fatura|chamado"
    r"|protocolo|bestell\w*|rechnung\w*|auftrag\w*|sendung\w*)(?!\w)",
    regex.IGNORECASE,
)
#: A chat or transcript speaker label (`Kunde:`, `[10:42] cliente:`): not a context phrase for
#: what follows it, unless that has a distinctive shape.
_SPEAKER = regex.compile(r"(?:^|\n)[ \t]*(?:\[[^\]\n]{0,24}\][ \t]*)?\Z")
_SPEAKER_COLON = regex.compile(r"[ \t]*:")
#: Context words that are also speaker labels (field names such as `Mitgliedsnummer:` are not).
_ROLES = frozenset(
    {
        "customer", "client", "cliente", "clienta", "kunde", "kundin", "member", "membro", "socio",
        "sócio", "patient", "paciente", "utente", "user", "usuario", "usuário", "utilizador",
        "utilisateur", "benutzer",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AnchoredRecognizer:
    """A `RegexRecognizer` whose pattern names its context phrase (group `c`): values after a
    speaker label must match `shaped`."""

    inner: RegexRecognizer
    shaped: regex.Pattern[str]

    @property
    def entity(self) -> str:
        return self.inner.entity

    @property
    def langs(self) -> frozenset[str] | None:
        return self.inner.langs

    def find(self, text: str, lang: str) -> Iterator[Hit]:
        for match in self.inner.pattern.finditer(text):
            start, end = match.span("v")
            value = text[start:end]
            context = match.start("c")
            speaker = (
                context >= 0
                and match.group("c").lower() in _ROLES
                and _SPEAKER.search(text, max(0, context - 40), context) is not None
                and _SPEAKER_COLON.match(text, match.end("c")) is not None
            )
            if speaker and (not self.shaped.fullmatch(value) or text[match.end("c") : start].strip(" \t:")):
                continue  # after a speaker label: a distinctive value, and nothing between
            if _GAP_NEGATIVE.search(text, match.end("c"), start):
                continue  # `cliente, meu pedido #BR-7730912`: the value is the order's
            if self.inner.validator is not None and not self.inner.validator(value):
                continue
            score = self.inner.scoring.rate(text, start, end, True)
            if score is not None:
                yield start, end, score


ACCOUNT = AnchoredRecognizer(
    RegexRecognizer(
        entity=entities.ACCOUNT_ID,
        pattern=regex.compile(
            rf"(?P<c>{_ACCOUNT_CONTEXT})"
            rf"(?:{_GAP}(?P<v>{_ACCOUNT_VALUE})|{_WIDE_GAP}(?<![\w-])(?P<v>{_ACCOUNT_SHAPED}))(?![\w@])",
            regex.IGNORECASE,
        ),
        scoring=Scoring(valid_score=0.6, penalize_negative=False),
        validator=_digits(4),
    ),
    regex.compile(_ACCOUNT_SHAPED, regex.IGNORECASE),
)

_DOCUMENT_CONTEXT = _context(
    "passport pass reisepass ausweis personalausweis id_card identity_card national_id id_number"
    " driving_licence driving_license driver's_license licence_number license_number"
    " pasaporte cédula cedula c.c. dni rut run curp ine documento doc doc. identidad"
    " passeport carte_d'identité carte_d'identite cni titre_de_séjour titre_de_sejour permis"
    " passaporte rg cartão_de_cidadão cartao_de_cidadao cc bi título_de_residência titulo_de_residencia"
    " autorização_de_residência cnh identidade"
)
#: Letters and digits (`C4RT7J1N2`, `TR00841277`), or digit groups with dots (`1.077.452.903`).
_DOCUMENT_VALUE = (
    r"[A-Z]{0,3}-?(?=[A-Z0-9]*\d)[A-Z0-9]{5,14}|[A-Z]{0,2}-?\d{1,3}(?:\.\d{3}){2,3}(?:-[\dA-Z])?"
)
_NUMBER_WORD = r"(?:nr|no|n[º°]|n\.º|num|number|número|numero|numéro|nummer)\.?"

PASSPORT = RegexRecognizer(
    entity=entities.PASSPORT,
    pattern=regex.compile(
        rf"{_DOCUMENT_CONTEXT}(?:[ \t]*-?{_NUMBER_WORD})?{_GAP}(?P<v>{_DOCUMENT_VALUE})(?![\w@])"
        # `Ausweis per Video-Ident geprüft, Nr. L8R4CM2T9`: a document word, then a number word
        rf"|{_DOCUMENT_CONTEXT}[^\n\d]{{0,40}}?(?<!\w){_NUMBER_WORD}{_GAP}(?P<v>{_DOCUMENT_VALUE})(?![\w@])",
        regex.IGNORECASE,
    ),
    scoring=Scoring(valid_score=0.6, penalize_negative=False),
    validator=_digits(3),
)

_USER_CONTEXT = _context(
    "username user_name user login handle gamertag usuario usuário utilizador nome_de_utilizador"
    " nombre_de_usuario utilisateur identifiant pseudo benutzername nutzername benutzer"
    " instagram insta ig twitter tiktok github gitlab linkedin discord telegram skype snapchat reddit steam"
)
#: A username, or a login with a realm but no domain (`anaclaudia.b@fibranet`: an email is the
#: pattern stage's EMAIL_ADDRESS).
_USER_VALUE = r"@?[A-Za-z0-9][\w.-]{1,30}[A-Za-z0-9](?:@[A-Za-z0-9][\w-]{1,30}(?![\w.]))?(?![\w@/-]|\.\w)"


def _username(value: str) -> bool:
    """Not a plain word (`done`, `Oksana`) nor a number or version: a letter, and a digit or one
    of `_ . -` inside, or a leading `@`."""
    return any(c.isalpha() for c in value) and (
        value.startswith("@") or any(c.isdigit() or c in "_.-" for c in value)
    )


USERNAME = AnchoredRecognizer(
    RegexRecognizer(
        entity=entities.USERNAME,
        pattern=regex.compile(
            rf"(?P<c>{_USER_CONTEXT})(?:{_GAP}|{_WIDE_GAP})(?=@|[\w.-]*[\d_-]|[\w-]+\.\w)(?P<v>{_USER_VALUE})"
            # after `account` and its translations only a value with `_` or `.` (else: an account number)
            rf"|(?<!\w)(?:compte|account|conta|cuenta|konto)(?!\w){_GAP}(?P<v>(?=[\w.-]{{0,31}}[_.]){_USER_VALUE})"
            r"|(?:linkedin\.com/in/|github\.com/|gitlab\.com/|instagram\.com/|twitter\.com/|x\.com/|tiktok\.com/@)"
            r"(?P<v>[\w.-]{1,40}[\w])"
            # a social handle: `@lara.runs` (not an email: nothing word-like before the `@`)
            r"|(?<![\w@./])(?P<v>@[A-Za-z0-9_](?:[A-Za-z0-9_]|\.(?=[A-Za-z0-9_])){1,29})(?![\w@-])",
            regex.IGNORECASE,
        ),
        scoring=Scoring(valid_score=0.6, penalize_negative=False),
        validator=_username,
    ),
    regex.compile(r"@\S+"),  # after a `User:` speaker label, only a handle
)

#: `gamerjoe_97`, `xX_tarik93_Xx` on their own: letters, an underscore and digits in one token.
SNAKE_USERNAME = RegexRecognizer(
    entity=entities.USERNAME,
    pattern=regex.compile(
        r"(?<![\w@./-])(?=[A-Za-z0-9]*_)(?=\w*\d)(?=\w*[A-Za-z]{2})[A-Za-z][A-Za-z0-9_]{2,30}"
        r"(?![\w@-]|\.\w|[ \t]*[:=])"  # not a form's field name (`address_line1:`)
    ),
    scoring=Scoring(score=0.5, penalize_negative=False),
)


#: File extensions and top-level domains: `report.pdf` and `gmail.com` are no usernames.
_NOT_A_NAME_PART = frozenset(
    {
        "com", "net", "org", "info", "biz", "edu", "gov", "io", "co", "uk", "de", "fr", "es", "pt", "br",
        "eu", "us", "ca", "au", "mx", "ar", "cl", "ch", "at", "be", "nl", "it", "ie", "pdf", "doc", "docx",
        "xls", "xlsx", "csv", "txt", "jpg", "jpeg", "png", "gif", "zip", "rar", "html", "htm", "json", "xml",
        "yaml", "yml", "py", "js", "ts", "exe", "msg", "eml", "mp3", "mp4", "mov", "log", "cfg", "ini",
    }
)  # fmt: skip


def _dotted_name(value: str) -> bool:
    return value.rsplit(".", 1)[-1].lower() not in _NOT_A_NAME_PART


#: `tobias.wendt`, `bruna.alves`, `omelnyk.rrhh` on their own: a lower-case dotted name (a login),
#: not a domain, a file name nor an email's local part.
DOTTED_USERNAME = RegexRecognizer(
    entity=entities.USERNAME,
    pattern=regex.compile(r"(?<![\w@./-])[a-z][a-z]{1,20}\.[a-z][a-z]{1,20}\d{0,4}(?![\w@-]|\.\w)"),
    scoring=Scoring(valid_score=0.5, penalize_negative=False),
    validator=_dotted_name,
)
