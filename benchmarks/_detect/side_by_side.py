"""`--side-by-side` (issue 6): quality and speed of Presidio, patterns and patterns + NER, one run."""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks._detect.quality import print_quality
from benchmarks._detect.rss import measure_rss
from benchmarks._detect.subjects import (
    LABELS,
    MESSAGE_CHARS,
    PRESIDIO_AT_THRESHOLD,
    PRESIDIO_RESEARCH_THRESHOLD,
    SUBJECTS,
    Subject,
    make_subject,
    messages,
)
from benchmarks._detect.timing import latency, ratio
from detectors import DetectorsError, Span
from detectors.evaluation import Record, load_dataset

#: Characters per column of the speed table.
WIDTH = 15
#: A row of the speed table: its label, its value for a subject (None: not measured), and
#: whether higher is better (the ratio is then printed with 2 decimals, else 3).
SpeedRow = tuple[str, Callable[[str], float | None], bool]


def side_by_side(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """Issue 6's comparison: quality and speed of Presidio, patterns and patterns + NER, one run."""
    records = load_dataset(args.data)
    subjects = _load(_wanted(args), records, args.batch)
    names = [s.name for s in subjects]
    msgs = messages([r.text for r in records], args.messages, args.seed)
    _warm_up_single(subjects, msgs[:5])

    repeats = {n: args.presidio_repeat if n == "presidio" else args.repeat for n in names}
    print(f"\nbatched: every text, batches of {args.batch}, runs per subject {repeats}")
    stats, predictions = batched_runs(subjects, records, repeats)
    quality = print_quality(subjects, records, predictions, args.data.name)
    latencies = _latencies(subjects, msgs, args)

    print("\npeak RSS: a fresh process loads one subject, runs it on texts and messages")
    rss = {n: measure_rss(n, args) for n in names}

    print(f"\nspeed, one thread each ({len(records)} texts, {stats[names[0]]['chars']:,} chars)")
    ratios = _speed_table(names, _speed_rows(stats, latencies, rss))
    if "presidio" in names and "ner" in names:
        _targets(quality, ratios, latencies, rss)
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report["side_by_side"] = {
        "batch": args.batch,
        "messages": {"count": len(msgs), "chars": MESSAGE_CHARS, "seed": args.seed},
        "throughput": stats,
        "latency": latencies,
        "rss": rss,
        "ratios_vs_presidio": ratios,
        "quality": quality,
        "load_average_at_end": os.getloadavg(),
    }


def _wanted(args: argparse.Namespace) -> list[str]:
    return [
        n for n in SUBJECTS if not (n == "presidio" and args.no_presidio) and not (n == "ner" and args.no_ner)
    ]


def _load(names: Sequence[str], records: Sequence[Record], batch: int) -> list[Subject]:
    """Each subject built and warmed up on one batch; one that cannot load is skipped, said why."""
    subjects = []
    for name in names:
        started = time.perf_counter()
        try:
            subject = make_subject(name, batch)
        except (ImportError, DetectorsError) as exc:
            print(f"{LABELS[name]} skipped: {exc}")
            continue
        subject.predict(records[:batch])  # warm up: lazy model load, caches
        print(f"{LABELS[name]}: loaded and warmed up in {time.perf_counter() - started:.1f} s")
        subjects.append(subject)
    return subjects


def _warm_up_single(subjects: Sequence[Subject], msgs: Sequence[str]) -> None:
    for subject in subjects:
        for message in msgs:
            subject.single(message)


def batched_runs(
    subjects: Sequence[Subject], records: Sequence[Record], repeats: dict[str, int]
) -> tuple[dict[str, dict[str, Any]], dict[str, list[list[Span]]]]:
    """`predict` over all records, `repeats[name]` times each, interleaved (round k runs every
    subject that has a k-th run) so that a change in the machine's load hits all of them.
    Returns best/median rates (wall clock and per CPU-second of this process) and the spans of
    each subject's first run."""
    walls: dict[str, list[float]] = {s.name: [] for s in subjects}
    cpus: dict[str, list[float]] = {s.name: [] for s in subjects}
    predictions: dict[str, list[list[Span]]] = {}
    for k in range(max(repeats.values())):
        for subject in subjects:
            if k >= repeats[subject.name]:
                continue
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            out = subject.predict(records)
            walls[subject.name].append(time.perf_counter() - start)
            cpus[subject.name].append(time.process_time() - start_cpu)
            predictions.setdefault(subject.name, out)
            print(f"  run {k + 1}: {LABELS[subject.name]:13s} {walls[subject.name][-1]:8.2f} s", flush=True)
    stats = {s.name: _batched_stats(records, walls[s.name], cpus[s.name]) for s in subjects}
    return stats, predictions


def _batched_stats(records: Sequence[Record], wall: list[float], cpu: list[float]) -> dict[str, Any]:
    chars = sum(len(r.text) for r in records)
    best_tps, best_cps = _rates(len(records), chars, min(wall))
    median_tps, median_cps = _rates(len(records), chars, statistics.median(wall))
    cpu_tps, cpu_cps = _rates(len(records), chars, min(cpu))
    return {
        "texts": len(records),
        "chars": chars,
        "runs": len(wall),
        "wall_s": wall,
        "cpu_s": cpu,
        "texts_per_s_best": best_tps,
        "chars_per_s_best": best_cps,
        "texts_per_s_median": median_tps,
        "chars_per_s_median": median_cps,
        "texts_per_cpu_s_best": cpu_tps,
        "chars_per_cpu_s_best": cpu_cps,
    }


def _rates(texts: int, chars: int, seconds: float) -> tuple[float, float]:
    return (texts / seconds, chars / seconds) if seconds else (float("inf"), float("inf"))


def _latencies(
    subjects: Sequence[Subject], msgs: Sequence[str], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """One call per message, each subject; for the NER pipeline also with its word cache emptied."""
    print(
        f"\nlatency: one call per {MESSAGE_CHARS}-character message, {len(msgs)} messages (seed {args.seed})"
    )
    latencies: dict[str, dict[str, Any]] = {}
    for subject in subjects:
        passes = args.presidio_passes if subject.name == "presidio" else 3
        latencies[subject.name] = latency(subject.single, msgs, passes=passes)
        latencies[subject.name]["passes"] = passes
        if subject.single_cold is not None:
            cold = latency(subject.single_cold, msgs, passes=passes)
            latencies[subject.name]["word_cache_cold"] = cold
            print(
                f"  {LABELS[subject.name]}, NER word cache emptied before each call:"
                f" p50 {cold['p50_ms']:.2f} ms  p99 {cold['p99_ms']:.2f} ms"
                f"  (CPU p50 {cold['cpu_p50_ms']:.2f} ms)"
            )
    return latencies


def _speed_rows(
    stats: dict[str, dict[str, Any]],
    latencies: dict[str, dict[str, Any]],
    rss: dict[str, dict[str, Any] | None],
) -> list[SpeedRow]:
    return [
        ("batched texts/s (best)", lambda n: stats[n]["texts_per_s_best"], True),
        ("batched chars/s (best)", lambda n: stats[n]["chars_per_s_best"], True),
        ("batched texts/s (median)", lambda n: stats[n]["texts_per_s_median"], True),
        ("batched texts per CPU-second", lambda n: stats[n]["texts_per_cpu_s_best"], True),
        (f"{MESSAGE_CHARS}-char latency p50 ms", lambda n: latencies[n]["p50_ms"], False),
        (f"{MESSAGE_CHARS}-char latency p99 ms", lambda n: latencies[n]["p99_ms"], False),
        (f"{MESSAGE_CHARS}-char CPU p50 ms", lambda n: latencies[n]["cpu_p50_ms"], False),
        (f"{MESSAGE_CHARS}-char CPU p99 ms", lambda n: latencies[n]["cpu_p99_ms"], False),
        ("peak RSS MB (fresh process)", lambda n: (rss[n] or {}).get("peak_rss_mb"), False),
        ("RSS MB after loading", lambda n: (rss[n] or {}).get("rss_loaded_mb"), False),
    ]


def _speed_table(names: Sequence[str], rows: Sequence[SpeedRow]) -> dict[str, dict[str, float]]:
    """Print every row for every subject, and each one's ratio to Presidio; the ratios."""
    ratio_names = [n for n in names if n != "presidio"] if "presidio" in names else []
    _print_speed_header(names, ratio_names)
    ratios: dict[str, dict[str, float]] = {n: {} for n in ratio_names}
    for label, value, higher_is_better in rows:
        values = {n: value(n) for n in names}
        line = "".join(_value_cell(v) for v in values.values())
        for n in ratio_names:
            line += _ratio_cell(values[n], values["presidio"], higher_is_better, ratios[n], label)
        print(f"  {label:34s}{line}")
    return ratios


def _print_speed_header(names: Sequence[str], ratio_names: Sequence[str]) -> None:
    header = "".join(f"{LABELS[n]:>{WIDTH}s}" for n in names)
    header += "".join(f"{LABELS[n] + ' / Pr.':>{WIDTH + 5}s}" for n in ratio_names)
    print(f"  {'':34s}{header}")


def _value_cell(value: float | None) -> str:
    return f"{value:>{WIDTH},.1f}" if value is not None else f"{'-':>{WIDTH}s}"


def _ratio_cell(
    ours: float | None, theirs: float | None, higher_is_better: bool, ratios: dict[str, float], label: str
) -> str:
    """One subject's value over Presidio's, also noted in `ratios` under `label` ('-': not both measured)."""
    if ours is None or theirs is None:
        return f"{'-':>{WIDTH + 5}s}"
    r = ratio(ours, theirs)
    ratios[label] = r
    return f"{r:>{WIDTH + 4}.2f}x" if higher_is_better else f"{r:>{WIDTH + 4}.3f}x"


def _targets(
    quality: dict[str, Any],
    ratios: dict[str, dict[str, float]],
    latencies: dict[str, dict[str, Any]],
    rss: dict[str, dict[str, Any] | None],
) -> None:
    """Issue 6's four targets for patterns + NER against Presidio, met or not in this run."""
    presidio_f1 = quality["summary"]["presidio"]["pii_same_tokens"]["f1"]
    presidio_f1_at = quality["summary"][PRESIDIO_AT_THRESHOLD]["pii_same_tokens"]["f1"]
    ner_f1 = quality["summary"]["ner"]["pii_same_tokens"]["f1"]
    speedup = ratios["ner"]["batched texts/s (best)"]
    speedup_cpu = ratios["ner"]["batched texts per CPU-second"]
    p50 = latencies["ner"]["p50_ms"]
    peak: float | None = (rss["ner"] or {}).get("peak_rss_mb")
    print("\nissue 6 targets (patterns+NER against Presidio, this run)")
    checks = [
        (
            f"PII-vs-not token F1 (same tokens) >= Presidio's: {ner_f1:.3f} vs {presidio_f1:.3f}"
            f" ({presidio_f1_at:.3f} at score >= {PRESIDIO_RESEARCH_THRESHOLD})",
            ner_f1 >= max(presidio_f1, presidio_f1_at),
        ),
        (
            f">= 10x Presidio's batched throughput: {speedup:.2f}x wall clock,"
            f" {speedup_cpu:.2f}x per CPU-second",
            min(speedup, speedup_cpu) >= 10,
        ),
        (f"p50 <= 10 ms per {MESSAGE_CHARS}-char message, one core: {p50:.2f} ms", p50 <= 10),
        (
            f"peak RSS < 1 GB: {peak:.0f} MB" if peak is not None else "peak RSS < 1 GB: not measured",
            peak is not None and peak < 1024,
        ),
    ]
    for text, met in checks:
        print(f"  [{'met' if met else 'NOT met'}] {text}")
