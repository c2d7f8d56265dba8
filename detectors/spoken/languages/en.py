"""English: `oh seven seven double oh nine`, `twenty third of october eighty nine`."""

from __future__ import annotations

from detectors.spoken.letters import NATO, SINGLE
from detectors.spoken.lexicon import Role, Spec, build

_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen")  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
             "eighteenth", "nineteenth", "twentieth")  # fmt: skip
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")  # fmt: skip

SPEC = Spec(
    code="en",
    digits={**{w: i for i, w in enumerate(_DIGITS)}, "oh": 0, "o": 0, "nought": 0, "nil": 0},
    teens={w: 10 + i for i, w in enumerate(_TEENS)},
    tens={w: 20 + 10 * i for i, w in enumerate(_TENS)},
    hundred=("hundred",),
    thousand=("thousand",),
    million=("million",),
    weak_numbers=("oh", "o", "nil"),
    ordinals={**{w: i + 1 for i, w in enumerate(_ORDINALS)}, "thirtieth": 30},
    months={
        **{w: i + 1 for i, w in enumerate(_MONTHS)},
        **{"jan": 1, "feb": 2, "apr": 4, "aug": 8, "sept": 9, "sep": 9, "oct": 10, "nov": 11, "dec": 12},
    },
    repeats={"double": 2, "triple": 3, "treble": 3},
    plurals={
        "zeros": 0,
        "zeroes": 0,
        "ohs": 0,
        "ones": 1,
        "twos": 2,
        "threes": 3,
        "fours": 4,
        "fives": 5,
        "sixes": 6,
        "sevens": 7,
        "eights": 8,
        "nines": 9,
    },
    letters={**SINGLE, **NATO, "zed": "z", "zee": "z", "aitch": "h", "double u": "w", "double you": "w"},
    weak_letters=("a", "i", "o", "u", *NATO),
    roles={
        Role.AND: ("and",),
        Role.FILLER: ("um", "umm", "uh", "uhm", "er", "erm", "ah", "eh", "hmm", "mm"),
        Role.CORRECTION: ("no", "sorry", "actually", "wait", "not", "nope", "i mean", "hang on"),
        Role.SPELL: ("as in", "as", "for", "like"),
        Role.DOT: ("dot", "period"),
        Role.AT: ("at", "at sign", "at symbol"),
        Role.DASH: ("dash", "hyphen", "minus"),
        Role.UNDERSCORE: ("underscore", "under score"),
        Role.PLUS: ("plus",),
        Role.OF: ("of",),
        Role.ARTICLE: ("the",),
    },
)

LEXICON = build(SPEC)
