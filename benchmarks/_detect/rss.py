"""Peak RSS of one subject, measured in a fresh process (`detect.py --rss-probe`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
from pathlib import Path
from typing import Any

from benchmarks._detect.subjects import make_subject, messages, pin_one_thread
from benchmarks._processes import run
from detectors.evaluation import load_dataset

#: The script a probe runs (`--rss-probe NAME`).
SCRIPT = Path(__file__).resolve().parents[1] / "detect.py"


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
        sys.executable, str(SCRIPT), "--rss-probe", name, "--data", str(args.data),
        "--batch", str(args.batch), "--rss-texts", str(args.rss_texts),
        "--messages", str(args.messages), "--seed", str(args.seed),
    ]  # fmt: skip
    proc = run(command)
    if proc.returncode != 0:
        print(f"  RSS probe {name} failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return None
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result
