"""The `aiokafka` engine (the default): the worker's roles on a plain consumer-group loop.

faust hands every record to the agent as an event, through a consumer thread, a conductor
and a stream buffer; on the development machine that costs about 300 µs per record before
the agent sees it (a bare faust forwarder tops out near 3,000 records/s, against 12,000+
for an aiokafka consume -> produce loop). This engine reads batches with `getmany` and runs
the same per-batch code (`streams.runtime.Runtime`) in the same commit order
(`streams.committer`), committing a batch's offsets itself. Two batches overlap: batch N+1 is
parsed, detected and tokenized while batch N's records wait for the broker's acks. It never
imports faust (`tests/unit/test_layering.py`).

A batch's masked and audit records are produced in record batches built here, one
`send_batch` per topic partition (`AiokafkaWorker._send_many`): the same records as one `send`
each, without a coroutine and an ack future per record.

The fetch wait adapts (`streams.fetch_wait`): short while records flow, `fetch_max_wait_ms`
once the input is idle. The loop is uvloop's where it is installed.

A rebalance waits for the batches in hand (the revocation callback takes the loop's lock and
then waits for the delivery in flight), so a revoked partition's offsets are committed by the
worker that processed them. SIGINT or SIGTERM stops the loop at once: batches in hand are
not committed and are consumed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError, MessageSizeTooLargeError
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.structs import ConsumerRecord, TopicPartition

from streams import gc_tuning
from streams.committer import BatchCommitter
from streams.engines._consumer import group_config, observe_delay, observe_lag
from streams.fetch_wait import FetchWait
from streams.health import READINESS
from streams.kafka import InRecord, OutRecord, in_record
from streams.kafka_client import client_options, connect_problem
from streams.partitioner import partition_of
from streams.routing import subscription
from streams.runtime import Detect, Runtime
from streams.service import Backoff, refused
from streams.settings import Role, WorkerSettings
from vault.settings import VaultSettings

log = logging.getLogger(__name__)

#: The producer's `max_request_size` (aiokafka's default), also checked by `_send_many`.
MAX_REQUEST_SIZE = 1_048_576


def aiokafka_record(message: ConsumerRecord[bytes, bytes]) -> InRecord:
    """An aiokafka record (timestamp in ms) as an `InRecord`."""
    return in_record(message, message.timestamp)


class _Rebalance(ConsumerRebalanceListener):
    """Lets the batches in hand finish (and commit) before their partitions move."""

    def __init__(self, worker: AiokafkaWorker) -> None:
        self.worker = worker

    async def on_partitions_revoked(self, revoked: Any) -> None:
        READINESS.set(assigned=False, partitions=0)
        async with self.worker.lock:
            await self.worker.settle()
            log.info("partitions revoked count=%d", len(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        READINESS.set(assigned=True, partitions=len(assigned))
        log.info("partitions assigned count=%d", len(assigned))


class AiokafkaWorker:
    """One role on aiokafka: consume a batch, hand it to the committer, commit its offsets."""

    def __init__(
        self,
        settings: WorkerSettings,
        vault_settings: VaultSettings,
        role: Role,
        detect: Detect | None = None,
    ) -> None:
        if role == "mask" and detect is None:
            raise ValueError("the mask role needs a detection function")
        self.settings = settings
        self.role = role
        self.lock = asyncio.Lock()
        self.config = config = group_config(settings, role)
        options = client_options(settings)
        self.consumer = AIOKafkaConsumer(
            *config.topics,
            **options,
            group_id=config.group_id,
            enable_auto_commit=False,  # offsets are committed by the committer, after delivery
            auto_offset_reset=config.auto_offset_reset,
            fetch_max_wait_ms=config.fetch_max_wait_ms,
            max_poll_records=config.batch_size,
            session_timeout_ms=int(config.session_timeout_s * 1000),
            heartbeat_interval_ms=int(config.heartbeat_interval_s * 1000),
        )
        self.producer = AIOKafkaProducer(
            **options,
            acks=config.producer_acks,
            linger_ms=config.producer_linger_ms,
            enable_idempotence=False,
            max_request_size=MAX_REQUEST_SIZE,
        )
        self.runtime = Runtime(settings, vault_settings, detect, self._send, self._send_many)
        self.committer = BatchCommitter()
        self.fetch_wait = FetchWait(
            settings.fetch_max_wait_ms, settings.fetch_active_wait_ms, settings.fetch_active_linger
        )

    async def settle(self) -> None:
        """Wait for the delivery in flight (its failure is raised by the loop, not here)."""
        await self.committer.settle()

    async def _send(self, record: OutRecord) -> Any:
        return await self.producer.send(
            record.topic,
            record.value,
            key=record.key,
            partition=record.partition,
            headers=list(record.headers),
        )

    async def _send_many(self, records: Sequence[OutRecord]) -> list[Awaitable[Any]]:
        """`_send` for many records, in record batches built here: one `send_batch` per full batch
        and per topic partition instead of one `send` (and one ack future) per record.

        What reaches the broker is what `_send` sends: the same records, keys, values and
        headers, in the same order within each partition; a record without a partition goes
        where the producer's partitioner puts it (`send` asks the same partitioner). Batches
        are filled up to the producer's batch size, as its accumulator fills them. A record larger
        than `MAX_REQUEST_SIZE`, which `send` refuses with `MessageSizeTooLargeError`, gets an ack
        failed with that error (see `streams.service.refused`); the other records still go.
        Every record of a batch gets the batch's ack (aiokafka acks a batch as a whole anyway).
        """
        producer = self.producer
        acks: list[Awaitable[Any] | None] = []
        open_batches: dict[tuple[str, int], tuple[Any, list[int]]] = {}  # builder, its records
        partitions: dict[str, list[int]] = {}

        async def enqueue(topic: str, partition: int, builder: Any, members: list[int]) -> None:
            ack = await producer.send_batch(builder, topic, partition=partition)
            for index in members:
                acks[index] = ack

        for index, record in enumerate(records):
            headers = list(record.headers)
            size = DefaultRecordBatchBuilder.estimate_size_in_bytes(record.key, record.value, headers)
            if size > MAX_REQUEST_SIZE:  # refused for good: a failed ack, the others still go
                acks.append(refused(MessageSizeTooLargeError(f"a record of {size} bytes")))
                continue
            partition = record.partition
            if partition is None:
                if record.key is None:  # a random partition: `send` picks it among available ones
                    acks.append(await self._send(record))
                    continue
                known = partitions.get(record.topic)
                if known is None:
                    known = partitions[record.topic] = sorted(await producer.partitions_for(record.topic))
                partition = partition_of(record.key, known)  # where `send` puts it (Kafka's rule)
            acks.append(None)  # set when its batch is enqueued
            tp = (record.topic, partition)
            builder, members = open_batches.get(tp, (None, []))
            if builder is not None:
                appended = builder.append(timestamp=None, key=record.key, value=record.value, headers=headers)
                if appended is not None:
                    members.append(index)
                    continue
                await enqueue(record.topic, partition, builder, members)  # full: off it goes
            builder = producer.create_batch()
            builder.append(timestamp=None, key=record.key, value=record.value, headers=headers)
            open_batches[tp] = (builder, [index])  # an empty batch takes any record
        for (topic, partition), (builder, members) in open_batches.items():
            await enqueue(topic, partition, builder, members)
        enqueued = [ack for ack in acks if ack is not None]
        if len(enqueued) != len(records):  # cannot happen: every open batch is enqueued above
            raise RuntimeError("a record was left without its ack")
        return enqueued

    async def _start(self, client: AIOKafkaConsumer | AIOKafkaProducer, name: str) -> None:
        backoff = Backoff(self.settings.backoff_min, self.settings.backoff_max)
        while True:
            try:
                await client.start()
                return
            except (KafkaError, KeyError, ValueError) as exc:  # SCRAM refusals surface as KeyError
                await backoff.wait("broker", exc, f"{name} start: {connect_problem(exc)}")

    async def run(self) -> None:
        """Consume until cancelled."""
        await self._start(self.producer, "producer")
        try:
            await self.runtime.ready()  # the vault first: no partitions for a worker that cannot mask
            wanted = subscription(self.settings, self.role)  # names, or a regular expression
            if wanted.pattern is None:
                self.consumer.subscribe(list(wanted.topics), listener=_Rebalance(self))
            else:
                self.consumer.subscribe(pattern=wanted.pattern, listener=_Rebalance(self))
            await self._start(self.consumer, "consumer")
            self.fetch_wait.attach(self.consumer)
            within, most = int(self.config.batch_within_s * 1000), self.config.batch_size
            while True:
                fetched = await self.consumer.getmany(timeout_ms=within, max_records=most)
                self.fetch_wait.fetched(bool(fetched))
                self.committer.check()  # a failed delivery stops the worker, uncommitted
                if not fetched:
                    continue
                async with self.lock:
                    await self._batch(fetched)
        finally:
            self.committer.cancel()
            with contextlib.suppress(Exception):
                await self.consumer.stop()  # no commit: an unfinished batch is consumed again
            with contextlib.suppress(Exception):
                await self.producer.stop()
            await self.runtime.close()

    async def _batch(self, fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> None:
        """Prepare this batch (overlapping the previous delivery), then start its delivery."""
        messages = [m for batch in fetched.values() for m in batch]
        observe_delay(time.time(), (m.timestamp / 1000 for m in messages if m.timestamp))
        offsets = {tp: batch[-1].offset + 1 for tp, batch in fetched.items() if batch}

        async def commit() -> None:
            try:
                await self.consumer.commit(offsets)
            except CommitFailedError:  # the group moved on: the new owner replays (identically)
                log.warning("offset commit refused after a rebalance; records will be replayed")
            observe_lag(self.consumer.highwater, offsets)

        prepare = self.runtime.prepare(self.role, [aiokafka_record(m) for m in messages])
        await self.committer.submit(prepare, commit)


def run(
    settings: WorkerSettings, vault_settings: VaultSettings, role: Role, detect: Detect | None, log_level: str
) -> int:
    """Run a role on the aiokafka engine until SIGINT or SIGTERM; the process exit code."""
    gc_tuning.tune(settings.gc_threshold)  # startup is done
    gc_tuning.observe()

    async def main() -> None:
        worker = AiokafkaWorker(settings, vault_settings, role, detect)
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - asyncio.run always runs main() in a task
            raise RuntimeError("no running task")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        group = group_config(settings, role).group_id
        log.info("worker started role=%s engine=aiokafka group=%s", role, group)
        try:
            await worker.run()
        except asyncio.CancelledError:
            log.info("worker stopping role=%s", role)

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(main())
    return 0


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (a dependency except on Windows), else asyncio's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is installed wherever it builds
        return None
    return uvloop.new_event_loop


__all__ = ["MAX_REQUEST_SIZE", "AiokafkaWorker", "aiokafka_record", "run"]
