"""Latency: (d0) the broker alone, (d) and (d') a worker, at a steady rate of support messages."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks._pipeline.corpus import Corpus, Record
from benchmarks._pipeline.errors import BenchError
from benchmarks._pipeline.kafka import partitions, reader, wait_group
from benchmarks._pipeline.metrics import check_ours, histogram_quantiles, stage_delta
from benchmarks._pipeline.results import Latency, batch_label
from benchmarks._pipeline.servers import Bench, Worker
from streams.settings import WorkerSettings
from streams.topics import create_topics

#: fetch_max_wait_ms of this script's own latency consumer (Tansu holds a fetch for about half of it).
OBSERVER_FETCH_WAIT_MS = 5


@dataclass(frozen=True, slots=True)
class Pace:
    """What a latency run sends: `rate` messages/s, after `warmup_s` seconds of warm-up messages."""

    label: str
    rate: float
    seconds: float
    warmup_s: float


@dataclass(slots=True)
class Timeline:
    """Per message id: when it was sent (perf_counter and wall clock), when its masked record was
    fetched here (perf_counter), and that record's CreateTime (ms, wall clock): when it was produced."""

    sent: dict[str, float] = field(default_factory=dict)
    sent_wall: dict[str, float] = field(default_factory=dict)
    received: dict[str, float] = field(default_factory=dict)
    out_created: dict[str, float] = field(default_factory=dict)

    def warm_received(self) -> int:
        return len([k for k in self.received if k.startswith("w")])

    def measured(self) -> list[str]:
        return [m for m in self.sent if m.startswith("m")]


@dataclass(slots=True)
class Scrapes:
    """The workers' /metrics at the end of the warm-up (`before`) and at the end of the run."""

    before: list[dict[str, float]] = field(default_factory=list)
    after: list[dict[str, float]] = field(default_factory=list)


async def measure_latency(
    bench: Bench,
    label: str,
    corpus: Corpus,
    rate: float,
    seconds: float,
    warmup_s: float,
    settings: WorkerSettings | None,
    metrics: bool,
) -> Latency:
    """(d): messages sent at `rate`/s; latency = send() called -> masked record fetched here.

    `settings` None: no worker, the same producer and consumer on one raw topic (the broker's
    own produce -> consume latency, d0).
    """
    settings, source, sink, workers = await _subject(bench, settings, metrics)
    pace = Pace(label, rate, seconds, warmup_s)
    consumer = reader(bench.bootstrap, fetch_max_wait_ms=OBSERVER_FETCH_WAIT_MS)
    producer = AIOKafkaProducer(bootstrap_servers=bench.bootstrap, acks="all", linger_ms=0)
    timeline, scrapes = Timeline(), Scrapes()
    try:
        if workers:
            await wait_group(bench.bootstrap, settings.app_id, 1)
        await _start_observer(consumer, producer, sink)
        t_first, t_last = await _send_and_collect(
            consumer, producer, corpus, source, pace, workers, timeline, scrapes
        )
        scrapes.after = [await asyncio.to_thread(w.scrape) for w in workers]
    finally:
        await producer.stop()
        await consumer.stop()
        if workers:
            await bench.stop_workers(workers)
    check_ours(scrapes.after, settings)
    batch = batch_label(settings) if workers else "no worker"
    return _latency(pace, timeline, scrapes, batch, bench.sampler.usage(t_first, t_last))


async def _subject(
    bench: Bench, settings: WorkerSettings | None, metrics: bool
) -> tuple[WorkerSettings, str, str, list[Worker]]:
    """Settings, input and output topic, and the worker measured (none: one raw topic, d0)."""
    if settings is None:
        settings = bench.settings("rawlat")
        await create_topics(settings, [settings.messages_topic])
        return settings, settings.messages_topic, settings.messages_topic, []
    await create_topics(settings)
    workers = [bench.start_worker(settings, metrics)]
    return settings, settings.messages_topic, settings.masked_messages_topic, workers


async def _start_observer(consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, sink: str) -> None:
    """Start both clients; the consumer reads `sink` from its end on."""
    await consumer.start()
    await producer.start()
    tps = partitions(sink)
    consumer.assign(tps)
    await consumer.seek_to_end(*tps)
    for tp in tps:
        await consumer.position(tp)


async def _collect(consumer: AIOKafkaConsumer, timeline: Timeline) -> None:
    """Note when each masked message is fetched, and its record's CreateTime, until cancelled."""
    while True:
        fetched = await consumer.getmany(timeout_ms=200)
        now = time.perf_counter()
        for part in fetched.values():
            for r in part:
                message_id = json.loads(r.value)["message_id"]
                timeline.received.setdefault(message_id, now)
                timeline.out_created.setdefault(message_id, r.timestamp)


