"""The worker end to end: real broker, real Postgres, `veilstream worker` processes.

Canaries: every PII value seeded into the inputs is searched for in every byte that comes out
(masked topics, audit topic, DLQ, headers, worker logs, quarantine ciphertexts).
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import psycopg
import pytest
from _fuzz import case as fuzz_case
from _fuzz import leaked
from faker import Faker
from worker_harness import ROOT, consume, env_of, header, prepare, produce, unique_settings, worker_process

from detectors import Document, default_pipeline, parse_policy
from streams.settings import WorkerSettings
from streams.unmask_client import signed_request
from vault import Vault, VaultSettings, policies, principals

pytestmark = pytest.mark.integration

#: Both worker engines (`VEILSTREAM_ENGINE`) must keep the same guarantees.
ENGINES = ["faust", "aiokafka"]
LOCALES = ["en_US", "es_ES", "fr_FR", "de_DE", "pt_PT"]
POLICY = {
    "tenant": "acme",
    "version": "7",
    "fields": {
        "contacts.full_name": "PERSON",
        "contacts.email": "EMAIL",
        "contacts.phone": "PHONE",
        "contacts.notes": "detect",
        "tickets.body": "detect",
    },
    "channels": {"messaging": "redact"},
    "unmask_policies": [
        {
            "name": "email-send",
            "classes": ["EMAIL", "PERSON"],
            "principals": ["mailer"],
            "purposes": ["email_send"],
        }
    ],
}


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(POLICY))
    return path


class Inputs:
    """Generated CDC events and messages, with the PII canaries they carry."""

    def __init__(self, settings: WorkerSettings, seed: int = 11) -> None:
        self.settings = settings
        self.canaries: set[str] = set()
        self.records: list[tuple[str, bytes | None, bytes | None, tuple[tuple[str, bytes], ...]]] = []
        self.fakers = [Faker(loc) for loc in LOCALES]
        for i, fake in enumerate(self.fakers):
            fake.seed_instance(seed + i)

    def _seed(self, *values: str) -> None:
        self.canaries.update(v for v in values if len(v) >= 6)

    def contact(self, i: int, tenant: bytes = b"acme") -> None:
        fake = self.fakers[i % len(self.fakers)]
        name, email, phone, other, iban = (
            fake.name(),
            fake.email(),
            fake.phone_number(),
            fake.email(),
            fake.iban(),
        )
        self._seed(name, email, phone, other, iban)
        row = {
            "id": i,
            "full_name": name,
            "email": email,
            "phone": phone,
            "notes": f"Wrote from {other}, IBAN {iban}.",
        }
        event = {
            "before": None,
            "after": row,
            "op": "c",
            "source": {"table": "contacts", "db": "crm"},
            "ts_ms": i,
        }
        self.records.append(
            (
                self.settings.cdc_topic("contacts"),
                json.dumps({"id": i}).encode(),
                json.dumps(event).encode(),
                (("veilstream-tenant", tenant),),
            )
        )

    def ticket(self, i: int) -> None:
        fake = self.fakers[i % len(self.fakers)]
        email = fake.email()
        self._seed(email)
        event = {
            "payload": {
                "before": None,
                "after": {"id": i, "tenant_id": "acme", "body": f"Reply to {email}"},
                "op": "c",
                "source": {"table": "tickets"},
            },
            "schema": {"type": "struct"},
        }
        self.records.append(
            (
                self.settings.cdc_topic("tickets"),
                json.dumps({"id": i}).encode(),
                json.dumps(event).encode(),
                (),
            )
        )

    def message(self, i: int, channel: str = "web_widget") -> None:
        fake = self.fakers[i % len(self.fakers)]
        email, iban = fake.email(), fake.iban()
        self._seed(email, iban)
        body = {
            "message_id": f"m{i}",
            "tenant_id": "acme",
            "channel": channel,
            "conversation_id": f"c{i % 7}",
            "text": f"Please refund to {iban}, mail me at {email}",
            "lang": "en",
        }
        self.records.append(
            (self.settings.messages_topic, f"c{i % 7}".encode(), json.dumps(body).encode(), ())
        )


def scan(blobs: list[bytes], canaries: set[str]) -> list[str]:
    joined = b"\n".join(blobs)
    return sorted(c for c in canaries if c.encode() in joined)


def everything(records: list[Any]) -> list[bytes]:
    out = []
    for r in records:
        out += [r.key or b"", r.value or b""] + [v for _, v in r.headers]
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_end_to_end_masks_keeps_keys_partitions_order_and_rejects_bad_input(
    kafka_server: str, pg_url: str, master_key: str, policy_file: Path, tmp_path: Path, engine: str
) -> None:
    settings = unique_settings(
        kafka_server, engine=engine, policy_files=(policy_file,), policies_from_vault=False
    )
    asyncio.run(prepare(settings, pg_url))
    inputs = Inputs(settings)
    for i in range(30):
        inputs.contact(i)
    for i in range(10):
        inputs.ticket(i)
    for i in range(20):
        inputs.message(i, "messaging" if i % 4 == 0 else "web_widget")
    tombstone = (settings.cdc_topic("contacts"), b'{"id": 3}', None, (("veilstream-tenant", b"acme"),))
    inputs.records.append(tombstone)
    good = len(inputs.records)
    secret = "Jane Secretname jane.secret@example.org"  # noqa: S105  # a canary, not a password
    inputs._seed("jane.secret@example.org")
    cdc = settings.cdc_topic("contacts")
    bad = [
        (cdc, b"k1", b'{"after": {"email": "jane.secret@example.org"', ()),  # malformed JSON
        (cdc, b"k2", json.dumps({"op": "zz", "after": {"note": secret}}).encode(), ()),  # wrong schema
        (cdc, b"k3", b"\xff\xfe" + secret.encode(), ()),  # bad UTF-8
        (cdc, b"k4", json.dumps({"op": "c", "after": {"n": secret + " " * (5 << 20)}}).encode(), ()),  # 5 MB
    ]
    inputs.records += bad
    inputs.contact(99, tenant=b"globex")  # a tenant without a policy
    expected_reasons = {"bad_json", "bad_schema", "bad_utf8", "too_large", "unknown_tenant"}
    asyncio.run(produce(kafka_server, inputs.records, max_request_size=8 << 20))

    worker = worker_process(env_of(settings, pg_url, master_key), tmp_path / "worker.log")
    try:
        out_topics = [
            settings.masked_cdc_topic("contacts"),
            settings.masked_cdc_topic("tickets"),
            settings.masked_messages_topic,
        ]

        def complete(seen: list[Any]) -> bool:
            masked = {header(r, "veilstream-source") for r in seen if r.topic in out_topics}
            dlq = [r for r in seen if r.topic == settings.dlq_topic]
            return len(masked) >= good and len(dlq) >= len(expected_reasons)

        seen = asyncio.run(
            consume(kafka_server, [*out_topics, settings.dlq_topic, settings.audit_topic], complete)
        )
        assert worker.proc.poll() is None, "the worker died on bad input"
    finally:
        assert worker.stop() == 0

    masked = [r for r in seen if r.topic in out_topics]
    dlq = [json.loads(r.value) for r in seen if r.topic == settings.dlq_topic]
    audit = [r for r in seen if r.topic == settings.audit_topic]
    assert len({header(r, "veilstream-source") for r in masked}) == good
    assert {d["reason"] for d in dlq} == expected_reasons
    assert all(d["error_class"] and d["reference"].startswith(cdc) for d in dlq)
    assert len(audit) >= good

    # keys and partitions kept; order per partition kept
    by_partition: dict[tuple[str, int], list[int]] = defaultdict(list)
    for r in masked:
        _, partition, offset = header(r, "veilstream-source").decode().rsplit("/", 2)
        assert r.partition == int(partition)
        by_partition[(r.topic, r.partition)].append(int(offset))
        assert header(r, "veilstream-policy-version") == b"7"
    assert all(offsets == sorted(offsets) for offsets in by_partition.values())
    # the masked keys are the input keys, byte for byte ({"id": n} and conversation ids carry no PII)
    input_keys = {(t, k) for t, k, _, _ in inputs.records}
    in_topic = {
        settings.masked_cdc_topic("contacts"): cdc,
        settings.masked_cdc_topic("tickets"): settings.cdc_topic("tickets"),
        settings.masked_messages_topic: settings.messages_topic,
    }
    assert all((in_topic[r.topic], r.key) in input_keys for r in masked)

    # the masked records carry tokens or placeholders
    out_contacts = [r for r in masked if r.topic == settings.masked_cdc_topic("contacts")]
    assert [r.key for r in out_contacts if r.value is None] == [b'{"id": 3}']  # the tombstone passed through
    contacts = [json.loads(r.value) for r in out_contacts if r.value is not None]
    assert all(
        c["after"]["email"].startswith("<EMAIL>") and c["after"]["full_name"].startswith("<PER>")
        for c in contacts
    )
    tickets = [json.loads(r.value) for r in masked if r.topic == settings.masked_cdc_topic("tickets")]
    assert all(
        t["schema"] == {"type": "struct"} and "<EMAIL>" in t["payload"]["after"]["body"] for t in tickets
    )
    texts = [json.loads(r.value)["text"] for r in masked if r.topic == settings.masked_messages_topic]
    assert sum("<EMAIL_ADDRESS>" in t for t in texts) == 5 and sum("</EMAIL>" in t for t in texts) == 15

    # the canary scan: nothing seeded comes out anywhere
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT reference, reason, ciphertext FROM quarantine").fetchall()
    assert {r[1] for r in rows} == expected_reasons
    leaked = scan(everything(seen) + [worker.text().encode()] + [bytes(r[2]) for r in rows], inputs.canaries)
    assert leaked == []
    if engine == "aiokafka":  # (faust sets up its logging after the tuning, which then logs nowhere)
        assert "gc tuned: " in worker.text()  # streams.gc_tuning ran in the worker process


@pytest.mark.parametrize("engine", ENGINES)
def test_kill_9_mid_stream_then_restart_every_input_has_its_identical_output(
    kafka_server: str, pg_url: str, master_key: str, policy_file: Path, tmp_path: Path, engine: str
) -> None:
    settings = unique_settings(
        kafka_server, engine=engine, policy_files=(policy_file,), policies_from_vault=False, batch_size=20
    )
    asyncio.run(prepare(settings, pg_url))
    inputs = Inputs(settings, seed=5)
    for i in range(300):
        inputs.message(i)
    # half before the first worker, half after it is killed: a fast worker cannot finish them all
    asyncio.run(produce(kafka_server, inputs.records[:150]))
    env = env_of(settings, pg_url, master_key)
    out = settings.masked_messages_topic

    first = worker_process(env, tmp_path / "first.log")
    try:
        partial = asyncio.run(consume(kafka_server, [out], lambda seen: len(seen) >= 40))
        assert len(partial) >= 40
    finally:
        first.kill()
    asyncio.run(produce(kafka_server, inputs.records[150:]))
    second = worker_process(env, tmp_path / "second.log")
    try:
        sources = lambda seen: {header(r, "veilstream-source") for r in seen}  # noqa: E731
        seen = asyncio.run(consume(kafka_server, [out], lambda s: len(sources(s)) >= 300))
    finally:
        assert second.stop() == 0
    assert len(sources(seen)) == 300
    by_source: dict[bytes | None, set[tuple[bytes | None, bytes | None]]] = defaultdict(set)
    for r in seen:
        by_source[header(r, "veilstream-source")].add((r.key, r.value))
    assert all(len(v) == 1 for v in by_source.values()), "a replayed record came out different"
    assert scan(everything(seen), inputs.canaries) == []


def _vault_settings(pg_url: str, master_key: str) -> VaultSettings:
    return VaultSettings(database_url=pg_url, master_key=master_key, toxicity="none")  # type: ignore[arg-type]


async def _setup_unmask(pg_url: str, master_key: str) -> tuple[str, dict[str, str]]:
    """The masked text to reveal and the principals' secrets."""
    async with await Vault.open(_vault_settings(pg_url, master_key), migrate_now=True) as vault:
        async with vault.pool.connection() as conn:
            await policies.apply(conn, vault.keyring, parse_policy(POLICY))
            secrets = {
                "mailer": await principals.create(
                    conn, vault.keyring, "acme", "mailer", ["unmask:email-send"]
                ),
                "intruder": await principals.create(conn, vault.keyring, "acme", "intruder", ["unmask:*"]),
            }
        text = "Write to jane.roe@example.org about card 4111 1111 1111 1111"
        spans = default_pipeline().detect(Document(text))
        (masked,) = await vault.tokenize_texts("acme", [(text, spans)])
        return masked, secrets


