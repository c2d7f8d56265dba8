"""What a worker's Prometheus endpoint says: stage seconds, batch counts, records in, histograms."""

from __future__ import annotations

import http.client
from collections import defaultdict
from collections.abc import Sequence

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from streams.settings import WorkerSettings

STAGES = ("parse", "detect", "tokenize", "produce")
#: Worker histograms the latency tail is broken down by (`latency.tail_breakdown`).
TAIL_HISTOGRAMS = {
    "veilstream_consume_delay_seconds": "input record -> its batch starts (broker hop + fetch wait)",
    "veilstream_stage_seconds": "per batch, by stage (tokenize includes the vault's Postgres commit)",
    "veilstream_delivery_wait_seconds": "a prepared batch waiting for the previous batch's acks",
    "veilstream_gc_pause_seconds": "cyclic GC pauses, by generation",
}
#: Samples summed under a fixed key.
_TOTALS = {"veilstream_batch_records_sum": "records", "veilstream_batch_records_count": "batches"}


def fetch_metrics(port: int) -> str | None:
    """The text of GET /metrics on 127.0.0.1:`port` (None: no answer)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/metrics")
        return conn.getresponse().read().decode()
    except OSError:
        return None
    finally:
        conn.close()


def _key(sample: Sample) -> str | None:
    """Where a sample is summed in a scrape (None: not kept)."""
    name, labels = sample.name, sample.labels
    if name in _TOTALS:
        return _TOTALS[name]
    if name == "veilstream_stage_seconds_sum":
        return f"{labels['stage']}_s"
    if name == "veilstream_records_in_total":
        return f"in:{labels['topic']}"
    histogram = name.removesuffix("_bucket")
    if name.endswith("_bucket") and histogram in TAIL_HISTOGRAMS:
        part = labels.get("stage") or labels.get("generation") or ""
        return f"bucket:{histogram}:{part}:{labels['le']}"
    return None


def parse_metrics(text: str) -> dict[str, float]:
    """Stage seconds (`<stage>_s`), `records` and `batches`, records in per topic (`in:<topic>`)
    and the buckets of the tail histograms (`bucket:<metric>:<stage or generation>:<le>`)."""
    out: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = _key(sample)
            if key is not None:
                out[key] += sample.value
    return dict(out)


def stage_delta(before: Sequence[dict[str, float]], after: Sequence[dict[str, float]]) -> dict[str, float]:
    """Records, batches and stage seconds between two scrapes of each worker, summed over workers."""
    out: dict[str, float] = defaultdict(float)
    for b, a in zip(before, after, strict=True):
        for key in ("records", "batches", *(f"{s}_s" for s in STAGES)):
            out[key] += a.get(key, 0.0) - b.get(key, 0.0)
    return dict(out)


def check_ours(scrapes: Sequence[dict[str, float]], settings: WorkerSettings) -> None:
    """The endpoint scraped is this measurement's worker (a port taken by another process is not)."""
    for scrape in scrapes:
        if scrape and not any(k.startswith("in:") and settings.app_id.split("-", 1)[1] in k for k in scrape):
            scrape.clear()


def _bucket_quantiles(counts: dict[float, float], qs: Sequence[float]) -> list[float]:
    """Quantiles (upper bucket bounds, seconds) of a Prometheus histogram's cumulative bucket counts."""
    bounds = sorted(counts)
    total = counts.get(float("inf"), 0.0)
    if total <= 0:
        return [float("nan")] * len(qs)
    out = []
    for q in qs:
        bound = next((b for b in bounds if counts[b] >= q * total), float("inf"))
        out.append(bound)
    return out


def _histogram_deltas(
    before: Sequence[dict[str, float]], after: Sequence[dict[str, float]]
) -> dict[str, dict[float, float]]:
    """Cumulative bucket counts of each tail histogram between two scrapes, summed over workers."""
    deltas: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for b, a in zip(before, after, strict=False):
        for key, value in a.items():
            if key.startswith("bucket:"):
                _, metric, part, le = key.split(":", 3)
                name = metric.removeprefix("veilstream_").removesuffix("_seconds") + (
                    f"[{part}]" if part else ""
                )
                deltas[name][float(le)] += value - b.get(key, 0.0)
    return deltas


def histogram_quantiles(
    before: Sequence[dict[str, float]], after: Sequence[dict[str, float]]
) -> dict[str, dict[str, float]]:
    """Count, p50 and p99 (upper bucket bounds, ms) of each tail histogram between two scrapes."""
    hists = {}
    for name, counts in sorted(_histogram_deltas(before, after).items()):
        n = counts.get(float("inf"), 0.0)
        if n <= 0:
            continue
        p50, p99 = _bucket_quantiles(counts, (0.5, 0.99))
        hists[name] = {"count": n, "p50_le_ms": p50 * 1e3, "p99_le_ms": p99 * 1e3}
    return hists
