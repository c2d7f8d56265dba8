"""`veilstream policy suggest`: rules proposed per column from a sample, with counts, never values."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from faker import Faker
from typer.testing import CliRunner

from detectors import Policy, default_pipeline, parse_policy
from streams.suggest import Sampler, render_yaml
from veilstream.cli import app

PIPELINE = default_pipeline()


def col(column: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "optional": True, "field": column, **extra}


VALUE = {
    "type": "struct",
    "name": "crm.public.contacts.Value",
    "fields": [
        col("id", "int32"),
        col("full_name", "string"),
        col("email", "string"),
        col("mobile", "int64"),
        col("birth_date", "int32", name="io.debezium.time.Date", version=1),
        col("status", "string"),
        col("notes", "string"),
        col("created_at", "int64", name="io.debezium.time.Timestamp", version=1),
        col("vip", "boolean"),
        col("comment", "string"),
        col("tax_id", "string"),
        col("prefs", "string", name="io.debezium.data.Json"),
        col("never", "string"),
    ],
}
SCHEMA = {"type": "struct", "fields": [{**VALUE, "field": "before"}, {**VALUE, "field": "after"}]}
#: A few values every test run sees the same way: seeded.
FAKE = Faker("en_US")
FAKE.seed_instance(5)
RND = random.Random(5)


def event(i: int, wrapped: bool = True) -> dict[str, Any]:
    row = {
        "id": i,
        "full_name": FAKE.name(),
        "email": FAKE.email(),
        "mobile": 14155550100 + i,
        "birth_date": RND.randint(-3000, 12000),
        "status": RND.choice(["active", "lead", "churned"]),
        "notes": RND.choice(["Asked about the invoice", f"Call back on +1 415 555 {1000 + i}", ""]),
        "created_at": 1714557600000 + i,
        "vip": i % 2 == 0,
        "comment": RND.choice(["The parcel arrived late again", "Wants a discount on the next order", "ok"]),
        "tax_id": RND.choice(["", None]),
        "prefs": json.dumps({"newsletter": i % 2 == 0}),
        "never": None,
    }
    payload = {"before": None, "after": row, "op": "c", "source": {"table": "contacts"}}
    return {"schema": SCHEMA, "payload": payload} if wrapped else payload


EXPECTED = {
    "contacts.id": "keep",
    "contacts.full_name": "PERSON",  # by name: NER is off here
    "contacts.email": "EMAIL_ADDRESS",
    "contacts.mobile": "PHONE_NUMBER",  # int64: by name, detection with the name before it
    "contacts.birth_date": "DATE_OF_BIRTH",  # io.debezium.time.Date as an ISO date
    "contacts.status": "keep",
    "contacts.notes": "detect",  # some values hold a phone
    "contacts.created_at": "keep",
    "contacts.vip": "keep",
    "contacts.comment": "detect",  # free text, nothing found: stays detected
    "contacts.tax_id": "detect",  # never filled in, but the name looks personal
    "contacts.prefs": "detect",  # JSON
    "contacts.never": "detect",  # no values
}


@pytest.fixture(scope="module")
def suggestions() -> dict[str, Any]:
    sampler = Sampler(PIPELINE.detect_many, Policy.default())
    for i in range(60):
        sampler.add(event(i, wrapped=i % 3 != 0))
    sampler.add({"not": "an event"})
    assert (sampler.events, sampler.skipped) == (60, 1)
    return {s.name: s for s in sampler.suggestions()}


@pytest.mark.parametrize(("name", "rule"), sorted(EXPECTED.items()))
def test_rule_per_column(suggestions: dict[str, Any], name: str, rule: str) -> None:
    assert suggestions[name].rule == rule, suggestions[name]


def test_every_column_is_proposed_with_evidence_and_no_value(suggestions: dict[str, Any]) -> None:
    assert set(suggestions) == set(EXPECTED)
    text = render_yaml(list(suggestions.values()), ["header"])
    for s in suggestions.values():
        assert s.evidence and s.values <= 60
    FAKE.seed_instance(5)  # the first names the sample saw
    assert FAKE.name() not in text and "@" not in text and "415" not in text
    proposal = yaml.safe_load(text)
    parse_policy({"tenant": "acme", **proposal})  # a valid `fields:` block as it stands


def test_a_policy_gives_the_current_rules_and_its_detection_settings() -> None:
    policy = Policy.model_validate(
        {"tenant": "acme", "fields": {"contacts.email": "keep"}, "entities": {"EMAIL": "off"}}
    )
    sampler = Sampler(PIPELINE.detect_many, policy)
    for i in range(10):
        sampler.add(event(i))
    email = {s.name: s for s in sampler.suggestions()}["contacts.email"]
    assert email.current == "keep"
    assert email.rule != "EMAIL_ADDRESS"  # the tenant switched the class off


def test_the_table_comes_from_the_caller_when_given() -> None:
    sampler = Sampler(PIPELINE.detect_many, Policy.default(), table="people")
    sampler.add(event(1))
    assert all(s.name.startswith("people.") for s in sampler.suggestions())


def test_cli_reads_a_file_and_prints_a_fields_block(tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(json.dumps(event(i)) for i in range(20)) + "\nnot json\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["policy", "suggest", "--in", str(source), "--no-ner"])
    assert result.exit_code == 0, result.output
    assert "20 change events" in result.output and "1 other record skipped" in result.output
    assert yaml.safe_load(result.output)["fields"]["contacts.email"] == "EMAIL_ADDRESS"
    as_json = CliRunner().invoke(
        app, ["policy", "suggest", "--in", str(source), "--no-ner", "--json", "-n", "5"]
    )
    body = json.loads(as_json.output)
    assert body["events"] == 5 and {"field", "rule", "current", "values", "classes", "evidence"} <= set(
        body["fields"][0]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --topic or --in"),
        (["--in", "a", "--topic", "b"], "give --topic or --in"),
        (["--in", "/nonexistent/x.jsonl"], "cannot open"),
    ],
)
def test_cli_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["policy", "suggest", "--no-ner", *args])
    assert result.exit_code == 2 and message in result.output


def test_cli_without_change_events_exits_1(tmp_path: Path) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_text('{"message_id": "m1"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["policy", "suggest", "--in", str(source), "--no-ner"])
    assert result.exit_code == 1 and "no change events" in result.output
