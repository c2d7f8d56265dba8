"""National identifiers (python-stdnum validators) and passport-like numbers.

Identifiers with a strong check (ES DNI/NIE letter, FR NIR mod-97 key, BR
CPF/CNPJ written in their own layout) score 0.95 on their own. Bare digit
strings with a single check digit (DE IdNr, PT NIF, US SSN has none at all)
need a context word to reach 0.95: without one, one random number in ten
would be masked as a national ID.
"""

from __future__ import annotations

import regex

from detectors import entities
from detectors.patterns._recognizer import DigitRunRecognizer, RegexRecognizer, Scoring
from detectors.validators import VALIDATORS

US_SSN = DigitRunRecognizer(
    entity=entities.US_SSN,
    lengths=frozenset({9}),
    validator=VALIDATORS["us_ssn"],
    formatted=regex.compile(r"\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}"),
    # 3-2-4 is the SSN's own layout: above a phone number's 0.65 on the same digits
    scoring=Scoring(weak=True, weak_score=0.3, formatted_score=0.7,
                    context=("ssn", "social security", "seguro social", "ss#", "taxpayer", "itin")),
)  # fmt: skip

ES_DNI = RegexRecognizer(
    entity=entities.ES_DNI,
    # `\b`: see financial._IBAN_CANDIDATE. A space before the letter only when it is a capital:
    # in `12345678 a Madrid` the `a` is the preposition.
    pattern=regex.compile(r"\b(?<!-)\d{8}(?:[ -]?[A-Z]|-?[a-z])(?!\w)"),
    validator=VALIDATORS["es_dni"],
    scoring=Scoring(context=("dni", "nif", "documento", "identidad")),
)

ES_NIE = RegexRecognizer(
    entity=entities.ES_NIE,
    pattern=regex.compile(r"\b(?<!-)[XYZxyz][ -]?\d{7}(?:[ -]?[A-Z]|-?[a-z])(?!\w)"),
    validator=VALIDATORS["es_nie"],
    scoring=Scoring(context=("nie", "extranjero", "residencia")),
)

FR_NIR = DigitRunRecognizer(
    entity=entities.FR_NIR,
    lengths=frozenset({15}),
    validator=VALIDATORS["fr_nir"],
    formatted=regex.compile(r"[12] ?\d{2} ?\d{2} ?\d{2} ?\d{3} ?\d{3} ?\d{2}"),
    scoring=Scoring(context=("sécurité sociale", "securite sociale", "nir", "insee", "carte vitale",
                             "numéro de sécu", "social security")),
)  # fmt: skip

DE_TAX_ID = DigitRunRecognizer(
    entity=entities.DE_TAX_ID,
    lengths=frozenset({11}),
    validator=VALIDATORS["de_idnr"],
    formatted=regex.compile(r"\d{2} \d{3} \d{3} \d{3}"),
    scoring=Scoring(weak=True, weak_score=0.45, formatted_score=0.55,
                    context=("steuer", "steuer-id", "steuerid", "steueridentifikationsnummer",
                             "identifikationsnummer", "idnr", "tax id", "tax identification", "tin")),
)  # fmt: skip

PT_NIF = DigitRunRecognizer(
    entity=entities.PT_NIF,
    lengths=frozenset({9}),
    validator=VALIDATORS["pt_nif"],
    formatted=regex.compile(r"\d{3} \d{3} \d{3}"),
    # Compact or 3-3-3: a Spanish phone number (`817 92 29 97`) near `NIF` is no Portuguese NIF.
    accept=lambda value: bool(regex.fullmatch(r"\d{9}|\d{3}([ .])\d{3}\1\d{3}", value)),
    scoring=Scoring(weak=True, weak_score=0.4, formatted_score=0.45,
                    context=("nif", "contribuinte", "número fiscal", "numero fiscal", "nipc",
                             "identificação fiscal", "tax id")),
)  # fmt: skip

BR_CPF = DigitRunRecognizer(
    entity=entities.BR_CPF,
    lengths=frozenset({11}),
    validator=VALIDATORS["br_cpf"],
    formatted=regex.compile(r"\d{3}\.\d{3}\.\d{3}-\d{2}"),
    scoring=Scoring(weak=True, weak_score=0.45, context=("cpf", "cadastro de pessoa", "contribuinte")),
)

BR_CNPJ = DigitRunRecognizer(
    entity=entities.BR_CNPJ,
    lengths=frozenset({14}),
    validator=VALIDATORS["br_cnpj"],
    formatted=regex.compile(r"\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}"),
    scoring=Scoring(weak=True, weak_score=0.45, context=("cnpj", "empresa", "cadastro nacional")),
)

UK_NINO = RegexRecognizer(
    entity=entities.UK_NINO,
    pattern=regex.compile(r"\b[A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d](?!\w)"),
    validator=VALIDATORS["uk_nino"],
    scoring=Scoring(weak=True, weak_score=0.75,
                    context=("national insurance", "ni number", "nino", "ni no", "insurance number")),
)  # fmt: skip

UK_NHS = DigitRunRecognizer(
    entity=entities.UK_NHS,
    lengths=frozenset({10}),
    validator=VALIDATORS["uk_nhs"],
    formatted=regex.compile(r"\d{3} \d{3} \d{4}"),
    scoring=Scoring(weak=True, weak_score=0.2, formatted_score=0.4, context=("nhs", "health service")),
)

PASSPORT = RegexRecognizer(
    entity=entities.PASSPORT,
    pattern=regex.compile(r"\b(?<!-)[A-Z]{1,2}\d{6,8}(?!\w)"),
    scoring=Scoring(score=0.15, context_boost=0.35,
                    context=("passport", "pasaporte", "passeport", "reisepass", "passaporte", "pass-nr",
                             "passnummer", "travel document")),
)  # fmt: skip
