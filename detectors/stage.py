"""The one contract every detection stage implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from detectors.span import Document, Span


@runtime_checkable
class Stage(Protocol):
    """A detection stage: a document in, spans out. Stages never see each other's output."""

    @property
    def name(self) -> str: ...

    def detect(self, doc: Document) -> list[Span]: ...


@runtime_checkable
class BatchStage(Stage, Protocol):
    """A stage that is cheaper per document when given many at once (the NER model)."""

    def detect_many(self, docs: Sequence[Document]) -> list[list[Span]]: ...
