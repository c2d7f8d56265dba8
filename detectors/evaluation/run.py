"""Run a pipeline over a dataset, in batches, and score it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final

from detectors.evaluation.dataset import Record
from detectors.evaluation.scoring import Scores
from detectors.ner import ENTITIES as NER_ENTITIES
from detectors.pipeline import Pipeline
from detectors.policy import Policy
from detectors.span import Document

BATCH: Final = 64

#: What an NER stage produces when it does not say (`entities` attribute) itself.
NER_CLASSES: Final = NER_ENTITIES

Progress = Callable[[int], None]


def producible(pipeline: Pipeline, policy: Policy) -> frozenset[str]:
    """Classes the pipeline can output under `policy`: its stages' classes, minus disabled ones."""
    classes: set[str] = set()
    for stage in pipeline.stages:
        if not getattr(policy.stages, stage.name, True):
            continue
        own = getattr(stage, "entities", None)
        if own is not None:
            classes.update(own)
        elif stage.name == "ner":
            classes.update(NER_CLASSES)
    if getattr(policy.stages, "custom", True):
        classes.update(c.name for c in policy.custom)
    classes.update(policy.fields.values())
    return frozenset(c for c in classes if c not in ("detect", "keep") and policy.enabled(c))


def evaluate(
    pipeline: Pipeline,
    records: Sequence[Record],
    policy: Policy,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> Scores:
    """Detect in every record with `Pipeline.detect_many` and score the spans."""
    scores = Scores(covered=producible(pipeline, policy))
    for chunk in _chunks(records, batch):
        docs = [Document(r.text, r.lang, policy=policy) for r in chunk]
        for record, spans in zip(chunk, pipeline.detect_many(docs), strict=True):
            scores.add(record, spans)
        if progress is not None:
            progress(len(chunk))
    return scores


def _chunks(items: Sequence[Record], size: int) -> Iterable[Sequence[Record]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
