"""Worker settings from `VEILSTREAM_*` environment variables (or a `.env` file).

The vault's own settings (`VEILSTREAM_DATABASE_URL`, `VEILSTREAM_MASTER_KEY`, ...) live in
`vault.settings.VaultSettings`; the worker reads both. Lists and maps in the environment are
JSON: `VEILSTREAM_CDC_TABLES='["contacts","tickets"]'`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.fetch_wait import active_wait
from streams.kafka_client import KafkaClientSettings
from streams.routing import TopicPattern

Role = Literal["mask", "unmask"]


#: The settings that name topics (or prefix them): what `WorkerSettings.under_prefix` moves.
_TOPIC_NAMES = (
    "cdc_prefix",
    "masked_cdc_prefix",
    "messages_topic",
    "masked_messages_topic",
    "audit_topic",
    "dlq_topic",
    "unmask_requests_topic",
    "unmask_replies_topic",
)


#: The metrics, health and readiness port of each role when `VEILSTREAM_METRICS_PORT` is unset:
#: a mask and an unmask worker on one host do not collide.
DEFAULT_METRICS_PORTS: dict[str, int] = {"mask": 9400, "unmask": 9401}


class WorkerSettings(BaseSettings, KafkaClientSettings):
    """The worker's settings; the Kafka connection ones (broker, TLS, SASL) come from
    `streams.kafka_client.KafkaClientSettings`."""

    model_config = SettingsConfigDict(env_prefix="VEILSTREAM_", frozen=True, extra="ignore")

    #: faust app id: the consumer group of the masking worker (the unmask role appends `-unmask`).
    app_id: str = "veilstream"
    #: Tenant policy files (YAML or JSON). Tenants without one are refused (`unknown_tenant`).
    policy_files: tuple[Path, ...] = ()
    #: Also accept tenants whose policy was stored with `veilstream policy apply`.
    policies_from_vault: bool = True
    #: Tenant for records that name none (single-tenant deployments); unset: such records go to the DLQ.
    default_tenant: str | None = None
    #: Where the tenant comes from, first match wins: this header, this record field, this topic map.
    tenant_header: str | None = "veilstream-tenant"
    tenant_field: str | None = "tenant_id"
    topic_tenants: dict[str, str] = Field(default_factory=dict)

    #: CDC tables read from `crm.cdc.<table>` and written to `masked.crm.<table>`.
    cdc_tables: tuple[str, ...] = ("contacts", "tickets")
    cdc_prefix: str = "crm.cdc."
    #: Debezium's own topic names instead of `cdc_prefix` + table: `{table}` where the table
    #: stands, `{tenant}` where a tenant id does, `{server}`, `{schema}` or any `{name}` for one
    #: dot-free part of any value (`{server}.{schema}.{table}`, `crm.public.{table}`);
    #: `streams.routing`. Wildcards need the aiokafka engine.
    cdc_topic_pattern: str | None = None
    masked_cdc_prefix: str = "masked.crm."
    messages_topic: str = "support.messages"
    masked_messages_topic: str = "masked.support.messages"
    audit_topic: str = "veilstream.audit"
    dlq_topic: str = "veilstream.dlq"
    unmask_requests_topic: str = "veilstream.unmask.requests"
    unmask_replies_topic: str = "veilstream.unmask.replies"
    #: Partitions of every topic `veilstream topics create` makes (inputs and outputs alike,
    #: so a masked record keeps its input partition).
    partitions: int = Field(default=4, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1)

    #: Records per detection/vault batch, and the longest wait to fill one (seconds).
    batch_size: int = Field(default=500, ge=1, le=10_000)
    batch_within: float = Field(default=0.005, gt=0, le=10)
    #: `aiokafka`: the roles on a plain consumer-group loop (`streams.engines.aiokafka`). `faust`: the same
    #: roles as faust-streaming agents over faust streams; about half the records/s where
    #: the worker is CPU-bound and twice the latency (faust's consumer thread and conductor cost
    #: about 300 µs per record; docs/performance.md). Same delivery guarantees either way.
    engine: Literal["faust", "aiokafka"] = "aiokafka"
    #: Only `at_least_once` is supported (replays are idempotent: tokens are deterministic).
    processing_guarantee: Literal["at_least_once"] = "at_least_once"
    #: Run the NER stage when flair is installed (`auto`), always (`on`, fail when missing) or never.
    ner: Literal["auto", "on", "off"] = "auto"
    #: Longest a consumer fetch waits for records (faust fixes 1500 ms). The embedded Tansu broker
    #: holds a fetch for about half of it even when records arrive, which adds that much latency
    #: per hop; Apache Kafka answers as soon as records are there, so there a larger value (e.g.
    #: 500) only saves idle fetch requests. With the aiokafka engine this is the wait while the
    #: input is idle; see `fetch_active_wait_ms`.
    fetch_max_wait_ms: int = Field(default=10, ge=1, le=10_000)
    #: aiokafka engine: the fetch wait while records flow (`streams.fetch_wait`), back to
    #: `fetch_max_wait_ms` once none has come for `fetch_active_linger` seconds. 0, or not
    #: shorter than `fetch_max_wait_ms`: one fixed wait. (The faust engine has the fixed wait.)
    fetch_active_wait_ms: int = Field(default=2, ge=0, le=10_000)
    fetch_active_linger: float = Field(default=1.0, gt=0, le=3600)
    #: Worker processes: once started, freeze what startup built and collect the young
    #: generation every this many net allocations (`streams.gc_tuning`); 0 keeps Python's
    #: collector as it is (700, and full collections that walk every startup object).
    gc_threshold: int = Field(default=20_000, ge=0, le=10_000_000)
    #: Consumer session timeout (seconds); short values make group joins fast.
    session_timeout: float = Field(default=10.0, gt=0)
    #: Back-off bounds (seconds) while Postgres or the broker is unavailable.
    backoff_min: float = Field(default=0.2, gt=0)
    backoff_max: float = Field(default=10.0, gt=0)

    #: Mask worker: publish checkpoints of the vault's audit chains on the audit topic at most
    #: this often (seconds; 0: never). `veilstream audit verify --from-topic` checks against them.
    audit_checkpoint_s: float = Field(default=60.0, ge=0)
    #: Unmask worker: how far (seconds, either way) a signed request's `ts` may be from now.
    unmask_max_skew_s: float = Field(default=300.0, gt=0, le=86_400)

    #: The worker's HTTP endpoint: `/metrics`, `/healthz`, `/readyz` (port 0 disables it; unset:
    #: 9400 for the mask role, 9401 for the unmask role).
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    #: Log lines as text or as one JSON object per line (`streams._logging`); never values either way.
    log_format: Literal["text", "json"] = "text"

    def metrics_port_of(self, role: Role) -> int:
        """The port of `role`'s HTTP endpoint (0: none)."""
        return DEFAULT_METRICS_PORTS[role] if self.metrics_port is None else self.metrics_port

    @field_validator("cdc_topic_pattern")
    @classmethod
    def _topic_pattern(cls, value: str | None) -> str | None:
        if value is not None:
            TopicPattern.parse(value)  # ValueError says what is wrong
        return value

    @model_validator(mode="after")
    def _pattern_engine(self) -> WorkerSettings:
        pattern = self.topic_pattern
        if pattern is not None and pattern.wildcards and self.engine == "faust":
            raise ValueError(
                "VEILSTREAM_CDC_TOPIC_PATTERN with placeholders besides {table}"
                " needs VEILSTREAM_ENGINE=aiokafka"
            )
        return self

    @property
    def topic_pattern(self) -> TopicPattern | None:
        """`cdc_topic_pattern`, parsed (None: topics are `cdc_prefix` + table)."""
        return None if self.cdc_topic_pattern is None else TopicPattern.parse(self.cdc_topic_pattern)

    @property
    def flowing_fetch_wait_ms(self) -> int:
        """The consumer's fetch wait while records flow: `fetch_active_wait_ms` where the engine
        switches to it (aiokafka), else the fixed `fetch_max_wait_ms`."""
        active = active_wait(self.fetch_max_wait_ms, self.fetch_active_wait_ms)
        return active if active is not None and self.engine == "aiokafka" else self.fetch_max_wait_ms

    def under_prefix(self, prefix: str) -> WorkerSettings:
        """The same settings with every topic name (and both CDC topic prefixes) under
        `<prefix>.`: several deployments, or test runs, on one broker without a shared topic."""
        update = {name: f"{prefix}.{getattr(self, name)}" for name in _TOPIC_NAMES}
        if self.cdc_topic_pattern is not None:
            update["cdc_topic_pattern"] = f"{prefix}.{self.cdc_topic_pattern}"
        return self.model_copy(update=update)

    def cdc_topic(self, table: str) -> str:
        """The input topic of `table` (`ValueError` where the topic pattern has wildcards)."""
        pattern = self.topic_pattern
        return f"{self.cdc_prefix}{table}" if pattern is None else pattern.topic(table)

    def masked_cdc_topic(self, table: str) -> str:
        return f"{self.masked_cdc_prefix}{table}"

    def all_topics(self) -> list[str]:
        """Every topic the worker reads or writes, inputs first (the CDC inputs only where each
        table has one topic: topics a pattern with wildcards matches are Debezium's to create)."""
        pattern = self.topic_pattern
        inputs = [] if pattern is not None and pattern.wildcards else self.cdc_tables
        return [
            *(self.cdc_topic(t) for t in inputs),
            self.messages_topic,
            *(self.masked_cdc_topic(t) for t in self.cdc_tables),
            self.masked_messages_topic,
            self.audit_topic,
            self.dlq_topic,
            self.unmask_requests_topic,
            self.unmask_replies_topic,
        ]

    def as_env(self) -> dict[str, str]:
        """These settings as `VEILSTREAM_*` variables (for a child process to read back; secrets included)."""
        out = {}
        for name, value in self.model_dump(mode="json").items():
            raw = getattr(self, name)
            if isinstance(raw, SecretStr):
                value = raw.get_secret_value()
            if value is not None:
                out[f"VEILSTREAM_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
        return out
