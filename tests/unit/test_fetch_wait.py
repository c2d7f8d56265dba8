"""`streams.fetch_wait.FetchWait`: the consumer's fetch wait follows the traffic."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from types import SimpleNamespace

import pytest
from aiokafka.consumer.fetcher import Fetcher
from aiokafka.structs import ConsumerRecord, TopicPartition

from streams.engines.aiokafka import AiokafkaWorker
from streams.fetch_wait import FetchWait
from streams.settings import WorkerSettings
from vault.settings import VaultSettings


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _consumer(wait: int = 10) -> SimpleNamespace:
    return SimpleNamespace(_fetcher=SimpleNamespace(_fetch_max_wait_ms=wait))


def test_short_while_records_flow_long_once_idle_for_the_linger() -> None:
    clock = _Clock()
    wait = FetchWait(10, 2, 1.0, clock)
    consumer = _consumer(wait=500)
    assert wait.attach(consumer)
    fetcher = consumer._fetcher
    assert fetcher._fetch_max_wait_ms == 10  # starts idle
    wait.fetched(False)
    assert fetcher._fetch_max_wait_ms == 10
    wait.fetched(True)
    assert fetcher._fetch_max_wait_ms == 2
    clock.now += 0.9
    wait.fetched(False)
    assert fetcher._fetch_max_wait_ms == 2  # still within the linger
    wait.fetched(True)  # records again: the linger restarts
    clock.now += 0.9
    wait.fetched(False)
    assert fetcher._fetch_max_wait_ms == 2
    clock.now += 0.2
    wait.fetched(False)
    assert (fetcher._fetch_max_wait_ms, wait.current) == (10, 10)
    wait.fetched(True)
    assert fetcher._fetch_max_wait_ms == 2


@pytest.mark.parametrize("active", [0, 10, 25])
def test_no_shorter_active_wait_means_a_fixed_wait(active: int) -> None:
    wait = FetchWait(10, active, 1.0)
    consumer = _consumer()
    assert not wait.attach(consumer)
    wait.fetched(True)
    assert consumer._fetcher._fetch_max_wait_ms == 10


def test_a_fetcher_without_the_attribute_keeps_its_wait_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    wait = FetchWait(10, 2, 1.0)
    consumer = SimpleNamespace(_fetcher=SimpleNamespace(max_wait=10))
    with caplog.at_level(logging.WARNING, logger="streams.fetch_wait"):
        assert not wait.attach(consumer)
    assert "fetch wait stays at 10 ms" in caplog.text
    wait.fetched(True)  # a no-op, no error
    assert not hasattr(consumer._fetcher, "_fetch_max_wait_ms")
    assert not FetchWait(10, 2, 1.0).attach(SimpleNamespace())  # not started: no fetcher yet


def test_aiokafkas_fetcher_builds_its_requests_with_the_wait_set() -> None:
    """The private attribute `FetchWait` sets is the one aiokafka's fetcher reads: a fetcher
    made with one wait, switched to another, asks the broker for the new one."""
    tp = TopicPartition("crm.cdc.contacts", 0)
    position = SimpleNamespace(has_valid_position=True, paused=False, position=5)
    assignment = SimpleNamespace(tps=[tp], state_value=lambda _tp: position)

    async def main() -> list[int]:
        client = SimpleNamespace(
            _loop=asyncio.get_running_loop(),
            _metadata_max_age_ms=300_000,
            cluster=SimpleNamespace(leader_for_partition=lambda _tp: 0),
        )
        subscriptions = SimpleNamespace(register_fetch_waiters=lambda _waiters: None, subscription=None)
        fetcher = Fetcher(client, subscriptions, fetch_max_wait_ms=500)
        try:
            wait = FetchWait(10, 2, 1.0)
            waits = []
            for got_records in (None, True):
                if got_records is None:
                    assert wait.attach(SimpleNamespace(_fetcher=fetcher))
                else:
                    wait.fetched(got_records)
                [(_node, request)] = fetcher._get_actions_per_node(assignment)[0]
                waits.append(request._max_wait_ms)
            return waits
        finally:
            fetcher._fetch_task.cancel()

    assert asyncio.run(main()) == [10, 2]


def test_the_worker_builds_it_from_its_settings() -> None:
    settings = WorkerSettings(fetch_max_wait_ms=40, fetch_active_wait_ms=3, fetch_active_linger=0.5)

    async def main() -> AiokafkaWorker:
        worker = AiokafkaWorker(settings, VaultSettings(), "unmask")
        await worker.consumer.stop()
        await worker.producer.stop()
        return worker

    wait = asyncio.run(main()).fetch_wait
    assert (wait.idle_ms, wait.active_ms, wait.linger_s) == (40, 3, 0.5)


class _ScriptedConsumer:
    """Just enough of AIOKafkaConsumer for `AiokafkaWorker.run`: polls return a script, then nothing;
    each poll records the fetcher's wait at that moment."""

    def __init__(self, script: list[bool]) -> None:
        self._fetcher = SimpleNamespace(_fetch_max_wait_ms=500)
        self.script = script
        self.waits: list[int] = []
        self.done = asyncio.Event()

    def subscribe(self, _topics: list[str], pattern: object = None, listener: object = None) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def commit(self, _offsets: object) -> None:
        return None

    def highwater(self, _tp: object) -> None:
        return None

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[object]]:
        self.waits.append(self._fetcher._fetch_max_wait_ms)
        await asyncio.sleep(0)
        if not self.script:
            self.done.set()
            await asyncio.sleep(3600)
        tp = TopicPartition("veilstream.unmask.requests", 0)
        return (
            {tp: [ConsumerRecord(tp.topic, 0, 0, 0, 0, None, b"{}", None, 0, 2, [])]}
            if self.script.pop(0)
            else {}
        )


class _Runtime:
    async def ready(self) -> None:
        return None

    async def prepare(self, _role: str, _records: object) -> object:
        async def deliver() -> None:
            return None

        return deliver

    async def close(self) -> None:
        return None


def test_the_worker_loop_switches_the_wait_with_its_polls() -> None:
    settings = WorkerSettings(fetch_max_wait_ms=10, fetch_active_wait_ms=2, fetch_active_linger=1.5)
    ticks = itertools.count()  # one second per poll

    async def main() -> list[int]:
        worker = AiokafkaWorker(settings, VaultSettings(), "unmask")
        await worker.consumer.stop()
        await worker.producer.stop()
        consumer = _ScriptedConsumer([False, True, True, False, False])
        worker.consumer, worker.runtime = consumer, _Runtime()  # type: ignore[assignment]
        worker.producer = SimpleNamespace(start=consumer.start, stop=consumer.stop)  # type: ignore[assignment]
        worker.fetch_wait._clock = lambda: float(next(ticks))
        task = asyncio.create_task(worker.run())
        await consumer.done.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return consumer.waits

    # idle at start; records -> 2 ms; one empty poll (1 s) is within the linger, two are not
    assert asyncio.run(main()) == [10, 10, 2, 2, 2, 10]


@pytest.mark.parametrize(
    ("engine", "idle", "active", "flowing"),
    [("aiokafka", 10, 2, 2), ("aiokafka", 10, 0, 10), ("aiokafka", 10, 10, 10), ("faust", 10, 2, 10)],
)
def test_the_wait_while_records_flow_follows_engine_and_settings(
    engine: str, idle: int, active: int, flowing: int
) -> None:
    settings = WorkerSettings(engine=engine, fetch_max_wait_ms=idle, fetch_active_wait_ms=active)
    assert settings.flowing_fetch_wait_ms == flowing
