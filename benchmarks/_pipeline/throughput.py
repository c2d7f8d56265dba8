"""Throughput: (a) the raw pass-through ceiling, (b)/(c)/(c') one worker, (e) one and two workers."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from benchmarks._pipeline.corpus import Corpus, Record, mean_size
from benchmarks._pipeline.errors import BenchError
from benchmarks._pipeline.kafka import Outputs, produce, wait_group
from benchmarks._pipeline.metrics import check_ours, stage_delta
from benchmarks._pipeline.results import Throughput, batch_label, source_of, window
from benchmarks._pipeline.servers import PARTITIONS, Bench
from streams.settings import WorkerSettings
from streams.topics import create_topics

#: Records per partition that warm the workers of (e) up before the measured ones.
WARMUP = 10


async def measure_ceiling(bench: Bench, records: Sequence[Record], batch: int) -> Throughput:
    """(a): consume -> produce with aiokafka alone, acks awaited per batch, commits every second."""
    uid = f"ceiling-{secrets.token_hex(3)}"
    source, sink = f"{uid}.in", f"{uid}.out"
    settings = bench.settings("ceiling")
    status = await create_topics(settings, [source, sink])
    if not all(s.startswith(("created", "exists")) for s in status.values()):
        raise BenchError(f"topics: {status}")
    await produce(bench.bootstrap, [(source, k, v, h, p) for _, k, v, h, p in records])
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bench.bootstrap,
        group_id=f"bench-{uid}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=batch,
        session_timeout_ms=10_000,
        # the worker's wait while records flow: with aiokafka's default (500 ms) Tansu holds
        # fetches for hundreds of ms and the pass-through mostly waits (14-15k records/s, 0.2 cores)
        fetch_max_wait_ms=settings.flowing_fetch_wait_ms,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bench.bootstrap, acks="all", linger_ms=2)
    await consumer.start()
    await producer.start()
    try:
        await _pass_through(consumer, producer, sink, len(records), batch)
    finally:
        await producer.stop()
        await consumer.stop()
    async with Outputs(bench.bootstrap, sink) as outputs:
        await outputs.wait(len(records), settings, [])
    out = outputs.records
    t0, t1, counted = window(out, batch)
    return Throughput(
        "(a) ceiling: aiokafka consume -> produce",
        len(out),
        counted,
        t1 - t0,
        f"getmany max_records {batch}, fetch_max_wait_ms {settings.flowing_fetch_wait_ms},"
        " producer acks=all linger 2 ms",
        mean_size(records),
        bench.sampler.usage(t0, t1),
    )


async def _pass_through(
    consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, sink: str, count: int, batch: int
) -> None:
    """Forward `count` records to `sink`, acks awaited per batch, offsets committed every second."""
    forwarded, last_commit = 0, time.monotonic()
    deadline = time.monotonic() + 300
    while forwarded < count:
        if time.monotonic() > deadline:
            raise BenchError(f"ceiling: only {forwarded} of {count} records forwarded")
        fetched = await consumer.getmany(timeout_ms=500, max_records=batch)
        acks = [
            await producer.send(sink, r.value, key=r.key, partition=r.partition, headers=list(r.headers))
            for part in fetched.values()
            for r in part
        ]
        await asyncio.gather(*acks)
        forwarded += len(acks)
        if time.monotonic() - last_commit >= 1.0:
            await consumer.commit()
            last_commit = time.monotonic()
    await consumer.commit()


async def measure_preproduced(
    bench: Bench, label: str, settings: WorkerSettings, records: Sequence[Record], output: str, metrics: bool
) -> Throughput:
    """(b), (c), (c'): N records produced first, then one worker; first output to the N-th."""
    await create_topics(settings)
    await produce(bench.bootstrap, records)
    worker = bench.start_worker(settings, metrics)
    try:
        async with Outputs(bench.bootstrap, output) as outputs:
            await outputs.wait(len(records), settings, [worker])
        scrapes = [await asyncio.to_thread(worker.scrape)]
    finally:
        await bench.stop_workers([worker])
    check_ours(scrapes, settings)
    out = outputs.records
    sources = {dict(r.headers).get("veilstream-source") for r in out}
    if len(sources) != len(records):
        raise BenchError(f"{label}: {len(sources)} distinct outputs for {len(records)} inputs")
    stages = stage_delta([{}], scrapes) if scrapes[0] else {}
    return _of_workers(bench, label, out, window(out, settings.batch_size), settings, records, stages)


def _scaling_inputs(
    settings: WorkerSettings, corpus: Corpus, n: int, kind: str
) -> tuple[str, list[Record], list[Record]]:
    """The output topic of (e), its warm-up records (`WARMUP` on every partition) and its N records."""
    if kind == "cdc":
        source, sink = settings.cdc_topic("contacts"), settings.masked_cdc_topic("contacts")
        warmup = corpus.contacts(WARMUP * PARTITIONS, source)
        records = corpus.contacts(n, source)
    else:
        source, sink = settings.messages_topic, settings.masked_messages_topic
        warmup = corpus.messages(WARMUP * PARTITIONS, source, prefix="w")
        records = corpus.messages(n, source)
    warmup = [(t, k, v, h, i % PARTITIONS) for i, (t, k, v, h, _) in enumerate(warmup)]
    return sink, warmup, records


async def measure_scaling(
    bench: Bench,
    label: str,
    settings: WorkerSettings,
    corpus: Corpus,
    n: int,
    workers: int,
    metrics: bool,
    kind: str = "messages",
) -> Throughput:
    """(e): `workers` processes in one group; warmed up on every partition (`WARMUP` records
    each), then N support messages (or CDC events, `kind="cdc"`)."""
    await create_topics(settings)
    started = [bench.start_worker(settings, metrics) for _ in range(workers)]
    sink, warmup, records = _scaling_inputs(settings, corpus, n, kind)
    try:
        await wait_group(bench.bootstrap, settings.app_id, workers)
        async with Outputs(bench.bootstrap, sink) as outputs:
            await produce(bench.bootstrap, warmup)
            await outputs.wait(len(warmup), settings, started)
            before = [await asyncio.to_thread(w.scrape) for w in started]
            await produce(bench.bootstrap, records)
            await outputs.wait(len(warmup) + n, settings, started)
        after = [await asyncio.to_thread(w.scrape) for w in started]
    finally:
        await bench.stop_workers(started)
    check_ours(after, settings)
    # the warm-up took the first WARMUP offsets of every partition
    out = [r for r in outputs.records if int(source_of(r).rsplit("/", 1)[1]) >= WARMUP]
    if len(out) != n:
        raise BenchError(f"{label}: {len(out)} outputs for {n} inputs")
    stages = stage_delta(before, after) if all(after) else {}
    # the plain window: 2 workers' batches interleave (the same for 1, to compare)
    return _of_workers(bench, label, out, window(out), settings, records, stages)


def _of_workers(
    bench: Bench,
    label: str,
    out: Sequence[ConsumerRecord[bytes, bytes]],
    span: tuple[float, float, int],
    settings: WorkerSettings,
    records: Sequence[Record],
    stages: dict[str, float],
) -> Throughput:
    """The figures of workers that wrote `out` from `records`, counted in `span` (`window`)."""
    t0, t1, counted = span
    size, cpu = mean_size(records), bench.sampler.usage(t0, t1)
    return Throughput(label, len(out), counted, t1 - t0, batch_label(settings), size, cpu, stages)
