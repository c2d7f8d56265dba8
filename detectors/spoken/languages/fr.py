"""French, also Belgian and Swiss: `quatre-vingt-dix-sept`, `septante`, `nonante`, `x comme xavier`."""

from __future__ import annotations

from detectors.spoken.letters import NATO, SINGLE
from detectors.spoken.lexicon import Role, Spec, build

_DIGITS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf")
_TEENS = ("dix", "onze", "douze", "treize", "quatorze", "quinze", "seize")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")  # fmt: skip

SPEC = Spec(
    code="fr",
    digits={**{w: i for i, w in enumerate(_DIGITS)}, "une": 1},
    teens={w: 10 + i for i, w in enumerate(_TEENS)},
    tens={
        "vingt": 20,
        "vingts": 20,
        "trente": 30,
        "quarante": 40,
        "cinquante": 50,
        "soixante": 60,
        "septante": 70,
        "huitante": 80,
        "octante": 80,
        "nonante": 90,
    },
    hundred=("cent", "cents"),
    thousand=("mille", "mil"),
    million=("million", "millions"),
    weak_numbers=("un", "une"),
    ordinals={"premier": 1, "première": 1, "1er": 1},
    months={w: i + 1 for i, w in enumerate(_MONTHS)},
    repeats={"double": 2, "triple": 3},
    plurals={"zéros": 0},
    letters={
        **SINGLE,
        **NATO,
        "bé": "b",
        "cé": "c",
        "dé": "d",
        "effe": "f",
        "gé": "g",
        "ache": "h",
        "ji": "j",
        "ka": "k",
        "elle": "l",
        "emme": "m",
        "enne": "n",
        "pé": "p",
        "ku": "q",
        "erre": "r",
        "esse": "s",
        "té": "t",
        "vé": "v",
        "ixe": "x",
        "zède": "z",
        "i grec": "y",
        "double vé": "w",
    },
    weak_letters=("a", "y", "o", "elle", "dé", *NATO),
    roles={
        Role.AND: ("et",),
        Role.FILLER: ("euh", "heu", "bah", "ben", "hum", "hein", "eh"),
        Role.CORRECTION: ("non", "pardon", "enfin", "plutôt", "je veux dire", "attendez", "attends"),
        Role.SPELL: ("comme", "comme dans", "pour"),
        Role.DOT: ("point",),
        Role.AT: ("arobase", "arrobase", "arobas", "at"),
        Role.DASH: ("tiret", "trait d'union", "moins"),
        Role.UNDERSCORE: ("tiret du bas", "tiret bas", "tiret du huit", "tiret huit", "underscore"),
        Role.PLUS: ("plus",),
        Role.OF: ("de", "du"),
        Role.ARTICLE: ("le",),
    },
    vigesimal=True,
)

LEXICON = build(SPEC)
