"""Word lists the tagger gets as per-token features (`TaggerConfig.lexicon`), built from Faker.

Each list is a set of lower-cased tokens (the shared tokenizer's, two characters or more).
A token's feature vector says which lists hold it: a name list, a place list, a street or
company word, a title, a month or weekday, an everyday word. The character LSTM alone knows
only the words its corpus shows; the lists tell it, for instance, that `grown` is an
everyday word and `Estonia` a country, whatever the sentence around them.

Names and cities are *sampled*: a stable hash keeps about 70 % of them. The training corpus
draws its names from the same Faker lists, so with every name listed the tagger would learn
"listed means name" and miss the names no list holds; with some left out, it learns to use
the list as one clue among the characters and the context.

Built from Faker's provider data only (the locales of the training corpus), never from
evaluation data.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Iterable
from functools import cache
from typing import Final

from faker import Faker

from detectors.ner._tokens import tokenize
from training.ner.corpus import _INDUSTRIES, _ORG_FORMS, FOREIGN, LANGS, LOCALES, common_words
from training.ner.gazetteers import TRANSLIT_LOCALES, translit

#: Share of names and cities kept (by a stable hash of the token), in tenths.
KEEP_TENTHS: Final = 7

#: list name -> Faker provider attributes it is built from.
SOURCES: Final = {
    "first": ("first_names", "first_names_female", "first_names_male", "first_names_nonbinary",
              "first_names_unisex", "middle_names"),
    "last": ("last_names", "last_names_female", "last_names_male", "last_names_nonbinary",
             "last_names_unisex", "male_last_names", "unisex_last_names"),
    "city": ("cities", "real_city_names"),
    "region": ("countries", "states", "provinces", "regions", "counties", "departments", "distritos",
               "concelhos"),
    "street": ("street_suffixes", "street_suffixes_long", "street_suffixes_short", "street_prefixes",
               "street_prefixes_long", "street_prefixes_short", "street_prefixes_feminine",
               "street_prefixes_masculine"),
    "company": ("company_suffixes", "company_prefixes"),
    "title": ("prefixes", "prefixes_female", "prefixes_male", "prefixes_nonbinary", "suffixes",
              "suffixes_female", "suffixes_male", "academic_prefixes", "academic_suffixes"),
    "calendar": ("DAY_NAMES", "MONTH_NAMES"),
    "job": ("jobs", "jobs_female", "jobs_male", "language_names"),
}  # fmt: skip
#: Words of address lines that Faker's lists do not hold (secondary units, PO boxes, US military mail).
_UNIT_WORDS: Final = "suite apt apartment unit box floor flat room bldg building po fpo apo dpo psc"
SAMPLED: Final = frozenset({"first", "last", "city", "org"})


def _items(value: object) -> Iterable[str]:
    if isinstance(value, dict):
        value = list(value.keys()) + [v for v in value.values() if isinstance(v, str)]
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            if isinstance(item, str):
                yield item
            elif isinstance(item, (list, tuple)):
                yield from (x for x in item if isinstance(x, str))


def _tokens(entries: Iterable[str]) -> set[str]:
    out = set()
    for entry in entries:
        for a, b in tokenize(entry):
            token = entry[a:b].lower()
            if len(token) >= 2 and not any(c.isdigit() for c in token):
                out.add(token)
    return out


def _kept(token: str) -> bool:
    return zlib.crc32(token.encode("utf-8")) % 10 < KEEP_TENTHS


def _real_lists(common: set[str]) -> dict[str, set[str]]:
    """Tokens of real cities, regions and company names (`gazetteers.py`), everyday words left out."""
    from training.ner import gazetteers

    out = {
        "city": _tokens(gazetteers.all_cities()),
        "region": _tokens(gazetteers.regions()),
        "org": _tokens(gazetteers.short_company(n) for n in gazetteers.companies()),
    }
    return {name: {t for t in tokens if len(t) >= 3 and t not in common} for name, tokens in out.items()}


@cache
def name_tokens() -> frozenset[str]:
    """Every token of the name, place and company lists, unsampled (to keep them out of everyday words)."""
    lists = _raw_lists()
    out = set().union(*(lists[name] for name in ("first", "last", "city", "region")))
    for tokens in _real_lists(set()).values():
        out |= tokens
    bare = (unicodedata.normalize("NFKD", t) for t in out)  # `montreal` as well as `montréal`
    out |= {"".join(c for c in t if not unicodedata.combining(c)) for t in bare}
    return frozenset(out)


@cache
def cue_tokens() -> frozenset[str]:
    """The street, company, title and job words (parts of addresses, organizations and names)."""
    lists = _raw_lists()
    out = set().union(*(lists[name] for name in ("street", "company", "title", "job")))
    out |= _tokens(f for forms in _ORG_FORMS.values() for f in forms)
    out |= _tokens(w for words in _INDUSTRIES.values() for w in words)
    out |= set(_UNIT_WORDS.split())
    return frozenset(out)


@cache
def _raw_lists() -> dict[str, set[str]]:
    locales = sorted({loc for locs in LOCALES.values() for loc in locs} | set(FOREIGN))
    raw: dict[str, set[str]] = {name: set() for name in SOURCES}
    for locale in locales:
        fake = Faker(locale)
        for provider in fake.providers:
            for name, attrs in SOURCES.items():
                for attr in attrs:
                    items = _items(getattr(provider, attr, None))
                    raw[name].update(map(translit, items) if locale in TRANSLIT_LOCALES else items)
    return {name: _tokens(entries) for name, entries in raw.items()}


def build_lexicon(real: bool = False) -> dict[str, list[str]]:
    """The lists, sorted: deterministic (no randomness, only static data).

    `real`: also real places and company names (`gazetteers.py`; a list `org` of their words).
    """
    lists = {name: set(tokens) for name, tokens in _raw_lists().items()}  # a copy: the cache stays as it is
    lists["company"] |= _tokens(f for forms in _ORG_FORMS.values() for f in forms)
    lists["company"] |= _tokens(w for words in _INDUSTRIES.values() for w in words)
    lists["common"] = _tokens(w for lang in LANGS for w in common_words(lang))
    if real:
        for name, tokens in _real_lists(lists["common"]).items():
            lists[name] = lists.get(name, set()) | tokens
    for name in SAMPLED & lists.keys():
        lists[name] = {t for t in lists[name] if _kept(t)}
    return {name: sorted(tokens) for name, tokens in sorted(lists.items())}
