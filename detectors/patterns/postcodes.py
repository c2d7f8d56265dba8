"""Postcodes standing alone: after a postcode word (`PLZ:`, `CEP`, `Code postal :`, `zip`), in any
of the five languages' formats, or on their own in a distinctive format (UK, Irish Eircode,
Canadian). A postcode says where someone lives: it is part of their address (STREET_ADDRESS).
Postcodes inside a written address are the NER stage's.
"""

from __future__ import annotations

import regex

from detectors import entities
from detectors.patterns._recognizer import RegexRecognizer, Scoring

#: UK (`M14 5RT`, `SW1A 1AA`), Irish Eircode (`A65 F4E2`), Canadian (`V6B 3K9`).
_DISTINCTIVE = (
    r"[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[ABD-HJLNP-UW-Z]{2}"
    r"|(?:[AC-FHKNPRTV-Y]\d{2}|D6W)[ ]?[0-9AC-FHKNPRTV-Y]{4}"
    r"|[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ ]?\d[ABCEGHJ-NPRSTV-Z]\d"
)
#: Numeric formats: 4 or 5 digits (DE, FR, ES, IT, US, MX, AT, CH, BE), PT `4200-319`, BR CEP
#: `22040-002`, US ZIP+4, Chile 7 digits, Argentina `C1428AAQ`, with an optional country prefix.
_NUMERIC = r"(?:[A-Z]{1,2}-)?\d{4,5}(?:-\d{3,4})?|\d{7}|[A-Z]\d{4}[A-Z]{3}"

_CONTEXT = (
    r"post[ ]?code|postal[ ]?code|zip(?:[ ]?code)?|eircode|código[ ]postal|codigo[ ]postal|cod_postal"
    r"|c\.?p\.?|code[ ]postal|plz(?:/ort)?|postleitzahl|cep|c[óo]d\.?[ ]postal"
)

POSTCODE = RegexRecognizer(
    entity=entities.STREET_ADDRESS,
    pattern=regex.compile(
        rf"(?<!\w)(?:{_CONTEXT})(?!\w)(?:[ \t]+is)?[ \t:=#(\"']{{0,5}}"
        rf"(?P<v>{_DISTINCTIVE}|{_NUMERIC})(?![\w-])",
        regex.IGNORECASE,
    ),
    scoring=Scoring(valid_score=0.6, score=0.6, penalize_negative=False),
)

DISTINCTIVE_POSTCODE = RegexRecognizer(
    entity=entities.STREET_ADDRESS,
    pattern=regex.compile(rf"(?<![\w-])(?:{_DISTINCTIVE})(?![\w-])"),
    scoring=Scoring(score=0.5, penalize_negative=True),
)
