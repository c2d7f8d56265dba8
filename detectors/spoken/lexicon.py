"""What a spoken word can stand for, and the per-language lexicon that says so.

A `Word` gathers every reading of one word (or fixed phrase) in one language:
`e` in Portuguese is both the connector of `vinte e dois` and the letter E. The
readers (numbers, letters, dates, emails) each take the reading they need.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum

import regex


class Kind(IntEnum):
    """The part a number word plays in a spoken number."""

    DIGIT = 1  # 0-9
    TEEN = 2  # 10-19
    TENS = 3  # 20, 30, ... 90
    HUNDREDS = 4  # a whole hundreds word: `doscientos`, `quinhentos`, `ciento`
    HUNDRED = 5  # the multiplier: `hundred`, `hundert`, `cent` (alone: one hundred)
    THOUSAND = 6
    MILLION = 7
    AND = 8  # `y`, `e`, `et`, `und`, `and` inside a number
    LITERAL = 9  # digits written as digits


@dataclass(frozen=True, slots=True)
class Atom:
    """One number word, or one morpheme of a compound (`drei|und|vierzig`)."""

    kind: Kind
    value: int = 0
    digits: str = ""  # LITERAL only


class Role:
    """Readings that are neither numbers nor letters: bit flags (plain ints, cheap to test)."""

    NONE = 0
    AND = 1  # also Atom(Kind.AND)
    FILLER = 2  # `um`, `euh`, `äh`: skipped inside a value
    CORRECTION = 4  # `no`, `sorry`, `nee`: the speaker corrects the value
    SPELL = 8  # `as in`, `de`, `wie`, `comme`: `b de barcelona`
    DOT = 16
    AT = 32
    DASH = 64
    UNDERSCORE = 128
    PLUS = 256  # `plus`, `mais`, `más` before an international number
    OF = 512  # `of`, `de`, `del`, `do`, `du`: inside a date
    ARTICLE = 1024  # `the`, `el`, `le`, `der`, `o`: before a day or month


@dataclass(frozen=True, slots=True)
class Word:
    """Every reading of one word (or phrase of `size` words) in one language."""

    atoms: tuple[Atom, ...] = ()
    #: A digit only next to other digits (`oh`, `meia`, `un`): otherwise an ordinary word.
    weak_number: bool = False
    ordinal: int = 0  # day ordinals: `third`, `zwölfte`, `primero`
    month: int = 0
    letter: str = ""
    #: Also a common word (`a`, `de`, `ese`, `hotel`): a letter only among other letters or digits.
    weak_letter: bool = False
    repeat: int = 0  # `double` 2, `triple` 3
    plural: int = -1  # `sevens` 7, `setes` 7 (after a count: `dois setes`)
    roles: int = Role.NONE
    size: int = 1

    @property
    def number(self) -> bool:
        return bool(self.atoms) and not (len(self.atoms) == 1 and self.atoms[0].kind is Kind.AND)


def fold(text: str) -> str:
    """Lower case without accents (`Zéro` → `zero`); `ß` and `ñ` kept."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0303")
    )


@dataclass(frozen=True)
class Spec:
    """The raw word lists of one language (see `detectors/spoken/languages/`)."""

    code: str
    digits: Mapping[str, int]
    teens: Mapping[str, int]
    tens: Mapping[str, int]
    #: One word for tens and unit (`veintidós`): read as the two atoms 20 and 2.
    composites: Mapping[str, int] = field(default_factory=dict)
    hundreds: Mapping[str, int] = field(default_factory=dict)
    hundred: tuple[str, ...] = ()
    thousand: tuple[str, ...] = ()
    million: tuple[str, ...] = ()
    weak_numbers: tuple[str, ...] = ()
    ordinals: Mapping[str, int] = field(default_factory=dict)
    months: Mapping[str, int] = field(default_factory=dict)
    repeats: Mapping[str, int] = field(default_factory=dict)
    plurals: Mapping[str, int] = field(default_factory=dict)
    letters: Mapping[str, str] = field(default_factory=dict)
    weak_letters: tuple[str, ...] = ()
    roles: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    #: `vier und zwanzig`: the unit before the tens (German).
    unit_first: bool = False
    #: `quatre-vingt-dix`, `soixante et onze` (French).
    vigesimal: bool = False


#: Most words a lexicon remembers looking up (then it starts over).
_CACHE = 50_000