async def _send_and_collect(
    consumer: AIOKafkaConsumer,
    producer: AIOKafkaProducer,
    corpus: Corpus,
    source: str,
    pace: Pace,
    workers: Sequence[Worker],
    timeline: Timeline,
    scrapes: Scrapes,
) -> tuple[float, float]:
    """Send the warm-up and the measured messages at the pace while collecting; the measured
    window's start and end (`time.time()`)."""
    collector = asyncio.create_task(_collect(consumer, timeline))
    n_warm, n = round(pace.rate * pace.warmup_s), round(pace.rate * pace.seconds)
    messages = corpus.messages(n_warm, source, prefix="w") + corpus.messages(n, source, prefix="m")
    try:
        t_first = await _send_paced(producer, messages, n_warm, pace, workers, timeline, scrapes)
        await _await_measured(pace, workers, timeline)
        t_last = time.time()
    finally:
        collector.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await collector
    return t_first, t_last


async def _send_paced(
    producer: AIOKafkaProducer,
    messages: Sequence[Record],
    n_warm: int,
    pace: Pace,
    workers: Sequence[Worker],
    timeline: Timeline,
    scrapes: Scrapes,
) -> float:
    """Send message i at start + i / rate; after the warm-up ones, scrape the workers and restart
    the clock. When the measured messages started (`time.time()`)."""
    start = time.perf_counter()
    t_first = time.time()
    for i, (topic, key, value, headers, _) in enumerate(messages):
        if i == n_warm:
            await _await_warmup(pace, n_warm, start, timeline)
            scrapes.before = [await asyncio.to_thread(w.scrape) for w in workers]
            start = time.perf_counter() - i / pace.rate
            t_first = time.time()
        delay = start + i / pace.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        message_id = json.loads(value or b"{}")["message_id"]
        timeline.sent[message_id], timeline.sent_wall[message_id] = time.perf_counter(), time.time()
        await producer.send(topic, value, key=key, headers=list(headers))
    return t_first


async def _await_warmup(pace: Pace, n_warm: int, start: float, timeline: Timeline) -> None:
    """Until 90 % of the warm-up messages came back masked; BenchError after 60 s more than they took."""
    while timeline.warm_received() < n_warm * 0.9:
        if time.perf_counter() - start > pace.warmup_s + 60:
            raise BenchError(f"{pace.label}: warm-up messages not masked within 60 s")
        await asyncio.sleep(0.05)


async def _await_measured(pace: Pace, workers: Sequence[Worker], timeline: Timeline) -> None:
    """Until every measured message came back masked, or 120 s; BenchError when the worker exits."""
    deadline = time.monotonic() + 120
    measured = timeline.measured()
    while any(m not in timeline.received for m in measured) and time.monotonic() < deadline:
        if workers and not workers[0].process.alive:
            raise BenchError(f"{pace.label}: the worker exited:\n{workers[0].process.tail()}")
        await asyncio.sleep(0.05)


def _latency(pace: Pace, timeline: Timeline, scrapes: Scrapes, batch: str, cpu: dict[str, float]) -> Latency:
    """The figures of a run: each measured message's latency, split at its output's CreateTime."""
    measured = timeline.measured()
    done = [m for m in measured if m in timeline.received]
    latencies = [(timeline.received[m] - timeline.sent[m]) * 1e3 for m in done]
    scraped = bool(scrapes.after) and all(scrapes.after)  # a worker, and its endpoint answered
    stages = stage_delta(scrapes.before, scrapes.after) if scraped else {}
    # the output's CreateTime splits each latency: before it (into the worker, fetched, masked), after
    # it (produce + ack, the hop out, this reader's fetch); wall clocks of one machine, 1 ms steps
    split = []
    for m, latency in zip(done, latencies, strict=True):
        to_output = timeline.out_created[m] - timeline.sent_wall[m] * 1e3
        split.append((to_output, latency - to_output))
    breakdown = tail_breakdown(latencies, split, scrapes.before, scrapes.after if scraped else [])
    missing = len(measured) - len(latencies)
    return Latency(pace.label, pace.rate, batch, latencies, missing, cpu, stages, breakdown)


def tail_breakdown(
    latencies: Sequence[float],
    split: Sequence[tuple[float, float]],
    before: Sequence[dict[str, float]],
    after: Sequence[dict[str, float]],
) -> dict[str, Any]:
    """Where the tail comes from: for the median and the slowest 1 % of messages, the mean time
    before and after the worker produced the output; and p50/p99/max-bucket of each worker
    histogram (consume delay, stages per batch, delivery wait, GC pauses) over the window."""
    out: dict[str, Any] = _message_split(latencies, split) if latencies else {}
    hists = histogram_quantiles(before, after)
    if hists:
        out["worker_histograms"] = hists
    return out


def _message_split(latencies: Sequence[float], split: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """For the median messages and the slowest 1 %: mean latency, time to the output and after it."""
    order = sorted(range(len(latencies)), key=latencies.__getitem__)
    cut = max(1, len(order) // 100)
    out = {}
    for name, picked in (
        ("median_messages", order[len(order) // 2 - cut // 2 :][:cut]),
        ("slowest_1pct", order[-cut:]),
    ):
        out[name] = {
            "messages": len(picked),
            "total_ms": statistics.fmean(latencies[i] for i in picked),
            "to_output_ms": statistics.fmean(split[i][0] for i in picked),
            "after_output_ms": statistics.fmean(split[i][1] for i in picked),
        }
    return out
