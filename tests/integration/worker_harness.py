"""Running real workers against the session broker and Postgres: settings, processes, topic I/O."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from streams.settings import WorkerSettings
from streams.topics import create_topics
from vault.migrate import migrate
from veilstream.launcher import Process, Role, start_worker
from veilstream.settings import worker_env

ROOT = Path(__file__).resolve().parents[2]


def unique_settings(bootstrap: str, **overrides: Any) -> WorkerSettings:
    """Settings whose topics and consumer group no other test uses."""
    uid = f"t{secrets.token_hex(4)}"
    base: dict[str, Any] = {
        "broker_url": bootstrap,
        "app_id": f"vs-{uid}",
        "cdc_tables": ("contacts", "tickets"),
        "partitions": 2,
        "session_timeout": 1.0,
        "metrics_port": 0,
        "ner": "off",
        "batch_within": 0.01,
        "backoff_min": 0.05,
        "backoff_max": 0.5,
    }
    return WorkerSettings(**{**base, **overrides}).under_prefix(uid)


def env_of(settings: WorkerSettings, database_url: str, master_key: str) -> dict[str, str]:
    """The environment a worker process reads these settings from (`veilstream.settings.worker_env`)."""
    return worker_env(settings, database_url, master_key)


async def prepare(settings: WorkerSettings, database_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await migrate(conn)
    status = await create_topics(settings)
    assert all(s.startswith(("created", "exists")) for s in status.values()), status


def worker_process(env: dict[str, str], log: Path, role: Role = "mask") -> Process:
    """`veilstream worker` in a child process (`veilstream.launcher`); its log in a file for the
    canary scan. `.stop()` is its exit code, None when SIGTERM did not end it within 30 s."""
    return start_worker(role, env, log, cwd=ROOT)


async def produce(
    bootstrap: str,
    records: Iterable[tuple[str, bytes | None, bytes | None, Sequence[tuple[str, bytes]]]],
    **config: Any,
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **config)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, headers=list(headers))
            for topic, key, value, headers in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def consume(
    bootstrap: str,
    topics: Sequence[str],
    done: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    timeout: float = 90.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read `topics` from the start until `done(records)` or the timeout; returns what was read."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_bytes=64 << 20,
        max_partition_fetch_bytes=16 << 20,
    )
    await consumer.start()
    seen: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while not done(seen) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                seen.extend(records)
    finally:
        await consumer.stop()
    return seen


def header(record: ConsumerRecord[bytes, bytes], name: str) -> bytes | None:
    return next((v for k, v in record.headers if k == name), None)
