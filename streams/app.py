"""The faust app: one agent per role over raw-bytes topics, batches acked only once delivered.

Agents read with `noack_take` and ack a batch's events only after `MaskService.process`
(or the unmask path) returns, i.e. after every output record is acknowledged by the broker
and every rejected record is quarantined. faust then commits the acked offsets. A crash or
a shutdown in the middle of a batch acks nothing of it: the batch is consumed again, and
deterministic tokens make the replay produce the same records.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka

from detectors import Document, Span
from streams import metrics, vault_watch
from streams.checkpoints import Checkpointer
from streams.health import READINESS
from streams.kafka import InRecord, OutRecord, in_record
from streams.kafka_client import faust_credentials
from streams.masking import Masker
from streams.policies import PolicyBook, vault_loader
from streams.routing import subscription
from streams.service import Backoff, Delivery, MaskService, Send, SendMany
from streams.settings import Role, WorkerSettings
from streams.unmask_service import UnmaskService
from vault.errors import MasterKeyError, VaultError
from vault.settings import VaultSettings
from vault.store import Vault

log = logging.getLogger(__name__)

Detect = Callable[[Sequence[Document]], list[list[Span]]]


_FETCH_WAIT_ATTR = "_veilstream_fetch_max_wait_ms"
_create_worker_consumer = faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer


def _with_fetch_wait(self: Any, transport: Any) -> Any:
    """faust's worker consumer, with the app's `fetch_max_wait_ms` instead of faust's fixed 1500 ms."""
    consumer = _create_worker_consumer(self, transport)
    wait = getattr(self.app, _FETCH_WAIT_ATTR, None)
    if wait is not None:
        consumer._fetch_max_wait_ms = wait  # read by the fetcher when the consumer starts
    return consumer


faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer = _with_fetch_wait  # type: ignore[method-assign]


def input_topics(settings: WorkerSettings, role: Role) -> list[str]:
    """The topics a role consumes by name (none where a CDC topic pattern with wildcards makes
    the subscription a regular expression: `streams.routing.subscription`, aiokafka only)."""
    return list(subscription(settings, role).topics)


def app_id(settings: WorkerSettings, role: Role) -> str:
    """The consumer group of a role: the unmask worker has its own."""
    return settings.app_id if role == "mask" else f"{settings.app_id}-unmask"


def faust_app(settings: WorkerSettings, role: Role) -> faust.App:
    """A faust app configured for at-least-once delivery and no side services."""
    app = faust.App(
        app_id(settings, role),
        broker=";".join(f"kafka://{s}" for s in settings.bootstrap_servers()),
        broker_credentials=faust_credentials(settings),
        processing_guarantee=settings.processing_guarantee,
        autodiscover=False,
        web_enabled=False,
        topic_disable_leader=True,
        topic_allow_declare=False,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=min(3.0, settings.session_timeout / 3),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_linger=0.0,  # a batch is sent before its acks are awaited: linger only adds latency
        store="memory://",
        # faust makes an (empty, with the memory store) data dir; keep it out of the working directory.
        datadir=str(Path(tempfile.gettempdir()) / "veilstream-faust-{conf.id}"),
        key_serializer="raw",
        value_serializer="raw",
    )
    setattr(app, _FETCH_WAIT_ATTR, settings.fetch_max_wait_ms)
    return app


