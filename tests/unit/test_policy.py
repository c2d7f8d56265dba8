"""Tenant policy: YAML/JSON loading, aliases, overrides, field rules, custom entities, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detectors import Policy, PolicyError, load_policy, parse_policy

#: A value that must never show up in an error message (it could be anything a tenant typed).
CANARY = "canary-7f3a9c-secret@example.com"

DESIGN_CARD_YAML = """\
tenant: acme
environment: prod
channels: {web_widget: tokenize, email: tokenize, messaging: redact}
mode: balanced            # or strict
entities: {PERSON: on, EMAIL: on, PHONE: on, CARD: on, DOB: on, ORG: off}
fields: {contacts.email: EMAIL, contacts.full_name: PERSON, tickets.body: detect}
custom:
  - {name: MEMBER_ID, pattern: 'MBR-\\d{8}', context: [member, membership]}
unmask_policies:
  - {name: email-send, classes: [PERSON, EMAIL], principals: [mailer], purposes: [email_send]}
"""


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _error(data: Any) -> str:
    with pytest.raises(PolicyError) as info:
        parse_policy(data, "policy.yaml")
    return str(info.value)


# ---------------------------------------------------------------- loading


def test_design_card_yaml_loads_with_aliases_and_on_off(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, "acme.yaml", DESIGN_CARD_YAML))
    assert policy.tenant == "acme"
    assert policy.entities == {
        "PERSON": True,
        "EMAIL_ADDRESS": True,
        "PHONE_NUMBER": True,
        "CREDIT_CARD": True,
        "DATE_OF_BIRTH": True,
        "ORGANIZATION": False,
    }
    assert not policy.enabled("ORGANIZATION")
    assert policy.enabled("IBAN_CODE")  # not listed: on
    assert policy.fields == {
        "contacts.email": "EMAIL_ADDRESS",
        "contacts.full_name": "PERSON",
        "tickets.body": "detect",
    }
    assert policy.channel_mode("messaging") == "redact"
    assert policy.channel_mode("sms") == "tokenize"  # the default channel mode
    assert policy.custom[0].name == "MEMBER_ID"
    assert policy.custom[0].context == ("member", "membership")
    assert policy.unmask_policies[0]["name"] == "email-send"  # the vault's section, kept as data


def test_json_and_yaml_give_the_same_policy(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(DESIGN_CARD_YAML)
    from_json = load_policy(_write(tmp_path, "acme.json", json.dumps(data)))
    from_yaml = load_policy(_write(tmp_path, "acme.yml", DESIGN_CARD_YAML))
    assert from_json == from_yaml


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("EMAIL", "EMAIL_ADDRESS"),
        ("email", "EMAIL_ADDRESS"),
        ("PHONE", "PHONE_NUMBER"),
        ("CARD", "CREDIT_CARD"),
        ("IBAN", "IBAN_CODE"),
        ("IP", "IP_ADDRESS"),
        ("DOB", "DATE_OF_BIRTH"),
        ("ORG", "ORGANIZATION"),
        ("PER", "PERSON"),
        ("LOC", "LOCATION"),
        ("SSN", "US_SSN"),
        ("NINO", "UK_NINO"),  # a tag is an alias too
        ("  us_ssn ", "US_SSN"),
        ("MEMBER_ID", "MEMBER_ID"),  # unknown names stay (custom classes)
    ],
)
def test_entity_aliases(alias: str, canonical: str) -> None:
    policy = parse_policy({"tenant": "t", "entities": {alias: False}, "thresholds": {alias: 0.7}})
    assert policy.entities == {canonical: False}
    assert policy.threshold(canonical) == 0.7
    assert not policy.enabled(canonical)


@pytest.mark.parametrize(("word", "value"), [("on", True), ("off", False), ("yes", True), ("no", False)])
def test_yaml_on_off_booleans(tmp_path: Path, word: str, value: bool) -> None:
    policy = load_policy(_write(tmp_path, "p.yaml", f"tenant: t\nentities: {{EMAIL: {word}}}\n"))
    assert policy.entities == {"EMAIL_ADDRESS": value}


def test_defaults() -> None:
    policy = Policy.default()
    assert policy.mode == "balanced"
    assert policy.default_lang == "en"
    assert policy.stages.patterns and policy.stages.custom and policy.stages.ner
    assert policy.enabled("EMAIL_ADDRESS")


def test_numeric_version_is_kept_as_text() -> None:
    assert parse_policy({"tenant": "t", "version": 2}).version == "2"


# ---------------------------------------------------------------- overrides

OVERRIDES = {
    "tenant": "acme",
    "workspace": "support",
    "environment": "prod",
    "mode": "balanced",
    "entities": {"ORG": False, "PHONE": True},
    "overrides": [
        {"environment": "staging", "mode": "strict", "entities": {"ORG": True}},
        {"workspace": "sales", "entities": {"PHONE": False}, "thresholds": {"EMAIL": 0.9}},
        {"workspace": "sales", "environment": "dev", "stages": {"ner": False}},
    ],
}


@pytest.mark.parametrize(
    ("workspace", "environment", "mode", "org", "phone", "email_threshold", "ner"),
    [
        (None, None, "balanced", False, True, 0.5, True),
        ("support", "prod", "balanced", False, True, 0.5, True),
        ("support", "staging", "strict", True, True, 0.5, True),
        ("sales", "prod", "balanced", False, False, 0.9, True),
        ("sales", "staging", "strict", True, False, 0.9, True),
        ("sales", "dev", "balanced", False, False, 0.9, False),
    ],
)
def test_resolve_folds_in_the_matching_overrides(
    workspace: str | None,
    environment: str | None,
    mode: str,
    org: bool,
    phone: bool,
    email_threshold: float,
    ner: bool,
) -> None:
    base = parse_policy(OVERRIDES)
    policy = base.resolve(workspace, environment)
    assert policy.workspace == (workspace or "support")
    assert policy.environment == (environment or "prod")
    assert policy.mode == mode
    assert policy.enabled("ORGANIZATION") is org
    assert policy.enabled("PHONE_NUMBER") is phone
    assert policy.threshold("EMAIL_ADDRESS") == email_threshold
    assert policy.stages.ner is ner
    assert policy.overrides == ()
    assert base.mode == "balanced"  # the original is untouched (frozen)


def test_stage_overrides_change_only_the_toggles_they_name() -> None:
    policy = parse_policy(
        {
            "tenant": "t",
            "stages": {"patterns": False},
            "overrides": [
                {"environment": "dev", "stages": {"ner": False}},
                {"workspace": "lab", "stages": {"custom": False}},
            ],
        }
    )

    def stages(p: Policy) -> tuple[bool, bool, bool]:
        return p.stages.patterns, p.stages.custom, p.stages.ner

    assert stages(policy.resolve()) == (False, True, True)
    # the dev override switches NER off; it must not switch the patterns back on
    assert stages(policy.resolve(environment="dev")) == (False, True, False)
    assert stages(policy.resolve("lab", "dev")) == (False, False, False)


# ---------------------------------------------------------------- field rules


def test_field_rules() -> None:
    policy = parse_policy(
        {
            "tenant": "t",
            "fields": {
                "contacts.email": "email",
                "contacts.notes": "Detect",
                "contacts.id": " KEEP ",
                "x.y": "ORG",
            },
        }
    )
    assert policy.fields == {
        "contacts.email": "EMAIL_ADDRESS",
        "contacts.notes": "detect",
        "contacts.id": "keep",
        "x.y": "ORGANIZATION",
    }


@pytest.mark.parametrize("column", ["email", "contacts.email.x", "contacts.", "con tacts.email"])
def test_field_rule_keys_are_table_dot_column(column: str) -> None:
    message = _error({"tenant": "t", "fields": {column: "EMAIL"}})
    assert "fields" in message
    assert "table.column" in message


# ---------------------------------------------------------------- custom entities


@pytest.mark.parametrize(
    ("custom", "field", "hint"),
    [
        ({"name": "MEMBER_ID", "pattern": "MBR-(" + CANARY}, "custom.0.pattern", "regular expression"),
        (
            {"name": "MEMBER_ID", "pattern": "x", "validator": CANARY},
            "custom.0.validator",
            "unknown validator",
        ),
        ({"name": "MEMBER_ID"}, "custom.0", "pattern or a dictionary"),
        ({"name": "member_id", "pattern": "x"}, "custom.0.name", ""),
        ({"name": "MEMBER_ID", "pattern": "x", "score": 1.5}, "custom.0.score", ""),
        ({"name": "MEMBER_ID", "pattern": "x", "colour": CANARY}, "custom.0.colour", ""),
    ],
)
def test_custom_entity_validation(custom: dict[str, Any], field: str, hint: str) -> None:
    message = _error({"tenant": "t", "custom": [custom]})
    assert f"field '{field}'" in message
    assert hint in message
    assert CANARY not in message
    assert "policy.yaml" in message


def test_custom_names_must_be_unique() -> None:
    message = _error(
        {
            "tenant": "t",
            "custom": [{"name": "MEMBER_ID", "pattern": "a"}, {"name": "MEMBER_ID", "pattern": "b"}],
        }
    )
    assert "custom" in message
    assert "unique" in message


def test_known_validator_accepted() -> None:
    policy = parse_policy(
        {"tenant": "t", "custom": [{"name": "CARDISH", "pattern": r"\d+", "validator": "luhn"}]}
    )
    assert policy.custom[0].validator == "luhn"


# ---------------------------------------------------------------- errors name the field, never the value


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"tenant": CANARY}, "tenant"),
        ({"tenant": "t", "mode": CANARY}, "mode"),
        ({"tenant": "t", "channels": {"email": CANARY}}, "channels.email"),
        ({"tenant": "t", "default_lang": CANARY}, "default_lang"),
        ({"tenant": "t", "entities": {"EMAIL": CANARY}}, "entities.EMAIL_ADDRESS"),
        ({"tenant": "t", "thresholds": {"PHONE": 7}}, "thresholds.PHONE_NUMBER"),
        ({"tenant": "t", "fields": {CANARY: "EMAIL"}}, "fields"),
        ({"tenant": "t", "overrides": [{"mode": CANARY}]}, "overrides.0.mode"),
        ({"tenant": "t", "colour": CANARY}, "colour"),  # unknown keys are named, their values are not
        ({}, "tenant"),
    ],
)
def test_errors_name_the_field_and_never_echo_the_value(data: dict[str, Any], field: str) -> None:
    message = _error(data)
    assert message.startswith("invalid policy policy.yaml: ")
    assert f"field '{field}" in message
    assert CANARY not in message


def test_several_errors_come_in_one_policy_error() -> None:
    message = _error({"tenant": "t", "mode": "fast", "default_lang": "english"})
    assert "field 'mode'" in message
    assert "field 'default_lang'" in message


@pytest.mark.parametrize("data", [[1, 2], "tenant: t", None, 42])
def test_top_level_must_be_a_mapping(data: Any) -> None:
    assert "top level must be a mapping" in _error(data)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path / "absent.yaml")


def test_non_utf8_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.yaml", b"tenant: \xff\xfe" + CANARY.encode())
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert "cannot read policy" in str(info.value)
    assert CANARY not in str(info.value)


def test_a_directory_is_not_a_policy(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("p.yaml", f"tenant: t\nmode: balanced\nentities: {{EMAIL: on\nnote: '{CANARY}'\n", None),
        ("p.yaml", f"tenant: t\ncustom:\n  - name: X\n   pattern: '{CANARY}'\n", 4),
        ("p.json", '{\n  "tenant": "t",\n  "mode": "strict"\n  "note": "' + CANARY + '"\n}', 4),
    ],
)
def test_syntax_error_reports_a_line_and_not_the_content(
    tmp_path: Path, name: str, content: str, line: int | None
) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(_write(tmp_path, name, content))
    message = str(info.value)
    assert "syntax error near line" in message
    if line is not None:
        assert f"line {line}" in message
    assert CANARY not in message
