"""The aiokafka engine's wiring, without a broker (its behaviour is in tests/integration)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord

from streams.direct import DirectWorker, aiokafka_record
from streams.settings import WorkerSettings
from vault.settings import VaultSettings


def test_consumer_settings_come_from_the_worker_settings() -> None:
    settings = WorkerSettings(
        broker_url="kafka://h1:9092,h2:9093", app_id="acme", fetch_max_wait_ms=25, batch_size=77
    )

    async def main() -> DirectWorker:
        worker = DirectWorker(settings, VaultSettings(), "unmask")
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
        DirectWorker(WorkerSettings(), VaultSettings(), "mask")

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
        worker = DirectWorker(WorkerSettings(), VaultSettings(), "unmask")
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
