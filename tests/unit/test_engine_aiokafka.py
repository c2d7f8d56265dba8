"""The aiokafka engine's wiring, without a broker (its behaviour is in tests/integration)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord

from streams.engines.aiokafka import AiokafkaWorker, aiokafka_record
from streams.settings import WorkerSettings
from vault.settings import VaultSettings


def test_consumer_settings_come_from_the_worker_settings() -> None:
    settings = WorkerSettings(
        broker_url="kafka://h1:9092,h2:9093", app_id="acme", fetch_max_wait_ms=25, batch_size=77
    )

    async def main() -> AiokafkaWorker:
        worker = AiokafkaWorker(settings, VaultSettings(), "unmask")
        await worker.consumer.stop()  # never started: stop only marks it closed
        await worker.producer.stop()
        return worker

    worker = asyncio.run(main())
    consumer = worker.consumer
    assert consumer._client._bootstrap_servers == ["h1:9092", "h2:9093"]
    assert consumer._group_id == "acme-unmask"  # the unmask role has its own group, as with faust
    assert consumer._enable_auto_commit is False  # offsets only after delivery
    assert consumer._fetch_max_wait_ms == 25
    assert consumer._max_poll_records == 77
    assert worker.producer._txn_manager is None  # not idempotent: Tansu has no idempotent producer


def test_the_mask_role_needs_a_detection_function() -> None:
    async def main() -> None:
        AiokafkaWorker(WorkerSettings(), VaultSettings(), "mask")

    with pytest.raises(ValueError, match="detection"):
        asyncio.run(main())


def test_in_record_keeps_position_bytes_headers_and_timestamp() -> None:
    message = ConsumerRecord(
        "crm.cdc.contacts", 3, 41, 1_760_000_000_123, 0, b"k", b"v", None, 1, 1, [("h", b"x")]
    )
    record = aiokafka_record(message)
    assert (record.topic, record.partition, record.offset) == ("crm.cdc.contacts", 3, 41)
    assert (record.key, record.value, record.timestamp_ms) == (b"k", b"v", 1_760_000_000_123)
    assert record.headers == (("h", b"x"),)
    assert record.reference == "crm.cdc.contacts/3/41"


class _FakeConsumer:
    def __init__(self) -> None:
        self.commits: list[dict[Any, int]] = []

    async def commit(self, offsets: dict[Any, int]) -> None:
        self.commits.append(dict(offsets))

    def highwater(self, _tp: Any) -> int | None:
        return None


class _SlowFirstRuntime:
    """Prepares instantly; the first batch's delivery is the slowest."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def prepare(self, _role: str, records: list[Any]) -> Any:
        first = records[0].offset
        self.events.append(f"prepare {first}")

        async def deliver() -> None:
            await asyncio.sleep(0.05 if first == 0 else 0.0)
            self.events.append(f"deliver {first}")

        return deliver


def test_batches_overlap_but_deliveries_and_commits_keep_batch_order() -> None:
    from aiokafka.structs import TopicPartition

    tp = TopicPartition("support.messages", 0)

    def batch(start: int) -> dict[Any, list[ConsumerRecord[bytes, bytes]]]:
        return {
            tp: [
                ConsumerRecord(tp.topic, 0, o, 0, 0, None, b"v", None, 0, 1, [])
                for o in range(start, start + 2)
            ]
        }

    async def main() -> tuple[list[str], list[dict[Any, int]]]:
        worker = AiokafkaWorker(WorkerSettings(), VaultSettings(), "unmask")
        await worker.consumer.stop()
        await worker.producer.stop()
        runtime, consumer = _SlowFirstRuntime(), _FakeConsumer()
        worker.runtime, worker.consumer = runtime, consumer  # type: ignore[assignment]
        await worker._batch(batch(0))
        await worker._batch(batch(2))  # prepared while batch 0 is still being delivered
        await worker.settle()
        return runtime.events, consumer.commits

    events, commits = asyncio.run(main())
    assert events == ["prepare 0", "prepare 2", "deliver 0", "deliver 2"]
    assert commits == [{tp: 2}, {tp: 4}]


