"""The token reader without a vault: which fragments it finds, what their tags claim, the prompt line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from detectors import entities
from vault.token_reader import TokenReader, classes_of, looks_like_token, reader
from vault.tokens import EMAIL, KINDS, NUMERIC, PHONE, PROMPT_LINE, TEXT, TokenFormat, derive, tagged

TOK = "Xk2f9QaLm1Zq"
MAIL = "q3kd8a0xm2ne@masked.invalid"
PER = frozenset({"PERSON"})
EML = frozenset({"EMAIL_ADDRESS"})
MEMBER = frozenset({"MEMBER_ID"})
READ = reader(TokenFormat())

Found = tuple[str, str, str, frozenset[str], str | None, bool]
NONE: frozenset[str] = frozenset()


def _tagged(fragment: str, token: str = TOK, claims: frozenset[str] = PER, exact: str | None = None) -> Found:
    return (fragment, "tagged", token, claims, exact, "&" in fragment)


def _bare(token: str) -> Found:
    return (token, "bare", token, NONE, None, False)


def _malformed(fragment: str) -> Found:
    return (fragment, "malformed", "", NONE, None, False)


#: text → [(fragment, kind, token, claims, exact class, html)]
CASES: list[tuple[str, list[Found]]] = [
    (f"Hi <PER>{TOK}</PER>.", [_tagged(f"<PER>{TOK}</PER>", exact="PERSON")]),
    (f"<PERSON>{TOK}</PERSON>", [_tagged(f"<PERSON>{TOK}</PERSON>", exact="PERSON")]),
    (f"<per>{TOK}</Per>", [_tagged(f"<per>{TOK}</Per>")]),
    (f"< PER\n>\n {TOK}\t</ per >", [_tagged(f"< PER\n>\n {TOK}\t</ per >")]),
    (f"\\<PER\\>{TOK}\\</PER\\>", [_tagged(f"\\<PER\\>{TOK}\\</PER\\>")]),
    (f"&lt;PER&gt;{TOK}&LT;/PER&GT;", [_tagged(f"&lt;PER&gt;{TOK}&LT;/PER&GT;")]),
    (f"&#60;PER&#x3e;{TOK}&#x3C;&#47;PER&#062;", [_tagged(f"&#60;PER&#x3e;{TOK}&#x3C;&#47;PER&#062;")]),
    (f"<PER>{TOK}. Bye", [_tagged(f"<PER>{TOK}")]),
    (
        f"<PER>{TOK}<PER> <PER>x</PER>",
        [_tagged(f"<PER>{TOK}<PER>"), _tagged("<PER>x</PER>", "x", exact="PERSON")],
    ),
    (f"<PER>{TOK} <PER>{TOK}</PER>", [_tagged(f"<PER>{TOK}"), _tagged(f"<PER>{TOK}</PER>", exact="PERSON")]),
    (f"<PER>{TOK}</PER", [_tagged(f"<PER>{TOK}</PER")]),
    (f"<PER>{TOK}/PER>", [_tagged(f"<PER>{TOK}/PER>")]),
    (f"so {TOK}</PER>", [_tagged(f"{TOK}</PER>")]),
    (
        f"<NAME>{TOK}</NAME>",
        [_tagged(f"<NAME>{TOK}</NAME>", claims=frozenset({"NAME", "PERSON"}), exact="NAME")],
    ),
    (f"<NAME>{TOK}</PER>", [_tagged(f"<NAME>{TOK}</PER>")]),
    (
        f"<e-mail>{MAIL}</e-mail>",
        [_tagged(f"<e-mail>{MAIL}</e-mail>", MAIL, frozenset({"E_MAIL", "EMAIL_ADDRESS"}))],
    ),
    (
        "<EMAIL>q3kd8a0xm2ne\\@masked\\.invalid",
        [_tagged("<EMAIL>q3kd8a0xm2ne\\@masked\\.invalid", MAIL, EML)],
    ),
    (
        f"<MEMBER_ID>{TOK}</MEMBER_ID>",
        [_tagged(f"<MEMBER_ID>{TOK}</MEMBER_ID>", claims=MEMBER, exact="MEMBER_ID")],
    ),
    (f"<PER>{TOK}</EMAIL>", [_malformed(f"<PER>{TOK}</EMAIL>")]),
    ("<PER></PER>", [_malformed("<PER>"), _malformed("</PER>")]),
    (f"<p><PER>{TOK}</p>", [_tagged(f"<PER>{TOK}")]),
    (f"<b>{TOK}</PER>", [_tagged(f"{TOK}</PER>")]),
    (f"<b>{TOK}</b>", [_bare(TOK)]),
    (f"Dear {TOK}, write to {MAIL}.", [_bare(TOK), _bare(MAIL)]),
    ("card 4539265534533753 or +14155550123", [_bare("4539265534533753"), _bare("+14155550123")]),
    (f"  {TOK}\n", [(f"  {TOK}\n", "whole", TOK, NONE, None, False)]),
    # not tokens: too long or short, inside a word, a path or a query, HTML, comparisons
    (f"{TOK}x x{TOK} {TOK}.x https://a.io/{TOK} ?id={TOK} #{TOK}", []),
    ("<p>Hello <b>world</b></p> 3 < 4 > 2 a<b", []),
    ("The Construction crew", [_bare("Construction")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_fragments(text: str, expected: list[Found]) -> None:
    got = [(text[f.start : f.end], f.kind, f.token, f.claims, f.exact, f.html) for f in READ.read(text)]
    assert got == expected


@pytest.mark.parametrize(
    ("token", "distinct"),
    [(TOK, True), ("Construction", False), ("202604150930", False), ("abcdefgh1234", False), (MAIL, True)],
)
def test_only_token_shaped_bare_words_count_as_mangled_when_unknown(token: str, distinct: bool) -> None:
    [fragment] = READ.read(f"a {token} b")
    assert fragment.kind == "bare" and looks_like_token(fragment.token) is distinct


@pytest.mark.parametrize(
    ("name", "known", "classes"),
    [
        ("PER", frozenset(), PER),
        ("per", frozenset(), PER),
        ("Person", frozenset(), PER),
        ("NAME", frozenset(), frozenset({"NAME", "PERSON"})),  # a custom class NAME stays possible
        ("full-name", frozenset(), frozenset({"FULL_NAME", "PERSON"})),
        ("MAIL", frozenset(), frozenset({"MAIL", "EMAIL_ADDRESS"})),
        ("card", frozenset(), frozenset({"CREDIT_CARD"})),
        ("MEMBER_ID", frozenset(), frozenset({"MEMBER_ID"})),
        ("member_id", frozenset({"MEMBER_ID"}), frozenset({"MEMBER_ID"})),
        ("member_id", frozenset(), None),
        ("b", frozenset(), None),
        ("div", frozenset(), None),
    ],
)
def test_tag_names(name: str, known: frozenset[str], classes: frozenset[str] | None) -> None:
    assert classes_of(name, known) == classes


def test_every_synonym_names_a_builtin_class() -> None:
    assert set(entities.TAG_SYNONYMS.values()) <= entities.BUILTIN
    assert not set(entities.TAG_SYNONYMS) & (set(entities.TAGS.values()) | entities.BUILTIN)


@given(
    entity=st.sampled_from([*sorted(entities.BUILTIN), "MEMBER_ID"]),
    kind=st.sampled_from(KINDS),
    text_length=st.integers(1, 43),
    numeric_length=st.integers(1, 38),
    seed=st.binary(min_size=32, max_size=32),
)
def test_what_masking_writes_reads_back_exact(
    entity: str, kind: str, text_length: int, numeric_length: int, seed: bytes
) -> None:
    fmt = TokenFormat(text_length, numeric_length)
    token = derive(seed, b"fp", kind, 0, fmt, "+14155550123" if kind == PHONE else "")
    text = f"Re: {tagged(entity, token)}, thanks"
    [fragment] = TokenReader(fmt).read(text)
    assert (fragment.kind, fragment.token, fragment.exact) == ("tagged", token, entity)
    assert entity in fragment.claims


@pytest.mark.parametrize(("kind", "length"), [(TEXT, 12), (NUMERIC, 16), (EMAIL, 12), (PHONE, 0)])
def test_bare_tokens_of_every_kind_are_found_in_running_text(kind: str, length: int) -> None:
    fmt = TokenFormat()
    token = derive(b"k" * 32, b"fp", kind, 0, fmt, "+14155550123")
    [fragment] = TokenReader(fmt).read(f"Please ask {token}, thanks.")
    assert (fragment.kind, fragment.token) == ("bare", token)


def test_short_formats_do_not_look_for_bare_words() -> None:
    assert TokenReader(TokenFormat(4, 4)).read("a word like this 1234") == []


def test_tokens_prompt_prints_the_recommended_line() -> None:
    from veilstream.cli import app

    result = CliRunner().invoke(app, ["tokens", "prompt"])
    assert result.exit_code == 0 and result.output == PROMPT_LINE + "\n"
    assert "exactly as written" in PROMPT_LINE and "<PER>" in PROMPT_LINE
