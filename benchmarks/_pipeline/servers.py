"""The servers and worker processes of one run: an embedded broker and Postgres, `veilstream worker`s."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil
import psycopg

from benchmarks._pipeline.corpus import POLICY
from benchmarks._pipeline.cpu import CpuSampler
from benchmarks._pipeline.metrics import fetch_metrics, parse_metrics
from benchmarks._processes import free_port
from streams.errors import StreamsError
from streams.settings import WorkerSettings
from vault.keys import generate_master_key
from vault.migrate import migrate
from veilstream.embedded import EmbeddedBroker, EmbeddedPostgres
from veilstream.launcher import Process, start_worker
from veilstream.settings import worker_env

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 4


class Worker:
    """`veilstream worker --role mask` started by `veilstream.launcher` in its own session (Ctrl-C in
    the terminal reaches only this script), with a metrics endpoint on a free port if `metrics`."""

    def __init__(self, env: dict[str, str], log: Path, metrics: bool) -> None:
        self.port = free_port() if metrics else 0
        env = {**env, "VEILSTREAM_METRICS_PORT": str(self.port)}
        self.process: Process = start_worker("mask", env, log, cwd=ROOT, new_session=True)

    def scrape(self) -> dict[str, float]:
        """Stage seconds and batch counts from the worker's /metrics (empty without an endpoint)."""
        if not self.port or not self.process.alive:
            return {}
        text = fetch_metrics(self.port)
        return parse_metrics(text) if text is not None else {}


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
                "workers": lambda: [w.process.pid for w in self.workers if w.process.alive],
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
        env = worker_env(settings, self.database_url, self.master_key)
        env["VEILSTREAM_SYNCHRONOUS_COMMIT"] = self.synchronous_commit
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
        codes = await asyncio.gather(*(asyncio.to_thread(w.process.stop) for w in workers))
        for w in workers:
            self.workers.remove(w)
        return list(codes)

    def close(self) -> None:
        """Stop every worker, the broker and Postgres; idempotent, safe after a failed start."""
        for worker in self.workers:
            worker.process.stop(timeout=20)
        self.workers.clear()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
        if not self.keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)
