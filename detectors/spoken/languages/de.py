"""German, also Austrian and Swiss: compounds (`neunzehnhundertachtundachtzig`), `zwo`, `a wie anton`."""

from __future__ import annotations

from collections.abc import Mapping

from detectors.spoken.letters import NATO, SINGLE
from detectors.spoken.lexicon import Atom, Kind, Role, Spec, build

_DIGITS = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
_TEENS = ("zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn",
          "neunzehn")  # fmt: skip
_TENS = ("zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig")
_MONTHS = ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "dezember")  # fmt: skip

_DIGIT_VALUES = {**{w: i for i, w in enumerate(_DIGITS)}, "zwo": 2, "ein": 1, "eine": 1, "fuenf": 5}
_TEEN_VALUES = {**{w: 10 + i for i, w in enumerate(_TEENS)}, "zwoelf": 12, "fuenfzehn": 15}
_TENS_VALUES = {**{w: 20 + 10 * i for i, w in enumerate(_TENS)}, "dreissig": 30, "fuenfzig": 50}

#: The parts a compound number is made of; `ß` is matched as `ss`.
MORPHEMES: Mapping[str, Atom] = {
    **{
        w.replace("ß", "ss"): Atom(Kind.DIGIT, v)
        for w, v in _DIGIT_VALUES.items()
        if w not in ("null", "eine")
    },
    **{w: Atom(Kind.TEEN, v) for w, v in _TEEN_VALUES.items()},
    **{w.replace("ß", "ss"): Atom(Kind.TENS, v) for w, v in _TENS_VALUES.items()},
    "hundert": Atom(Kind.HUNDRED, 1),
    "tausend": Atom(Kind.THOUSAND, 1),
    "und": Atom(Kind.AND),
}


def _cardinal(n: int) -> str:
    units = ("", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return _TEENS[n - 10]
    tens = _TENS[n // 10 - 2]
    return tens if n % 10 == 0 else f"{units[n % 10]}und{tens}"


def _ordinals() -> dict[str, int]:
    """Day ordinals 1-31 with every ending (`dritte`, `zwölften`, `sechsundzwanzigster`)."""
    irregular = {1: ("erst",), 3: ("dritt",), 7: ("siebt", "siebent"), 8: ("acht",)}
    words: dict[str, int] = {}
    for n in range(1, 32):
        stems = irregular.get(n) or ((_cardinal(n) + ("t" if n < 20 else "st")),)
        for stem in stems:
            for ending in ("e", "en", "er", "es", "em"):
                words[stem + ending] = n
                words[(stem + ending).replace("ß", "ss")] = n
    return words


SPEC = Spec(
    code="de",
    digits=_DIGIT_VALUES,
    teens=_TEEN_VALUES,
    tens=_TENS_VALUES,
    hundred=("hundert", "einhundert"),
    thousand=("tausend", "eintausend"),
    million=("million", "millionen"),
    weak_numbers=("ein", "eine"),
    ordinals=_ordinals(),
    months={**{w: i + 1 for i, w in enumerate(_MONTHS)}, "jänner": 1, "feber": 2, "maerz": 3},
    repeats={"doppel": 2, "doppelt": 2, "dreifach": 3},
    plurals={"nullen": 0},
    letters={
        **SINGLE,
        **NATO,
        "be": "b",
        "ce": "c",
        "de": "d",
        "ef": "f",
        "ge": "g",
        "ha": "h",
        "jot": "j",
        "ka": "k",
        "el": "l",
        "em": "m",
        "en": "n",
        "pe": "p",
        "ku": "q",
        "er": "r",
        "es": "s",
        "te": "t",
        "vau": "v",
        "we": "w",
        "ix": "x",
        "ypsilon": "y",
        "zett": "z",
    },
    weak_letters=("a", "o", "es", "er", "ha", "em", "en", *NATO),
    roles={
        Role.AND: ("und",),
        Role.FILLER: ("äh", "ähm", "öh", "ähh", "hm", "hmm", "ehm"),
        Role.CORRECTION: ("nee", "nein", "warte", "sorry", "pardon", "ich meine", "korrektur"),
        Role.SPELL: ("wie", "für"),
        Role.DOT: ("punkt",),
        Role.AT: ("at", "ät", "klammeraffe"),
        Role.DASH: ("bindestrich", "minus", "strich", "trennstrich"),
        Role.UNDERSCORE: ("unterstrich", "underscore", "tiefstrich"),
        Role.PLUS: ("plus",),
        Role.ARTICLE: ("der", "den", "dem", "am", "vom", "zum"),
    },
    unit_first=True,
)

LEXICON = build(SPEC, MORPHEMES)
