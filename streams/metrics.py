"""Prometheus metrics of the worker. Labels are topics, reasons, classes and stages: never values."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECORDS_IN = Counter("veilstream_records_in_total", "Records consumed", ["topic"])
RECORDS_OUT = Counter("veilstream_records_out_total", "Masked records produced", ["topic"])
DLQ = Counter("veilstream_dlq_total", "Records sent to the DLQ (raw content quarantined)", ["reason"])
ENTITIES = Counter("veilstream_entities_total", "Entities masked", ["entity"])
STAGE_SECONDS = Histogram(
    "veilstream_stage_seconds",
    "Time per batch in each stage",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONSUME_DELAY = Histogram(
    "veilstream_consume_delay_seconds",
    "From a record's timestamp to the start of its batch in the worker",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60),
)
BATCH_SIZE = Histogram(
    "veilstream_batch_records", "Records per batch", buckets=(1, 5, 10, 25, 50, 100, 200, 500, 1000, 5000)
)
GC_PAUSE = Histogram(
    "veilstream_gc_pause_seconds",
    "Cyclic garbage collections of the worker process (streams.gc_tuning)",
    ["generation"],
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5),
)
DELIVERY_WAIT = Histogram(
    "veilstream_delivery_wait_seconds",
    "aiokafka engine: a prepared batch waiting for the previous batch's acks and commit",
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
LAG = Gauge("veilstream_consumer_lag", "Records behind the high watermark", ["topic", "partition"])
RETRIES = Counter("veilstream_retries_total", "Batches retried after an outage", ["dependency"])
UNMASK = Counter("veilstream_unmask_requests_total", "Unmask requests answered", ["outcome"])

#: Served with `/healthz` and `/readyz` by `streams.health.serve`.
