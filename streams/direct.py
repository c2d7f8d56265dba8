"""The `aiokafka` engine: the same roles as the faust app, on a plain consumer-group loop.

faust hands every record to the agent as an event, through a consumer thread, a conductor
and a stream buffer; on the development machine that costs about 300 µs per record before
the agent sees it (a bare faust forwarder tops out near 3,000 records/s, against 12,000+
for an aiokafka consume -> produce loop). This engine reads batches with `getmany` and runs
the same per-batch code (`Runtime.prepare`, then its delivery step). A batch's offsets are
committed only after its delivery returns, that is after every output record is acknowledged
and every rejected record quarantined. Same delivery semantics as the faust agents: at least
once, replays byte-identical (deterministic tokens).

A batch's masked and audit records are produced in record batches built here, one
`send_batch` per topic partition (`DirectWorker._send_many`): the same records as one `send`
each, without a coroutine and an ack future per record.

Two batches overlap: batch N+1 is parsed, detected and tokenized while batch N's records
wait for the broker's acks. Deliveries (produce, quarantine, commit) run one at a time in
batch order, so records keep their order per partition and offsets are committed in order.

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

from streams import metrics
from streams.app import Detect, Runtime, app_id, input_topics, observe_delay
from streams.fetch_wait import FetchWait
from streams.health import READINESS
from streams.kafka import InRecord, OutRecord, in_record
from streams.kafka_client import client_options, connect_problem
from streams.partitioner import partition_of
from streams.routing import subscription
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

    def __init__(self, worker: DirectWorker) -> None:
        self.worker = worker

    async def on_partitions_revoked(self, revoked: Any) -> None:
        READINESS.set(assigned=False, partitions=0)
        async with self.worker.lock:
            await self.worker.settle()
            log.info("partitions revoked count=%d", len(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        READINESS.set(assigned=True, partitions=len(assigned))
        log.info("partitions assigned count=%d", len(assigned))


class DirectWorker:
    """One role on aiokafka: consume a batch, handle it, commit it."""

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
        options = client_options(settings)
        self.consumer = AIOKafkaConsumer(
            *input_topics(settings, role),
            **options,
            group_id=app_id(settings, role),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            max_poll_records=settings.batch_size,
            session_timeout_ms=int(settings.session_timeout * 1000),
            heartbeat_interval_ms=int(min(3.0, settings.session_timeout / 3) * 1000),
        )
        self.producer = AIOKafkaProducer(
            **options,
            acks="all",
            linger_ms=0,
            enable_idempotence=False,
            max_request_size=MAX_REQUEST_SIZE,
        )
        self.runtime = Runtime(settings, vault_settings, detect, self._send, self._send_many)
        self.delivering: asyncio.Task[None] | None = None
        self.fetch_wait = FetchWait(
            settings.fetch_max_wait_ms, settings.fetch_active_wait_ms, settings.fetch_active_linger
        )

    async def settle(self) -> None:
        """Wait for the delivery in flight (its failure is raised by the loop, not here)."""
        task, self.delivering = self.delivering, None
        if task is not None:
            await asyncio.wait([task])
            if not task.cancelled() and task.exception() is not None:
                self.delivering = task  # the loop re-raises it

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
            within = int(self.settings.batch_within * 1000)
            while True:
                fetched = await self.consumer.getmany(timeout_ms=within, max_records=self.settings.batch_size)
                self.fetch_wait.fetched(bool(fetched))
                if self.delivering is not None and self.delivering.done():
                    self.delivering.result()  # a failed delivery stops the worker, uncommitted
                    self.delivering = None
                if not fetched:
                    continue
                async with self.lock:
                    await self._batch(fetched)
        finally:
            if self.delivering is not None:
                self.delivering.cancel()
            with contextlib.suppress(Exception):
                await self.consumer.stop()  # no commit: an unfinished batch is consumed again
            with contextlib.suppress(Exception):
                await self.producer.stop()
            await self.runtime.close()

    async def _batch(self, fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> None:
        """Prepare this batch (overlapping the previous delivery), then start its delivery."""
        messages = [m for batch in fetched.values() for m in batch]
        observe_delay(time.time(), (m.timestamp / 1000 for m in messages if m.timestamp))
        deliver = await self.runtime.prepare(self.role, [aiokafka_record(m) for m in messages])
        offsets = {tp: batch[-1].offset + 1 for tp, batch in fetched.items() if batch}
        previous = self.delivering
        if previous is not None:
            waited = time.perf_counter()
            await previous  # deliveries in batch order; a failure stops the worker here
            metrics.DELIVERY_WAIT.observe(time.perf_counter() - waited)
        self.delivering = asyncio.create_task(self._deliver(deliver, offsets))

    async def _deliver(
        self, deliver: Callable[[], Awaitable[Any]], offsets: dict[TopicPartition, int]
    ) -> None:
        await deliver()
        try:
            await self.consumer.commit(offsets)
        except CommitFailedError:  # the group moved on: the new owner replays (identically)
            log.warning("offset commit refused after a rebalance; records will be replayed")
        self._observe_lag(offsets)

    def _observe_lag(self, next_offsets: dict[TopicPartition, int]) -> None:
        for tp, offset in next_offsets.items():
            high = self.consumer.highwater(tp)
            if high is not None:
                metrics.LAG.labels(tp.topic, str(tp.partition)).set(max(0, high - offset))


def run(settings: WorkerSettings, vault_settings: VaultSettings, role: Role, detect: Detect | None) -> int:
    """Run a role on the aiokafka engine until SIGINT or SIGTERM; the process exit code."""

    async def main() -> None:
        worker = DirectWorker(settings, vault_settings, role, detect)
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - asyncio.run always runs main() in a task
            raise RuntimeError("no running task")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        log.info("worker started role=%s engine=aiokafka group=%s", role, app_id(settings, role))
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


__all__ = ["DirectWorker", "aiokafka_record", "run"]
