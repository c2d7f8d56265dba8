# ruff: noqa: S105, S106  # throw-away test credentials
"""The Kafka connection settings and their mapping into aiokafka's and faust's client arguments.

The embedded Tansu broker cannot check SASL credentials, so what these tests pin down is the
mapping; tests/integration/test_kafka_security.py runs TLS and SASL on the wire."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.abc import AbstractTokenProvider
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import ValidationError
from tls_files import TlsFiles, make_tls_files

from streams.kafka_client import (
    PLAINTEXT,
    KafkaConfigError,
    client_options,
)
from streams.settings import WorkerSettings


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"), key_password="k3y-pass")


def _settings(**values: Any) -> WorkerSettings:
    return WorkerSettings(**{**PLAINTEXT, **values})


def test_plaintext_by_default() -> None:
    options = client_options(_settings(broker_url="kafka://h1:9092,h2:9093"))
    assert options == {"bootstrap_servers": ["h1:9092", "h2:9093"], "security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_password_mechanisms(mechanism: str) -> None:
    settings = _settings(
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,
        sasl_username="API_KEY",
        sasl_password="s3cret",
    )
    options = client_options(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == mechanism
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("API_KEY", "s3cret")
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())


def test_the_password_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("from-a-file\n")
    settings = _settings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="svc",
        sasl_password_file=tmp_path / "pw",
    )
    options = client_options(settings)
    assert options["sasl_plain_password"] == "from-a-file"
    assert "ssl_context" not in options


def test_oauthbearer_token_file_is_read_per_connection(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("first")
    settings = _settings(
        security_protocol="SASL_SSL", sasl_mechanism="OAUTHBEARER", sasl_oauth_token_file=token
    )
    provider = client_options(settings)["sasl_oauth_token_provider"]
    assert isinstance(provider, AbstractTokenProvider)
    assert asyncio.run(provider.token()) == "first"
    token.write_text("refreshed\n")
    assert asyncio.run(provider.token()) == "refreshed"


def test_mutual_tls_with_an_encrypted_key(tls: TlsFiles) -> None:
    settings = _settings(
        security_protocol="SSL",
        ssl_cafile=tls.ca,
        ssl_certfile=tls.client_cert,
        ssl_keyfile=tls.client_key,
        ssl_key_password="k3y-pass",
        ssl_check_hostname=False,
    )
    context = client_options(settings)["ssl_context"]
    assert context.check_hostname is False and context.verify_mode == ssl.CERT_REQUIRED
    assert any("test ca" in str(c.get("subject")) for c in context.get_ca_certs())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ssl_cafile": "/nonexistent/ca.pem"}, "VEILSTREAM_SSL_CAFILE"),
        ({"ssl_certfile": "/nonexistent/c.pem"}, "VEILSTREAM_SSL_CERTFILE"),
    ],
)
def test_unreadable_files_name_their_variable(values: dict[str, str], message: str) -> None:
    with pytest.raises(KafkaConfigError, match=message):
        client_options(_settings(security_protocol="SSL", **values))


def test_a_wrong_key_password_is_an_error_without_the_password(tls: TlsFiles) -> None:
    settings = _settings(
        security_protocol="SSL",
        ssl_certfile=tls.client_cert,
        ssl_keyfile=tls.client_key,
        ssl_key_password="nope",
    )
    with pytest.raises(KafkaConfigError) as info:
        client_options(settings)
    assert "nope" not in str(info.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"security_protocol": "SASL_SSL"}, "needs VEILSTREAM_SASL_MECHANISM"),
        ({"sasl_mechanism": "PLAIN"}, "VEILSTREAM_SASL_MECHANISM needs VEILSTREAM_SECURITY_PROTOCOL"),
        ({"ssl_cafile": "/ca.pem"}, "VEILSTREAM_SSL_CAFILE needs VEILSTREAM_SECURITY_PROTOCOL=SSL"),
        (
            {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256", "sasl_password": "x"},
            "needs VEILSTREAM_SASL_USERNAME",
        ),
        (
            {"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "u"},
            "needs one of VEILSTREAM_SASL_PASSWORD",
        ),
        (
            {"security_protocol": "SASL_SSL", "sasl_mechanism": "OAUTHBEARER"},
            "needs one of VEILSTREAM_SASL_OAUTH_TOKEN",
        ),
        (
            {"security_protocol": "SSL", "ssl_keyfile": "/k.pem"},
            "VEILSTREAM_SSL_KEYFILE needs VEILSTREAM_SSL_CERTFILE",
        ),
    ],
)
def test_inconsistent_settings_name_the_variables(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(**values)


def test_secrets_pass_to_a_child_process_but_never_print(tmp_path: Path) -> None:
    settings = _settings(
        security_protocol="SASL_SSL", sasl_mechanism="PLAIN", sasl_username="k", sasl_password="s3cret"
    )
    assert settings.as_env()["VEILSTREAM_SASL_PASSWORD"] == "s3cret"
    assert "s3cret" not in repr(settings)


def test_every_client_takes_the_options(tls: TlsFiles) -> None:
    settings = _settings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="u",
        sasl_password="p",
        ssl_cafile=tls.ca,
    )

    async def main() -> None:
        options = client_options(settings)
        consumer, producer = AIOKafkaConsumer(**options), AIOKafkaProducer(**options)
        for inner in (consumer._client, producer.client):
            assert inner._security_protocol == "SASL_SSL"
            assert inner._sasl_mechanism == "SCRAM-SHA-512"
            assert inner._ssl_context is options["ssl_context"]
        await consumer.stop()
        await producer.stop()
        admin = AIOKafkaAdminClient(**options)
        assert admin._client._sasl_plain_username == "u"
        await admin.close()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("values", "kind", "protocol"),
    [
        ({}, None, None),
        ({"security_protocol": "SSL"}, "SSLCredentials", "SSL"),
        (
            {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256", "sasl_username": "u",
             "sasl_password": "p"},
            "SASLCredentials",
            "SASL_SSL",
        ),
        (
            {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN", "sasl_username": "u",
             "sasl_password": "p"},
            "SASLCredentials",
            "SASL_PLAINTEXT",
        ),
        (
            {"security_protocol": "SASL_SSL", "sasl_mechanism": "OAUTHBEARER", "sasl_oauth_token": "t"},
            "OAuthCredentials",
            "SASL_SSL",
        ),
    ],
)  # fmt: skip
def test_faust_gets_the_same_connection(
    values: dict[str, str], kind: str | None, protocol: str | None
) -> None:
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    from streams.engines.faust import faust_credentials

    settings = _settings(**values)
    credentials = faust_credentials(settings)
    assert (type(credentials).__name__ if credentials else None) == kind
    mapped = credentials_to_aiokafka_auth(credentials)
    ours = client_options(settings)
    assert mapped["security_protocol"] == ours["security_protocol"]
    if protocol is not None:
        assert mapped["security_protocol"] == protocol
        for key in ("sasl_mechanism", "sasl_plain_username", "sasl_plain_password"):
            assert mapped.get(key) == ours.get(key)
        assert (mapped.get("ssl_context") is None) == ("ssl_context" not in ours)
