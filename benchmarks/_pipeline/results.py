"""The figures of one measurement, and the window a rate is counted in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka.structs import ConsumerRecord

from streams.settings import WorkerSettings

#: Stamps further apart than this separate one worker's first batch from its second.
FIRST_GAP_MS = 20


@dataclass
class Throughput:
    label: str
    records: int
    counted: int
    seconds: float
    batch: str
    record_bytes: float
    cpu: dict[str, float] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.counted / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "records": self.records,
            "counted": self.counted,
            "seconds": self.seconds,
            "records_per_s": self.rate,
            "batch": self.batch,
            "mean_record_bytes": self.record_bytes,
            "cpu_cores": self.cpu,
            "stages": self.stages,
        }


@dataclass
class Latency:
    label: str
    rate: float
    batch: str
    latencies_ms: list[float]
    missing: int
    cpu: dict[str, float] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)
    breakdown: dict[str, Any] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        values = sorted(self.latencies_ms)
        if not values:
            return float("nan")
        index = max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))
        return values[index]

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "rate_per_s": self.rate,
            "batch": self.batch,
            "messages": len(self.latencies_ms),
            "missing": self.missing,
            "p50_ms": self.pct(50),
            "p90_ms": self.pct(90),
            "p99_ms": self.pct(99),
            "max_ms": max(self.latencies_ms, default=float("nan")),
            "cpu_cores": self.cpu,
            "stages": self.stages,
            "tail_breakdown": self.breakdown,
        }


def window(
    records: Sequence[ConsumerRecord[bytes, bytes]], first_batch: int | None = None
) -> tuple[float, float, int]:
    """Start and end (s, from CreateTime stamps) of a rate window, and the records it counts.

    Plain: first output to last, counting n - 1. With `first_batch` (one sequential consumer
    whose batches hold at most that many records): the first batch's outputs end at the first
    gap of >= FIRST_GAP_MS between stamps among the first `first_batch` + 1; the window starts
    at its last output and does not count it (it was processed before the window opened).
    Without such a gap it falls back to the plain window, which overstates by one batch at most.
    """
    stamps = sorted(r.timestamp for r in records)
    if first_batch:
        for i in range(1, min(first_batch + 1, len(stamps))):
            if stamps[i] - stamps[i - 1] >= FIRST_GAP_MS:
                return stamps[i - 1] / 1000, stamps[-1] / 1000, len(stamps) - i
    return stamps[0] / 1000, stamps[-1] / 1000, len(stamps) - 1


def batch_label(settings: WorkerSettings) -> str:
    return f"batch_size {settings.batch_size}, batch_within {settings.batch_within:g} s"


def source_of(record: Any) -> str:
    """The `veilstream-source` header of a masked record: its input's `topic/partition/offset`."""
    return dict(record.headers)["veilstream-source"].decode()
