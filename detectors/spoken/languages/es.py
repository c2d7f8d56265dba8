"""Spanish: `cincuenta y cinco dieciocho`, `doble cero`, `efe de francia`, `mil novecientos`."""

from __future__ import annotations

from detectors.spoken.letters import NATO, SINGLE
from detectors.spoken.lexicon import Role, Spec, build

_DIGITS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")
_TEENS = ("diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho",
          "diecinueve")  # fmt: skip
_TENS = ("veinte", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa")
#: `veintidós` is one word made of two atoms (20, 2): the number grammar reads it as `veinte y dos`.
_TWENTIES = ("veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis",
             "veintisiete", "veintiocho", "veintinueve")  # fmt: skip
_HUNDREDS = ("doscientos", "trescientos", "cuatrocientos", "quinientos", "seiscientos", "setecientos",
             "ochocientos", "novecientos")  # fmt: skip
_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre")  # fmt: skip
_PLURALS = ("ceros", "unos", "doses", "treses", "cuatros", "cincos", "seises", "sietes", "ochos", "nueves")

SPEC = Spec(
    code="es",
    digits={**{w: i for i, w in enumerate(_DIGITS)}, "un": 1, "una": 1},
    teens={**{w: 10 + i for i, w in enumerate(_TEENS)}, "dieciseis": 16},
    tens={w: 20 + 10 * i for i, w in enumerate(_TENS)},
    composites={**{w: 21 + i for i, w in enumerate(_TWENTIES)}, "veintiún": 21, "veintiuna": 21},
    hundreds={
        "cien": 100,
        "ciento": 100,
        **{w: 200 + 100 * i for i, w in enumerate(_HUNDREDS)},
        **{w[:-2] + "as": 200 + 100 * i for i, w in enumerate(_HUNDREDS)},
    },
    thousand=("mil",),
    million=("millón", "millones"),
    weak_numbers=("un", "una"),
    ordinals={"primero": 1, "primer": 1},
    months={**{w: i + 1 for i, w in enumerate(_MONTHS)}, "setiembre": 9},
    repeats={"doble": 2, "triple": 3},
    plurals={w: i for i, w in enumerate(_PLURALS)},
    letters={
        **SINGLE,
        **NATO,
        "be": "b",
        "ce": "c",
        "de": "d",
        "efe": "f",
        "ge": "g",
        "hache": "h",
        "jota": "j",
        "ka": "k",
        "ele": "l",
        "eme": "m",
        "ene": "n",
        "pe": "p",
        "cu": "q",
        "erre": "r",
        "ere": "r",
        "ese": "s",
        "te": "t",
        "uve": "v",
        "ve": "v",
        "equis": "x",
        "ye": "y",
        "zeta": "z",
        "i griega": "y",
        "i latina": "i",
        "uve doble": "w",
        "doble uve": "w",
        "doble ve": "w",
        "be larga": "b",
        "be grande": "b",
        "ve corta": "v",
        "ve chica": "v",
        "ve pequeña": "v",
    },
    weak_letters=("a", "e", "o", "u", "y", "de", "te", "ese", "ve", "ye", *NATO),
    roles={
        Role.AND: ("y",),
        Role.FILLER: ("eh", "em", "ehm", "mm", "hm"),
        Role.CORRECTION: ("no", "perdón", "perdona", "digo", "o sea", "quiero decir", "espera", "pará"),
        Role.SPELL: ("de", "como", "por"),
        Role.DOT: ("punto",),
        Role.AT: ("arroba",),
        Role.DASH: ("guion", "guión", "guion medio", "menos", "raya"),
        Role.UNDERSCORE: ("guion bajo", "guión bajo", "barra baja", "subrayado", "underscore"),
        Role.PLUS: ("más", "mas"),
        Role.OF: ("de", "del"),
        Role.ARTICLE: ("el",),
    },
)

LEXICON = build(SPEC)
