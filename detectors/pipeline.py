"""The staged pipeline: field rules, stages, gate, merge."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from detectors.custom import CustomStage
from detectors.errors import DetectorsError
from detectors.merge import gate, merge
from detectors.patterns import PatternStage
from detectors.patterns.names import grow_names
from detectors.policy import Policy
from detectors.span import Document, Span
from detectors.spoken import SpokenStage
from detectors.stage import BatchStage, Stage

#: Longest text the pipeline accepts; longer input fails (and is quarantined upstream).
MAX_CHARS = 2_000_000


@dataclass(slots=True)
class Pipeline:
    """Runs stages in order over documents, then gates and merges their spans.

    Stages a tenant switched off (`policy.stages`) are skipped. A CDC column with
    a field rule (`contacts.email: EMAIL`) is tagged whole without detection.
    """

    stages: Sequence[Stage]
    default_policy: Policy = field(default_factory=Policy.default)
    max_chars: int = MAX_CHARS

    def detect(self, doc: Document) -> list[Span]:
        return self.detect_many([doc])[0]

    def detect_many(self, docs: Sequence[Document]) -> list[list[Span]]:
        """Detect in a batch; batch-capable stages (NER) see all pending documents at once."""
        for doc in docs:
            if len(doc.text) > self.max_chars:
                raise DetectorsError(f"text of {len(doc.text)} characters exceeds the {self.max_chars} limit")
        results: list[list[Span] | None] = [self._field_rule(doc) for doc in docs]
        pending = [i for i, r in enumerate(results) if r is None]
        candidates: dict[int, list[Span]] = {i: [] for i in pending}
        for stage in self.stages:
            active = [i for i in pending if self._enabled(stage, docs[i])]
            if not active:
                continue
            # hasattr first: a runtime Protocol isinstance check costs ~70 µs, more than
            # the pattern stage spends on a typical text.
            if hasattr(stage, "detect_many") and isinstance(stage, BatchStage):
                for i, spans in zip(active, stage.detect_many([docs[i] for i in active]), strict=True):
                    candidates[i].extend(spans)
            else:
                for i in active:
                    candidates[i].extend(stage.detect(docs[i]))
        for i in pending:
            results[i] = grow_names(
                merge(gate(candidates[i], self._policy(docs[i])), docs[i].text), docs[i].text
            )
        return [r if r is not None else [] for r in results]

    def _policy(self, doc: Document) -> Policy:
        return doc.policy or self.default_policy

    def _enabled(self, stage: Stage, doc: Document) -> bool:
        toggles = self._policy(doc).stages
        return bool(getattr(toggles, stage.name, True))

    def _field_rule(self, doc: Document) -> list[Span] | None:
        return field_rule(doc, self._policy(doc))


def field_rule(doc: Document, policy: Policy) -> list[Span] | None:
    """Spans fixed by the field's rule, or None when the text must go through detection."""
    return rule_spans(doc.text, None if doc.field is None else policy.fields.get(doc.field), policy)


def rule_spans(text: str, rule: str | None, policy: Policy) -> list[Span] | None:
    """Spans that `rule` (a field's rule from `policy.fields`; None: no field or no rule) fixes
    for `text`, or None when the text must go through detection."""
    if not text.strip():
        return []
    if rule is None or rule == "detect":
        return None
    if rule == "keep" or not policy.enabled(rule):
        return []
    return [_whole(len(text), rule)]


@functools.lru_cache(maxsize=4096)
def _whole(length: int, entity: str) -> Span:
    """The span of a whole field (spans are immutable: one per length and class serves all)."""
    return Span(0, length, entity, 1.0, "fields")


def default_pipeline(ner: Stage | None = None, policy: Policy | None = None) -> Pipeline:
    """Patterns, spoken values and custom entities, plus the NER stage when one is given."""
    stages: list[Stage] = [PatternStage(), SpokenStage(), CustomStage()]
    if ner is not None:
        stages.append(ner)
    return Pipeline(stages, default_policy=policy or Policy.default())
