"""The embedded broker and Postgres, topic creation on a real broker, and `veilstream dev up`."""

from __future__ import annotations

import base64
import os
import queue
import secrets
import shlex
import signal
import sys
import threading
import time
from pathlib import Path
from subprocess import PIPE, Popen
from typing import IO

import psutil
import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.settings import WorkerSettings
from streams.topics import CREATED, EXISTS, create_topics, wait_for_broker
from veilstream.embedded import EmbeddedBroker, embedded_stack, metadata_answers

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

#: `veilstream dev up` on a fresh typer app (the main app wires `register` itself).
DEV_UP = (
    "import typer; from veilstream.cli import dev_cmds; app = typer.Typer(); dev_cmds.register(app); app()"
)

#: What `dev up` exports when no master key is set (names after the `VEILSTREAM_` prefix).
EXPORTED = ("BROKER_URL", "DATABASE_URL", "MASTER_KEY")


def _settings(bootstrap: str, partitions: int) -> WorkerSettings:
    """Settings whose every topic name is unique to this call, so tests can share a broker."""
    p = f"t{secrets.token_hex(4)}"
    return WorkerSettings(
        broker_url=bootstrap,
        partitions=partitions,
        cdc_tables=("contacts",),
        cdc_prefix=f"{p}.crm.cdc.",
        masked_cdc_prefix=f"{p}.masked.crm.",
        messages_topic=f"{p}.support.messages",
        masked_messages_topic=f"{p}.masked.support.messages",
        audit_topic=f"{p}.audit",
        dlq_topic=f"{p}.dlq",
        unmask_requests_topic=f"{p}.unmask.requests",
        unmask_replies_topic=f"{p}.unmask.replies",
    )


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_broker_start_and_stop() -> None:
    broker = EmbeddedBroker.start()
    try:
        assert broker.url == f"kafka://127.0.0.1:{broker.port}"
        assert broker.bootstrap == f"127.0.0.1:{broker.port}"
        assert metadata_answers("127.0.0.1", broker.port)
        assert os.getpgid(broker.pid) == broker.pid  # its own process group
        assert "tansu" in broker.log_path.read_text()
    finally:
        broker.stop()
    assert not broker.running
    assert not broker.workdir.exists()
    assert not metadata_answers("127.0.0.1", broker.port)
    broker.stop()  # idempotent


async def test_create_topics_twice(kafka_server: str) -> None:
    settings = _settings(kafka_server, partitions=2)
    await wait_for_broker(kafka_server, 5)
    assert await create_topics(settings) == dict.fromkeys(settings.all_topics(), CREATED)
    assert await create_topics(settings) == dict.fromkeys(settings.all_topics(), EXISTS)

    more = settings.model_copy(update={"partitions": 3})
    names = settings.all_topics()[:2]
    assert await create_topics(more, names) == dict.fromkeys(names, "exists (2 partitions, wanted 3)")


async def test_produce_and_consume_one_record(kafka_server: str) -> None:
    settings = _settings(kafka_server, partitions=1)
    topic = settings.messages_topic
    assert await create_topics(settings, [topic]) == {topic: CREATED}

    producer = AIOKafkaProducer(bootstrap_servers=kafka_server, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b'{"text": "hello"}', key=b"m-1", headers=[("h", b"1")])
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_server, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.seek_to_beginning()
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert (record.offset, record.key, record.value) == (sent.offset, b"m-1", b'{"text": "hello"}')
    assert list(record.headers) == [("h", b"1")]


def test_stack_stops_when_the_body_raises() -> None:
    with pytest.raises(RuntimeError, match="boom"), embedded_stack() as stack:
        pids = [stack.broker.pid, stack.postgres.pid]
        dirs = [stack.broker.workdir, stack.postgres.root]
        with psycopg.connect(stack.postgres.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        raise RuntimeError("boom")
    assert all(pid is not None and _gone(pid) for pid in pids)
    assert not any(d.exists() for d in dirs)


def _read_exports(stdout: IO[str], timeout: float) -> dict[str, str]:
    """The `export NAME=value` lines of `dev up`, read in a thread so that a hang fails the test."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    exports: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(exports) < 3:
        line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        name, _, value = line.strip().removeprefix("export ").partition("=")
        exports[name] = shlex.split(value)[0]
    return exports


def test_dev_up_exports_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILSTREAM_")}
    command = [sys.executable, "-c", DEV_UP, "dev", "up", "--partitions", "2"]
    stderr = tmp_path / "stderr"
    with stderr.open("w") as err, Popen(command, stdout=PIPE, stderr=err, text=True, env=env) as proc:
        try:
            assert proc.stdout is not None
            exports = _read_exports(proc.stdout, timeout=20)
            assert sorted(exports) == [f"VEILSTREAM_{n}" for n in EXPORTED]
            assert len(base64.b64decode(exports["VEILSTREAM_MASTER_KEY"])) == 32

            port = int(exports["VEILSTREAM_BROKER_URL"].rsplit(":", 1)[1])
            assert metadata_answers("127.0.0.1", port)
            with psycopg.connect(exports["VEILSTREAM_DATABASE_URL"]) as conn:
                assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() != (0,)
                backend = conn.execute("SELECT pg_backend_pid()").fetchone()
                assert backend is not None
                # while the connection is open: its backend process exits when it closes
                postmaster = psutil.Process(backend[0]).ppid()
            children = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
            assert children  # the broker

            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    assert all(_gone(pid) for pid in [*children, postmaster])
    assert "dev stack stopped" in stderr.read_text()
