"""The default mode: the pattern pipeline's speed over every text, then beside Presidio on a sample,
then on adversarial inputs."""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks._detect.adversarial import adversarial_section
from benchmarks._detect.subjects import build_presidio, veilstream_runner
from benchmarks._detect.timing import latency, ratio, throughput
from detectors import Span

Batch = Callable[[Sequence[str]], object]
Single = Callable[[str], list[Span]]


def speed(args: argparse.Namespace, texts: list[str], report: dict[str, Any]) -> None:
    """Every figure of the default mode, printed and added to `report`."""
    _, batch, single = veilstream_runner()
    batch(texts)  # warm up: lazy phonenumbers metadata, regex caches
    report["veilstream"] = {"all": _veilstream_all(args, texts, batch, single)}
    analyzer = _presidio(args, texts)
    if analyzer is not None:
        report["same_sample"] = _same_sample(args, texts, batch, single, analyzer)
    if not args.no_adversarial:
        report["adversarial"] = adversarial_section(single, args.adversarial_size)


def _veilstream_all(
    args: argparse.Namespace, texts: list[str], batch: Batch, single: Single
) -> dict[str, Any]:
    print(f"\nveilstream pattern pipeline (detect_many over all {len(texts)} texts, {args.repeat} runs)")
    ours_all = throughput(lambda: batch(texts), texts, args.repeat)
    print(
        f"  throughput  best {ours_all['texts_per_s_best']:9,.0f} texts/s"
        f" {ours_all['chars_per_s_best']:12,.0f} chars/s"
        f"   median {ours_all['texts_per_s_median']:9,.0f} texts/s"
        f" {ours_all['chars_per_s_median']:12,.0f} chars/s"
    )
    lat_all = latency(single, texts, passes=3)
    print(
        f"  latency     p50 {lat_all['p50_ms']:.3f} ms  p99 {lat_all['p99_ms']:.3f} ms"
        f"  max {lat_all['max_ms']:.3f} ms  (detect() per text; best of 3 passes)\n"
        f"  CPU time    p50 {lat_all['cpu_p50_ms']:.3f} ms  p99 {lat_all['cpu_p99_ms']:.3f} ms"
        "  (same pass, this process's CPU time per call)"
    )
    return {"throughput": ours_all, "latency": lat_all}


def _presidio(args: argparse.Namespace, texts: list[str]) -> Any | None:
    """Presidio's AnalyzerEngine, unless it is not wanted, has no texts, or is not installed."""
    if args.no_presidio or min(args.presidio_sample, len(texts)) <= 0:
        return None
    try:
        return build_presidio()
    except ImportError as exc:
        print(f"\nPresidio skipped: {exc} (install the bench extra: make .venv/.bench)")
        return None


def _same_sample(
    args: argparse.Namespace, texts: list[str], batch: Batch, single: Single, analyzer: Any
) -> dict[str, Any]:
    """Both on the same seeded sample in the same run: one call per text, and ours batched."""
    sample_size = min(args.presidio_sample, len(texts))
    indexes = sorted(random.Random(args.seed).sample(range(len(texts)), sample_size))
    sample = [texts[i] for i in indexes]

    def presidio_single(text: str) -> object:
        return analyzer.analyze(text=text, language="en")

    for text in sample[:5]:
        presidio_single(text)  # warm up
    print(f"\nsame run, same {sample_size} texts (seed {args.seed}):")
    theirs = latency(presidio_single, sample, passes=args.presidio_passes)
    ours_lat = latency(single, sample, passes=3)
    ours_tp = throughput(lambda: batch(sample), sample, max(args.repeat, 3))
    rows = [
        ("throughput, texts/s", ours_lat["texts_per_s"], theirs["texts_per_s"], True),
        ("throughput, chars/s", ours_lat["chars_per_s"], theirs["chars_per_s"], True),
        ("latency p50, ms", ours_lat["p50_ms"], theirs["p50_ms"], False),
        ("latency p99, ms", ours_lat["p99_ms"], theirs["p99_ms"], False),
        ("CPU p50, ms", ours_lat["cpu_p50_ms"], theirs["cpu_p50_ms"], False),
        ("CPU p99, ms", ours_lat["cpu_p99_ms"], theirs["cpu_p99_ms"], False),
        ("batched, texts/s", ours_tp["texts_per_s_best"], theirs["texts_per_s"], True),
    ]
    ratios = _ratio_table(rows)
    print(
        "  (one detect()/analyze() call per text, the fastest of 3 (veilstream) and"
        f" {args.presidio_passes} (Presidio) passes;\n   batched: veilstream detect_many, best of"
        f" {ours_tp['repeat']} runs, against Presidio's per-text figure)"
    )
    return {
        "texts": sample_size,
        "seed": args.seed,
        "veilstream": {"throughput": ours_tp, "latency": ours_lat},
        "presidio": {"latency": theirs},
        "ratios": ratios,
    }


def _ratio_table(rows: Sequence[tuple[str, float, float, bool]]) -> dict[str, dict[str, float]]:
    """Print ours, Presidio's, their ratio and the speedup of each row; the ratios by label."""
    print(f"  {'':22s} {'veilstream':>14s} {'Presidio':>12s} {'veilstream/Presidio':>20s}")
    ratios = {}
    for label, ours, them, higher_is_better in rows:
        r = ratio(ours, them)
        speedup = r if higher_is_better else ratio(them, ours)
        ratios[label] = {"veilstream_over_presidio": r, "speedup": speedup}
        print(f"  {label:22s} {ours:14,.3f} {them:12,.3f} {r:12.4g}  ({speedup:,.0f}x faster)")
    return ratios
