"""benchmarks/: the scripts start as files and as modules, and the parts that compute figures from
measurements (rate window, percentiles, metrics scrape, tail breakdown, Presidio's overlaps) give
the figures they are meant to. No timing is measured here."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks._detect.subjects import presidio_spans
from benchmarks._detect.timing import percentile
from benchmarks._pipeline.latency import tail_breakdown
from benchmarks._pipeline.metrics import parse_metrics, stage_delta
from benchmarks._pipeline.results import Latency, window

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "target",
    [
        ["benchmarks/detect.py"],
        ["benchmarks/pipeline.py"],
        ["benchmarks/vault.py"],
        ["-m", "benchmarks.pipeline"],
    ],
    ids=" ".join,
)
def test_a_benchmark_starts_as_a_file_and_as_a_module(target: list[str]) -> None:
    """`python benchmarks/x.py` (its folder first on the path, where vault.py would hide the vault
    package) and `python -m benchmarks.x` both import their parts and print their options."""
    command = [sys.executable, *target, "--help"]  # our own interpreter and scripts
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "usage:" in out.stdout


@dataclass
class _Stamped:
    timestamp: int


@pytest.mark.parametrize(
    ("stamps", "first_batch", "expected"),
    [
        # plain: first output to last, counting every record after the first
        ([1000, 1001, 1002, 1010], None, (1.0, 1.01, 3)),
        # the first batch (3 records) ends at the first gap of >= 20 ms: it is not counted
        ([1000, 1001, 1002, 1050, 1051, 1052], 3, (1.002, 1.052, 3)),
        # no such gap among the first batch + 1: the plain window
        ([1000, 1001, 1002, 1003, 1004], 3, (1.0, 1.004, 4)),
    ],
)
def test_rate_window(stamps: list[int], first_batch: int | None, expected: tuple[float, float, int]) -> None:
    assert window([_Stamped(t) for t in stamps], first_batch) == pytest.approx(expected)


@pytest.mark.parametrize(("q", "expected"), [(0, 1.0), (50, 51.0), (90, 91.0), (99, 100.0), (100, 101.0)])
def test_nearest_rank_percentiles_agree(q: float, expected: float) -> None:
    values = [float(v) for v in range(1, 102)]
    assert percentile(values, q) == expected
    assert Latency("x", 1.0, "", values[::-1], 0).pct(q) == expected


METRICS = """\
# TYPE veilstream_stage_seconds histogram
veilstream_stage_seconds_bucket{stage="detect",le="0.005"} 6.0
veilstream_stage_seconds_bucket{stage="detect",le="0.05"} 9.0
veilstream_stage_seconds_bucket{stage="detect",le="+Inf"} 10.0
veilstream_stage_seconds_count{stage="detect"} 10.0
veilstream_stage_seconds_sum{stage="detect"} 0.25
# TYPE veilstream_batch_records histogram
veilstream_batch_records_count 10.0
veilstream_batch_records_sum 40.0
# TYPE veilstream_records_in_total counter
veilstream_records_in_total{topic="bench-msg-a1b2c3.in"} 40.0
# TYPE veilstream_other_seconds histogram
veilstream_other_seconds_bucket{le="+Inf"} 3.0
"""


def test_a_scrape_keeps_stages_batches_inputs_and_tail_buckets() -> None:
    scrape = parse_metrics(METRICS)
    assert scrape == {
        "bucket:veilstream_stage_seconds:detect:0.005": 6.0,
        "bucket:veilstream_stage_seconds:detect:0.05": 9.0,
        "bucket:veilstream_stage_seconds:detect:+Inf": 10.0,
        "detect_s": 0.25,
        "batches": 10.0,
        "records": 40.0,
        "in:bench-msg-a1b2c3.in": 40.0,
    }
    assert stage_delta([{}], [scrape])["detect_s"] == 0.25


def test_the_tail_breakdown_splits_latencies_and_reads_histograms() -> None:
    latencies = [float(v) for v in range(1, 201)]
    split = [(v - 1.0, 1.0) for v in latencies]
    out = tail_breakdown(latencies, split, [{}], [parse_metrics(METRICS)])
    median = {"messages": 2, "total_ms": 100.5, "to_output_ms": 99.5, "after_output_ms": 1.0}
    assert out["median_messages"] == median
    assert out["slowest_1pct"]["total_ms"] == 199.5
    detect = {"count": 10.0, "p50_le_ms": 5.0, "p99_le_ms": float("inf")}
    assert out["worker_histograms"] == {"stage[detect]": detect}
    assert tail_breakdown([], [], [], []) == {}


@dataclass
class _Result:
    start: int
    end: int
    entity_type: str
    score: float


def test_presidio_overlaps_resolve_to_the_higher_score() -> None:
    """A URL inside an e-mail address keeps only what the e-mail does not cover: nothing."""
    email, url = _Result(0, 20, "EMAIL_ADDRESS", 1.0), _Result(5, 20, "URL", 0.5)
    spans = presidio_spans([email, url, _Result(10, 30, "PERSON", 0.85)])
    assert [(s.start, s.end, s.entity) for s in spans] == [(0, 20, "EMAIL_ADDRESS"), (20, 30, "PERSON")]
