"""Dates of birth: the formats of the 5 languages, only near a birth word, only real dates."""

from __future__ import annotations

import datetime as dt

import pytest
from _ids import find

from detectors import Document, default_pipeline
from detectors.patterns import dates

# (lang, birth phrase, date as written)
DOBS = [
    ("en", "born", "15/03/1985"),
    ("en", "DOB:", "1985-03-15"),
    ("en", "Date of birth:", "March 15, 1985"),
    ("en", "born on", "Mar. 15, 1985"),
    ("en", "birthday", "1st May 1990"),
    ("en", "d.o.b.", "03/15/1985"),  # month first
    ("en", "born", "15-03-85"),  # two-digit year
    ("es", "fecha de nacimiento:", "15 de marzo de 1985"),
    ("es", "nacido el", "15/03/1985"),
    ("es", "nació el", "1 de enero de 2000"),
    ("fr", "né le", "3 mars 1979"),
    ("fr", "née le", "1er avril 1980"),
    ("fr", "date de naissance", "03/04/1979"),
    ("de", "geboren am", "15. März 1985"),
    ("de", "Geburtsdatum:", "15.03.1985"),
    ("de", "geb.", "1. Januar 1970"),
    ("pt", "data de nascimento", "12 de maio de 1990"),
    ("pt", "nascido em", "12/05/1990"),
    ("pt", "nascida em", "7 de setembro de 1962"),
    # field labels and abbreviations of forms and notes
    ("es", "Fecha nac.:", "17.06.1993"),
    ("es", "fecha_nacimiento:", "1979-04-30"),
    ("es", "Nac.:", "02/07/1990"),
    ("de", "GebDat", "1968-11-30"),
    ("pt", "data_nascimento:", "1979-03-27"),
    ("pt", "Data Nasc.:", "7/9/01"),
    ("pt", "nasc.", "09/10/1979"),
    # a month as an abbreviation between hyphens, in Roman numerals, or after `of`
    ("pt", "Data de nascimento:", "02-Out-1975"),
    ("es", "nacido el", "12-IV-1985"),
    ("en", "born on the", "3rd of May 1970"),
]


@pytest.mark.parametrize(("lang", "phrase", "date"), DOBS)
def test_date_of_birth_found_after_a_birth_word(lang: str, phrase: str, date: str) -> None:
    text = f"Client {phrase} {date}."
    hits = find(dates.DOB, text, lang)
    start = text.index(date)
    assert hits == [(date, start, start + len(date), dates.DOB.score)]
    spans = default_pipeline().detect(Document(text, lang))
    assert [(s.start, s.end, s.entity) for s in spans] == [(start, start + len(date), "DATE_OF_BIRTH")]


@pytest.mark.parametrize(("lang", "phrase", "date"), DOBS)
def test_same_date_without_a_birth_word_is_not_a_date_of_birth(lang: str, phrase: str, date: str) -> None:
    text = f"Meeting on {date} at the office."
    assert find(dates.DOB, text, lang) == []


@pytest.mark.parametrize(
    "date",
    [
        "31/02/1985",  # no 31 February
        "15/13/1985",  # no month 13 either way round
        "32.01.1990",
        "30 de febrero de 1990",
        "31 avril 1980",
        "29.02.1985",  # 1985 is not a leap year
        "15/03/1850",  # nobody alive was born then
        f"01/01/{dt.date.today().year + 1}",  # the future
        "March 0, 1985",
    ],
)
def test_impossible_date_rejected_even_after_a_birth_word(date: str) -> None:
    assert find(dates.DOB, f"born {date}") == []


def test_leap_day_is_a_date() -> None:
    assert [h[0] for h in find(dates.DOB, "born 29.02.1984")] == ["29.02.1984"]


def test_birth_word_must_come_before_the_date_and_close_to_it() -> None:
    far = "born. " + "Nothing else matters here, we talked for long. " * 2 + "15/03/1985"
    assert find(dates.DOB, far) == []
    assert find(dates.DOB, "15/03/1985 is when she was born") == []


@pytest.mark.parametrize(
    "text",
    [
        "born 15/03/1985/2",  # part of a longer path-like token
        "born 115/03/1985",
        "born 15/03/19851",
        "born v15.03.1985",
    ],
)
def test_date_glued_to_other_characters_is_not_taken(text: str) -> None:
    assert find(dates.DOB, text) == []


def test_every_month_name_of_every_language_parses() -> None:
    for name, number in dates.MONTHS.items():
        hits = find(dates.DOB, f"born 12 {name} 1980")
        assert [h[0] for h in hits] == [f"12 {name} 1980"], name
        assert dt.date(1980, number, 12)


def test_several_birth_dates_in_one_text() -> None:
    text = "Mother born 1960-01-02, father born 02.03.1958, kid born 4 June 2010."
    assert [h[0] for h in find(dates.DOB, text)] == ["1960-01-02", "02.03.1958", "4 June 2010"]


def test_a_birth_word_counts_for_the_first_date_after_it_only() -> None:
    text = "Geb.-Datum: 05.03.1962\nReisedatum: 02.08.2025 – 16.08.2025"
    assert [h[0] for h in find(dates.DOB, text, "de")] == ["05.03.1962"]