@dataclass(frozen=True)
class Lexicon:
    """Looks words up for one language; built once from a `Spec`."""

    code: str
    words: Mapping[str, Word]
    #: Phrases by first word: `{"as": {("in",): Word}}`.
    phrases: Mapping[str, Mapping[tuple[str, ...], Word]]
    unit_first: bool
    vigesimal: bool
    #: Matches every number word of the language (compounds included): the stage's fast bail-out.
    trigger: regex.Pattern[str]
    compound: regex.Pattern[str] | None = None
    compound_words: Mapping[str, Word] = field(default_factory=dict)
    #: Words not in `words`, as looked up before (folded, split into a compound, or None).
    unknown: dict[str, Word | None] = field(default_factory=dict, compare=False, repr=False)

    def lookup(self, token: str) -> Word | None:
        """Every reading of a lower-case token (accents optional), or None for an ordinary word."""
        word = self.words.get(token)
        if word is not None:
            return word
        if token in self.unknown:
            return self.unknown[token]
        if not token.isascii():
            word = self.words.get(fold(token))
        if word is None and self.compound is not None and len(token) > 6:
            word = self._compound(token)
        if len(self.unknown) > _CACHE:
            self.unknown.clear()
        self.unknown[token] = word
        return word

    def starts_phrase(self, token: str) -> bool:
        return token in self.phrases or (not token.isascii() and fold(token) in self.phrases)

    def phrase(self, tokens: list[str]) -> Word | None:
        """The longest phrase that `tokens` start with (`tokens[0]` is its first word)."""
        options = self.phrases.get(tokens[0]) or self.phrases.get(fold(tokens[0]))
        if not options:
            return None
        rest = tuple(t if t.isascii() else fold(t) for t in tokens[1:])
        for tail, word in sorted(options.items(), key=lambda kv: -len(kv[0])):
            if rest[: len(tail)] == tail:
                return word
        return None

    def _compound(self, token: str) -> Word | None:
        """A German compound split into its atoms (`dreiundvierzig` → 3, und, 40)."""
        assert self.compound is not None  # noqa: S101 - only called when set
        low = token.lower().replace("ß", "ss")
        atoms: list[Atom] = []
        pos = 0
        while pos < len(low):
            match = self.compound.match(low, pos)
            if match is None:
                return None
            atoms.extend(self.compound_words[match.group()].atoms)
            pos = match.end()
        if len(atoms) < 2:
            return None
        return Word(atoms=tuple(atoms))


def _merge(table: dict[str, Word], key: str, **changes: object) -> None:
    table[key] = replace(table.get(key, Word()), **changes)  # type: ignore[arg-type]


def alternation(words: Iterable[str], prefixes: Iterable[str] = ()) -> str:
    """A regex matching any of `words` (followed by no letter or digit) or `prefixes`, as a trie.

    Longest first, like a sorted alternation, but `regex` rejects a non-word in a few steps
    instead of one per word (`ju(?:l(?:io|y)|n(?:e|io))`...).
    """
    tree: dict[str, dict] = {}
    for word, end in [*((w, "w") for w in words), *((p, "p") for p in prefixes)]:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {"p": {}} if end == "p" or "p" in node.get("", {}) else {end: {}}

    def build(node: dict) -> str:
        branches = [regex.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        end = node.get("")
        if end is not None and "p" in end:
            return f"(?:{'|'.join(branches)})?" if branches else ""
        if end is not None:
            branches.append(r"(?!\w)")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(tree)


def build(spec: Spec, compound_morphemes: Mapping[str, Atom] | None = None) -> Lexicon:
    """Index every reading of every word of `spec`, plain and accent-folded."""
    single: dict[str, Word] = {}
    multi: dict[str, Word] = {}

    def put(key: str, **changes: object) -> None:
        _merge(multi if " " in key else single, key, **changes)

    for table, kind in ((spec.digits, Kind.DIGIT), (spec.teens, Kind.TEEN), (spec.tens, Kind.TENS),
                        (spec.hundreds, Kind.HUNDREDS)):  # fmt: skip
        for word, value in table.items():
            put(word, atoms=(Atom(kind, value),))
    for word, value in spec.composites.items():
        put(word, atoms=(Atom(Kind.TENS, value - value % 10), Atom(Kind.DIGIT, value % 10)))
    for words, kind in (
        (spec.hundred, Kind.HUNDRED),
        (spec.thousand, Kind.THOUSAND),
        (spec.million, Kind.MILLION),
    ):
        for word in words:
            put(word, atoms=(Atom(kind, 1),))
    for word in spec.weak_numbers:
        put(word, weak_number=True)
    for word, value in spec.ordinals.items():
        put(word, ordinal=value)
    for word, value in spec.months.items():
        put(word, month=value)
    for word, value in spec.repeats.items():
        put(word, repeat=value)
    for word, value in spec.plurals.items():
        put(word, plural=value)
    for word, letter in spec.letters.items():
        put(word, letter=letter)
    for word in spec.weak_letters:
        put(word, weak_letter=True)
    for role, words in spec.roles.items():
        for word in words:
            existing = (multi if " " in word else single).get(word, Word())
            changes: dict[str, object] = {"roles": existing.roles | role}
            if role == Role.AND:
                changes["atoms"] = existing.atoms or (Atom(Kind.AND),)
            put(word, **changes)

    index = dict(single)
    for key, entry in single.items():
        index.setdefault(fold(key), entry)
    phrases: dict[str, dict[tuple[str, ...], Word]] = {}
    for key, entry in multi.items():
        parts = tuple(fold(p) for p in key.split())
        phrases.setdefault(parts[0], {})[parts[1:]] = replace(entry, size=len(parts))

    number_words = [w for w, v in index.items() if v.number and not v.weak_number and not v.roles & Role.AND]
    number_words += [w for w, v in index.items() if v.ordinal]
    compound = None
    compound_words: dict[str, Word] = {}
    trigger_body = alternation(number_words)
    if compound_morphemes:
        compound_words = {m: Word(atoms=(atom,)) for m, atom in compound_morphemes.items()}
        compound = regex.compile(alternation((), compound_morphemes))
        morphemes = "(?:" + alternation((), compound_morphemes) + ")"
        trigger_body += f"|{morphemes}{morphemes}+\\w*"  # two morphemes at least: not `und`, `eine`
    trigger = regex.compile(r"\b(?:" + trigger_body + r")(?!\w)", regex.IGNORECASE)
    return Lexicon(
        code=spec.code,
        words=index,
        phrases=phrases,
        unit_first=spec.unit_first,
        vigesimal=spec.vigesimal,
        trigger=trigger,
        compound=compound,
        compound_words=compound_words,
    )
