"""How every Kafka client of veilstream connects: bootstrap servers, TLS and SASL.

`KafkaClientSettings` holds the `VEILSTREAM_*` connection settings (mixed into
`streams.settings.WorkerSettings`); `client_options` turns them into the keyword arguments of an
aiokafka consumer, producer or admin client, and `streams.engines.faust.faust_credentials` into
faust's credentials. Both engines, `veilstream topics create`, the DLQ replay, the unmask client,
the audit checkpoint reader and the demo build their clients from them, so one set of variables
reaches every client.

Secrets (the SASL password, an OAUTHBEARER token, the client key's password) are `SecretStr`, read
from the variable or from a file named by `*_FILE`, and never logged or put in an error message.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr, model_validator

from streams.errors import StreamsError

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]

_SCHEMES = ("kafka://", "tcp://", "aiokafka://", "ssl://", "sasl_ssl://")


class KafkaConfigError(StreamsError):
    """A connection setting that cannot work (names the variable, never a secret)."""


class KafkaClientSettings(BaseModel):
    """Connection settings shared by every Kafka client (`VEILSTREAM_` + the field name)."""

    #: Kafka bootstrap servers, `kafka://host:port` or `host:port` (comma-separated for several).
    broker_url: str = "kafka://127.0.0.1:9092"
    #: `PLAINTEXT`, `SSL` (TLS), `SASL_PLAINTEXT` or `SASL_SSL` (SASL over TLS: Confluent Cloud, MSK).
    security_protocol: SecurityProtocol = "PLAINTEXT"
    #: With a `SASL_*` protocol: `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` or `OAUTHBEARER`.
    sasl_mechanism: SaslMechanism | None = None
    #: PLAIN and SCRAM: the user (Confluent Cloud: the API key) and its password, or a file holding it.
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = None
    #: OAUTHBEARER: a token, or a file re-read for every new connection (a sidecar keeps it fresh).
    sasl_oauth_token: SecretStr | None = None
    sasl_oauth_token_file: Path | None = None
    #: TLS: CA bundle for the brokers' certificates (default: the system's), client certificate and
    #: key for mutual TLS (PEM), the key's password (or a file holding it), and the hostname check.
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_key_password: SecretStr | None = None
    ssl_key_password_file: Path | None = None
    ssl_check_hostname: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> KafkaClientSettings:
        problem = security_problem(self)
        if problem is not None:
            raise ValueError(problem)
        return self

    def bootstrap_servers(self) -> list[str]:
        """`broker_url` as aiokafka wants it: a list of `host:port`."""
        out = []
        for part in self.broker_url.split(","):
            part = part.strip()
            for scheme in _SCHEMES:
                if part.lower().startswith(scheme):
                    part = part[len(scheme) :]
            if part:
                out.append(part)
        return out

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")


def _one_of(settings: KafkaClientSettings, value: str, file: str) -> bool:
    return (getattr(settings, value) is None) != (getattr(settings, file) is None)


def _var(name: str) -> str:
    return f"VEILSTREAM_{name.upper()}"


def _need(names: list[str], what: str) -> str:
    return f"{', '.join(map(_var, names))} {'needs' if len(names) == 1 else 'need'} {what}"


def security_problem(settings: KafkaClientSettings) -> str | None:
    """Why these settings cannot connect as meant (names variables only), or None."""
    sasl = settings.security_protocol.startswith("SASL_")
    mechanism = settings.sasl_mechanism
    if sasl and mechanism is None:
        return f"{_var('security_protocol')}={settings.security_protocol} needs {_var('sasl_mechanism')}"
    if not sasl:
        stray = [n for n in _SASL_FIELDS if getattr(settings, n) is not None]
        if stray:
            return _need(stray, f"{_var('security_protocol')}=SASL_SSL or SASL_PLAINTEXT")
    if not settings.uses_tls:
        stray = [n for n in _TLS_FIELDS if getattr(settings, n) is not None]
        if stray:
            return _need(stray, f"{_var('security_protocol')}=SSL or SASL_SSL")
    if mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
        if not settings.sasl_username:
            return f"{_var('sasl_mechanism')}={mechanism} needs {_var('sasl_username')}"
        if not _one_of(settings, "sasl_password", "sasl_password_file"):
            return f"{_var('sasl_mechanism')}={mechanism} needs one of {_var('sasl_password')} or _FILE"
    if mechanism == "OAUTHBEARER" and not _one_of(settings, "sasl_oauth_token", "sasl_oauth_token_file"):
        return f"{_var('sasl_mechanism')}=OAUTHBEARER needs one of {_var('sasl_oauth_token')} or _FILE"
    if settings.ssl_certfile is None:
        stray = [n for n in _TLS_FIELDS[2:] if getattr(settings, n) is not None]
        if stray:
            return _need(stray, _var("ssl_certfile"))
    if settings.ssl_key_password is not None and settings.ssl_key_password_file is not None:
        return f"set {_var('ssl_key_password')} or {_var('ssl_key_password_file')}, not both"
    return None


_SASL_FIELDS = (
    "sasl_mechanism",
    "sasl_username",
    "sasl_password",
    "sasl_password_file",
    "sasl_oauth_token",
    "sasl_oauth_token_file",
)
_TLS_FIELDS = (
    "ssl_cafile",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_key_password",
    "ssl_key_password_file",
)

#: Settings overrides for a plaintext broker of our own (the embedded one of `dev up` and the demo),
#: whatever TLS and SASL variables the environment holds for another cluster.
PLAINTEXT: dict[str, Any] = {"security_protocol": "PLAINTEXT", **dict.fromkeys(_SASL_FIELDS + _TLS_FIELDS)}


def connect_problem(exc: BaseException) -> str:
    """A value-free reason for a failed connection, naming the settings to check."""
    name = type(exc).__name__
    if name == "SaslAuthenticationFailed" or isinstance(exc, KeyError | ValueError):
        return f"SASL authentication failed ({name}; check VEILSTREAM_SASL_*)"
    if name == "UnsupportedSaslMechanismError":
        return f"the broker does not offer {_var('sasl_mechanism')}'s mechanism ({name})"
    return name


def _read_secret(path: Path, variable: str) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KafkaConfigError(f"cannot read {variable} ({path}): {type(exc).__name__}") from None
    if not text:
        raise KafkaConfigError(f"{variable} ({path}) is empty")
    return text


def _secret(settings: KafkaClientSettings, name: str) -> str | None:
    value: SecretStr | None = getattr(settings, name)
    if value is not None:
        return value.get_secret_value()
    path: Path | None = getattr(settings, f"{name}_file")
    return _read_secret(path, _var(f"{name}_file")) if path is not None else None


class FileTokenProvider:
    """OAUTHBEARER tokens: a fixed one, or the content of a file read for every new connection."""

    def __init__(self, token: SecretStr | None, path: Path | None) -> None:
        self._token = token
        self._path = path

    async def token(self) -> str:
        if self._token is not None:
            return self._token.get_secret_value()
        if self._path is None:  # pragma: no cover - the settings require one of them
            raise KafkaConfigError("no OAUTHBEARER token configured")
        return _read_secret(self._path, _var("sasl_oauth_token_file"))


def _aiokafka_provider(provider: FileTokenProvider) -> Any:
    """`provider` as the `AbstractTokenProvider` aiokafka insists on (aiokafka imported only here)."""
    from aiokafka.abc import AbstractTokenProvider

    class _Provider(AbstractTokenProvider):
        async def token(self) -> str:
            return await provider.token()

    return _Provider()


def ssl_context(settings: KafkaClientSettings) -> ssl.SSLContext:
    """The TLS context of `settings`: their CA (else the system's), client cert, hostname check."""
    cafile = settings.ssl_cafile
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise KafkaConfigError(f"cannot load {_var('ssl_cafile')} ({cafile}): {type(exc).__name__}") from None
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile is not None:
        password = _secret(settings, "ssl_key_password")
        try:
            context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile, password)
        except (OSError, ssl.SSLError) as exc:
            raise KafkaConfigError(
                f"cannot load {_var('ssl_certfile')} / {_var('ssl_keyfile')} ({settings.ssl_certfile}):"
                f" {type(exc).__name__}"
            ) from None
    return context