class Runtime:
    """What the agents share; opened on first use, inside the worker's event loop."""

    def __init__(
        self,
        settings: WorkerSettings,
        vault_settings: VaultSettings,
        detect: Detect | None,
        send: Send,
        send_many: SendMany | None = None,
    ) -> None:
        self.settings = settings
        self.vault_settings = vault_settings
        self.detect = detect
        self.send = send
        self.send_many = send_many
        self.vault: Vault | None = None
        self.mask: MaskService | None = None
        self.unmask: UnmaskService | None = None
        self.delivery: Delivery | None = None
        self._lock = asyncio.Lock()
        self._watch: asyncio.Task[None] | None = None

    async def ready(self) -> Runtime:
        """Open the vault (waiting out an unreachable database) and build the services."""
        async with self._lock:
            if self.vault is None:
                self.vault = await self._open_vault()
                READINESS.set(vault=True)
                self._watch = asyncio.create_task(vault_watch.watch(self.vault, READINESS))
                self.delivery = Delivery(self.settings, self.send, self.vault, self.send_many)
                if self.detect is not None:
                    book = PolicyBook.from_files(
                        self.settings.policy_files,
                        vault_loader(self.vault.pool) if self.settings.policies_from_vault else None,
                    )
                    masker = Masker(self.settings, self.detect, self.vault, book)
                    checkpointer = Checkpointer(
                        self.vault, self.settings.audit_topic, self.delivery.send_all,
                        self.settings.audit_checkpoint_s,
                    )  # fmt: skip
                    self.mask = MaskService(masker, self.delivery, checkpointer)
                self.unmask = UnmaskService(
                    self.vault, self.settings.unmask_replies_topic, self.settings.unmask_max_skew_s
                )
        return self

    async def _open_vault(self) -> Vault:
        backoff = Backoff(self.settings.backoff_min, self.settings.backoff_max)
        while True:
            try:
                return await Vault.open(self.vault_settings)
            except MasterKeyError:
                raise
            except VaultError as exc:  # its messages name no values and no connection string
                await backoff.wait("vault", exc, str(exc))

    async def handle(self, role: Role, records: Sequence[InRecord]) -> None:
        """One batch of `role`: returns once every output is acknowledged and every reject quarantined."""
        finish = await self.prepare(role, records)
        await finish()

    async def prepare(self, role: Role, records: Sequence[InRecord]) -> Callable[[], Awaitable[Any]]:
        """The first half of `handle`: mask (or answer) a batch without producing anything.

        Returns the second half, its delivery. A batch may be prepared while an earlier one is
        being delivered; deliveries must run one at a time, in batch order."""
        await self.ready()
        if role == "mask":
            mask = self.mask
            if mask is None:
                raise RuntimeError("mask service missing")
            outcomes = await mask.mask(records)
            return lambda: mask.deliver(records, outcomes)
        if self.unmask is None or self.delivery is None:
            raise RuntimeError("unmask service missing")
        delivery, answer = self.delivery, self.unmask.answer
        answers = await delivery.until_done("vault", lambda: answer(records))

        async def finish() -> None:
            await delivery.send_all([a for a in answers if isinstance(a, OutRecord)])
            await delivery.reject(records, answers)

        return finish

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
        if self.mask is not None:
            self.mask.masker.close()
        if self.vault is not None:
            await self.vault.close()


def observe_delay(now: float, timestamps: Iterable[float]) -> None:
    """Record timestamp (seconds) -> start of its batch, into the consume-delay histogram."""
    for ts in timestamps:
        metrics.CONSUME_DELAY.observe(max(0.0, now - ts))


def faust_record(message: Any) -> InRecord:
    """A faust message (timestamp in seconds) as an `InRecord`."""
    return in_record(message, int(message.timestamp * 1000) if message.timestamp else None)


def build(
    settings: WorkerSettings,
    vault_settings: VaultSettings,
    role: Role,
    detect: Detect | None = None,
    runtime: Runtime | None = None,
) -> tuple[faust.App, Runtime]:
    """The faust app of one role, with its agent, and the runtime the agent uses (`runtime`: tests)."""
    app = faust_app(settings, role)

    async def send(record: OutRecord) -> Awaitable[Any]:
        return await app.producer.send(
            record.topic, record.key, record.value, record.partition, None, list(record.headers)
        )

    runtime = runtime or Runtime(settings, vault_settings, detect, send)

    def raw_topic(*names: str) -> Any:
        return app.topic(
            *names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )

    def observe_lag(events: Sequence[Any]) -> None:
        last: dict[Any, int] = {}
        for event in events:
            last[event.message.tp] = event.message.offset
        for tp, offset in last.items():
            try:
                behind = app.consumer.highwater(tp) - offset - 1
            except Exception:  # highwater unknown before the first fetch response
                log.debug("no high watermark yet for %s", tp)
                continue
            metrics.LAG.labels(tp.topic, str(tp.partition)).set(max(0, behind))

    async def batches(stream: Any) -> AsyncIterator[tuple[list[Any], list[InRecord]]]:
        async for events in stream.noack_take(settings.batch_size, within=settings.batch_within):
            observe_delay(time.time(), (e.message.timestamp for e in events if e.message.timestamp))
            yield events, [faust_record(e.message) for e in events]

    if role == "mask" and runtime.detect is None:
        raise ValueError("the mask role needs a detection function")

    @app.agent(raw_topic(*input_topics(settings, role)), name=f"veilstream.{role}")
    async def work(stream: Any) -> None:
        async for events, records in batches(stream):
            await runtime.handle(role, records)
            for event in events:
                await stream.ack(event)
            observe_lag(events)

    async def _close(_app: Any, **_kw: Any) -> None:
        await runtime.close()

    app.on_before_shutdown.connect(_close)  # type: ignore[arg-type]

    async def _assigned(_app: Any, assigned: Any, **_kw: Any) -> None:
        READINESS.set(assigned=True, partitions=len(assigned))

    async def _revoked(_app: Any, revoked: Any, **_kw: Any) -> None:
        READINESS.set(assigned=False, partitions=0)

    app.on_partitions_assigned.connect(_assigned)  # type: ignore[arg-type]
    app.on_partitions_revoked.connect(_revoked)  # type: ignore[arg-type]

    @app.task
    async def _open_at_start() -> None:  # readiness needs the vault before the first record
        await runtime.ready()

    return app, runtime
