"""Token-level scoring of predicted spans against gold spans.

Tokens are runs of letters and digits. A token's gold (predicted) label is the
class of the gold (predicted) span that overlaps it, or `O`. Tokens whose gold
class the evaluated pipeline cannot produce (*not covered*) are left out of every
covered metric: they count neither as true nor as false positives.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import regex

from detectors.evaluation.dataset import GoldSpan, Record
from detectors.span import Span

OUTSIDE: Final = "O"
TOKEN: Final = regex.compile(r"[\p{L}\p{N}]+")


def tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(text)]


def token_labels(toks: Sequence[tuple[int, int]], spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """Label each token with the class of the first span (by start) that overlaps it."""
    labels = [OUTSIDE] * len(toks)
    starts = [t[0] for t in toks]
    for start, end, entity in sorted(spans):
        i = _first_token_ending_after(toks, starts, start)
        while i < len(toks) and toks[i][0] < end:
            if labels[i] == OUTSIDE:
                labels[i] = entity
            i += 1
    return labels


def _first_token_ending_after(toks: Sequence[tuple[int, int]], starts: list[int], pos: int) -> int:
    i = max(0, bisect_right(starts, pos) - 1)
    while i < len(toks) and toks[i][1] <= pos:
        i += 1
    return i


def ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass(frozen=True, slots=True)
class Metrics:
    """Confusion counts and the rates derived from them."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)

    @property
    def fpr(self) -> float:
        return ratio(self.fp, self.fp + self.tn)

    def to_json(self) -> dict[str, float | int]:
        return {
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "fpr": round(self.fpr, 6),
        }


@dataclass(slots=True)
class Confusion:
    """(gold, pred) token pair counts over the covered tokens, plus the ignored ones."""

    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Tokens of not-covered gold classes, by class.
    ignored: Counter[str] = field(default_factory=Counter)
    #: Of those, how many the pipeline labelled with some class anyway.
    ignored_predicted: Counter[str] = field(default_factory=Counter)

    def add(self, gold: Sequence[str], pred: Sequence[str], covered: frozenset[str]) -> None:
        for g, p in zip(gold, pred, strict=True):
            if g != OUTSIDE and g not in covered:
                self.ignored[g] += 1
                if p != OUTSIDE:
                    self.ignored_predicted[g] += 1
            else:
                self.pairs[(g, p)] += 1

    def update(self, other: Confusion) -> None:
        self.pairs.update(other.pairs)
        self.ignored.update(other.ignored)
        self.ignored_predicted.update(other.ignored_predicted)

    @property
    def total(self) -> int:
        return sum(self.pairs.values())

    def classes(self) -> list[str]:
        return sorted({c for pair in self.pairs for c in pair} - {OUTSIDE})

    def entity(self, name: str) -> Metrics:
        tp = fp = fn = tn = 0
        for (g, p), n in self.pairs.items():
            if g == name and p == name:
                tp += n
            elif p == name:
                fp += n
            elif g == name:
                fn += n
            else:
                tn += n
        return Metrics(tp, fp, fn, tn)

    def micro(self) -> Metrics:
        """Type-aware: a token counts as found only when its class is right."""
        tp = fp = fn = tn = 0
        for (g, p), n in self.pairs.items():
            if g == p:
                if g == OUTSIDE:
                    tn += n
                else:
                    tp += n
                continue
            if p != OUTSIDE:
                fp += n
            if g != OUTSIDE:
                fn += n
        return Metrics(tp, fp, fn, tn)

    def pii(self) -> Metrics:
        """Type-agnostic: personal data or not, whatever the class."""
        tp = fp = fn = tn = 0
        for (g, p), n in self.pairs.items():
            gold, pred = g != OUTSIDE, p != OUTSIDE
            tp += n if gold and pred else 0
            fp += n if pred and not gold else 0
            fn += n if gold and not pred else 0
            tn += n if not gold and not pred else 0
        return Metrics(tp, fp, fn, tn)

    def false_positive_rate(self) -> float:
        """Gold-O tokens predicted as any class, over all gold-O tokens."""
        return self.pii().fpr


