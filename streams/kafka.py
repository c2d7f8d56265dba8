"""Kafka records as the worker sees them, free of any client library's types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import regex

Headers = tuple[tuple[str, bytes], ...]

#: Header a replayed record carries: the reference it was quarantined under.
REPLAY_HEADER = "veilstream-replay"
_REFERENCE = regex.compile(r"[A-Za-z0-9._-]{1,249}/[0-9]{1,6}/[0-9]{1,19}")


@dataclass(frozen=True, slots=True)
class InRecord:
    """One consumed record: where it came from and its raw bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    timestamp_ms: int | None = None

    @property
    def reference(self) -> str:
        """`topic/partition/offset`: names the record in the DLQ and the quarantine, never its content."""
        return f"{self.topic}/{self.partition}/{self.offset}"

    @property
    def replay_of(self) -> str | None:
        """The quarantine reference of a replayed record (a well-formed reference only, else None)."""
        raw = self.header(REPLAY_HEADER)
        if not raw:
            return None
        text = raw.decode("ascii", "replace")
        return text if _REFERENCE.fullmatch(text) else None

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class OutRecord:
    """One record to produce. `partition` None lets the producer's partitioner choose."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    partition: int | None = None


def as_headers(raw: Iterable[tuple[str, bytes | None]] | Mapping[str, bytes | None] | None) -> Headers:
    """Normalize client headers (list of pairs or mapping) to a tuple of pairs; None values become b''."""
    if not raw:
        return ()
    items = raw.items() if isinstance(raw, Mapping) else raw
    return tuple((str(k), v if v is not None else b"") for k, v in items)


def in_record(message: Any, timestamp_ms: int | None) -> InRecord:
    """A consumed faust or aiokafka message as an `InRecord` (their timestamps differ in unit)."""
    return InRecord(
        message.topic,
        message.partition,
        message.offset,
        message.key,
        message.value,
        as_headers(message.headers),
        timestamp_ms,
    )
