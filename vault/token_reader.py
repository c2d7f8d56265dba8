"""Reading tokens back out of text an LLM has rewritten: one linear pass, no guessing.

Masking writes `<PER>Xk2f9QaLm1</PER>`. A model that copies it may re-case or rename the tag,
put spaces or line breaks in and around it, escape it for Markdown (`\\<PER\\>`) or HTML
(`&lt;PER&gt;`), drop or break the closing tag, or drop the tags altogether. `TokenReader.read`
finds every such fragment with a few precompiled patterns whose quantifiers are all bounded (work
linear in the text: `tests/unit/test_redos.py`) and says which token each names and which classes
its tags claim. It never
changes a token: what it returns is looked up exactly, tenant-scoped, and `vault.unmask` decides
from the stored class and the policy what is revealed.

| form | example | read as |
|---|---|---|
| exact | `<PER>tok</PER>` | tagged, `exact` |
| tag case | `<per>tok</per>`, `<Per>tok</PER>` | tagged |
| whitespace | `< PER >tok</ PER >`, `<PER> tok </PER>`, line breaks | tagged |
| Markdown escapes | `\\<PER\\>tok\\</PER\\>`, `\\_`, `\\.` in the token | tagged |
| HTML escapes | `&lt;PER&gt;tok&lt;/PER&gt;`, `&#60;`, `&#x3c;` | tagged, `html` |
| closing tag dropped | `<PER>tok` (trailing `.` stays text) | tagged |
| closing tag broken | `<PER>tok<PER>`, `<PER>tok</PER`, `<PER>tok/PER>` | tagged |
| opening tag dropped | `tok</PER>` | tagged |
| synonym tag | `<NAME>tok</NAME>`, `<MAIL>…` (`entities.TAG_SYNONYMS`) | tagged, both classes |
| foreign tags | `<b>tok</b>` (no class tag) | bare, the token alone |
| bare token | `… wrote to Xk2f9QaLm1 …` (token shapes of the format) | bare |
| whole item | `Xk2f9QaLm1` alone | whole |
| stray class tag | `<PER></PER>`, `<PER>` before no token, `<PER>a</EMAIL>` | malformed |
"""

from __future__ import annotations

import functools
import re
from typing import Final, Literal, NamedTuple

import regex

from detectors import entities
from vault.tokens import BARE, EMAIL_TOKEN_DOMAIN, TAGGED, TokenFormat

Kind = Literal["tagged", "bare", "whole", "malformed"]

_NONE: Final[frozenset[str]] = frozenset()
#: Shortest text or numeric token looked for in running text (shorter ones match ordinary words),
#: and the shortest bare shape of any kind (`+` and 7 digits).
MIN_BARE_LENGTH: Final = 8

_LT = r"(?:\\?<|&[lL][tT];|&\#0{0,4}60;|&\#[xX]0{0,4}3[cC];)"
_GT = r"(?:\\?>|&[gG][tT];|&\#0{0,4}62;|&\#[xX]0{0,4}3[eE];)"
_SL = r"(?:\\?/|&\#0{0,4}47;|&\#[xX]0{0,4}2[fF];)"
_S = r"\s{0,8}"
_NAME = r"[A-Za-z][A-Za-z0-9_-]{0,39}+"
#: A token as written: starts with a letter, digit or `+`, ends with a letter or digit (so a
#: sentence's full stop after a tag-less token stays text), 128 characters at most; backslashes
#: (Markdown escapes, `\\_`) are dropped before the lookup. One character class, no alternation:
#: this runs on every tag.
_TOK = r"(?:\\?\+|[A-Za-z0-9])(?:[A-Za-z0-9@.+_\\-]{0,126}[A-Za-z0-9])?"
#: Characters a bare token may not follow: it is not inside a word, a path or a query string.
_INWORD = r"A-Za-z0-9@.+_\\/=\#%&-"
_EDGE = rf"(?<![{_INWORD}])"
_AFTER = r"(?![A-Za-z0-9@+_-]|\.[A-Za-z0-9])"

#: Everything that starts with a tag, so that the search skips to the next `<`, `&` or `\\` at
#: C speed: an opening tag with its token and closing tag (if any), or a lone tag. Every
#: quantifier is bounded.
_TAGS: Final = regex.compile(  # groups in this order: `TokenReader._fragment` unpacks them
    rf"""
    {_LT}{_S}(?P<open>{_NAME}){_S}{_GT}{_S}(?P<tok>{_TOK})
      (?: {_S}{_LT}{_S}{_SL}{_S}(?P<close>{_NAME})(?:{_S}{_GT})?
        | {_SL}(?P<close_lt>{_NAME}){_S}{_GT}
        | (?P<reopen>{_LT}{_S}(?i:(?P=open)){_S}{_GT})
      )?
    | {_LT}{_S}(?P<slash>{_SL}{_S})?(?P<lone>{_NAME}){_S}{_GT}
    """,
    regex.VERBOSE,
)
#: An escaped tag delimiter somewhere in the text (then the fast path for exact tags does not apply).
_ESCAPED: Final = re.compile(r"&(?:[lLgG][tT];|\#)|\\")
#: The token just before a lone closing tag (`tok</PER>`), matched backwards from the tag.
_BEFORE: Final = regex.compile(rf"(?r){_EDGE}(?P<tok>{_TOK}){_S}")
_BEFORE_SPAN: Final = 1 + 128 + 8  # the edge character, the longest token, whitespace


