"""The language guesser of CDC text (`detectors.language`) and language-column values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detectors.language import guess_lang, lang_code

DATA = Path(__file__).resolve().parents[2] / "data" / "eval" / "multilingual_v1.json"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Please call me back tomorrow about the refund of my order", "en"),
        ("The customer cannot log in since the last update", "en"),
        ("Llámame mañana por la tarde, por favor", "es"),
        ("El cliente no puede acceder a su cuenta desde ayer", "es"),
        ("Merci de me rappeler demain matin pour la facture", "fr"),
        ("Le client ne peut pas se connecter depuis la mise à jour", "fr"),
        ("Bitte rufen Sie mich morgen wegen der Rechnung an", "de"),
        ("Der Kunde kann sich seit dem Update nicht anmelden", "de"),
        ("Por favor me ligue amanhã de manhã, obrigado", "pt"),
        ("O cliente não consegue entrar na conta desde ontem", "pt"),
        ("¿Dónde está mi pedido?", "es"),
        ("Straße und Hausnummer fehlen, bitte ergänzen", "de"),
    ],
)
def test_guesses_the_language_of_a_sentence(text: str, lang: str) -> None:
    assert guess_lang(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Jane Roe",
        "active",
        "+1 415 555 0134",
        "jane.roe@example.org",
        "2025-10-09T08:00:00Z",
        "ok ok ok",
        "Paris Berlin Madrid Lisboa",
    ],
)
def test_short_or_unclear_text_gets_no_guess(text: str) -> None:
    assert guess_lang(text) is None


def test_the_multilingual_set_is_guessed_right_or_left_to_the_default() -> None:
    texts = json.loads(DATA.read_text(encoding="utf-8"))
    guesses = [(guess_lang(t["full_text"]), t["lang"]) for t in texts]
    right = sum(g == lang for g, lang in guesses) / len(guesses)
    wrong = sum(g is not None and g != lang for g, lang in guesses) / len(guesses)
    assert right >= 0.93 and wrong <= 0.005, (right, wrong)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("es", "es"),
        ("ES", "es"),
        (" pt-BR ", "pt"),
        ("pt_PT", "pt"),
        ("de-DE-1996", "de"),
        ("fr", "fr"),
        ("it", "it"),
        ("spa", "es"),
        ("ger", "de"),
        ("Español", "es"),
        ("english", "en"),
        ("Português", "pt"),
        ("xx-", None),
        ("klingon", None),
        ("", None),
        (None, None),
        (7, None),
        ("e" * 50, None),
    ],
)
def test_language_column_values(value: object, code: str | None) -> None:
    assert lang_code(value) == code
