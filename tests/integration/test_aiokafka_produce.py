"""The aiokafka engine's batched produce (`AiokafkaWorker._send_many`) against the per-record `_send`.

Both paths write the same records to twin topics of one broker; what a consumer reads back must
be the same, partition by partition and in order: keys, values, headers (timestamps aside).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from worker_harness import consume, unique_settings

from streams.engines.aiokafka import MAX_REQUEST_SIZE, AiokafkaWorker
from streams.kafka import OutRecord
from streams.topics import create_topics
from vault import VaultSettings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

PARTITIONS = 4


def _records(masked: str, audit: str) -> list[OutRecord]:
    """Masked + audit pairs as the masker makes them, and the odd shapes: tombstones, no key,
    no headers, values big enough to fill several record batches of one partition."""
    out: list[OutRecord] = []
    for i in range(300):
        big = b"v" * (3000 if i % 7 == 0 else 200) + str(i).encode()
        source = ("veilstream-source", f"in/{i % 4}/{i}".encode())
        headers = () if i % 30 == 7 else (("veilstream-tenant", b"acme"), source)
        key = None if i % 50 == 3 else f'{{"id":{i}}}'.encode()
        value = None if i % 40 == 5 else big
        out.append(OutRecord(masked, key, value, headers, i % PARTITIONS))
        out.append(
            OutRecord(audit, f"in/{i % 4}/{i}".encode(), b"a" * (i % 900), (("veilstream-tenant", b"acme"),))
        )
    return out


def _by_partition(records: list[Any]) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        out[r.partition].append((r.key, r.value, tuple(r.headers)))
    return dict(out)


async def test_batched_produce_writes_what_per_record_sends_write(kafka_server: str) -> None:
    settings = unique_settings(kafka_server, partitions=PARTITIONS)
    topics = [f"{settings.app_id}.{name}" for name in ("m1", "a1", "m2", "a2")]
    spare = f"{settings.app_id}.x"
    status = await create_topics(settings, [*topics, spare])
    assert all(s.startswith(("created", "exists")) for s in status.values()), status
    worker = AiokafkaWorker(settings, VaultSettings(), "unmask")
    await worker.producer.start()
    try:
        one = _records(topics[0], topics[1])
        acks = [await worker._send(r) for r in one]
        await asyncio.gather(*acks)
        many = _records(topics[2], topics[3])
        acks = await worker._send_many(many)
        assert len(acks) == len(many)
        await asyncio.gather(*acks)

        huge = OutRecord(spare, b"k", b"x" * MAX_REQUEST_SIZE, (), 0)
        with pytest.raises(MessageSizeTooLargeError):
            await worker._send(huge)
        # the huge record's ack fails, the other one goes
        too_big, small = await worker._send_many([huge, OutRecord(spare, b"k", b"small", (), 0)])
        with pytest.raises(MessageSizeTooLargeError):
            await too_big
        await small
    finally:
        await worker.producer.stop()
        await worker.consumer.stop()

    read = await consume(kafka_server, topics, lambda seen: len(seen) >= len(one) + len(many))
    by_topic: dict[str, list[Any]] = defaultdict(list)
    for r in read:
        by_topic[r.topic].append(r)
    # masked records: the partition they were sent to; audit records: the partitioner's choice
    assert _by_partition(by_topic[topics[2]]) == _by_partition(by_topic[topics[0]])
    assert _by_partition(by_topic[topics[3]]) == _by_partition(by_topic[topics[1]])
    assert len(by_topic[topics[2]]) == len(one) // 2 and len(by_topic[topics[3]]) == len(one) // 2
