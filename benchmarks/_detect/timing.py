"""Timing for the detection benchmark: batched throughput, per-call latency, one call."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    index = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def throughput(run: Callable[[], object], texts: Sequence[str], repeat: int) -> dict[str, float]:
    """Time `run` (which processes all `texts`) `repeat` times; best and median rates."""
    chars = sum(len(t) for t in texts)
    seconds = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    best, median = min(seconds), statistics.median(seconds)
    return {
        "texts": len(texts),
        "repeat": repeat,
        "best_s": best,
        "median_s": median,
        "texts_per_s_best": len(texts) / best,
        "texts_per_s_median": len(texts) / median,
        "chars_per_s_best": chars / best,
        "chars_per_s_median": chars / median,
    }


def latency(call: Callable[[str], object], texts: Sequence[str], passes: int = 1) -> dict[str, float]:
    """One call per text, `passes` times over all texts; the pass with the lowest total is kept.

    Reports p50, p99 and max in milliseconds of wall-clock time, the same percentiles in CPU
    time of this process (what a shared, busy machine does not inflate), and the sequential
    throughput of that pass.
    """
    best: list[float] = []
    best_cpu: list[float] = []
    for _ in range(passes):
        gc.collect()
        times, cpu_times = [], []
        for text in texts:
            start, start_cpu = time.perf_counter(), time.process_time()
            call(text)
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - start_cpu)
        if not best or sum(times) < sum(best):
            best, best_cpu = times, cpu_times
    best.sort()
    best_cpu.sort()
    total = sum(best)
    return {
        "texts": len(texts),
        "passes": passes,
        "p50_ms": percentile(best, 50) * 1e3,
        "p99_ms": percentile(best, 99) * 1e3,
        "max_ms": best[-1] * 1e3,
        "mean_ms": total / len(best) * 1e3,
        "cpu_p50_ms": percentile(best_cpu, 50) * 1e3,
        "cpu_p99_ms": percentile(best_cpu, 99) * 1e3,
        "texts_per_s": len(texts) / total,
        "chars_per_s": sum(len(t) for t in texts) / total,
    }


# --------------------------------------------------------------------------- subjects


def time_once(single: Callable[[str], Sequence[object]], text: str) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds of one call, and the number of spans it returned."""
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    spans = single(text)
    return time.perf_counter() - start, time.process_time() - start_cpu, len(spans)


def ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("inf")