class _FakeBatch:
    def __init__(self, size: int) -> None:
        self.size, self.records = size, []  # type: ignore[var-annotated]

    def append(
        self, *, timestamp: Any, key: bytes | None, value: bytes | None, headers: Any
    ) -> object | None:
        used = sum(len(v or b"") for _, v, _ in self.records)
        if self.records and used + len(value or b"") > self.size:
            return None
        self.records.append((key, value, list(headers)))
        return object()


class _FakeProducer:
    """create_batch / send_batch / send / partitions_for, recording what was enqueued where."""

    def __init__(self, batch_size: int = 100) -> None:
        self.batch_size = batch_size
        self.enqueued: list[tuple[str, int, list[Any]]] = []
        self.single: list[Any] = []

    def create_batch(self) -> _FakeBatch:
        return _FakeBatch(self.batch_size)

    async def send_batch(self, batch: _FakeBatch, topic: str, *, partition: int) -> asyncio.Future[int]:
        self.enqueued.append((topic, partition, batch.records))
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        fut.set_result(len(self.enqueued))
        return fut

    async def partitions_for(self, topic: str) -> set[int]:
        return {0, 1, 2}

    async def send(
        self, topic: str, value: Any, *, key: Any, partition: Any, headers: Any
    ) -> asyncio.Future[str]:
        self.single.append((topic, key, value))
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        fut.set_result("single")
        return fut


def test_send_many_fills_batches_per_partition_in_order_and_acks_each_record() -> None:
    from aiokafka.partitioner import DefaultPartitioner

    from streams.kafka import OutRecord

    records = [
        OutRecord("m", b"k0", b"x" * 40, (("h", b"1"),), 1),
        OutRecord("a", b"ref/1/0", b"y" * 10, (), None),
        OutRecord("m", b"k1", b"x" * 40, (), 1),
        OutRecord("m", b"k2", b"x" * 40, (), 1),  # the third does not fit: a second batch
        OutRecord("a", None, b"r", (), None),  # no key, no partition: the producer picks
        OutRecord("m", None, None, (), 0),
    ]

    async def main() -> tuple[_FakeProducer, list[Any]]:
        worker = AiokafkaWorker(WorkerSettings(), VaultSettings(), "unmask")
        await worker.consumer.stop()
        await worker.producer.stop()
        fake = _FakeProducer()
        worker.producer = fake  # type: ignore[assignment]
        acks = await worker._send_many(records)
        return fake, [await a for a in acks]

    fake, acked = asyncio.run(main())
    audit_partition = DefaultPartitioner()(b"ref/1/0", [0, 1, 2], [0, 1, 2])
    assert fake.enqueued == [
        ("m", 1, [(b"k0", b"x" * 40, [("h", b"1")]), (b"k1", b"x" * 40, [])]),
        ("m", 1, [(b"k2", b"x" * 40, [])]),
        ("a", audit_partition, [(b"ref/1/0", b"y" * 10, [])]),
        ("m", 0, [(None, None, [])]),
    ]
    assert fake.single == [("a", None, b"r")]
    # each record's ack is its batch's
    assert acked == [1, 3, 1, 2, "single", 4]


def test_send_many_fails_the_ack_of_a_record_over_the_request_size_and_sends_the_others() -> None:
    from aiokafka.errors import MessageSizeTooLargeError

    from streams.engines.aiokafka import MAX_REQUEST_SIZE
    from streams.kafka import OutRecord

    async def main() -> list[Any]:
        worker = AiokafkaWorker(WorkerSettings(), VaultSettings(), "unmask")
        await worker.consumer.stop()
        await worker.producer.stop()
        worker.producer = fake = _FakeProducer()  # type: ignore[assignment]
        records = [OutRecord("m", b"k", b"x" * MAX_REQUEST_SIZE, (), 0), OutRecord("m", b"k", b"ok", (), 0)]
        acks = await worker._send_many(records)
        assert len(acks) == 2 and [len(b) for _, _, b in fake.enqueued] == [1]  # the small record went
        return await asyncio.gather(*acks, return_exceptions=True)

    too_big, ok = asyncio.run(main())
    assert isinstance(too_big, MessageSizeTooLargeError) and not isinstance(ok, BaseException)


def test_the_engine_runs_on_uvloop_where_it_is_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    from streams.engines.aiokafka import _loop_factory

    assert _loop_factory() is uvloop.new_event_loop
