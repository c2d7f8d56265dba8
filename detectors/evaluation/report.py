"""Evaluation results as a JSON structure and as rich tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from detectors.evaluation.scoring import Confusion, Metrics, Scores, Texts, per_entity, ratio

IGNORED_NOTE = "Tokens of not-covered gold classes are ignored in the covered metrics (neither TP nor FP)."


def to_json(scores: Scores, dataset: str = "", stages: list[str] | None = None) -> dict[str, Any]:
    c = scores.confusion
    return {
        "dataset": dataset,
        "stages": stages or [],
        "records": scores.records,
        "tokens": {"covered": c.total, "ignored": sum(c.ignored.values())},
        "covered_classes": sorted(scores.covered),
        "overall": _summary(c),
        "entities": {name: m.to_json() for name, m in per_entity(c).items()},
        "texts": scores.texts.to_json(),
        "languages": {
            lang: _slice(scores.records_by_lang[lang], conf, scores.texts_by_lang[lang])
            for lang, conf in sorted(scores.by_lang.items())
        },
        "kinds": {
            kind: _slice(group.texts.records, group.confusion, group.texts)
            for kind, group in sorted(scores.by_kind.items())
        },
        "entity_level": {
            name: {
                "gold": scores.spans.gold[name],
                "found": scores.spans.found[name],
                "recall": round(ratio(scores.spans.found[name], scores.spans.gold[name]), 4),
                "masked": scores.spans.masked[name],
                "masked_recall": round(ratio(scores.spans.masked[name], scores.spans.gold[name]), 4),
                "predicted": scores.spans.predicted[name],
                "correct": scores.spans.correct[name],
                "precision": round(ratio(scores.spans.correct[name], scores.spans.predicted[name]), 4),
            }
            for name in sorted(set(scores.spans.gold) | set(scores.spans.predicted))
        },
        "not_covered": {
            "note": IGNORED_NOTE,
            "tokens": dict(sorted(c.ignored.items())),
            "tokens_predicted_anyway": dict(sorted(c.ignored_predicted.items())),
        },
    }


def _slice(records: int, conf: Confusion, texts: Texts) -> dict[str, Any]:
    return {"records": records, **_summary(conf), "texts": texts.to_json()}


def _summary(conf: Confusion) -> dict[str, Any]:
    return {
        # no "fpr" for micro: a wrong-class token is a false positive on a PII token, not on an O one
        "micro": {k: v for k, v in conf.micro().to_json().items() if k != "fpr"},
        "pii": conf.pii().to_json(),
        "fpr": round(conf.false_positive_rate(), 6),
    }


def _pct(value: float) -> str:
    return f"{value:.3f}"


def _row(name: str, m: Metrics, style: str | None = None) -> list[Text]:
    cells = [name, str(m.support), _pct(m.precision), _pct(m.recall), _pct(m.f1), f"{m.fpr:.4%}"]
    return [Text(cell, style=style or "") for cell in cells]


def _metric_table(title: str, first: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    for col in ("support", "precision", "recall", "F1", "FPR"):
        table.add_column(col, justify="right")
    return table


def tables(scores: Scores, dataset: str = "") -> Group:
    """Per-entity table, per-language summary and the not-covered classes."""
    c = scores.confusion
    ents = _metric_table(f"{dataset}: {scores.records} records, token level", "entity")
    for name, m in per_entity(c).items():
        ents.add_row(*_row(name, m))
    ents.add_section()
    ents.add_row(*_row("all (type-aware micro)", c.micro(), "bold")[:5], Text("–"))
    ents.add_row(*_row("PII vs not (any class)", c.pii(), "bold"))
    ents.caption = "FPR = FP / (FP + TN); PII row: share of gold-O tokens flagged"
    ents.caption_justify = "left"

    langs = _metric_table("per language (type-aware micro; FPR = gold-O tokens flagged)", "lang")
    langs.add_column("texts leaking", justify="right")
    for lang, conf in sorted(scores.by_lang.items()):
        micro = conf.micro()
        langs.add_row(
            *_row(f"{lang} ({scores.records_by_lang[lang]})", micro)[:5],
            Text(f"{conf.false_positive_rate():.4%}"),
            Text(_pct(scores.texts_by_lang[lang].leak_rate)),
        )
    langs.caption = (
        f"texts leaking: texts with personal data of which at least one token is left unmasked;"
        f" all: {scores.texts.leaked}/{scores.texts.with_pii} = {scores.texts.leak_rate:.3f}."
        f" Texts without personal data masked anyway: {scores.texts.over_masked}/{scores.texts.without_pii}"
    )
    langs.caption_justify = "left"

    spans = scores.spans
    level = Table(title="entity level (spans)", title_justify="left")
    for col in ("entity", "gold", "recall", "masked", "predicted", "precision"):
        level.add_column(col, justify="left" if col == "entity" else "right")
    for name in sorted(spans.gold):
        level.add_row(
            name,
            str(spans.gold[name]),
            _pct(ratio(spans.found[name], spans.gold[name])),
            _pct(ratio(spans.masked[name], spans.gold[name])),
            str(spans.predicted[name]),
            _pct(ratio(spans.correct[name], spans.predicted[name])),
        )
    level.caption = (
        "recall: gold spans overlapped by a predicted span of their class; masked: by a predicted"
        " span of any class (masked, at least in part, whatever the class)"
    )
    level.caption_justify = "left"

    parts: list[Any] = [ents, langs]
    if scores.by_kind:
        kinds = Table(title="per kind of text (PII vs not, any class)", title_justify="left")
        for col in ("kind", "records", "precision", "recall", "FPR", "texts leaking", "negatives masked"):
            kinds.add_column(col, justify="left" if col == "kind" else "right")
        for kind, group in sorted(scores.by_kind.items()):
            pii, texts = group.confusion.pii(), group.texts
            kinds.add_row(
                kind, str(texts.records), _pct(pii.precision), _pct(pii.recall), f"{pii.fpr:.4%}",
                f"{texts.leaked}/{texts.with_pii}", f"{texts.over_masked}/{texts.without_pii}",
            )  # fmt: skip
        parts.append(kinds)
    parts.append(level)
    if c.ignored:
        ignored = Table(title="not covered by the evaluated stages", title_justify="left")
        ignored.add_column("gold class")
        ignored.add_column("tokens", justify="right")
        ignored.add_column("flagged anyway", justify="right")
        for name, n in sorted(c.ignored.items()):
            ignored.add_row(name, str(n), str(c.ignored_predicted[name]))
        parts += [ignored, Text(IGNORED_NOTE, style="dim")]
    return Group(*parts)


def render(scores: Scores, console: Console, dataset: str = "") -> None:
    console.print(tables(scores, dataset))