#: What a client can be pointed at: settings, or (plaintext) a broker URL or a list of `host:port`.
Target = KafkaClientSettings | str | Sequence[str]


def as_settings(target: Target) -> KafkaClientSettings:
    """`target` as connection settings (a URL or server list: plaintext, nothing else read)."""
    if isinstance(target, KafkaClientSettings):
        return target
    url = target if isinstance(target, str) else ",".join(target)
    return KafkaClientSettings.model_construct(broker_url=url)


def client_options(target: Target) -> dict[str, Any]:
    """Keyword arguments every aiokafka client takes: servers, protocol, TLS context, SASL.

    Raises `KafkaConfigError` when a file it names cannot be read."""
    settings = as_settings(target)
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers(),
        "security_protocol": settings.security_protocol,
    }
    if settings.uses_tls:
        options["ssl_context"] = ssl_context(settings)
    mechanism = settings.sasl_mechanism
    if mechanism is not None:
        options["sasl_mechanism"] = mechanism
        if mechanism == "OAUTHBEARER":
            options["sasl_oauth_token_provider"] = _aiokafka_provider(
                FileTokenProvider(settings.sasl_oauth_token, settings.sasl_oauth_token_file)
            )
        else:
            options["sasl_plain_username"] = settings.sasl_username
            options["sasl_plain_password"] = _secret(settings, "sasl_password")
    return options


__all__ = [
    "PLAINTEXT",
    "FileTokenProvider",
    "KafkaClientSettings",
    "KafkaConfigError",
    "Target",
    "as_settings",
    "client_options",
    "connect_problem",
    "security_problem",
    "ssl_context",
]
