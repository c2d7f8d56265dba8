"""The `faust` engine: the worker's roles as faust-streaming agents over raw-bytes topics.

One agent per role reads with `noack_take` and hands each batch to the committer
(`streams.committer`, step 4: ack the batch's events); faust then commits the acked offsets.
A crash or a shutdown in the middle of a batch acks nothing of it: the batch is consumed
again, and deterministic tokens make the replay produce the same records.

faust is imported only with this module, which the engine registry (`streams.engines`) imports
only when this engine is chosen; faust's consumer is patched (`_patch_fetch_wait`) only when a
faust app is built.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from pathlib import Path
from typing import Any

import faust
from faust.auth import OAuthCredentials, SASLCredentials, SSLCredentials
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types.auth import CredentialsT

from streams import gc_tuning
from streams._logging import dict_config
from streams.committer import BatchCommitter
from streams.engines._consumer import group_config, observe_delay, observe_lag
from streams.health import READINESS
from streams.kafka import InRecord, OutRecord, in_record
from streams.kafka_client import KafkaClientSettings, client_options
from streams.runtime import Detect, Runtime
from streams.settings import Role, WorkerSettings
from vault.settings import VaultSettings

log = logging.getLogger(__name__)

#: `GroupConfig.producer_acks` in faust's terms.
_ACKS = {"all": -1}
_FETCH_WAIT_ATTR = "_veilstream_fetch_max_wait_ms"
_create_worker_consumer = faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer


def _with_fetch_wait(self: Any, transport: Any) -> Any:
    """faust's worker consumer, with the app's `fetch_max_wait_ms` instead of faust's fixed 1500 ms."""
    consumer = _create_worker_consumer(self, transport)
    wait = getattr(self.app, _FETCH_WAIT_ATTR, None)
    if wait is not None:
        consumer._fetch_max_wait_ms = wait  # read by the fetcher when the consumer starts
    return consumer


def _patch_fetch_wait() -> None:
    """Make faust's worker consumers use the app's fetch wait (idempotent)."""
    faust_aiokafka.AIOKafkaConsumerThread._create_worker_consumer = _with_fetch_wait  # type: ignore[method-assign]


def faust_credentials(settings: KafkaClientSettings) -> CredentialsT | None:
    """The connection of `streams.kafka_client.client_options` as faust credentials (None:
    plaintext); faust maps them to aiokafka's arguments exactly as `client_options` does."""
    options = client_options(settings)
    context = options.get("ssl_context")
    mechanism = settings.sasl_mechanism
    credentials: CredentialsT | None = None
    if mechanism == "OAUTHBEARER":
        credentials = OAuthCredentials(oauth_cb=options["sasl_oauth_token_provider"], ssl_context=context)
    elif mechanism is not None:
        credentials = SASLCredentials(
            username=options["sasl_plain_username"],
            password=options["sasl_plain_password"],
            ssl_context=context,
            mechanism=mechanism,
        )
    elif context is not None:
        credentials = SSLCredentials(context)
    return credentials


def faust_app(settings: WorkerSettings, role: Role) -> faust.App:
    """A faust app configured for at-least-once delivery and no side services."""
    _patch_fetch_wait()
    config = group_config(settings, role)
    app = faust.App(
        config.group_id,
        broker=";".join(f"kafka://{s}" for s in settings.bootstrap_servers()),
        broker_credentials=faust_credentials(settings),
        processing_guarantee=settings.processing_guarantee,
        autodiscover=False,
        web_enabled=False,
        topic_disable_leader=True,
        topic_allow_declare=False,
        broker_session_timeout=config.session_timeout_s,
        broker_heartbeat_interval=config.heartbeat_interval_s,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset=config.auto_offset_reset,
        producer_acks=_ACKS[config.producer_acks],
        producer_linger=config.producer_linger_ms / 1000,
        store="memory://",
        # faust makes an (empty, with the memory store) data dir; keep it out of the working directory.
        datadir=str(Path(tempfile.gettempdir()) / "veilstream-faust-{conf.id}"),
        key_serializer="raw",
        value_serializer="raw",
    )
    setattr(app, _FETCH_WAIT_ATTR, config.fetch_max_wait_ms)
    return app


def faust_record(message: Any) -> InRecord:
    """A faust message (timestamp in seconds) as an `InRecord`."""
    return in_record(message, int(message.timestamp * 1000) if message.timestamp else None)


def build(
    settings: WorkerSettings,
    vault_settings: VaultSettings,
    role: Role,
    detect: Detect | None = None,
    runtime: Runtime | None = None,
) -> tuple[faust.App, Runtime]:
    """The faust app of one role, with its agent, and the runtime the agent uses (`runtime`: tests)."""
    app = faust_app(settings, role)
    config = group_config(settings, role)

    async def send(record: OutRecord) -> Awaitable[Any]:
        return await app.producer.send(
            record.topic, record.key, record.value, record.partition, None, list(record.headers)
        )

    runtime = runtime or Runtime(settings, vault_settings, detect, send)
    committer = BatchCommitter()

    def raw_topic(*names: str) -> Any:
        return app.topic(
            *names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )

    def highwater(tp: Any) -> int | None:
        try:
            return int(app.consumer.highwater(tp))
        except Exception:  # highwater unknown before the first fetch response
            log.debug("no high watermark yet for %s", tp)
            return None

    async def batches(stream: Any) -> AsyncIterator[tuple[list[Any], list[InRecord]]]:
        async for events in stream.noack_take(config.batch_size, within=config.batch_within_s):
            observe_delay(time.time(), (e.message.timestamp for e in events if e.message.timestamp))
            yield events, [faust_record(e.message) for e in events]

    if role == "mask" and runtime.detect is None:
        raise ValueError("the mask role needs a detection function")

    @app.agent(raw_topic(*config.topics), name=f"veilstream.{role}")
    async def work(stream: Any) -> None:
        async for events, records in batches(stream):

            async def ack(events: Sequence[Any] = events) -> None:
                for event in events:
                    await stream.ack(event)
                observe_lag(highwater, {e.message.tp: e.message.offset + 1 for e in events})

            await committer.run(runtime.prepare(role, records), ack)

    async def _close(_app: Any, **_kw: Any) -> None:
        await runtime.close()

    app.on_before_shutdown.connect(_close)  # type: ignore[arg-type]

    async def _assigned(_app: Any, assigned: Any, **_kw: Any) -> None:
        READINESS.set(assigned=True, partitions=len(assigned))

    async def _revoked(_app: Any, revoked: Any, **_kw: Any) -> None:
        READINESS.set(assigned=False, partitions=0)

    app.on_partitions_assigned.connect(_assigned)  # type: ignore[arg-type]
    app.on_partitions_revoked.connect(_revoked)  # type: ignore[arg-type]

    @app.task
    async def _open_at_start() -> None:  # readiness needs the vault before the first record
        await runtime.ready()

    return app, runtime


def run(
    settings: WorkerSettings, vault_settings: VaultSettings, role: Role, detect: Detect | None, log_level: str
) -> int:
    """Run a role as a faust worker until SIGINT or SIGTERM (faust's worker exits the process)."""
    app, _ = build(settings, vault_settings, role, detect)
    gc_tuning.tune(settings.gc_threshold)
    gc_tuning.observe()
    logging_config = dict_config(log_level, "json") if settings.log_format == "json" else None
    faust.Worker(
        app, loglevel=log_level.upper(), quiet=True, redirect_stdouts=False, logging_config=logging_config
    ).execute_from_commandline()
    return 0  # pragma: no cover - execute_from_commandline exits


__all__ = ["build", "faust_app", "faust_credentials", "faust_record", "run"]
