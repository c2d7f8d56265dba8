"""Kafka for the pipeline benchmark: produce inputs, read outputs back, wait for a consumer group."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, TopicPartition

from benchmarks._pipeline.corpus import Record
from benchmarks._pipeline.errors import BenchError
from benchmarks._pipeline.servers import PARTITIONS, Worker
from streams.settings import WorkerSettings


async def produce(bootstrap: str, records: Iterable[Record], **config: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, **config)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, headers=list(headers), partition=partition)
            for topic, key, value, headers, partition in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def reader(bootstrap: str, **config: Any) -> AIOKafkaConsumer:
    """A consumer without a group or commits, for reading whole topics fast."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        fetch_max_bytes=64 << 20,
        max_partition_fetch_bytes=16 << 20,
        **config,
    )


def partitions(topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in range(PARTITIONS)]


async def wait_group(bootstrap: str, group: str, members: int, timeout: float = 60.0) -> None:
    """Until the consumer group is Stable with `members` members."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout
        state: Any = None
        while time.monotonic() < deadline:
            response = await admin.describe_consumer_groups([group])
            for _error, name, state, _ptype, _proto, group_members in response[0].groups:
                if name == group and state == "Stable" and len(group_members) == members:
                    return
            await asyncio.sleep(0.2)
        raise BenchError(f"consumer group {group} not stable with {members} members (state {state})")
    finally:
        await admin.close()


class Outputs:
    """Reads a topic from its start in the background; `wait` until it holds enough records.

    Counted by fetching, not from end offsets: Tansu answers ListOffsets (latest) with the base
    offset of the partition's last record batch plus one, short of the end by that batch's size.
    """

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.records: list[ConsumerRecord[bytes, bytes]] = []
        self._consumer = reader(bootstrap)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Outputs:
        await self._consumer.start()
        tps = partitions(self.topic)
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            for records in (await self._consumer.getmany(timeout_ms=200)).values():
                self.records.extend(records)

    async def wait(
        self, count: int, settings: WorkerSettings, workers: Sequence[Worker], stall: float = 120.0
    ) -> None:
        """BenchError when a worker dies, a record goes to the DLQ, or nothing comes for `stall` s."""
        last, progress = -1, time.monotonic()
        while (done := len(self.records)) < count:
            await self._check(settings, workers)
            if done != last:
                last, progress = done, time.monotonic()
            elif time.monotonic() - progress > stall:
                consumed = [{k: v for k, v in w.scrape().items() if k.startswith("in:")} for w in workers]
                raise BenchError(
                    f"only {done} of {count} records on {self.topic}, none new for {stall:g} s;"
                    f" workers consumed {consumed}; logs {[str(w.process.log) for w in workers]}"
                )
            await asyncio.sleep(0.1)

    async def _check(self, settings: WorkerSettings, workers: Sequence[Worker]) -> None:
        """The reader's error, or BenchError when a worker has exited or a record went to the DLQ."""
        if self._task is not None and self._task.done():
            self._task.result()
        dead = [w.process for w in workers if not w.process.alive]
        if dead:
            raise BenchError(f"a worker exited ({dead[0].returncode}):\n{dead[0].tail()}")
        if workers and sum((await self._consumer.end_offsets(partitions(settings.dlq_topic))).values()):
            raise BenchError(f"records went to the DLQ: see {workers[0].process.log}")
