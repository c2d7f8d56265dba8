"""The two values that cross every stage boundary: `Document` in, `Span` out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detectors.policy import Policy


@dataclass(frozen=True, slots=True)
class Span:
    """A detected entity: half-open character range `[start, end)` of the document text."""

    start: int
    end: int
    entity: str
    score: float
    stage: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"invalid span range [{self.start}, {self.end})")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"span score {self.score} outside [0, 1]")

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def to_json(self) -> dict[str, object]:
        """The `veilstream detect` output contract for one span."""
        return {
            "start": self.start,
            "end": self.end,
            "entity_type": self.entity,
            "score": round(self.score, 4),
            "stage": self.stage,
        }


@dataclass(frozen=True, slots=True)
class Document:
    """What a stage looks at: the text plus what is known about where it came from."""

    text: str
    lang: str = "en"
    field: str | None = None
    policy: Policy | None = None
