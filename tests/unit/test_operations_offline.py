"""Operations without servers: the health endpoint, trace context, JSON logs, unknown variables,
one-line settings errors and field-rule classes."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

import pytest
from typer.testing import CliRunner

from detectors import PolicyError, parse_policy
from streams import metrics
from streams._logging import JsonFormatter
from streams.env_check import unknown_variables, warnings
from streams.health import Readiness, serve
from streams.kafka import InRecord, OutRecord
from streams.tracing import carry, traceparent
from veilstream.cli import app

GOOD = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_health_endpoints() -> None:
    readiness = Readiness()
    server = serve("127.0.0.1", 0 or _free_port(), readiness)
    assert server is not None
    port = server.server_address[1]
    try:
        assert _get(port, "/healthz")[0] == 200
        status, body = _get(port, "/readyz")
        assert status == 503
        assert json.loads(body) == {
            "ready": False,
            "model": False,
            "assigned": False,
            "partitions": 0,
            "vault": False,
        }
        readiness.set(model=True, vault=True)
        assert _get(port, "/readyz")[0] == 503  # no partitions assigned yet
        readiness.set(assigned=True, partitions=2)
        status, body = _get(port, "/readyz?verbose")
        assert status == 200 and json.loads(body)["partitions"] == 2
        status, body = _get(port, "/metrics")
        assert status == 200 and metrics.RECORDS_IN._name.encode() in body
        for path in ("/", "/health", "/readyz/x", "/metricsx"):
            assert _get(port, path)[0] == 404
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_port_zero_serves_nothing() -> None:
    assert serve("127.0.0.1", 0) is None


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (GOOD, True),
        (b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", True),
        (b"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", False),  # forbidden version
        (b"00-00000000000000000000000000000000-00f067aa0ba902b7-01", False),  # zero trace id
        (b"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", False),  # zero parent id
        (b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", False),  # upper case
        (GOOD + b" jane@example.com", False),
        (b"jane@example.com", False),
        (b"", False),
    ],
)
def test_only_a_well_formed_traceparent_passes(value: bytes, kept: bool) -> None:
    source = InRecord("in", 0, 1, None, b"{}", (("x-user", b"jane@example.com"), ("traceparent", value)))
    out = carry(source, OutRecord("out", None, b"{}", (("veilstream-tenant", b"acme"),)))
    assert (traceparent(source.headers) is not None) == kept
    assert out.headers == (("veilstream-tenant", b"acme"), *((("traceparent", value),) if kept else ()))


def test_json_log_lines_carry_pairs_and_no_exception_message() -> None:
    formatter = JsonFormatter()
    record = logging.LogRecord(
        "streams.x",
        logging.WARNING,
        __file__,
        1,
        "rejected reference=%s reason=%s",
        ("t/0/5", "bad_json"),
        None,
    )
    line = json.loads(formatter.format(record))
    assert line["level"] == "warning" and line["fields"] == {"reference": "t/0/5", "reason": "bad_json"}
    try:
        raise ValueError("jane@example.com")
    except ValueError:
        import sys

        record = logging.LogRecord("streams.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = formatter.format(record)
    assert json.loads(text)["error_class"] == "ValueError" and "jane@example.com" not in text


def test_unknown_variables_are_named_with_a_hint() -> None:
    env = {
        "VEILSTREAM_BROKER_URL": "kafka://x:1",
        "VEILSTREAM_SASL_PASWORD": "secret-value",
        "VEILSTREAM_WHATEVER": "1",
        "veilstream_app_id": "x",
        "PATH": "/bin",
    }
    assert unknown_variables(env) == [
        ("VEILSTREAM_SASL_PASWORD", "VEILSTREAM_SASL_PASSWORD"),
        ("VEILSTREAM_WHATEVER", None),
    ]
    assert all("secret-value" not in line for line in warnings(env))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VEILSTREAM_CDC_TABLES": "contacts,tickets"}, "VEILSTREAM_CDC_TABLES is not valid JSON"),
        ({"VEILSTREAM_PARTITIONS": "many"}, "invalid settings: VEILSTREAM_PARTITIONS"),
        ({"VEILSTREAM_SECURITY_PROTOCOL": "SASL_SSL"}, "needs VEILSTREAM_SASL_MECHANISM"),
    ],
)
def test_settings_mistakes_are_one_line_and_exit_2(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["topics", "create", "--wait", "0.1"])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_unset_database_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILSTREAM_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["dlq", "list"])
    assert result.exit_code == 2
    assert result.output.startswith("veilstream: VEILSTREAM_DATABASE_URL is not set")


@pytest.mark.parametrize(
    ("fields", "custom", "ok"),
    [
        ({"contacts.email": "EMAIL"}, [], True),
        (
            {"contacts.email": "email_address", "contacts.dob": "DOB", "t.b": "detect", "t.s": "keep"},
            [],
            True,
        ),
        ({"contacts.email": "EMIAL"}, [], False),
        ({"contacts.member": "MEMBER_ID"}, [], False),
        ({"contacts.member": "MEMBER_ID"}, [{"name": "MEMBER_ID", "pattern": r"MBR-\d{8}"}], True),
    ],
)
def test_field_rules_name_known_classes(fields: dict[str, str], custom: list[Any], ok: bool) -> None:
    data = {"tenant": "acme", "fields": fields, "custom": custom}
    if ok:
        parse_policy(data)
    else:
        with pytest.raises(PolicyError, match="unknown entity class"):
            parse_policy(data)


@pytest.mark.parametrize(("port", "mask", "unmask"), [(None, 9400, 9401), (9500, 9500, 9500), (0, 0, 0)])
def test_each_role_has_its_own_default_port(port: int | None, mask: int, unmask: int) -> None:
    from streams.kafka_client import PLAINTEXT
    from streams.settings import WorkerSettings

    settings = WorkerSettings(**PLAINTEXT, metrics_port=port)
    assert (settings.metrics_port_of("mask"), settings.metrics_port_of("unmask")) == (mask, unmask)
