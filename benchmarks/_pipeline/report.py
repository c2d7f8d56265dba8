"""Printing the pipeline benchmark's figures: one block per measurement, then the summary."""

from __future__ import annotations

from typing import Any

from benchmarks._pipeline.metrics import STAGES
from benchmarks._pipeline.results import Latency, Throughput


def _breakdown_lines(breakdown: dict[str, Any]) -> list[str]:
    lines = []
    for name in ("median_messages", "slowest_1pct"):
        if name in breakdown:
            b = breakdown[name]
            lines.append(
                f"  {name.replace('_', ' ')} ({b['messages']}): {b['total_ms']:.1f} ms ="
                f" {b['to_output_ms']:.1f} ms until the worker produced the output"
                f" + {b['after_output_ms']:.1f} ms after it (ack, hop out, this reader's fetch)"
            )
    hists = breakdown.get("worker_histograms", {})
    if hists and not any(name.startswith("gc_pause") for name in hists):
        lines.append("  gc pauses: none in the window")
    if hists:
        parts = [
            f"{n} p50<={h['p50_le_ms']:g} p99<={h['p99_le_ms']:g} ms (n={h['count']:.0f})"
            for n, h in hists.items()
        ]
        lines.append("  worker histograms: " + "; ".join(parts))
    return lines


def _cpu_line(cpu: dict[str, float]) -> str:
    if not cpu:
        return "  CPU: not sampled"
    names = ("workers", "broker", "postgres", "bench", "other", "machine")
    return "  CPU, cores busy: " + ", ".join(f"{n} {cpu.get(n, 0.0):.2f}" for n in names)


def _stage_line(stages: dict[str, float], records: int) -> str:
    if not stages or not stages.get("batches"):
        return "  stages: not scraped"
    per = 1e6 / max(stages.get("records", records), 1)
    parts = ", ".join(f"{s} {stages.get(f'{s}_s', 0.0) * per:,.0f}" for s in STAGES)
    mean = stages.get("records", 0.0) / stages["batches"]
    batches = f"{stages['batches']:.0f} batches, mean {mean:.1f} records"
    return f"  stages, µs per record (wall, summed over batches): {parts}; {batches}"


def print_throughput(result: Throughput, base: Throughput | None, note: str = "") -> None:
    ratio = f", {result.rate / base.rate:.2f}x {base.label.split(':')[0]}" if base and base.rate else ""
    size = f", {result.record_bytes:,.0f} B/record" if result.record_bytes else ""
    print(f"{result.label}: {result.rate:,.0f} records/s{ratio}{note}")
    print(
        f"  {result.records:,} records, {result.counted:,} counted in {result.seconds:.2f} s{size};"
        f" {result.batch}"
    )
    print(_cpu_line(result.cpu))
    if result.stages or not result.label.startswith("(a)"):
        print(_stage_line(result.stages, result.records))


def print_latency(result: Latency, base: Latency | None) -> None:
    extra = ""
    if base and base.latencies_ms:
        extra = f"; minus (d0) p50: {result.pct(50) - base.pct(50):+.1f} ms"
    print(
        f"{result.label}: p50 {result.pct(50):.1f} ms, p90 {result.pct(90):.1f} ms,"
        f" p99 {result.pct(99):.1f} ms, max {max(result.latencies_ms, default=float('nan')):.1f} ms{extra}"
    )
    missing = f", {result.missing} not received" if result.missing else ""
    print(f"  {len(result.latencies_ms):,} messages at {result.rate:g}/s{missing}; {result.batch}")
    print(_cpu_line(result.cpu))
    if result.stages:
        print(_stage_line(result.stages, len(result.latencies_ms)))
    for line in _breakdown_lines(result.breakdown):
        print(line)


def summary(report: dict[str, Any]) -> None:
    r = report.get("results", {})
    ceiling = r.get("a_ceiling", {}).get("records_per_s")
    print("\nsummary")
    print(f"  {'figure':52s} {'records/s':>10s} {'ratio':>18s}")
    rows = [
        ("a_ceiling", None, "(a) ceiling, aiokafka consume -> produce"),
        ("b_cdc", "a", "(b) CDC events, field rules, NER off"),
        ("c_messages", "a", "(c) support messages, patterns + custom"),
        ("c_ner", "a", "(c') support messages, + NER"),
    ]
    for key, _, label in rows:
        if key in r and ceiling:
            rate = r[key]["records_per_s"]
            ratio = "baseline" if key == "a_ceiling" else f"{rate / ceiling:.3f}x (a)"
            print(f"  {label:52s} {rate:10,.0f} {ratio:>18s}")
    if "e_scaling" in r:
        e = r["e_scaling"]
        print(f"  {'(e) 1 worker':52s} {e['one']['records_per_s']:10,.0f}")
        print(f"  {'(e) 2 workers':52s} {e['two']['records_per_s']:10,.0f} {e['ratio']:>16.2f}x 1")
    for key in ("d0_broker_latency", "d_latency", "d_ner_latency"):
        if key in r:
            d = r[key]
            print(
                f"  {d['label']:52s} p50 {d['p50_ms']:.1f} ms, p99 {d['p99_ms']:.1f} ms"
                f" at {d['rate_per_s']:g}/s"
            )
