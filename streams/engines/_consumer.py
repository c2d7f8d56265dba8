"""What both engines consume with, built once: a role's group and client settings, and the
consume-delay and lag metrics of what it reads. Each engine maps `GroupConfig` to its client's
own argument names and units."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from streams import metrics
from streams.routing import subscription
from streams.settings import Role, WorkerSettings


@dataclass(frozen=True, slots=True)
class GroupConfig:
    """A role's consumer group and the client settings both engines give their Kafka clients."""

    group_id: str
    #: Topics subscribed to by name (none where the subscription is a pattern: aiokafka only).
    topics: tuple[str, ...]
    batch_size: int
    batch_within_s: float
    fetch_max_wait_ms: int
    session_timeout_s: float
    heartbeat_interval_s: float
    #: A new group reads its topics from the start: no record is skipped.
    auto_offset_reset: Literal["earliest"] = "earliest"
    #: Every in-sync replica has a produced record before its ack (`acks=all`, faust's -1).
    producer_acks: Literal["all"] = "all"
    #: A batch is sent before its acks are awaited: linger would only add latency.
    producer_linger_ms: int = 0


def group_config(settings: WorkerSettings, role: Role) -> GroupConfig:
    """The settings of `role`'s consumer group and clients."""
    return GroupConfig(
        group_id=settings.app_id if role == "mask" else f"{settings.app_id}-unmask",  # a group of its own
        topics=subscription(settings, role).topics,
        batch_size=settings.batch_size,
        batch_within_s=settings.batch_within,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        session_timeout_s=settings.session_timeout,
        heartbeat_interval_s=min(3.0, settings.session_timeout / 3),
    )


def observe_delay(now: float, timestamps: Iterable[float]) -> None:
    """Record timestamp (seconds) -> start of its batch, into the consume-delay histogram."""
    for ts in timestamps:
        metrics.CONSUME_DELAY.observe(max(0.0, now - ts))


class Partition(Protocol):
    """A topic partition as either client names it (aiokafka's `TopicPartition`, faust's `TP`)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...


P = TypeVar("P", bound=Partition)


def observe_lag(highwater: Callable[[P], int | None], next_offsets: Mapping[P, int]) -> None:
    """Records behind the high watermark, per partition, after a batch's commit step (`next_offsets`:
    the offset after each partition's last record; `highwater` None: not known yet)."""
    for tp, offset in next_offsets.items():
        high = highwater(tp)
        if high is not None:
            metrics.LAG.labels(tp.topic, str(tp.partition)).set(max(0, high - offset))


__all__ = ["GroupConfig", "Partition", "group_config", "observe_delay", "observe_lag"]
