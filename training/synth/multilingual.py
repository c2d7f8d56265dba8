"""A seeded multilingual evaluation set: CRM notes, tickets, chats and emails in en, es, fr, de, pt.

    python -m training.synth --seed 7 --per-lang 300 --out data/eval/multilingual_v1.json

Records are in presidio-research format with a `lang` key and `metadata`:
`kind`, `locale`, `id_context` (whether a national ID is written with its context
word) and `negatives` (`[slot, start, end]` of each hard negative).

Every identifier is checked by its validator (python-stdnum, Luhn, libphonenumber,
`ipaddress`) before it is written. Hard negatives (order, invoice, ticket and
tracking numbers, SKUs, prices, percentages, versions, timestamps, times, delivery
and meeting dates) are in the text and never labelled. The same seed and Faker
version give the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import regex
from faker import Faker

from detectors import entities
from training.synth import _identifiers as ids
from training.synth._templates import ID_PHRASES, LANG_IDS, LOCALES, MONTHS, TEMPLATES

LANGS: Final = ("en", "es", "fr", "de", "pt")
#: Share of national IDs written without their context word.
BARE_ID_SHARE: Final = 0.15
_SLOT = regex.compile(r"\{([A-Z]+)\}")
_TODAY: Final = dt.date(2026, 1, 1)  # fixed, so that the output does not depend on the run date

LABELLED: Final[Mapping[str, str]] = {
    "PERSON": entities.PERSON,
    "FIRST": entities.PERSON,
    "CITY": entities.LOCATION,
    "ADDRESS": entities.STREET_ADDRESS,
    "ORG": entities.ORGANIZATION,
    "EMAIL": entities.EMAIL_ADDRESS,
    "PHONE": entities.PHONE_NUMBER,
    "CARD": entities.CREDIT_CARD,
    "IBAN": entities.IBAN_CODE,
    "IP": entities.IP_ADDRESS,
    "DOB": entities.DATE_OF_BIRTH,
}
NEGATIVES: Final = frozenset(
    {
        "ORDER",
        "SKU",
        "TRACKING",
        "INVOICE",
        "TIMESTAMP",
        "TIME",
        "PRICE",
        "VERSION",
        "TICKET",
        "PERCENT",
        "DATE",
    }
)


@dataclass(slots=True)
class _Context:
    lang: str
    rng: random.Random
    fake: Faker
    locale: str
    cache: dict[str, str] = field(default_factory=dict)
    id_context: bool | None = None
    #: "f" or "m" when the template's words agree with one (`née le`, `nascido em`).
    gender: str | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    """Text for one slot: `value` is the labelled part, `before`/`after` unlabelled words around it."""

    value: str
    entity: str | None = None
    before: str = ""
    after: str = ""


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _one_line(text: str) -> str:
    return ", ".join(part.strip() for part in text.splitlines() if part.strip()).strip()


# --- labelled values ---------------------------------------------------------------------------


def _person(c: _Context) -> str:
    if "PERSON" not in c.cache:
        first = {"f": c.fake.first_name_female, "m": c.fake.first_name_male}.get(
            c.gender or "", c.fake.first_name
        )
        c.cache["FIRST"] = first()
        c.cache["PERSON"] = f"{c.cache['FIRST']} {c.fake.last_name()}"
    return c.cache["PERSON"]


def _first(c: _Context) -> str:
    _person(c)
    return c.cache["FIRST"]


def _email(c: _Context) -> str:
    first, last = _person(c).split(" ", 1)
    user = regex.sub(r"[^a-z0-9]+", _sep(c.rng), f"{_ascii(first)} {_ascii(last)}").strip("._")
    if c.rng.random() < 0.3:
        user += str(c.rng.randint(1, 99))
    domain = c.fake.free_email_domain() if c.rng.random() < 0.6 else c.fake.domain_name()
    return f"{user}@{domain}"


def _sep(rng: random.Random) -> str:
    return rng.choice((".", "_", ".", ""))


def _phone(c: _Context) -> str:
    region = "GB" if c.locale == "en_GB" else "BR" if c.locale == "pt_BR" else ids.PHONE_REGIONS[c.lang][0]
    return ids.phone(c.rng, region)


def _iban(c: _Context) -> str:
    return ids.iban_code(c.rng, c.rng.choice(ids.IBAN_COUNTRIES[c.lang]))


def _dob(c: _Context) -> str:
    born = _TODAY - dt.timedelta(days=c.rng.randint(18 * 365, 90 * 365))
    return _date_text(c, born, birth=True)


def _date_text(c: _Context, day: dt.date, birth: bool) -> str:
    month = MONTHS[c.lang][day.month - 1]
    us = c.locale == "en_US"
    numeric = {
        "en": f"{day.month:02d}/{day.day:02d}/{day.year}"
        if us
        else f"{day.day:02d}/{day.month:02d}/{day.year}",
        "de": f"{day.day:02d}.{day.month:02d}.{day.year}",
    }.get(c.lang, f"{day.day:02d}/{day.month:02d}/{day.year}")
    words = {
        "en": f"{month} {day.day}, {day.year}" if us else f"{day.day} {month} {day.year}",
        "es": f"{day.day} de {month} de {day.year}",
        "fr": f"{day.day} {month} {day.year}",
        "de": f"{day.day}. {month} {day.year}",
        "pt": f"{day.day} de {month} de {day.year}",
    }[c.lang]
    style = c.rng.random()
    if style < 0.5:
        return numeric
    if style < 0.85 or not birth:
        return words
    return day.isoformat()


def _address(c: _Context) -> str:
    return _one_line(c.fake.street_address())


def _national_id(c: _Context) -> Piece:
    kinds, weights = zip(*LANG_IDS[c.lang], strict=True)
    kind = c.rng.choices(kinds, weights)[0]
    value = ids.NATIONAL_IDS[kind](c.rng)
    if not ids.CHECKS[kind](value):  # pragma: no cover - a generator bug
        raise AssertionError(f"generated {kind} does not validate")
    with_context = c.rng.random() >= BARE_ID_SHARE
    c.id_context = with_context
    if not with_context:
        return Piece(value, kind)
    before, after = c.rng.choice(ID_PHRASES[kind]).split("{v}")
    return Piece(value, kind, before, after)


def _checked(kind: str, make: Callable[[_Context], str]) -> Callable[[_Context], str]:
    def generate(c: _Context) -> str:
        value = make(c)
        if kind in ids.CHECKS and not ids.CHECKS[kind](value):  # pragma: no cover - a generator bug
            raise AssertionError(f"generated {kind} does not validate")
        return value

    return generate


_VALUES: Final[Mapping[str, Callable[[_Context], str]]] = {
    "PERSON": _person,
    "FIRST": _first,
    "CITY": lambda c: c.fake.city(),
    "ADDRESS": _address,
    "ORG": lambda c: c.fake.company(),
    "EMAIL": _email,
    "PHONE": _phone,
    "CARD": _checked(entities.CREDIT_CARD, lambda c: ids.card(c.rng)),
    "IBAN": _checked(entities.IBAN_CODE, _iban),
    "IP": _checked(entities.IP_ADDRESS, lambda c: ids.ip_address(c.rng)),
    "DOB": _dob,
}


# --- hard negatives --------------------------------------------------------------------------


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))


def _money(c: _Context) -> str:
    amount = c.rng.choice((c.rng.randint(5, 99), c.rng.randint(100, 9999)))
    cents = c.rng.randint(0, 99)
    if c.lang == "en":
        symbol = "£" if c.locale == "en_GB" else "$"
        return f"{symbol}{amount:,}.{cents:02d}"
    if c.locale == "pt_BR":
        return f"R$ {amount:,}".replace(",", ".") + f",{cents:02d}"
    sep = "\u202f" if c.lang == "fr" else "."
    return f"{amount:,}".replace(",", sep) + f",{cents:02d} €"


def _timestamp(c: _Context) -> str:
    moment = dt.datetime(2025, 1, 1) + dt.timedelta(minutes=c.rng.randint(0, 600_000))
    style = c.rng.random()
    if style < 0.4:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if style < 0.6:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    day = moment.strftime("%m/%d/%Y" if c.locale == "en_US" else "%d.%m.%Y" if c.lang == "de" else "%d/%m/%Y")
    return f"{day} {moment:%H:%M}"


def _time(c: _Context) -> str:
    h, m = c.rng.randint(7, 19), c.rng.choice((0, 15, 30, 45, c.rng.randint(0, 59)))
    if c.lang == "fr" and c.rng.random() < 0.5:
        return f"{h}h{m:02d}"
    if c.lang == "de" and c.rng.random() < 0.5:
        return f"{h}:{m:02d} Uhr"
    if c.lang == "en" and c.locale == "en_US":
        return f"{(h - 1) % 12 + 1}:{m:02d} {'am' if h < 12 else 'pm'}"
    return f"{h:02d}:{m:02d}"


_NEGATIVE_VALUES: Final[Mapping[str, Callable[[_Context], str]]] = {
    "ORDER": lambda c: c.rng.choice(
        (
            f"#{_d(c.rng, 7)}",
            f"{_d(c.rng, 3)}-{_d(c.rng, 7)}-{_d(c.rng, 7)}",
            f"SO-{c.rng.randint(2023, 2026)}-{_d(c.rng, 6)}",
            _d(c.rng, 9),
            _d(c.rng, 11),
        )
    ),
    "SKU": lambda c: c.rng.choice(
        (f"{_letters(c.rng, 3)}-{_d(c.rng, 5)}-{_letters(c.rng, 2)}", f"ART-{_d(c.rng, 6)}", _d(c.rng, 8))
    ),
    "TRACKING": lambda c: c.rng.choice(
        (
            f"1Z{_letters(c.rng, 3)}{_d(c.rng, 3)}{_d(c.rng, 10)}",
            f"{_letters(c.rng, 2)}{_d(c.rng, 9)}{c.rng.choice(('ES', 'FR', 'DE', 'PT', 'BR', 'GB'))}",
            "00" + _d(c.rng, 18),
            _d(c.rng, 12),
        )
    ),
    "INVOICE": lambda c: c.rng.choice(
        (
            f"INV-{c.rng.randint(2023, 2026)}-{_d(c.rng, 5)}",
            f"F{c.rng.randint(2023, 2026)}/{_d(c.rng, 4)}",
            f"RE-{_d(c.rng, 6)}",
            f"FT {c.rng.randint(2023, 2026)}/{_d(c.rng, 4)}",
        )
    ),
    "TIMESTAMP": _timestamp,
    "TIME": _time,
    "PRICE": _money,
    "VERSION": lambda c: c.rng.choice(
        (
            f"{c.rng.randint(1, 20)}.{c.rng.randint(0, 40)}.{c.rng.randint(0, 30)}",
            f"{c.rng.randint(1, 9)}.{c.rng.randint(0, 9)}.{c.rng.randint(0, 9)}-beta.{c.rng.randint(1, 9)}",
            f"{c.rng.randint(2023, 2026)}.{c.rng.randint(1, 12)}.{c.rng.randint(1, 2000)}",
        )
    ),
    "TICKET": lambda c: c.rng.choice(
        (f"#{_d(c.rng, 5)}", f"INC{_d(c.rng, 7)}", f"TCK-{c.rng.randint(2023, 2026)}-{_d(c.rng, 5)}")
    ),
    "PERCENT": lambda c: c.rng.choice(
        (
            f"{c.rng.randint(1, 60)}%",
            f"{c.rng.randint(1, 60)} %",
            f"{c.rng.randint(1, 30)},{c.rng.randint(1, 9)}%"
            if c.lang != "en"
            else f"{c.rng.randint(1, 30)}.{c.rng.randint(1, 9)}%",
        )
    ),
    "DATE": lambda c: _date_text(
        c, dt.date(2025, 1, 1) + dt.timedelta(days=c.rng.randint(0, 900)), birth=False
    ),
}


# --- records ---------------------------------------------------------------------------------


def _piece(slot: str, c: _Context) -> Piece:
    if slot == "ID":
        return _national_id(c)
    if slot in LABELLED:
        return Piece(_VALUES[slot](c), LABELLED[slot])
    if slot in NEGATIVES:
        return Piece(_NEGATIVE_VALUES[slot](c))
    raise KeyError(f"unknown template slot {slot}")


def render(template: str, c: _Context) -> tuple[str, list[dict[str, Any]], list[list[Any]]]:
    """Fill a template: the text, its labelled spans (presidio format) and its hard negatives.

    A hard negative is `[slot, start, end]` (`["ORDER", 31, 40]`): in the text, never labelled.
    """
    out: list[str] = []
    spans: list[dict[str, Any]] = []
    negatives: list[list[Any]] = []
    pos = 0
    length = 0
    for match in _SLOT.finditer(template):
        literal = template[pos : match.start()]
        piece = _piece(match.group(1), c)
        out.append(literal + piece.before)
        length += len(literal) + len(piece.before)
        if piece.entity is not None:
            spans.append({"entity_type": piece.entity, "entity_value": piece.value,
                          "start_position": length, "end_position": length + len(piece.value)})  # fmt: skip
        elif match.group(1) in NEGATIVES:
            negatives.append([match.group(1), length, length + len(piece.value)])
        out.append(piece.value + piece.after)
        length += len(piece.value) + len(piece.after)
        pos = match.end()
    out.append(template[pos:])
    return "".join(out), spans, negatives


def generate(seed: int = 7, per_lang: int = 300, langs: Sequence[str] = LANGS) -> list[dict[str, Any]]:
    """`per_lang` records for each language, templates cycled in a seeded order."""
    records: list[dict[str, Any]] = []
    for li, lang in enumerate(langs):
        rng = random.Random(f"{seed}:{lang}")
        fakers = {}
        for loc_i, locale in enumerate(LOCALES[lang]):
            fakers[locale] = Faker(locale)
            fakers[locale].seed_instance(seed * 1000 + li * 10 + loc_i)
        templates = TEMPLATES[lang]
        order = _cycle(rng, len(templates))
        for i in range(per_lang):
            locale = LOCALES[lang][i % len(LOCALES[lang])]
            template_id = next(order)
            kind, template = templates[template_id]
            c = _Context(lang, rng, fakers[locale], locale, gender=_gender(template))
            text, spans, negatives = render(template, c)
            meta: dict[str, Any] = {"kind": kind, "locale": locale}
            if c.id_context is not None:
                meta["id_context"] = c.id_context
            meta["negatives"] = negatives
            records.append(
                {"full_text": text, "spans": spans, "lang": lang, "template_id": f"{lang}-{template_id}",
                 "metadata": meta}
            )  # fmt: skip
    return records


_FEMININE = regex.compile(r"(?<!\w)(?:nacida|née|nascida)(?!\w)")
_MASCULINE = regex.compile(r"(?<!\w)(?:nacido|né|nascido)(?!\w)")


def _gender(template: str) -> str | None:
    """The grammatical gender the template's words give the person, if any."""
    if _FEMININE.search(template):
        return "f"
    return "m" if _MASCULINE.search(template) else None


def _cycle(rng: random.Random, n: int) -> Iterator[int]:
    while True:
        order = list(range(n))
        rng.shuffle(order)
        yield from order


def dumps(records: Sequence[Mapping[str, Any]]) -> str:
    """One record per line: diff-friendly and compact."""
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.synth", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-lang", type=int, default=300)
    parser.add_argument("--lang", action="append", choices=LANGS, help="Only these languages (repeatable).")
    parser.add_argument("--out", type=Path, help="Output file (default: stdout).")
    args = parser.parse_args(argv)
    text = dumps(generate(args.seed, args.per_lang, args.lang or LANGS))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
