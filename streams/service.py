"""One batch, start to finish: mask, quarantine the rejects, produce, wait for every ack.

Steps 1 to 3 of the commit order that `streams.committer` owns: when `process` (or `deliver`)
returns, every masked record, audit record and DLQ reference of the batch has been acknowledged
by the broker, and every rejected record's raw content is in the quarantine table. Outages of
Postgres or of the broker are waited out with capped exponential back-off; a record the broker
refuses for good is rejected (`streams.error_policy`); nothing is dropped, nothing spins.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from streams import metrics, tracing
from streams.checkpoints import Checkpointer
from streams.dlq import dlq_record, quarantine_payload, quarantine_tenant
from streams.error_policy import Failure, classify
from streams.health import READINESS
from streams.kafka import InRecord, OutRecord
from streams.masking import Masked, Masker, Outcome, Rejected
from streams.settings import WorkerSettings

log = logging.getLogger(__name__)
T = TypeVar("T")


class Send(Protocol):
    """Enqueue one record; the returned awaitable resolves when the broker acknowledges it."""

    async def __call__(self, record: OutRecord) -> Awaitable[Any]: ...


def refused(exc: BaseException) -> Awaitable[Any]:
    """An ack that fails with `exc`: a record refused before it reached the broker (over the
    producer's size limit) is then handled like one the broker refused."""
    ack: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    ack.set_exception(exc)
    return ack


async def _enqueue(send: Send, record: OutRecord) -> Awaitable[Any]:
    """`send(record)`; a refusal for good (`POISON`) raised at enqueue time becomes a failed ack."""
    try:
        return await send(record)
    except Exception as exc:
        if classify(exc) is not Failure.POISON:
            raise
        return refused(exc)


class SendMany(Protocol):
    """`Send` for many records at once: one ack awaitable per record, in order (records of one
    topic partition are enqueued in their order; several may share one ack)."""

    async def __call__(self, records: Sequence[OutRecord]) -> list[Awaitable[Any]]: ...


class Quarantine(Protocol):
    async def quarantine(self, tenant: str, reference: str, reason: str, raw: bytes) -> None: ...


class Backoff:
    """Capped exponential back-off; `reset` after a success."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high, self.delay = low, high, low

    async def wait(self, dependency: str, exc: BaseException, reason: str | None = None) -> None:
        """Count, log and sleep. `reason` replaces the error class in the log: pass only text
        known to be free of values and connection strings (e.g. a `VaultError` message)."""
        metrics.RETRIES.labels(dependency).inc()
        if dependency == "vault":
            READINESS.set(vault=False)
        why = reason or type(exc).__name__
        log.warning("%s unavailable (%s); retrying in %.1fs", dependency, why, self.delay)
        await asyncio.sleep(self.delay)
        self.delay = min(self.high, self.delay * 2)

    def reset(self) -> None:
        self.delay = self.low


class Delivery:
    """Producing and quarantining with back-off: what every worker role needs."""

    def __init__(
        self, settings: WorkerSettings, send: Send, vault: Quarantine, send_many: SendMany | None = None
    ) -> None:
        self.settings = settings
        self.send = send
        self.vault = vault
        #: The masked and audit records of a batch go through it when the engine has one.
        self.send_many = send_many
        self.backoff = Backoff(settings.backoff_min, settings.backoff_max)

    async def until_done(
        self, dependency: str, work: Callable[[], Awaitable[T]], *, retry_all: bool = False
    ) -> T:
        """Run `work` until it succeeds, backing off on outages; other errors raise unless `retry_all`."""
        while True:
            try:
                result = await work()
            except Exception as exc:
                if not (retry_all or classify(exc) is Failure.TRANSIENT):
                    raise
                await self.backoff.wait(dependency, exc)
                continue
            self.backoff.reset()
            return result

    async def send_all(self, records: Sequence[OutRecord]) -> None:
        """Produce `records` and wait for every ack, retrying the unacknowledged ones."""
        pending = list(records)
        while pending:
            acks = [(r, await self.send(r)) for r in pending]
            pending = []
            error: BaseException | None = None
            for record, ack in acks:
                try:
                    await ack
                except Exception as exc:
                    pending.append(record)
                    error = exc
            if error is not None:
                await self.backoff.wait("broker", error)

    async def reject(self, records: Sequence[InRecord], outcomes: Sequence[object]) -> None:
        """For each `Rejected` outcome: quarantine the raw record, then publish its DLQ reference."""
        for record, outcome in zip(records, outcomes, strict=True):
            if not isinstance(outcome, Rejected):
                continue
            tenant = quarantine_tenant(outcome)
            payload = quarantine_payload(record)
            await self.until_done(
                "vault",
                lambda t=tenant, p=payload, r=record, o=outcome: self.vault.quarantine(  # type: ignore[misc]
                    t, r.reference, o.reason, p
                ),
                retry_all=True,
            )
            await self.send_all([dlq_record(record, outcome, self.settings.dlq_topic)])
            metrics.DLQ.labels(outcome.reason).inc()
            log.warning(
                "record rejected reference=%s reason=%s error=%s",
                record.reference,
                outcome.reason,
                outcome.error_class,
            )


class MaskService:
    """The masking role: one batch in, masked + audit records and DLQ references out."""

    def __init__(self, masker: Masker, delivery: Delivery, checkpointer: Checkpointer | None = None) -> None:
        self.masker = masker
        self.delivery = delivery
        self.checkpointer = checkpointer

    async def process(self, records: Sequence[InRecord]) -> list[Outcome]:
        """Mask and deliver one batch; returns when all of it is safely somewhere."""
        return await self.deliver(records, await self.mask(records))

    async def mask(self, records: Sequence[InRecord]) -> list[Outcome]:
        """The first half of `process`: outcomes, nothing produced yet (vault outages waited out).

        Batches may be masked while an earlier batch is being delivered; `deliver` must then be
        called in batch order, which keeps the order of records per partition."""
        metrics.BATCH_SIZE.observe(len(records))
        for topic, n in Counter(record.topic for record in records).items():
            metrics.RECORDS_IN.labels(topic).inc(n)
        return await self.delivery.until_done("vault", lambda: self.masker.mask_batch(records))

    async def deliver(self, records: Sequence[InRecord], outcomes: list[Outcome]) -> list[Outcome]:
        """The second half of `process`: produce, then quarantine what could not be masked or produced."""
        outcomes = await self._deliver(_traced(records, outcomes))
        await self.delivery.reject(records, outcomes)
        if self.checkpointer is not None:
            try:
                await self.checkpointer.maybe()
            except Exception as exc:  # anchoring the audit chain never holds up masking
                log.warning("audit checkpoint failed (%s); next try in the next interval", type(exc).__name__)
        return outcomes

    async def _deliver(self, outcomes: list[Outcome]) -> list[Outcome]:
        """Produce masked and audit records; a record the broker refuses for good is rejected instead."""
        start = time.perf_counter()
        pending = {i: o for i, o in enumerate(outcomes) if isinstance(o, Masked)}
        final = list(outcomes)
        send, send_many = self.delivery.send, self.delivery.send_many
        while pending:
            failed: dict[int, BaseException] = {}
            if send_many is None:
                waits = [
                    (i, await _enqueue(send, m.record), await _enqueue(send, m.audit))
                    for i, m in pending.items()
                ]
            else:  # the same records in the same order, enqueued together
                sent = await send_many([r for m in pending.values() for r in (m.record, m.audit)])
                waits = [(i, sent[2 * n], sent[2 * n + 1]) for n, i in enumerate(pending)]
            for i, *acks in waits:
                for ack in acks:
                    try:
                        await ack
                    except Exception as exc:
                        failed.setdefault(i, exc)
            produced: list[Masked] = []
            for i in list(pending):
                err = failed.get(i)
                if err is None:
                    produced.append(pending.pop(i))
                elif classify(err) is Failure.POISON:
                    final[i] = Rejected("produce_failed", type(err).__name__, pending.pop(i).tenant)
            _count(produced)
            if pending:
                await self.delivery.backoff.wait("broker", next(iter(failed.values())))
        metrics.STAGE_SECONDS.labels("produce").observe(time.perf_counter() - start)
        return final


def _traced(records: Sequence[InRecord], outcomes: list[Outcome]) -> list[Outcome]:
    """Each masked record and its audit record with its input's W3C `traceparent`, if any."""
    out = list(outcomes)
    for i, (source, outcome) in enumerate(zip(records, outcomes, strict=True)):
        if isinstance(outcome, Masked) and tracing.traceparent(source.headers) is not None:
            record, audit = tracing.carry(source, outcome.record), tracing.carry(source, outcome.audit)
            out[i] = dataclasses.replace(outcome, record=record, audit=audit)
    return out


def _count(produced: Sequence[Masked]) -> None:
    """Count produced records and their entities: one increment per label, not per record."""
    topics: Counter[str] = Counter()
    entities: Counter[str] = Counter()
    for masked in produced:
        topics[masked.record.topic] += 1
        entities.update(masked.entities)
    for topic, n in topics.items():
        metrics.RECORDS_OUT.labels(topic).inc(n)
    for entity, n in entities.items():
        metrics.ENTITIES.labels(entity).inc(n)