def _shapes(fmt: TokenFormat) -> str:
    """What a bare token of this format may look like. Text and email tokens share their first
    `text_length` characters, so one branch reads both (a third faster than two)."""
    text, domain = rf"[A-Za-z0-9]{{{fmt.text_length}}}", f"@{re.escape(EMAIL_TOKEN_DOMAIN)}"
    shapes = [f"{text}(?:{domain})?" if fmt.text_length >= MIN_BARE_LENGTH else text + domain]
    if fmt.numeric_length >= MIN_BARE_LENGTH:
        shapes.append(rf"[0-9]{{{fmt.numeric_length}}}")
    shapes.append(r"\+[0-9]{7,20}")
    return "|".join(shapes)


class Fragment(NamedTuple):
    """A token-like fragment of a text, at `text[start:end]`.

    A named tuple, not a frozen dataclass: one is built per fragment on the unmask path, and a
    frozen dataclass costs about five times as much to build.
    """

    start: int
    end: int
    kind: Kind
    #: The token it names, escapes undone ("" for a malformed fragment).
    token: str = ""
    #: Classes its tags may stand for (empty without class tags).
    claims: frozenset[str] = frozenset()
    #: For the exact form masking writes (`<PER>tok</PER>`), the class its tag names; else None.
    exact: str | None = None
    #: A tag was HTML-escaped: the text is HTML, and so must a value put into it be.
    html: bool = False


@functools.lru_cache(maxsize=4096)
def classes_of(name: str, known: frozenset[str] = frozenset()) -> frozenset[str] | None:
    """The classes a tag name may stand for, or None for a tag that names no class (`<b>`).

    A class tag is a builtin class, tag or synonym in any case, a name written in upper case
    (as masking writes custom classes), or one of `known` (the policy's classes) in any case.
    Both the name's own class and its synonym's are returned (`NAME` may be a custom class).
    """
    upper = name.upper().replace("-", "_")
    canon = entities.canonical(upper)
    synonym = entities.TAG_SYNONYMS.get(upper)
    if canon in entities.BUILTIN or synonym is not None:
        return frozenset({canon} | ({synonym} if synonym else set()))
    if name.isupper() or upper in known:
        return frozenset({upper})
    return None


def looks_like_token(token: str) -> bool:
    """Whether a bare token is shaped like no ordinary word (mixed case and a digit, or the
    email-token domain): when it was never issued, it is a mangled or forged token, not a word."""
    return "@" in token or (
        token.isalnum()
        and not token.isalpha()
        and not token.isdigit()
        and not token.islower()
        and not token.isupper()
    )


@functools.lru_cache(maxsize=1024)
def _exact_class(name: str) -> str | None:
    """The class of a tag name as masking writes tags (`TAGGED`: upper case), else None."""
    return entities.canonical(name) if TAGGED.fullmatch(f"<{name}>x</{name}>") else None


#: A stretch of text the tag pattern matched, and the fragment it holds (None: foreign tags).
_Span = tuple[int, int, Fragment | None]


