"""Pick the balanced-mode threshold of the NER classes on held-out generated text.

    HF_HUB_OFFLINE=1 python -m training.ner.threshold --seeds 101 202

Generates examples with corpus seeds the training never uses (it trains on `--seed` and picks
epochs on `--seed + 1`: 13 and 14 for the shipped model), runs the full pipeline (patterns,
custom entities, the builtin NER model) with the four NER classes gated at each threshold, and
prints PII-vs-not F1, the false-positive rate and, per NER class, entity recall (right class /
any class). The evaluation sets (`veilstream eval`) play no part in the choice. Generated gold
labels only NER entities, so e-mails and phone numbers in the generated text count as false
positives here: compare thresholds with each other, not with `docs/quality.md`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors.evaluation.dataset import Record, parse_records
from detectors.evaluation.run import producible
from detectors.evaluation.scoring import score
from detectors.ner._stage import ENTITIES
from detectors.pipeline import Pipeline
from detectors.policy import Policy
from detectors.span import Document
from training.ner import train
from training.ner.corpus import Example, generate

NER_CLASSES = tuple(sorted(ENTITIES))


@dataclass(frozen=True, slots=True)
class Row:
    """The scores of one threshold."""

    threshold: float
    pii_f1: float
    fpr: float
    #: class -> (entity recall with the right class, with any class)
    recall: dict[str, tuple[float, float]]


def as_records(examples: Iterable[Example]) -> list[Record]:
    """Generated examples as evaluation records (presidio-research fields)."""
    return parse_records(
        [
            {
                "full_text": e.text,
                "lang": e.lang,
                "spans": [{"start_position": s, "end_position": t, "entity_type": c} for s, t, c in e.spans],
            }
            for e in examples
        ]
    )


def sweep(pipeline: Pipeline, records: Sequence[Record], thresholds: Sequence[float]) -> list[Row]:
    """Score `pipeline` on `records` with the NER classes gated at each threshold."""
    base = pipeline.default_policy
    rows = []
    for threshold in thresholds:
        policy = base.model_copy(
            update={"thresholds": {**base.thresholds, **dict.fromkeys(NER_CLASSES, threshold)}}
        )
        predicted = pipeline.detect_many([Document(r.text, r.lang, policy=policy) for r in records])
        scores = score(records, predicted, producible(pipeline, policy))
        spans = scores.spans
        recall = {
            c: (spans.found[c] / spans.gold[c], spans.masked[c] / spans.gold[c])
            for c in NER_CLASSES
            if spans.gold[c]
        }
        pii = scores.confusion.pii()
        rows.append(Row(threshold, pii.f1, pii.fpr, recall))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[101, 202], help="corpus seeds (not 13 or 14)")
    ap.add_argument("--per-lang", type=int, default=300, help="examples per language and seed")
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.5, 0.45, 0.4, 0.35, 0.3])
    args = ap.parse_args(argv)
    from detectors.service import detection_pipeline

    pipeline = detection_pipeline("on", Policy.default())
    real = train.real_shares(train._args([]))  # the shipped model's corpus: train.py's defaults
    for seed in args.seeds:
        records = as_records(generate(seed, args.per_lang, real=real))
        for row in sweep(pipeline, records, args.thresholds):
            classes = " ".join(f"{c} {found:.3f}/{masked:.3f}" for c, (found, masked) in row.recall.items())
            head = f"seed {seed} threshold {row.threshold:.2f}: PII F1 {row.pii_f1:.4f} FPR {row.fpr:.4f}"
            print(f"{head} {classes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