@pytest.mark.parametrize("engine", ENGINES)
def test_unmask_worker_reveals_only_to_signed_requests_and_audits_every_one(
    kafka_server: str, pg_url: str, master_key: str, tmp_path: Path, engine: str
) -> None:
    settings = unique_settings(kafka_server, engine=engine)
    asyncio.run(prepare(settings, pg_url))
    masked, secrets = asyncio.run(_setup_unmask(pg_url, master_key))
    assert "jane.roe" not in masked and "<EMAIL>" in masked
    topic = settings.unmask_requests_topic

    def signed(
        rid: str, who: str, policy: str = "email-send", key: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        secret = secrets[key or who] if (key or who) in secrets else secrets["mailer"]
        return signed_request(
            secret, tenant="acme", principal=who, policy_name=policy, purpose="email_send",
            request_id=rid, **{"token_value": masked, **kw},
        )  # fmt: skip

    def out(body: dict[str, Any]) -> tuple[str, bytes, bytes, tuple[()]]:
        return (topic, body["request_id"].encode(), json.dumps(body).encode(), ())

    unsigned = {k: v for k, v in signed("r3", "mailer").items() if k not in ("signature", "ts")}
    impersonated = signed("r4", "mailer", key="intruder")  # the intruder's secret, naming the mailer
    tampered = {**signed("r5", "mailer"), "token_value": masked + " and more"}
    # as an LLM may give it back: tags re-cased and spaced, the closing tag dropped
    rewritten = masked.replace("<EMAIL>", "< email > ").replace("</EMAIL>", "")
    requests = [
        out(signed("r1", "mailer")),
        out(signed("r2", "intruder")),
        out(unsigned),
        out(impersonated),
        out(tampered),
        out(signed("r6", "ghost")),
        out(signed("r7", "mailer", "no-such-policy")),
        out(signed("r8", "mailer", ts_ms=int(time.time() * 1000) - 3_600_000)),  # an hour old
        out(signed("r1", "mailer")),  # the same request id again: a replay
        (topic, b"r10", b"{oops", ()),
        out(signed("r11", "mailer", token_value=rewritten)),
    ]
    asyncio.run(produce(kafka_server, requests))
    worker = worker_process(env_of(settings, pg_url, master_key), tmp_path / "unmask.log", role="unmask")
    try:
        seen = asyncio.run(
            consume(kafka_server, [settings.unmask_replies_topic, settings.dlq_topic], lambda s: len(s) >= 11)
        )
    finally:
        assert worker.stop() == 0
    # Replies are keyed by request id, so only the replies to one id keep their order.
    replies = [json.loads(r.value) for r in seen if r.topic == settings.unmask_replies_topic]
    codes = sorted((r["request_id"], r.get("error", {}).get("code", "ok")) for r in replies)
    assert codes == [
        ("r1", "ok"), ("r1", "replayed"), ("r11", "ok"), ("r2", "policy_refused"),
        ("r3", "unauthenticated"), ("r4", "unauthenticated"), ("r5", "unauthenticated"),
        ("r6", "unauthenticated"), ("r7", "unknown_policy"), ("r8", "stale"),
    ]  # fmt: skip
    revealed, repaired = sorted((r for r in replies if "value" in r), key=lambda r: str(r["request_id"]))
    assert revealed["request_id"] == "r1" and "error" not in revealed
    assert revealed["value"].startswith(
        "Write to jane.roe@example.org about card <CARD>"
    )  # CARD not in policy
    card = revealed["value"].removeprefix("Write to jane.roe@example.org about card ")
    assert revealed["leftovers"] == [{"text": card, "reason": "not_allowed"}] and revealed["unresolved"] == []
    assert repaired["request_id"] == "r11" and repaired["value"] == revealed["value"]
    assert [json.loads(r.value)["reason"] for r in seen if r.topic == settings.dlq_topic] == ["bad_json"]
    assert "jane.roe" not in worker.text()
    with psycopg.connect(pg_url) as conn:
        outcomes = [
            r[0] for r in conn.execute("SELECT outcome FROM audit_log WHERE action = 'unmask' ORDER BY seq")
        ]
    assert sorted(outcomes) == sorted([
        "ok", "ok", "refused: principal not named in the policy", "refused: unauthenticated",
        "refused: unauthenticated", "refused: unauthenticated", "refused: unauthenticated",
        "refused: unknown policy", "refused: stale", "refused: replayed",
    ])  # fmt: skip


def test_mask_worker_anchors_the_audit_chain_on_the_audit_topic(
    kafka_server: str, pg_url: str, master_key: str, tmp_path: Path, policy_file: Path
) -> None:
    from typer.testing import CliRunner

    from streams.checkpoints import published
    from veilstream.cli import app

    settings = unique_settings(kafka_server, policy_files=(policy_file,), audit_checkpoint_s=0.2)
    asyncio.run(prepare(settings, pg_url))
    inputs = Inputs(settings)
    for i in range(6):
        inputs.message(i)
    env = env_of(settings, pg_url, master_key)
    worker = worker_process(env, tmp_path / "mask.log")
    points: list[Any] = []
    try:
        for upto in (3, 6):  # two batches: two audit records at least
            asyncio.run(produce(kafka_server, inputs.records[upto - 3 : upto]))
            topics = [settings.masked_messages_topic]
            asyncio.run(consume(kafka_server, topics, lambda s, n=upto: len(s) >= n))  # type: ignore[misc]
            time.sleep(0.3)
        deadline = time.monotonic() + 20
        while max((p.seq for p in points), default=0) < 2 and time.monotonic() < deadline:
            points = asyncio.run(published(settings.bootstrap_servers(), settings.audit_topic, idle_s=0.3))
    finally:
        assert worker.stop() == 0
    assert {p.tenant for p in points} == {"acme"} and max(p.seq for p in points) >= 2
    runner = CliRunner()
    verified = runner.invoke(app, ["audit", "verify", "-t", "acme", "--from-topic"], env=env)
    assert verified.exit_code == 0, verified.output
    last = max(p.seq for p in points)
    with psycopg.connect(pg_url, autocommit=True) as conn:  # cut the chain back, checkpoints too
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        conn.execute("DELETE FROM audit_log WHERE tenant_id = 'acme' AND seq >= %s", (last,))
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")
        conn.execute(
            "UPDATE audit_head SET seq = %s, hash = (SELECT hash FROM audit_log WHERE tenant_id = 'acme'"
            " AND seq = %s) WHERE tenant_id = 'acme'",
            (last - 1, last - 1),
        )
        conn.execute("DELETE FROM audit_checkpoints WHERE tenant_id = 'acme'")
    assert (
        runner.invoke(app, ["audit", "verify", "-t", "acme"], env=env).exit_code == 0
    )  # blind inside the DB
    caught = runner.invoke(app, ["audit", "verify", "-t", "acme", "--from-topic"], env=env)
    assert caught.exit_code == 1 and "records are missing" in caught.output, caught.output


def test_fuzzed_records_on_the_real_broker_never_stop_the_worker_or_leak(
    kafka_server: str, pg_url: str, master_key: str, tmp_path: Path
) -> None:
    """300 mutated CDC events and messages with canaries (`tests/_fuzz.py`, the generator the
    hypothesis test in tests/unit uses, seeded): the worker stays up, every input has a masked
    output or a DLQ reference, and no canary is on any topic or in the worker's log."""
    tmp = tmp_path
    policy = tmp / "acme.json"
    policy.write_text(json.dumps(POLICY))
    settings = unique_settings(kafka_server, policy_files=(policy,))
    asyncio.run(prepare(settings, pg_url))
    rng = random.Random(20261207)
    batch = [fuzz_case(rng) for _ in range(300)]
    topics = {"cdc": settings.cdc_topic("contacts"), "message": settings.messages_topic}
    records = [(topics[c.kind], c.key, c.value, (("veilstream-tenant", b"acme"),)) for c in batch]
    worker = worker_process(env_of(settings, pg_url, master_key), tmp / "mask.log")
    outputs = [settings.masked_cdc_topic("contacts"), settings.masked_messages_topic, settings.dlq_topic]
    try:
        asyncio.run(produce(kafka_server, records))

        def accounted(seen: list[Any]) -> bool:
            assert worker.proc.poll() is None, worker.text()[-2000:]
            return len(_references(seen, settings)) >= len(records)

        seen = asyncio.run(consume(kafka_server, [*outputs, settings.audit_topic], accounted))
        assert worker.proc.poll() is None  # still running after all of it
    finally:
        assert worker.stop() == 0
    assert len(_references(seen, settings)) == len(records)
    leaks = leaked(b"\n".join(everything(seen)) + worker.text().encode())
    assert not leaks, leaks


def _references(seen: list[Any], settings: WorkerSettings) -> set[str]:
    """Input references accounted for: a masked record's source header, or a DLQ reference."""
    masked = (settings.masked_cdc_topic("contacts"), settings.masked_messages_topic)
    refs = {(header(r, "veilstream-source") or b"").decode() for r in seen if r.topic in masked}
    refs |= {json.loads(r.value)["reference"] for r in seen if r.topic == settings.dlq_topic}
    return refs - {""}


def test_dlq_replay_after_the_tenant_gets_a_policy(
    kafka_server: str, pg_url: str, master_key: str, tmp_path: Path
) -> None:
    settings = unique_settings(kafka_server, policies_from_vault=True)
    asyncio.run(prepare(settings, pg_url))
    inputs = Inputs(settings, seed=3)
    inputs.message(1)
    asyncio.run(produce(kafka_server, inputs.records))
    env = env_of(settings, pg_url, master_key)
    worker = worker_process(env, tmp_path / "worker.log")
    try:
        dlq = asyncio.run(consume(kafka_server, [settings.dlq_topic], lambda s: len(s) >= 1))
        assert json.loads(dlq[0].value)["reason"] == "unknown_tenant"

        async def adopt() -> None:  # the fix: the tenant's policy is stored in the vault
            async with (
                await Vault.open(_vault_settings(pg_url, master_key)) as vault,
                vault.pool.connection() as conn,
            ):
                await policies.apply(conn, vault.keyring, parse_policy(POLICY))

        asyncio.run(adopt())
        listed = subprocess.run(
            [sys.executable, "-c", "from veilstream.cli import main; main()", "dlq", "list"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0 and "unknown_tenant" in listed.stdout
        asyncio.run(asyncio.sleep(5.5))  # the worker remembers a missing policy for 5 s
        replayed = subprocess.run(
            [
                sys.executable,
                "-c",
                "from veilstream.cli import main; main()",
                "dlq",
                "replay",
                "--reason",
                "unknown_tenant",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert replayed.returncode == 0, replayed.stderr
        assert "replayed 1 record" in replayed.stdout
        out = asyncio.run(consume(kafka_server, [settings.masked_messages_topic], lambda s: len(s) >= 1))
    finally:
        assert worker.stop() == 0
    assert header(out[0], "veilstream-replay") == dlq[0].key
    assert "</EMAIL>" in json.loads(out[0].value)["text"]
    assert scan(everything(out + dlq), inputs.canaries) == []
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM quarantine WHERE released_at IS NULL").fetchone() == (0,)
