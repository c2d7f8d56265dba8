"""Real Debezium streams end to end (issue 21): a worker process on the session's broker and
Postgres reads Debezium's own topic names, masks typed columns with a valid schema block, passes
deletes (tombstones, truncates, logical messages) that name no tenant, detects CDC text in the
row's language; `veilstream policy suggest` proposes rules from a Debezium topic.

The events are what Debezium's Postgres connector writes with the JSON converter and schemas on
(`{"schema", "payload"}` values and keys, `io.debezium.time.Date` birth dates, int64 phones);
no header and no tenant column anywhere: the tenant is the topic's `{tenant}` part.
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner
from worker_harness import consume, env_of, header, prepare, produce, unique_settings, worker_process

from streams.settings import WorkerSettings
from streams.topics import create_topics
from veilstream.cli import app

pytestmark = pytest.mark.integration

POLICY = {
    "tenant": "acme",
    "version": "3",
    "fields": {"contacts.email": "EMAIL", "contacts.id": "keep"},
    "lang_columns": {"tickets": "language"},
}
#: A phone said in Spanish number words: only Spanish detection finds it (`detectors.spoken`).
SPOKEN_ES = "mi número es seis uno dos tres cuatro cinco seis siete ocho, llámame"


def col(column: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "optional": True, "field": column, **extra}


CONTACT_COLUMNS = [
    col("id", "int32", optional=False),
    col("email", "string"),
    col("phone", "int64"),
    col("birth_date", "int32", name="io.debezium.time.Date", version=1),
    col("notes", "string"),
    col("updated_at", "int64", name="io.debezium.time.MicroTimestamp", version=1),
]
SOURCE_COLUMNS = [col(n, t) for n, t in (("version", "string"), ("connector", "string"), ("db", "string"))]
SOURCE_COLUMNS += [col("schema", "string"), col("table", "string"), col("txId", "int64"), col("lsn", "int64")]


def envelope_schema(table: str, columns: list[dict[str, Any]]) -> dict[str, Any]:
    value = {"type": "struct", "optional": True, "name": f"acme.public.{table}.Value", "fields": columns}
    return {
        "type": "struct",
        "optional": False,
        "name": f"acme.public.{table}.Envelope",
        "version": 2,
        "fields": [
            {**value, "field": "before"},
            {**value, "field": "after"},
            {
                "type": "struct",
                "optional": False,
                "name": "io.debezium.connector.postgresql.Source",
                "fields": SOURCE_COLUMNS,
                "field": "source",
            },
            col("op", "string", optional=False),
            col("ts_ms", "int64"),
        ],
    }


def source(table: str, i: int) -> dict[str, Any]:
    return {
        "version": "2.7.3.Final",
        "connector": "postgresql",
        "db": "crm",
        "schema": "public",
        "table": table,
        "txId": 700 + i,
        "lsn": 24_000_000 + i,
    }


def event(table: str, columns: list[dict[str, Any]], op: str, i: int, before: Any, after: Any) -> bytes:
    payload = {
        "before": before,
        "after": after,
        "source": source(table, i),
        "op": op,
        "ts_ms": 1_760_000_000_000,
    }
    return json.dumps({"schema": envelope_schema(table, columns), "payload": payload}).encode()


def key(email: str) -> bytes:
    schema = {
        "type": "struct",
        "optional": False,
        "name": "acme.public.contacts.Key",
        "fields": [col("email", "string", optional=False)],
    }
    return json.dumps({"schema": schema, "payload": {"email": email}}).encode()


_TYPES = {
    "int8": int, "int16": int, "int32": int, "int64": int, "float32": (int, float), "float64": (int, float),
    "boolean": bool, "string": str, "bytes": str,
}  # fmt: skip


def conforms(schema: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """Where `value` breaks its Kafka Connect JSON schema, as JsonConverter would read it."""
    if value is None:
        return [] if schema.get("optional", False) else [f"{where}: null but required"]
    kind = schema.get("type")
    if kind == "struct":
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        names = [f["field"] for f in schema.get("fields", [])]
        problems = [f"{where}.{k}: not in the schema" for k in value if k not in names]
        for node in schema.get("fields", []):
            problems += conforms(node, value.get(node["field"]), f"{where}.{node['field']}")
        return problems
    expected = _TYPES.get(str(kind))
    if expected is None:
        return [f"{where}: unknown type {kind}"]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        return [f"{where}: {type(value).__name__} where the schema says {kind}"]
    return []


def topic_of(settings: WorkerSettings, tenant: str, table: str) -> str:
    pattern = settings.cdc_topic_pattern
    assert pattern is not None
    return pattern.replace("{tenant}", tenant).replace("{table}", table)


def test_debezium_topics_deletes_typed_columns_and_row_languages(
    kafka_server: str, pg_url: str, master_key: str, tmp_path: Path
) -> None:
    policy = tmp_path / "acme.json"
    policy.write_text(json.dumps(POLICY))
    settings = unique_settings(
        kafka_server,
        cdc_topic_pattern="{tenant}.public.{table}",
        policy_files=(policy,),
        policies_from_vault=False,
    )
    asyncio.run(prepare(settings, pg_url))
    contacts, tickets = topic_of(settings, "acme", "contacts"), topic_of(settings, "acme", "tickets")
    other = topic_of(settings, "globex", "contacts")  # a tenant without a policy
    # Debezium's topics to create; one partition, so that offsets give the order of the events
    status = asyncio.run(
        create_topics(settings.model_copy(update={"partitions": 1}), [contacts, tickets, other])
    )
    assert all(s.startswith(("created", "exists")) for s in status.values()), status

    canaries = {"jane.roe@example.org", "14155550134", "4155550134", "1990-01-15", "seis uno dos"}
    rows = [
        {"id": 1, "email": "jane.roe@example.org", "phone": 14155550134, "birth_date": 7319, "notes": "VIP"},
        {"id": 2, "email": "omar.k@example.net", "phone": 442079460958, "birth_date": -365, "notes": None},
    ]
    canaries |= {"omar.k@example.net", "442079460958", "1969-01-01"}
    rows = [{**r, "updated_at": 1_714_557_600_000_000} for r in rows]
    updated = {**rows[0], "notes": "moved, write to jane.roe@example.org"}
    message = base64.b64encode(b"erase request from jane.roe@example.org").decode()
    ticket_columns = [col("id", "int32", optional=False), col("language", "string"), col("body", "string")]
    records: list[tuple[str, bytes | None, bytes | None, tuple[tuple[str, bytes], ...]]] = [
        (contacts, key(r["email"]), event("contacts", CONTACT_COLUMNS, "c", i, None, r), ())
        for i, r in enumerate(rows)
    ]
    truncate_event = {"op": "t", "before": None, "after": None, "source": source("contacts", 8), "ts_ms": 1}
    logical_event = {"op": "m", "ts_ms": 1, "source": source("contacts", 9)}
    logical_event["message"] = {"prefix": "gdpr", "content": message}
    ticket = {"id": 7, "language": "es", "body": SPOKEN_ES}
    records += [
        (contacts, key(updated["email"]), event("contacts", CONTACT_COLUMNS, "u", 5, None, updated), ()),
        (
            contacts,
            key(rows[1]["email"]),
            event("contacts", CONTACT_COLUMNS, "d", 6, {"id": 2, "email": rows[1]["email"]}, None),
            (),
        ),
        (contacts, key(rows[1]["email"]), None, ()),  # the delete's tombstone
        (
            contacts,
            None,
            json.dumps(
                {"schema": envelope_schema("contacts", CONTACT_COLUMNS), "payload": truncate_event}
            ).encode(),
            (),
        ),
        (contacts, json.dumps({"prefix": "gdpr"}).encode(), json.dumps(logical_event).encode(), ()),
        (
            tickets,
            json.dumps({"id": 7}).encode(),
            event("tickets", ticket_columns, "c", 10, None, ticket),
            (),
        ),
        (other, key("x@example.com"), event("contacts", CONTACT_COLUMNS, "c", 11, None, rows[0]), ()),
    ]
    asyncio.run(produce(kafka_server, records))

    worker = worker_process(env_of(settings, pg_url, master_key), tmp_path / "worker.log")
    outputs = [
        settings.masked_cdc_topic("contacts"),
        settings.masked_cdc_topic("tickets"),
        settings.dlq_topic,
    ]
    try:

        def complete(seen: list[Any]) -> bool:
            assert worker.proc.poll() is None, worker.text()[-3000:]
            return len([r for r in seen if r.topic in outputs]) >= len(records)

        seen = asyncio.run(consume(kafka_server, [*outputs, settings.audit_topic], complete))
    finally:
        assert worker.stop() == 0

    by_offset = {
        header(r, "veilstream-source").decode().rsplit("/", 1)[1]: r
        for r in seen
        if r.topic == settings.masked_cdc_topic("contacts")
    }
    assert len(by_offset) == 7 and all(header(r, "veilstream-tenant") == b"acme" for r in by_offset.values())
    create, _, update, delete, tombstone, truncate, logical = (by_offset[str(i)] for i in range(7))

    # typed columns: tokens where the column's name says personal, and a schema block that says so
    body = json.loads(create.value)
    after = body["payload"]["after"]
    assert after["phone"].startswith("<PHONE>") and after["birth_date"].startswith("<DOB>")
    assert (
        after["email"].startswith("<EMAIL>")
        and after["id"] == 1
        and after["updated_at"] == rows[0]["updated_at"]
    )
    value_fields = {f["field"]: f for f in body["schema"]["fields"][1]["fields"]}
    assert value_fields["phone"] == col("phone", "string")
    assert value_fields["birth_date"] == col("birth_date", "string")
    assert value_fields["updated_at"]["name"] == "io.debezium.time.MicroTimestamp"
    for record in by_offset.values():
        masked = json.loads(record.value) if record.value is not None else {}
        if "schema" in masked:  # the logical message came without one
            assert conforms(masked["schema"], masked["payload"]) == []
        if record.key is not None and b"schema" in record.key:
            masked_key = json.loads(record.key)
            assert conforms(masked_key["schema"], masked_key["payload"]) == []

    # deletes reach the masked topic: the tombstone under the same masked key as the row's events
    assert json.loads(delete.value)["payload"]["op"] == "d" and delete.key == tombstone.key
    assert tombstone.value is None and b"omar.k" not in tombstone.key
    assert json.loads(update.key) == json.loads(create.key)  # the same row, the same masked key
    assert truncate.key is None and json.loads(truncate.value)["payload"]["op"] == "t"
    content = base64.b64decode(json.loads(logical.value)["message"]["content"]).decode()
    assert content.startswith("erase request from <EMAIL>")

    # CDC text in the row's language
    (ticket,) = [r for r in seen if r.topic == settings.masked_cdc_topic("tickets")]
    assert "<PHONE>" in json.loads(ticket.value)["payload"]["after"]["body"]

    dlq = [json.loads(r.value) for r in seen if r.topic == settings.dlq_topic]
    assert [(d["reason"], d["topic"]) for d in dlq] == [("unknown_tenant", other)]

    blob = b"\n".join(
        [r.key or b"" for r in seen] + [r.value or b"" for r in seen] + [worker.text().encode()]
    )
    assert sorted(c for c in canaries if c.encode() in blob) == []


def test_the_faust_engine_reads_a_debezium_topic_named_per_table(
    kafka_server: str, pg_url: str, master_key: str, tmp_path: Path
) -> None:
    """faust cannot subscribe to a pattern: a pattern without wildcards names its topics."""
    policy = tmp_path / "acme.json"
    policy.write_text(json.dumps(POLICY))
    settings = unique_settings(
        kafka_server,
        engine="faust",
        cdc_topic_pattern="crm.public.{table}",
        default_tenant="acme",
        policy_files=(policy,),
        policies_from_vault=False,
    )
    asyncio.run(prepare(settings, pg_url))  # the named input topics too
    contacts = settings.cdc_topic("contacts")
    assert contacts.endswith(".crm.public.contacts")
    row = {"id": 1, "email": "jane.roe@example.org", "phone": 14155550134, "birth_date": 7319}
    records = [
        (contacts, key(row["email"]), event("contacts", CONTACT_COLUMNS, "c", 1, None, row), ()),
        (contacts, key(row["email"]), None, ()),
    ]
    asyncio.run(produce(kafka_server, records))
    worker = worker_process(env_of(settings, pg_url, master_key), tmp_path / "worker.log")
    out = settings.masked_cdc_topic("contacts")
    try:
        seen = asyncio.run(consume(kafka_server, [out], lambda s: len(s) >= 2))
    finally:
        assert worker.stop() == 0
    create, tombstone = sorted(seen, key=lambda r: r.offset)  # one key: one partition, in order
    assert create.partition == tombstone.partition
    assert tombstone.value is None and tombstone.key == create.key and b"jane.roe" not in create.key
    masked = json.loads(create.value)
    assert conforms(masked["schema"], masked["payload"]) == []
    assert masked["payload"]["after"]["phone"].startswith("<PHONE>")


def test_policy_suggest_reads_a_debezium_topic(kafka_server: str, tmp_path: Path) -> None:
    settings = unique_settings(kafka_server, cdc_topic_pattern="{server}.{schema}.{table}")
    topic = settings.cdc_topic_pattern.replace("{server}", "crm").replace("{schema}", "public")  # type: ignore[union-attr]
    topic = topic.replace("{table}", "contacts")
    asyncio.run(create_topics(settings, [topic]))
    emails = [f"person{i}@example.org" for i in range(30)]
    records = [
        (
            topic,
            key(email),
            event(
                "contacts",
                CONTACT_COLUMNS,
                "r",
                i,
                None,
                {
                    "id": i,
                    "email": email,
                    "phone": 14155550100 + i,
                    "birth_date": 7000 + i,
                    "notes": "ok",
                    "updated_at": 1,
                },
            ),
            (),
        )
        for i, email in enumerate(emails)
    ]
    records.append((topic, key(emails[0]), None, ()))  # a tombstone: skipped
    asyncio.run(produce(kafka_server, records))
    env = {
        "VEILSTREAM_BROKER_URL": kafka_server,
        "VEILSTREAM_CDC_TOPIC_PATTERN": settings.cdc_topic_pattern or "",
    }
    result = CliRunner().invoke(
        app, ["policy", "suggest", "--topic", topic, "--no-ner", "--timeout", "60"], env=env
    )
    assert result.exit_code == 0, result.output
    fields = yaml.safe_load(result.output)["fields"]
    assert fields["contacts.email"] == "EMAIL_ADDRESS"
    assert fields["contacts.phone"] == "PHONE_NUMBER"
    assert fields["contacts.birth_date"] == "DATE_OF_BIRTH"
    assert fields["contacts.id"] == "keep" and fields["contacts.updated_at"] == "keep"
    assert "30 change events" in result.output and "1 other record skipped" in result.output
    assert not any(e in result.output for e in emails) and "1415555" not in result.output
    missing = CliRunner().invoke(app, ["policy", "suggest", "--topic", f"{topic}.nope", "--no-ner"], env=env)
    assert missing.exit_code == 2 and "does not exist" in missing.output
