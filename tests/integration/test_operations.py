"""Operating the worker on the real broker and Postgres: `/healthz` and `/readyz` (false until the
detection model is loaded), the endpoint's port, configuration mistakes as one line and exit 2,
JSON logs and `traceparent` carried from input to output."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tls_proxy import free_port
from worker_harness import ROOT, consume, env_of, header, prepare, produce, unique_settings, worker_process

from vault import Vault, VaultSettings
from vault.keys import generate_master_key

pytestmark = pytest.mark.integration

POLICY = {"tenant": "acme", "fields": {"contacts.email": "EMAIL"}}
TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(POLICY))
    return path


def _probe(port: int, path: str) -> tuple[int, dict[str, Any]] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:  # not listening yet
        return None


def _message(i: int, text: str) -> dict[str, Any]:
    return {"message_id": f"m{i}", "tenant_id": "acme", "channel": "web_widget",
            "conversation_id": "c1", "text": text, "lang": "en"}  # fmt: skip


def test_readyz_is_false_until_the_model_is_loaded_and_the_group_joined(
    kafka_server: str, pg_url: str, master_key: str, policy_file: Path, tmp_path: Path
) -> None:
    port = free_port()
    settings = unique_settings(
        kafka_server, ner="on", metrics_port=port, policy_files=(policy_file,), policies_from_vault=False
    )
    asyncio.run(prepare(settings, pg_url))
    worker = worker_process(env_of(settings, pg_url, master_key), tmp_path / "worker.log")
    states: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert worker.proc.poll() is None, worker.text()[-2000:]
            ready = _probe(port, "/readyz")
            if ready is not None:
                status, body = ready
                assert (status == 200) == body["ready"]
                states.append(body)
                if body["ready"]:
                    break
            time.sleep(0.02)
        assert states and states[-1]["ready"], (states[-3:], worker.text()[-2000:])
        assert _probe(port, "/healthz") == (200, {"alive": True})
        assert _probe(port, "/nope") == (404, {"error": "not found"})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
            assert b"veilstream_records_in_total" in reply.read()
        # the masking itself works once ready
        asyncio.run(
            produce(
                kafka_server,
                [(settings.messages_topic, b"c1", json.dumps(_message(1, "hi Jane")).encode(), ())],
            )
        )
        seen = asyncio.run(consume(kafka_server, [settings.masked_messages_topic], lambda s: len(s) >= 1, 60))
        assert len(seen) == 1
    finally:
        assert worker.stop() == 0
    assert not states[0]["model"], f"the first answer was already ready: {states[0]}"
    # the consumer joins only after the model is loaded and the vault is open
    assert all(s["model"] and s["vault"] for s in states if s["assigned"])
    log = worker.text()
    assert log.index("detection ready seconds=") < log.index("partitions assigned")


def test_a_taken_metrics_port_is_one_clear_error(
    kafka_server: str, pg_url: str, master_key: str, tmp_path: Path
) -> None:
    settings = unique_settings(kafka_server)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**env_of(settings, pg_url, master_key), "VEILSTREAM_METRICS_PORT": str(port)}
        done = _cli(env, "worker", "--role", "unmask")
    assert done.returncode == 2
    assert f"127.0.0.1:{port}" in done.stderr and "VEILSTREAM_METRICS_PORT" in done.stderr
    assert "Traceback" not in done.stderr


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own CLI
        [sys.executable, "-c", "from veilstream.cli import main; main()", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def _store_key(pg_url: str, master_key: str) -> None:
    settings = VaultSettings(database_url=pg_url, master_key=master_key, toxicity="none")  # type: ignore[arg-type]
    async with await Vault.open(settings, migrate_now=True):
        pass


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong_master_key", "is not the master key of this vault"),
        ("cdc_tables", "VEILSTREAM_CDC_TABLES is not valid JSON"),
        ("no_database_url", "VEILSTREAM_DATABASE_URL is not set"),
        ("policy_class", "contacts.email names an unknown entity class"),
    ],
)
def test_worker_configuration_mistakes_are_one_line_and_exit_2(
    kafka_server: str, pg_url: str, master_key: str, tmp_path: Path, case: str, message: str
) -> None:
    settings = unique_settings(kafka_server)
    asyncio.run(_store_key(pg_url, master_key))
    env = env_of(settings, pg_url, master_key)
    if case == "wrong_master_key":
        env["VEILSTREAM_MASTER_KEY"] = generate_master_key()
    elif case == "cdc_tables":
        env["VEILSTREAM_CDC_TABLES"] = "contacts,tickets"
    elif case == "no_database_url":
        del env["VEILSTREAM_DATABASE_URL"]
    else:
        policy = tmp_path / "typo.yaml"
        policy.write_text("tenant: acme\nfields: {contacts.email: EMIAL}\n")
        env["VEILSTREAM_POLICY_FILES"] = json.dumps([str(policy)])
    done = _cli(env, "worker", "--role", "mask")
    assert done.returncode == 2, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("veilstream:")]
    assert len(errors) == 1 and message in errors[0], done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def test_json_logs_and_traceparent_from_input_to_output(
    kafka_server: str, pg_url: str, master_key: str, policy_file: Path, tmp_path: Path
) -> None:
    settings = unique_settings(
        kafka_server, log_format="json", policy_files=(policy_file,), policies_from_vault=False
    )
    asyncio.run(prepare(settings, pg_url))
    worker = worker_process(env_of(settings, pg_url, master_key), tmp_path / "worker.log")
    pii = b"jane.header@example.org"
    records = [
        (settings.messages_topic, b"c1", json.dumps(_message(1, "mail jane.trace@example.org")).encode(),
         (("traceparent", TRACEPARENT), ("x-user", pii))),
        (settings.messages_topic, b"c1", json.dumps(_message(2, "no trace here")).encode(),
         (("traceparent", b"00-" + pii),)),
        (settings.messages_topic, b"c1", b"{not json", (("traceparent", TRACEPARENT),)),
    ]  # fmt: skip
    try:
        asyncio.run(produce(kafka_server, records))
        topics = [settings.masked_messages_topic, settings.audit_topic, settings.dlq_topic]
        seen = asyncio.run(
            consume(kafka_server, topics, lambda s: sum(r.topic != settings.audit_topic for r in s) >= 3, 60)
        )
    finally:
        assert worker.stop() == 0
    by_source = {(r.topic, header(r, "veilstream-source")): r for r in seen if header(r, "veilstream-source")}
    first = f"{settings.messages_topic}/".encode()
    masked = sorted((r for r in seen if r.topic == settings.masked_messages_topic), key=lambda r: r.offset)
    assert [header(r, "traceparent") for r in masked] == [TRACEPARENT, None]
    audit = [r for r in seen if r.topic == settings.audit_topic and header(r, "traceparent")]
    assert audit and all(header(r, "traceparent") == TRACEPARENT for r in audit)
    assert all(pii not in b"".join(v for _, v in r.headers) for r in seen)
    assert by_source and all(key[1].startswith(first) for key in by_source)
    lines = [line for line in worker.text().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(p.get("fields", {}).get("reason") == "bad_json" for p in parsed)
    assert b"jane.trace" not in worker.text().encode()