@dataclass(slots=True)
class SpanCounts:
    """Entity-level counts: a gold span is found when a predicted span of its class overlaps it,
    and masked when a predicted span of any class does (masked, at least in part, whatever the class)."""

    gold: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    masked: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)

    def add(self, gold: Sequence[GoldSpan], pred: Sequence[Span], covered: frozenset[str]) -> None:
        for g in gold:
            if g.entity not in covered:
                continue
            self.gold[g.entity] += 1
            overlapping = [p for p in pred if p.start < g.end and g.start < p.end]
            if overlapping:
                self.masked[g.entity] += 1
                if any(p.entity == g.entity for p in overlapping):
                    self.found[g.entity] += 1
        for p in pred:
            if any(g.entity not in covered and p.start < g.end and g.start < p.end for g in gold):
                continue  # overlaps a not-covered gold span: neither right nor wrong
            self.predicted[p.entity] += 1
            if any(g.entity == p.entity and p.start < g.end and g.start < p.end for g in gold):
                self.correct[p.entity] += 1

    def update(self, other: SpanCounts) -> None:
        for mine, theirs in (
            (self.gold, other.gold),
            (self.found, other.found),
            (self.masked, other.masked),
            (self.predicted, other.predicted),
            (self.correct, other.correct),
        ):
            mine.update(theirs)


@dataclass(slots=True)
class Texts:
    """Per text: how many hold personal data and how many of those leak at least one PII token
    (a covered gold token no predicted span covers), and how many texts without personal data
    get something masked anyway."""

    records: int = 0
    with_pii: int = 0
    leaked: int = 0
    without_pii: int = 0
    over_masked: int = 0

    def add(self, gold: Sequence[str], pred: Sequence[str], covered: frozenset[str]) -> None:
        self.records += 1
        pii = [p for g, p in zip(gold, pred, strict=True) if g != OUTSIDE and g in covered]
        if pii:
            self.with_pii += 1
            self.leaked += OUTSIDE in pii
        elif not any(g != OUTSIDE for g in gold):
            self.without_pii += 1
            self.over_masked += any(p != OUTSIDE for p in pred)

    @property
    def leak_rate(self) -> float:
        return ratio(self.leaked, self.with_pii)

    @property
    def over_mask_rate(self) -> float:
        return ratio(self.over_masked, self.without_pii)

    def to_json(self) -> dict[str, float | int]:
        return {
            "records": self.records,
            "with_pii": self.with_pii,
            "leaked": self.leaked,
            "leak_rate": round(self.leak_rate, 4),
            "without_pii": self.without_pii,
            "over_masked": self.over_masked,
            "over_mask_rate": round(self.over_mask_rate, 4),
        }


@dataclass(slots=True)
class Group:
    """The token confusion and the per-text counts of one slice (a language, a kind of text)."""

    confusion: Confusion = field(default_factory=Confusion)
    texts: Texts = field(default_factory=Texts)


@dataclass(slots=True)
class Scores:
    """Everything an evaluation run measured, overall, per language and per kind of text."""

    covered: frozenset[str]
    confusion: Confusion = field(default_factory=Confusion)
    by_lang: dict[str, Confusion] = field(default_factory=dict)
    spans: SpanCounts = field(default_factory=SpanCounts)
    records: int = 0
    records_by_lang: Counter[str] = field(default_factory=Counter)
    texts: Texts = field(default_factory=Texts)
    texts_by_lang: dict[str, Texts] = field(default_factory=dict)
    #: Slices by the records' `metadata["kind"]` (chat, email, transcript...), when they have one.
    by_kind: dict[str, Group] = field(default_factory=dict)

    def add(self, record: Record, pred: Sequence[Span]) -> None:
        toks = tokens(record.text)
        gold = token_labels(toks, ((s.start, s.end, s.entity) for s in record.spans))
        predicted = token_labels(toks, ((s.start, s.end, s.entity) for s in pred))
        one = Confusion()
        one.add(gold, predicted, self.covered)
        self.confusion.update(one)
        self.by_lang.setdefault(record.lang, Confusion()).update(one)
        self.spans.add(record.spans, pred, self.covered)
        self.records += 1
        self.records_by_lang[record.lang] += 1
        slices = [self.texts, self.texts_by_lang.setdefault(record.lang, Texts())]
        kind = record.metadata.get("kind")
        if isinstance(kind, str):
            group = self.by_kind.setdefault(kind, Group())
            group.confusion.update(one)
            slices.append(group.texts)
        for texts in slices:
            texts.add(gold, predicted, self.covered)


def score(records: Iterable[Record], predictions: Iterable[Sequence[Span]], covered: Iterable[str]) -> Scores:
    """Score predictions (one list of spans per record, in order) against the records' gold spans."""
    scores = Scores(covered=frozenset(covered))
    for record, pred in zip(records, predictions, strict=True):
        scores.add(record, pred)
    return scores


def per_entity(confusion: Confusion) -> Mapping[str, Metrics]:
    return {name: confusion.entity(name) for name in confusion.classes()}
