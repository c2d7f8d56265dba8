"""Letters as people say them: single letters, letter names, spelling alphabets.

`r e y e s`, `b de barcelona`, `a wie anton`, `x comme xavier`, `d as in david`,
`alpha bravo`: each language lists its letter names (`efe`, `hache`, `zett`); the
NATO alphabet and the `<letter> <as in> <word>` rule are shared. A letter spelled
with a word is only taken when the word starts with that letter.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from detectors.spoken.lexicon import fold

#: Every letter by itself (`p a four three ...`).
SINGLE: Mapping[str, str] = {c: c for c in string.ascii_lowercase}

#: The NATO/ICAO spelling alphabet, as callers say it in every language. All of these are
#: also ordinary words (`hotel`, `golf`, `lima`): `weak` letters, only taken among other letters or digits.
NATO: Mapping[str, str] = {
    "alfa": "a", "alpha": "a", "bravo": "b", "charlie": "c", "delta": "d", "echo": "e", "eco": "e",
    "foxtrot": "f", "golf": "g", "hotel": "h", "india": "i", "juliet": "j", "juliett": "j",
    "kilo": "k", "lima": "l", "mike": "m", "november": "n", "oscar": "o", "papa": "p",
    "quebec": "q", "romeo": "r", "sierra": "s", "tango": "t", "uniform": "u", "victor": "v",
    "whiskey": "w", "whisky": "w", "xray": "x", "yankee": "y", "zulu": "z",
}  # fmt: skip


def spells(letter: str, word: str) -> bool:
    """True when `word` can spell `letter` (`barcelona` for b, `ypsilon` for y, `xícara` for x)."""
    folded = fold(word)
    return bool(folded) and folded[0] == letter and folded.isalpha() and len(folded) > 1