class TokenReader:
    """Finds tokens in text for one token format (the shapes of bare tokens depend on it)."""

    def __init__(self, fmt: TokenFormat) -> None:
        shapes = _shapes(fmt)
        # `re`, not `regex`: about twice as fast on this pattern, which runs at every word start
        self._bare = re.compile(rf"{_EDGE}(?:{shapes}){_AFTER}")
        self._after_edge = re.compile(rf"[^{_INWORD}]({shapes}){_AFTER}")
        self._shape = re.compile(shapes)

    def read(self, text: str, known: frozenset[str] = frozenset()) -> list[Fragment]:
        """The token-like fragments of `text`, in order, not overlapping.

        `known`: class names that are tags in any case besides the builtin ones (the policy's).
        """
        whole = text.strip()
        if BARE.fullmatch(whole):
            return [Fragment(0, len(text), "whole", whole)]
        if "<" not in text and "&" not in text and "\\" not in text:  # no tag of any form
            return self._bare_in(text, 0, len(text))
        spans = self._exact(text, known)
        if spans is None:
            spans = self._tags(text, known)
        out: list[Fragment] = []
        at = 0
        for start, end, fragment in spans:  # bare tokens in the gaps between what the tags took
            if start - at >= MIN_BARE_LENGTH:
                out += self._bare_in(text, at, start)
            if fragment is not None:
                out.append(fragment)
            at = end
        if len(text) - at >= MIN_BARE_LENGTH:
            out += self._bare_in(text, at, len(text))
        return out

    def _bare_in(self, text: str, start: int, end: int) -> list[Fragment]:
        """Bare tokens in `text[start:end]` (the shapes' edges look beyond the slice)."""
        first = self._bare.match(text, start, end)
        out = [Fragment(start, first.end(), "bare", first[0])] if first else []
        # After the first position a token follows a character that is no token character: the
        # search skips to such characters in C (faster than a lookbehind at every position).
        # `tuple.__new__`: half the cost of `Fragment(...)`, on what may be most of the fragments.
        new = tuple.__new__
        out += [
            new(Fragment, (*m.span(1), "bare", m[1], _NONE, None, False))
            for m in self._after_edge.finditer(text, start, end)
        ]
        return out

    @staticmethod
    def _exact(text: str, known: frozenset[str]) -> list[_Span] | None:
        """The fast path: the fragments of a text whose only tags are exact `<PER>tok</PER>`
        (what masking writes, and what most replies keep); None for a text with any other."""
        matches = list(TAGGED.finditer(text))
        if text.count("<") != 2 * len(matches) or _ESCAPED.search(text):
            return None
        spans: list[_Span] = []
        for m in matches:
            name, token = m.groups()
            if not (token[-1].isalnum() and (token[0].isalnum() or token[0] == "+")):
                return None  # not a token as `_TOK` reads one: let the full scan say what it is
            claims = classes_of(name, known)
            if claims is None:  # never for an upper-case tag name; for the type checker
                return None
            start, end = m.span()
            spans.append((start, end, Fragment(start, end, "tagged", token, claims, _exact_class(name))))
        return spans

    def _tags(self, text: str, known: frozenset[str]) -> list[_Span]:
        """Every span `_TAGS` matched and its fragment (None for foreign tags around no token)."""
        spans: list[_Span] = []
        for m in _TAGS.finditer(text):
            fragment = self._fragment(text, m, spans[-1][1] if spans else 0, known)
            spans.append((fragment.start if fragment else m.start(), m.end(), fragment))
        return spans

    def _fragment(self, text: str, m: regex.Match[str], after: int, known: frozenset[str]) -> Fragment | None:
        """What a match of `_TAGS` is (None for foreign tags around no token)."""
        opening, token, close, close_lt, reopen, slash, lone = m.groups()
        if lone is None:
            closing = close or close_lt or (opening if reopen else None)
            return self._tagged(text, m.start(), m.end(), token, m.start(2), opening, closing, known)
        if classes_of(lone, known) is None:
            return None
        if slash is not None:  # a closing tag: is there a token just before it?
            before = _BEFORE.match(text, max(after, m.start() - _BEFORE_SPAN), m.start())
            if before is not None:
                at = before.start(1)
                return self._tagged(text, at, m.end(), before[1], at, None, lone, known)
        return Fragment(m.start(), m.end(), "malformed")

    def _tagged(
        self,
        text: str,
        start: int,
        end: int,
        token: str,
        at: int,
        opening: str | None,
        closing: str | None,
        known: frozenset[str],
    ) -> Fragment | None:
        """`text[start:end]`: tags around the token as written, `token` at `at`."""
        opened = classes_of(opening, known) if opening else None
        closed = classes_of(closing, known) if closing else None
        if opened is None and closed is None:  # no class tags: maybe a bare token inside `<b>…</b>`
            if self._shape.fullmatch(token) is None:
                return None
            return Fragment(at, at + len(token), "bare", token)
        if opened is None:
            start = at  # `<b>tok</PER>`: the foreign tag stays text
        elif closed is None and closing is not None:
            end = at + len(token)  # `<PER>tok</b>`: likewise
        claims = opened & closed if opened and closed else opened or closed or frozenset()
        if not claims:
            return Fragment(start, end, "malformed")  # `<PER>tok</EMAIL>`: which one?
        source = text[start:end]
        written = f"<{opening}>{token}</{opening}>"
        exact = _exact_class(opening) if opening and source == written and "\\" not in token else None
        return Fragment(start, end, "tagged", token.replace("\\", ""), claims, exact, "&" in source)


@functools.lru_cache(maxsize=8)
def reader(fmt: TokenFormat) -> TokenReader:
    """The reader of one token format (built once)."""
    return TokenReader(fmt)


__all__ = ["Fragment", "Kind", "TokenReader", "classes_of", "looks_like_token", "reader"]
