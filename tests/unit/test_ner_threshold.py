"""training.ner.threshold: the sweep that picks the NER classes' balanced threshold."""

from __future__ import annotations

from detectors import Document, Span, default_pipeline
from detectors.ner._stage import ENTITIES
from training.ner.corpus import Example
from training.ner.threshold import as_records, sweep

TEXT = "Anna Berg moved to Lisbon last spring."


class _Tagger:
    """Stands in for the NER stage: a sure place and an unsure name."""

    name = "ner"
    entities = ENTITIES

    def detect(self, doc: Document) -> list[Span]:
        return [Span(0, 9, "PERSON", 0.4, "ner"), Span(19, 25, "LOCATION", 0.7, "ner")]


def test_the_sweep_gates_the_ner_classes_at_each_threshold() -> None:
    records = as_records([Example(TEXT, "en", ((0, 9, "PERSON"), (19, 25, "LOCATION")))])
    assert [(r.text, r.lang, [(s.start, s.end, s.entity) for s in r.spans]) for r in records] == [
        (TEXT, "en", [(0, 9, "PERSON"), (19, 25, "LOCATION")])
    ]
    high, low = sweep(default_pipeline(ner=_Tagger()), records, [0.5, 0.35])
    assert (high.threshold, low.threshold) == (0.5, 0.35)
    assert high.recall["PERSON"] == (0.0, 0.0) and high.recall["LOCATION"] == (1.0, 1.0)
    assert low.recall["PERSON"] == (1.0, 1.0) and low.recall["LOCATION"] == (1.0, 1.0)
    assert high.pii_f1 < low.pii_f1 == 1.0
    assert high.fpr == low.fpr == 0.0
