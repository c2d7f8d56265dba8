"""The faust agents under `agent.test_context()`: batching, and acks only after delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from streams.engines.faust import build
from streams.kafka import InRecord, OutRecord
from streams.runtime import Runtime
from streams.settings import WorkerSettings
from vault.settings import VaultSettings

SETTINGS = WorkerSettings(cdc_tables=("contacts",), batch_size=50, batch_within=0.01)


class FakeMask:
    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[InRecord]] = []
        self.fail = fail

    async def mask(self, records: Sequence[InRecord]) -> list[Any]:
        self.batches.append(list(records))
        return []

    async def deliver(self, _records: Sequence[InRecord], _outcomes: list[Any]) -> None:
        if self.fail:
            raise RuntimeError("delivery did not finish")


class FakeDelivery:
    def __init__(self) -> None:
        self.sent: list[OutRecord] = []
        self.rejected: list[Any] = []

    async def until_done(self, _dependency: str, work: Any, **_kw: Any) -> Any:
        return await work()

    async def send_all(self, records: Sequence[OutRecord]) -> None:
        self.sent.extend(records)

    async def reject(self, records: Sequence[InRecord], outcomes: Sequence[Any]) -> None:
        self.rejected.extend(o for o in outcomes if not isinstance(o, OutRecord))


class FakeUnmask:
    async def answer(self, records: Sequence[InRecord]) -> list[OutRecord]:
        return [OutRecord("replies", r.key, b"reply", ()) for r in records]


class FakeRuntime:
    """Fake services behind the real `Runtime.prepare` (what both engines call per batch)."""

    detect = staticmethod(lambda docs: [[] for _ in docs])
    prepare = Runtime.prepare

    def __init__(self, mask: FakeMask | None = None) -> None:
        self.mask = mask or FakeMask()
        self.unmask = FakeUnmask()
        self.delivery = FakeDelivery()

    async def ready(self) -> FakeRuntime:
        return self

    async def close(self) -> None:
        return None


def _settled(runtime: FakeRuntime, events: list[Any]) -> bool:
    seen = sum(len(b) for b in runtime.mask.batches) + len(runtime.delivery.sent)
    return all(e.message.acked for e in events) or (runtime.mask.fail and seen >= len(events))


def _put_all(runtime: FakeRuntime, role: str, values: list[bytes], settle: float = 5.0) -> list[Any]:
    """Build the app inside the loop (faust binds to the running loop), put values, wait until every
    event is acked or the service has seen them all (at most `settle` seconds, for a loaded machine)."""

    apps: list[Any] = []

    async def main() -> list[Any]:
        app, _ = build(SETTINGS, VaultSettings(), role, runtime=runtime)  # type: ignore[arg-type]
        apps.append(app)
        events: list[Any] = []
        try:
            async with app.agents[f"veilstream.{role}"].test_context() as ctx:
                events += [await ctx.put(v, key=b"k%d" % i, wait=False) for i, v in enumerate(values)]
                deadline = asyncio.get_running_loop().time() + settle
                while asyncio.get_running_loop().time() < deadline and not _settled(runtime, events):
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.05)  # acks follow the service's return
        except RuntimeError:  # the agent crashed: faust re-raises it when the context closes
            pass
        return events

    try:
        return asyncio.run(main())
    finally:
        # The consumer thread's own loop is created but never started (nor closed) by test_context.
        thread_loop = (
            getattr(getattr(apps[0].consumer, "_thread", None), "thread_loop", None) if apps else None
        )
        if thread_loop is not None and not thread_loop.is_running():
            thread_loop.close()


def test_mask_agent_hands_batches_to_the_service_and_acks_after_it_returns() -> None:
    runtime = FakeRuntime()
    events = _put_all(runtime, "mask", [b"a", b"b", b"c"])
    records = [r for batch in runtime.mask.batches for r in batch]
    assert [r.value for r in records] == [b"a", b"b", b"c"]
    assert [r.key for r in records] == [b"k0", b"k1", b"k2"]
    assert [r.offset for r in records] == [0, 1, 2]
    assert all(e.message.acked for e in events)


def test_mask_agent_acks_nothing_of_a_batch_that_failed() -> None:
    runtime = FakeRuntime(FakeMask(fail=True))
    events = _put_all(runtime, "mask", [b"a", b"b"])
    assert runtime.mask.batches and not any(e.message.acked for e in events)


def test_unmask_agent_sends_one_reply_per_request_and_acks() -> None:
    runtime = FakeRuntime()
    events = _put_all(runtime, "unmask", [b"r1", b"r2"])
    assert [r.key for r in runtime.delivery.sent] == [b"k0", b"k1"]
    assert all(e.message.acked for e in events)
    assert events[0].message.topic == SETTINGS.unmask_requests_topic


def test_worker_consumer_fetch_wait_comes_from_the_settings() -> None:
    from streams.engines.faust import faust_app

    async def main() -> int:
        app = faust_app(WorkerSettings(fetch_max_wait_ms=25), "mask")
        thread = app.consumer._thread
        try:
            consumer = thread._create_worker_consumer(app.transport)
            wait = int(consumer._fetch_max_wait_ms)
            await consumer.stop()
            return wait
        finally:
            thread.thread_loop.close()

    assert asyncio.run(main()) == 25
