"""Quality side by side: token-level scores of every subject, printed and as JSON-ready data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks._detect.subjects import (
    LABELS,
    PRESIDIO_AT_THRESHOLD,
    PRESIDIO_CLASSES,
    PRESIDIO_RESEARCH_THRESHOLD,
    Subject,
)
from detectors import Span
from detectors.evaluation import Record, Scores, score
from detectors.evaluation import report as eval_report
from detectors.evaluation.scoring import Metrics, per_entity

#: Characters per subject column.
WIDTH = 24


@dataclass(frozen=True, slots=True)
class Quality:
    """Every subject scored three ways: on the same tokens (gold classes that none of them can
    output left out: `union`), each on its own classes, and on the classes in `shared`."""

    #: By name, in column order.
    subjects: dict[str, Subject]
    union: frozenset[str]
    shared: frozenset[str]
    same: dict[str, Scores]
    own: dict[str, Scores]
    common: dict[str, Scores]

    @property
    def names(self) -> list[str]:
        return list(self.subjects)


def print_quality(
    subjects: Sequence[Subject],
    records: Sequence[Record],
    predictions: dict[str, list[list[Span]]],
    dataset: str,
) -> dict[str, Any]:
    """Score every subject three ways and print the figures; return them as JSON-ready data.

    Presidio is also scored with only its results at or above PRESIDIO_RESEARCH_THRESHOLD:
    the same run's spans, filtered (the overlap resolution gives way to higher scores, so
    filtering after it is the same as filtering Presidio's raw results).
    """
    quality = _score(subjects, records, predictions)
    _print_overall(quality, sorted({g.entity for r in records for g in r.spans}))
    _print_per_entity(quality)
    return _as_json(quality, dataset)


def _score(
    subjects: Sequence[Subject], records: Sequence[Record], predictions: dict[str, list[list[Span]]]
) -> Quality:
    union = frozenset().union(*(s.covered for s in subjects))
    subjects, predictions = _with_threshold(subjects, predictions)
    by_name = {s.name: s for s in subjects}
    shared = union
    if "presidio" in by_name and "ner" in by_name:
        shared = by_name["presidio"].covered & by_name["ner"].covered

    def score_all(covered: Callable[[Subject], frozenset[str]]) -> dict[str, Scores]:
        return {s.name: score(records, predictions[s.name], covered(s)) for s in subjects}

    return Quality(
        by_name,
        union,
        shared,
        score_all(lambda s: union),
        score_all(lambda s: s.covered),
        score_all(lambda s: shared),
    )


def _with_threshold(
    subjects: Sequence[Subject], predictions: dict[str, list[list[Span]]]
) -> tuple[list[Subject], dict[str, list[list[Span]]]]:
    """With Presidio among them: Presidio at PRESIDIO_RESEARCH_THRESHOLD as a second subject after it."""
    subjects = list(subjects)
    presidio = next((s for s in subjects if s.name == "presidio"), None)
    if presidio is None:
        return subjects, predictions
    at = PRESIDIO_RESEARCH_THRESHOLD
    filtered = [[s for s in spans if s.score >= at] for spans in predictions["presidio"]]
    subjects.insert(1, Subject(PRESIDIO_AT_THRESHOLD, presidio.covered, presidio.predict, presidio.single))
    return subjects, predictions | {PRESIDIO_AT_THRESHOLD: filtered}


def _fmt(m: Metrics) -> str:
    return f"{m.precision:.3f} / {m.recall:.3f} / {m.f1:.3f}"


def _print_overall(q: Quality, gold: list[str]) -> None:
    """PII-vs-not, micro and FPR on the same tokens, F1 on own and shared classes, what is left out."""
    names, same = q.names, q.same
    print("\nquality, token level (detectors.evaluation, the scorer of `veilstream eval`)")
    print("  same tokens for all: gold classes that none of them can output are left out")
    print(f"  {'':34s}" + "".join(f"{LABELS[n]:>{WIDTH}s}" for n in names))
    rows: list[tuple[str, Callable[[str], str]]] = [
        ("PII-vs-not P / R / F1", lambda n: _fmt(same[n].confusion.pii())),
        ("type-aware micro P / R / F1", lambda n: _fmt(same[n].confusion.micro())),
        ("FPR (gold-O tokens flagged)", lambda n: f"{same[n].confusion.false_positive_rate():.2%}"),
        ("PII F1, each on its own classes", lambda n: f"{q.own[n].confusion.pii().f1:.3f}"),
        ("PII F1, classes Presidio & NER share", lambda n: f"{q.common[n].confusion.pii().f1:.3f}"),
    ]
    for label, cell in rows:
        print(f"  {label:34s}" + "".join(f"{cell(n):>{WIDTH}s}" for n in names))
    ignored = same[names[0]].confusion.ignored
    print(
        "  left out (no subject outputs them), tokens: "
        + ", ".join(f"{c} {n}" for c, n in sorted(ignored.items()))
        + "; flagged anyway: "
        + ", ".join(f"{LABELS[n]} {sum(same[n].confusion.ignored_predicted.values())}" for n in names)
    )
    print(f"  shared classes: {', '.join(sorted(c for c in q.shared if c in gold))}")


def _print_per_entity(q: Quality) -> None:
    """P / R / F1 per entity on the same tokens; '-' where a subject cannot output the class."""
    names, same = q.names, q.same
    print("\n  per entity (same tokens), P / R / F1; '-': cannot output the class; 'FP': no gold tokens")
    print(f"  {'entity':18s} {'support':>7s}" + "".join(f"{LABELS[n]:>{WIDTH}s}" for n in names))
    for entity in sorted({c for n in names for c in same[n].confusion.classes()}):
        support = same[names[0]].confusion.entity(entity).support
        cells = [_entity_cell(q, n, entity, support) for n in names]
        print(f"  {entity:18s} {support:>7d}" + "".join(f"{c:>{WIDTH}s}" for c in cells))


def _entity_cell(q: Quality, name: str, entity: str, support: int) -> str:
    m = q.same[name].confusion.entity(entity)
    if entity not in q.subjects[name].covered:
        return "-"
    return _fmt(m) if support else f"{m.fp} FP"


def _as_json(q: Quality, dataset: str) -> dict[str, Any]:
    def dump(scores: dict[str, Scores], classes: frozenset[str] | None) -> dict[str, Any]:
        return {
            n: eval_report.to_json(sc, dataset, [n])
            | {"covered_classes": sorted(classes or q.subjects[n].covered)}
            for n, sc in scores.items()
        }

    return {
        "presidio_classes": PRESIDIO_CLASSES,
        "covered": {n: sorted(q.subjects[n].covered) for n in q.names},
        "same_tokens": {"classes": sorted(q.union), "scores": dump(q.same, q.union)},
        "own_classes": {"scores": dump(q.own, None)},
        "shared_classes": {"classes": sorted(q.shared), "scores": dump(q.common, q.shared)},
        "summary": {n: _summary(q, n) for n in q.names},
    }


def _summary(q: Quality, name: str) -> dict[str, Any]:
    same = q.same[name].confusion
    return {
        "pii_same_tokens": same.pii().to_json(),
        "micro_same_tokens": same.micro().to_json(),
        "fpr_same_tokens": same.false_positive_rate(),
        "pii_f1_own_classes": q.own[name].confusion.pii().f1,
        "pii_f1_shared_classes": q.common[name].confusion.pii().f1,
        "per_entity_same_tokens": {e: m.to_json() for e, m in per_entity(same).items()},
    }
