"""Portuguese, European and Brazilian: `meia` (six), `dois setes`, `cento e vinte`, `pê tê`."""

from __future__ import annotations

from detectors.spoken.letters import NATO, SINGLE
from detectors.spoken.lexicon import Role, Spec, build

_DIGITS = ("zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove")
_TEENS = ("dez", "onze", "doze", "treze", "catorze", "quinze", "dezasseis", "dezassete", "dezoito",
          "dezanove")  # fmt: skip
_TENS = ("vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta", "noventa")
_HUNDREDS = ("duzentos", "trezentos", "quatrocentos", "quinhentos", "seiscentos", "setecentos",
             "oitocentos", "novecentos")  # fmt: skip
_MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
           "outubro", "novembro", "dezembro")  # fmt: skip
_PLURALS = ("zeros", "uns", "doises", "treses", "quatros", "cincos", "seises", "setes", "oitos", "noves")

SPEC = Spec(
    code="pt",
    # `meia` (`meia dúzia`): six, in Brazilian phone numbers
    digits={**{w: i for i, w in enumerate(_DIGITS)}, "uma": 1, "duas": 2, "meia": 6},
    teens={
        **{w: 10 + i for i, w in enumerate(_TEENS)},
        "quatorze": 14,
        "dezesseis": 16,
        "dezessete": 17,
        "dezenove": 19,
    },
    tens={**{w: 20 + 10 * i for i, w in enumerate(_TENS)}, "cinqüenta": 50},
    hundreds={
        "cem": 100,
        "cento": 100,
        **{w: 200 + 100 * i for i, w in enumerate(_HUNDREDS)},
        **{w[:-2] + "as": 200 + 100 * i for i, w in enumerate(_HUNDREDS)},
    },
    thousand=("mil",),
    million=("milhão", "milhões"),
    weak_numbers=("um", "uma", "meia"),
    ordinals={"primeiro": 1, "primeira": 1},
    months=({w: i + 1 for i, w in enumerate(_MONTHS)}),
    repeats={"duplo": 2, "triplo": 3},
    plurals={w: i for i, w in enumerate(_PLURALS)},
    letters={
        **SINGLE,
        **NATO,
        "á": "a",
        "bê": "b",
        "cê": "c",
        "dê": "d",
        "é": "e",
        "efe": "f",
        "gê": "g",
        "agá": "h",
        "jota": "j",
        "cá": "k",
        "capa": "k",
        "kapa": "k",
        "ele": "l",
        "eme": "m",
        "ene": "n",
        "ó": "o",
        "pê": "p",
        "quê": "q",
        "erre": "r",
        "esse": "s",
        "tê": "t",
        "vê": "v",
        "dáblio": "w",
        "dábliu": "w",
        "xis": "x",
        "ípsilon": "y",
        "i grego": "y",
        "zê": "z",
    },
    weak_letters=("a", "á", "e", "é", "o", "ó", "de", "dê", "quê", "ele", "esse", "cê", "vê", *NATO),
    roles={
        Role.AND: ("e",),
        Role.FILLER: ("eh", "éh", "ãh", "hum", "hmm", "né", "ééé", "ahn"),
        Role.CORRECTION: (
            "não",
            "desculpe",
            "desculpa",
            "perdão",
            "digo",
            "quer dizer",
            "aliás",
            "espera",
            "espere",
        ),
        Role.SPELL: ("de", "como"),
        Role.DOT: ("ponto",),
        Role.AT: ("arroba",),
        Role.DASH: ("traço", "hífen", "menos", "tracinho"),
        Role.UNDERSCORE: ("underline", "underscore", "traço baixo", "traço em baixo", "sublinhado"),
        Role.PLUS: ("mais",),
        Role.OF: ("de", "do", "da"),
        Role.ARTICLE: ("o", "dia"),
    },
)

LEXICON = build(SPEC)
