"""Stream worker throughput and latency beside a raw Kafka pass-through, in one run.

    .venv/bin/python benchmarks/pipeline.py [--quick] [--skip-ner] [--json pipeline.json]

It starts its own servers (an embedded Tansu broker and Postgres, `streams.embedded`) and
`veilstream worker` processes, and measures:

- (a) the ceiling: a raw aiokafka consume -> produce pass-through on the same broker (a
  consumer group reads pre-produced records with `getmany`, a producer forwards each one,
  acks awaited per batch, offsets committed every second, the worker's fetch wait while
  records flow), on the records of (b);
- (b) CDC events/s through one worker, field rules only (every column of `contacts` has a
  rule, so nothing goes through detection), NER off;
- (c) support messages/s through one worker, full detection (patterns + custom entities),
  NER off; (c') the same with NER on, on fewer messages;
- (d) the latency of a message at a steady rate (default 200/s), produce -> masked record
  fetched here, without and with NER, beside the broker's own produce -> consume latency
  measured the same way (d0); the worker's fetch wait is `--fetch-wait-ms` when idle and
  `--fetch-active-wait-ms` while records flow (aiokafka engine);
- (e) 2 workers in one consumer group against 1, on the workload of (c) (or, with
  `--scaling-input cdc`, of (b)), 4 partitions.

Throughputs count from the first output record to the N-th (worker startup excluded), using the
output records' CreateTime stamps; for one worker the first batch is left out (`window` in
`_pipeline/results.py`). Each worker's stage histograms are scraped from its Prometheus
endpoint, and the CPU time of every process (workers, broker, Postgres, this one, and the rest
of the machine) is sampled, so each figure comes with where its time went. Workers get
VEILSTREAM_SESSION_TIMEOUT=1.0, a fresh app id and topic prefix per measurement, and are
stopped (SIGTERM), with the broker and Postgres, on Ctrl-C, SIGTERM or an error. See
docs/performance.md, "Stream worker".
A benchmark, not a test: nothing asserts on a timing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: the repository root comes first (`benchmarks` is this folder, as with -m) and
    # this folder leaves the path (its vault.py would hide the vault package).
    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [str(_HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != _HERE)]

from benchmarks._pipeline.run import DEFAULT, QUICK, Sizes, execute
from streams.settings import WorkerSettings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of 2-3 minutes")
    parser.add_argument("--skip-ner", action="store_true", help="skip (c') and (d')")
    parser.add_argument(
        "--only", help="comma-separated: cdc,messages,ner,latency,ner-latency,scaling ((a) always runs)"
    )
    parser.add_argument("--engine", choices=("aiokafka", "faust"), default="aiokafka", help="worker engine")
    parser.add_argument("--fetch-wait-ms", type=int, default=10, help="worker fetch_max_wait_ms")
    parser.add_argument(
        "--fetch-active-wait-ms",
        type=int,
        default=2,
        help="worker fetch_active_wait_ms (aiokafka engine; 0: a fixed wait, fetch_max_wait_ms)",
    )
    parser.add_argument(
        "--gc-threshold",
        type=int,
        default=WorkerSettings().gc_threshold,
        help="worker gc_threshold (0: Python's collector as it is)",
    )
    parser.add_argument(
        "--synchronous-commit",
        choices=("on", "off"),
        default="on",
        help="worker VEILSTREAM_SYNCHRONOUS_COMMIT",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=500,
        help="worker batch_size (the ceiling's getmany size by default)",
    )
    parser.add_argument("--ceiling-batch", type=int, default=500, help="(a): getmany max_records")
    parser.add_argument("--batch-within", type=float, default=0.05, help="worker batch_within, seconds")
    parser.add_argument("--latency-batch-within", type=float, default=0.005, help="batch_within for (d)")
    parser.add_argument("--rate", type=float, default=200.0, help="messages/s for (d)")
    parser.add_argument("--ner-rate", type=float, help="messages/s for (d') (default: --rate, or (c') / 4)")
    parser.add_argument(
        "--scaling-input",
        choices=("messages", "cdc"),
        default="messages",
        help="what (e) sends: support messages (the workload of (c)) or CDC events (that of (b))",
    )
    parser.add_argument("--repeat", type=float, default=0.3, help="share of repeated PII values")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-metrics", action="store_true", help="workers without a metrics endpoint")
    parser.add_argument("--keep-logs", action="store_true", help="keep the worker logs")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    for name in ("ceiling", "cdc", "messages", "ner-messages", "scaling"):
        parser.add_argument(f"--{name}", type=int, help=f"records for {name} (overrides the size preset)")
    return parser


def sizes_for(args: argparse.Namespace) -> Sizes:
    """The preset (`--quick` or the default), with the sizes given on the command line."""
    overrides = {
        k: getattr(args, k.replace("-", "_"))
        for k in ("ceiling", "cdc", "messages", "ner_messages", "scaling")
        if getattr(args, k) is not None
    }
    return replace(QUICK if args.quick else DEFAULT, **overrides)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return execute(args, sizes_for(args))


if __name__ == "__main__":
    raise SystemExit(main())
