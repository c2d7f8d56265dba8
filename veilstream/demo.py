"""The end-to-end demo on embedded servers: broker + Postgres from PyPI, both workers, real topics.

1. start a Tansu broker and a Postgres (`veilstream.embedded`), migrate, store the demo policy,
   create two principals and every topic;
2. start `veilstream worker --role mask` and `--role unmask` as child processes (`veilstream.launcher`);
3. produce CRM change events and support messages in en, es, fr, de, pt (`veilstream.samples`);
4. read the masked topics and show raw vs masked;
5. ask the unmask worker to reveal one message with signed requests (`streams.unmask_client`):
   as a principal the policy names, as one it does not, and once unsigned (refused);
6. stop everything: workers (SIGTERM), broker, Postgres. No process is left behind.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from detectors import parse_policy
from streams.errors import StreamsError
from streams.kafka_client import PLAINTEXT, Target, client_options
from streams.settings import WorkerSettings
from streams.topics import create_topics
from streams.unmask_client import signed_request
from veilstream.embedded import embedded_stack
from veilstream.launcher import start_worker
from veilstream.settings import worker_env

TENANT = "acme"
POLICY: dict[str, Any] = {
    "tenant": TENANT,
    "version": "demo-1",
    "fields": {
        "contacts.full_name": "PERSON",
        "contacts.email": "EMAIL",
        "contacts.phone": "PHONE",
        "contacts.city": "LOCATION",
        "contacts.notes": "detect",
        "contacts.segment": "keep",
        "tickets.body": "detect",
        "tickets.status": "keep",
    },
    "channels": {"web_widget": "tokenize", "email": "tokenize", "messaging": "redact"},
    "unmask_policies": [
        {
            "name": "email-send",
            "classes": ["PERSON", "EMAIL"],
            "principals": ["mailer"],
            "purposes": ["email_send"],
        }
    ],
}
#: Made-up CRM contacts, one per language (drawn once with Faker's en_US, es_ES, fr_FR, de_DE and
#: pt_PT locales and kept as data: the demo needs no Faker at run time).
CONTACTS = "crm_contacts.jsonl"
#: Support messages in en, es, fr, de, pt (also `veilstream demo --texts`).
MESSAGES = "crm_texts.jsonl"


@dataclass(frozen=True, slots=True)
class Shown:
    """One input and its masked output, for display."""

    kind: str
    lang: str
    raw: str
    masked: str
    entities: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    rows: list[Shown]
    allowed: dict[str, Any]
    refused: dict[str, Any]
    #: The same request as `allowed`'s without a signature: `unauthenticated`.
    forged: dict[str, Any]
    seconds: dict[str, float]
    stages: str


def _sample(name: str) -> list[dict[str, Any]]:
    text = resources.files("veilstream.samples").joinpath(name).read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _contacts() -> list[tuple[str, dict[str, Any]]]:
    """(language, `contacts` row) of each sample contact."""
    return [(row.pop("lang"), {**row, "tenant_id": TENANT}) for row in _sample(CONTACTS)]


def _messages() -> list[dict[str, Any]]:
    channels = ["web_widget", "email", "messaging"]
    out = []
    for i, sample in enumerate(_sample(MESSAGES)):
        out.append(
            {
                "message_id": sample["id"],
                "tenant_id": TENANT,
                "channel": channels[i % len(channels)],
                "conversation_id": f"conv-{i % 3}",
                "text": sample["text"],
                "lang": sample["lang"],
            }
        )
    return out


async def _setup_vault(url: str, master_key: str) -> dict[str, str]:
    """Apply the policy and create the two principals; their secrets by name."""
    from vault import Vault, VaultSettings, policies, principals

    settings = VaultSettings(database_url=url, master_key=master_key, toxicity="none")  # type: ignore[arg-type]
    async with await Vault.open(settings, migrate_now=True) as vault, vault.pool.connection() as conn:
        await policies.apply(conn, vault.keyring, parse_policy(POLICY))
        return {
            "mailer": await principals.create(conn, vault.keyring, TENANT, "mailer", ["unmask:email-send"]),
            "intern": await principals.create(conn, vault.keyring, TENANT, "intern", ["unmask:*"]),
        }


async def _produce(target: Target, records: Sequence[tuple[str, bytes | None, bytes]]) -> None:
    producer = AIOKafkaProducer(**client_options(target), acks="all")
    await producer.start()
    try:
        acks = [await producer.send(topic, value, key=key) for topic, key, value in records]
        await asyncio.gather(*acks)
    finally:
        await producer.stop()


async def _read(
    target: Target, topics: Sequence[str], want: Callable[[list[Any]], bool], timeout: float
) -> list[Any]:
    consumer = AIOKafkaConsumer(*topics, **client_options(target), auto_offset_reset="earliest")
    await consumer.start()
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while not want(seen):
            if time.monotonic() > deadline:
                raise StreamsError(f"the demo timed out after {timeout:g}s waiting for the workers")
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                seen.extend(batch)
    finally:
        await consumer.stop()
    return seen


def _header(record: Any, name: str) -> str:
    return next((v.decode() for k, v in record.headers if k == name), "")


def run(
    ner: str = "auto", timeout: float = 120.0, on_step: Callable[[str], None] = lambda _s: None
) -> DemoResult:
    """Run the whole demo; raise `StreamsError` when a step fails (`LaunchError` when a worker exits).
    Everything started is stopped."""
    from vault.keys import generate_master_key

    seconds: dict[str, float] = {}
    start = time.monotonic()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="veilstream-demo-")))
        on_step("starting the embedded broker (Tansu) and Postgres")
        servers = stack.enter_context(embedded_stack())
        policy = tmp / "acme.json"
        policy.write_text(json.dumps(POLICY))
        settings = WorkerSettings(
            **PLAINTEXT,  # the embedded broker, whatever the environment says about another cluster
            broker_url=servers.broker.bootstrap,
            app_id="veilstream-demo",
            partitions=2,
            session_timeout=1.0,
            metrics_port=0,
            ner=ner,  # type: ignore[arg-type]
            policy_files=(policy,),
            policies_from_vault=False,
        )
        master_key = generate_master_key()
        secrets = asyncio.run(_setup_vault(servers.postgres.url, master_key))
        asyncio.run(create_topics(settings))
        seconds["servers"] = time.monotonic() - start

        on_step("starting the mask worker and the unmask worker")
        env = worker_env(settings, servers.postgres.url, master_key)
        mask = stack.enter_context(start_worker("mask", env, tmp / "mask.log"))
        unmask = stack.enter_context(start_worker("unmask", env, tmp / "unmask.log"))

        contacts = _contacts()
        messages = _messages()
        records: list[tuple[str, bytes | None, bytes]] = []
        for _lang, row in contacts:
            event = {"before": None, "after": row, "op": "c", "source": {"table": "contacts", "db": "crm"}}
            records.append(
                (settings.cdc_topic("contacts"), json.dumps({"id": row["id"]}).encode(), _json(event))
            )
        for msg in messages:
            records.append((settings.messages_topic, msg["conversation_id"].encode(), _json(msg)))
        on_step(f"producing {len(contacts)} CRM change events and {len(messages)} support messages")
        produced = time.monotonic()
        asyncio.run(_produce(settings, records))
        outputs = [settings.masked_cdc_topic("contacts"), settings.masked_messages_topic]

        def complete(seen: list[Any]) -> bool:
            mask.check_alive()
            return len({_header(r, "veilstream-source") for r in seen}) >= len(records)

        masked = asyncio.run(_read(settings, outputs, complete, timeout))
        seconds["first batch (incl. worker start)"] = time.monotonic() - produced

        rows = _pair(contacts, messages, masked, settings)
        texts = [r for r in masked if r.topic == settings.masked_messages_topic and b"</EMAIL>" in r.value]
        order = {
            m["message_id"]: i for i, m in enumerate(messages)
        }  # the first sample that has both, whatever
        texts.sort(
            key=lambda r: order.get(json.loads(r.value).get("message_id"), len(order))
        )  # partition read first
        target = next((r for r in texts if b"</PER>" in r.value), texts[0])
        token_text = json.loads(target.value)["text"]
        on_step("asking the unmask worker: as `mailer` (allowed), as `intern` (refused), unsigned (forged)")
        requests = [
            signed_request(secrets[who], tenant=TENANT, principal=who, policy_name="email-send",
                           purpose="email_send", token_value=token_text, request_id=rid)
            for rid, who in (("demo-allowed", "mailer"), ("demo-refused", "intern"))
        ]  # fmt: skip
        forged = {**requests[0], "request_id": "demo-forged"}
        del forged["signature"]
        requests.append(forged)
        asyncio.run(_produce(settings, [(settings.unmask_requests_topic, r["request_id"].encode(), _json(r))
                                         for r in requests]))  # fmt: skip

        def answered(seen: list[Any]) -> bool:
            unmask.check_alive()
            return len(seen) >= len(requests)

        replies = asyncio.run(_read(settings, [settings.unmask_replies_topic], answered, timeout))
        by_id = {r.key.decode(): json.loads(r.value) for r in replies}
        with_ner = ner == "on" or (ner == "auto" and importlib.util.find_spec("flair") is not None)
        stages = "patterns + custom" + (" + NER" if with_ner else "")
        on_step("stopping the workers, the broker and Postgres")
    seconds["total"] = time.monotonic() - start
    return DemoResult(
        rows,
        {"masked": token_text, **by_id["demo-allowed"]},
        by_id["demo-refused"],
        by_id["demo-forged"],
        seconds,
        stages,
    )


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _pair(
    contacts: list[tuple[str, dict[str, Any]]],
    messages: list[dict[str, Any]],
    masked: list[Any],
    settings: WorkerSettings,
) -> list[Shown]:
    out_contacts = {
        json.loads(r.key)["id"]: r for r in masked if r.topic == settings.masked_cdc_topic("contacts")
    }
    out_messages = {
        json.loads(r.value)["message_id"]: r for r in masked if r.topic == settings.masked_messages_topic
    }
    rows = []
    for lang, row in contacts:
        record = out_contacts[row["id"]]
        after = json.loads(record.value)["after"]
        fields = ("full_name", "email", "phone", "city", "notes")
        rows.append(
            Shown(
                "crm.cdc.contacts",
                lang,
                "\n".join(f"{f}: {row[f]}" for f in fields),
                "\n".join(f"{f}: {after[f]}" for f in fields),
                _entities(record),
            )
        )
    for msg in messages:
        record = out_messages[msg["message_id"]]
        mode = _header(record, "veilstream-mode")
        rows.append(
            Shown(f"support.messages ({msg['channel']}: {mode})", msg["lang"], msg["text"],
                  json.loads(record.value)["text"], _entities(record))
        )  # fmt: skip
    return rows


def _entities(record: Any) -> str:
    summary = json.loads(_header(record, "veilstream-entities") or "{}")
    return ", ".join(f"{e} ×{v['count']}" for e, v in sorted(summary.items()))
