"""Audit checkpoints on the audit topic: the mask worker anchors every tenant's audit chain
outside the database every `audit_checkpoint_s` seconds (`vault.audit` explains why).

A checkpoint record: key `audit-checkpoint/<tenant>`, header `veilstream-kind: audit-checkpoint`,
value `{"type": "audit_checkpoint", "tenant", "seq", "hash", "at", "mac"}`. No values, ever.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from streams.kafka import OutRecord
from streams.kafka_client import Target, client_options
from vault import audit
from vault.store import Vault

log = logging.getLogger(__name__)

KIND_HEADER = "veilstream-kind"
KIND = b"audit-checkpoint"


def checkpoint_record(point: audit.Checkpoint, topic: str) -> OutRecord:
    key = f"audit-checkpoint/{point.tenant}".encode()
    value = json.dumps(point.to_json(), separators=(",", ":")).encode()
    return OutRecord(topic, key, value, ((KIND_HEADER, KIND), ("veilstream-tenant", point.tenant.encode())))


def read_checkpoint(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> audit.Checkpoint | None:
    """The checkpoint an audit-topic record carries, or None for every other record."""
    if (KIND_HEADER, KIND) not in tuple(headers):
        return None
    try:
        return audit.Checkpoint.from_json(json.loads(value or b""))
    except (ValueError, KeyError, TypeError):
        return None


class Checkpointer:
    """Writes and publishes checkpoints of the chains that moved, at most every `interval` s."""

    def __init__(
        self,
        vault: Vault,
        topic: str,
        send_all: Callable[[Sequence[OutRecord]], Awaitable[None]],
        interval: float,
    ) -> None:
        self.vault = vault
        self.topic = topic
        self.send_all = send_all
        self.interval = interval
        self._last = -float("inf")  # the first batch anchors at once

    async def maybe(self) -> int:
        """Publish checkpoints when the interval has passed; how many were published."""
        if self.interval <= 0 or time.monotonic() - self._last < self.interval:
            return 0
        self._last = time.monotonic()
        return await self.publish()

    async def publish(self) -> int:
        async with self.vault.pool.connection() as conn:
            points = [
                point
                for tenant in await audit.stale_tenants(conn)
                if (point := await audit.checkpoint(conn, self.vault.keyring, tenant)) is not None
            ]
        if points:
            await self.send_all([checkpoint_record(p, self.topic) for p in points])
            log.info("audit checkpoints published tenants=%d", len(points))
        return len(points)


async def published(target: Target, topic: str, idle_s: float = 1.0) -> list[audit.Checkpoint]:
    """Every checkpoint on the audit topic, read from its start to its end (`target`: the worker's
    settings, or a plaintext broker URL or server list)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(**client_options(target), enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await consumer._client.force_metadata_update()  # aiokafka has no public call for it
            partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assigned:
            return []
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        found: list[audit.Checkpoint] = []
        quiet_since = time.monotonic()
        while True:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                for record in batch:
                    point = read_checkpoint(record.value, tuple(record.headers))
                    if point is not None:
                        found.append(point)
            at_end = True
            for tp in assigned:
                at_end = at_end and await consumer.position(tp) >= ends[tp]
            if batches:
                quiet_since = time.monotonic()
            elif at_end and time.monotonic() - quiet_since >= idle_s:
                return found
    finally:
        await consumer.stop()
