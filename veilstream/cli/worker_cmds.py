"""`veilstream worker` (mask and unmask roles) and `veilstream dlq list|replay`.

Settings come from `VEILSTREAM_*` (see `streams.settings.WorkerSettings` and
`vault.settings.VaultSettings`, read by `veilstream.settings`).
"""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from streams.errors import StreamsError
from veilstream.cli._common import (
    build_pipeline,
    fail,
    open_vault,
    run_vault,
    vault_settings,
    worker_settings,
)

if TYPE_CHECKING:
    from streams.settings import WorkerSettings

log = logging.getLogger(__name__)

dlq_app = typer.Typer(help="Records the worker could not mask: list and replay them.", no_args_is_help=True)

RoleOpt = Annotated[str, typer.Option("--role", help="mask: the masking worker; unmask: the unmask worker.")]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", help="aiokafka | faust (default: VEILSTREAM_ENGINE, aiokafka)."),
]
NerOpt = Annotated[
    str | None,
    typer.Option("--ner", help="auto | on | off (default: VEILSTREAM_NER, auto)."),
]
TenantOpt = Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant.")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Only records rejected for this reason.")]
RefOpt = Annotated[
    list[str] | None, typer.Option("--reference", "-r", help="topic/partition/offset (repeatable).")
]


def _stop_while_starting(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def worker(
    role: RoleOpt = "mask",
    ner: NerOpt = None,
    engine: EngineOpt = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning, error")] = "info",
) -> None:
    """Run a stream worker until Ctrl-C or SIGTERM (offsets of unfinished batches are not committed)."""
    # A SIGTERM while the worker starts (before the engine installs its own handler) is a clean
    # stop too: nothing is consumed or committed yet. Python's default would end it with -15.
    signal.signal(signal.SIGTERM, _stop_while_starting)
    from detectors import Policy, PolicyError
    from streams._logging import configure
    from streams.engines import engine as engine_named
    from streams.health import READINESS
    from streams.kafka_client import KafkaConfigError, client_options
    from vault.errors import MasterKeyError
    from vault.keys import LocalKeyProvider
    from vault.policies import load as load_policy

    if role not in ("mask", "unmask"):
        raise fail("--role is mask or unmask")
    if ner is not None and ner not in ("auto", "on", "off"):
        raise fail("--ner is auto, on or off")
    if engine is not None and engine not in ("faust", "aiokafka"):
        raise fail("--engine is faust or aiokafka")
    overrides = {k: v for k, v in (("ner", ner), ("engine", engine)) if v is not None}
    settings = worker_settings(**overrides)
    vsettings = vault_settings()
    configure(log_level, settings.log_format)
    try:
        client_options(settings)  # the TLS and SASL files can be read
        LocalKeyProvider.from_settings(vsettings)
    except (KafkaConfigError, MasterKeyError) as exc:
        raise fail(str(exc)) from None
    for path in settings.policy_files:
        try:
            load_policy(path)
        except PolicyError as exc:
            raise fail(str(exc)) from None
    _serve_endpoint(settings, role)  # /healthz answers, /readyz says "not yet" while the rest starts
    _check_vault(vsettings)
    detect = None
    if role == "mask":
        started = time.perf_counter()
        flag = {"auto": None, "on": True, "off": False}[settings.ner]
        detect = build_pipeline(Policy.default(), flag).detect_many  # the NER model loads here
        log.info("detection ready seconds=%.2f", time.perf_counter() - started)
    READINESS.set(model=True)
    run = engine_named(settings.engine)
    try:
        code = run(settings, vsettings, role, detect, log_level)  # type: ignore[arg-type]
    except MasterKeyError as exc:  # the key changed under a running worker
        raise fail(str(exc)) from None
    raise typer.Exit(code)


def _serve_endpoint(settings: WorkerSettings, role: str) -> None:
    """Start `/metrics`, `/healthz`, `/readyz` on the role's port; exit 2 naming it when it is taken."""
    from streams import health

    port = settings.metrics_port_of(role)  # type: ignore[arg-type]
    try:
        health.serve(settings.metrics_host, port)
    except OSError as exc:
        raise fail(
            f"cannot serve /metrics, /healthz and /readyz on {settings.metrics_host}:{port}"
            f" ({type(exc).__name__}: {exc.strerror or 'in use'}); set VEILSTREAM_METRICS_PORT to a free"
            " port, or 0 for none"
        ) from None


def _check_vault(vsettings: Any) -> None:
    """Open the vault once: a master key that does not unwrap its keys stops the start (exit 2);
    an unreachable database is waited out later, by the worker."""
    import asyncio

    from vault.errors import MasterKeyError, VaultError
    from vault.store import Vault

    async def check() -> None:
        vault = await Vault.open(vsettings)
        await vault.close()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(check())
    except MasterKeyError as exc:
        raise fail(str(exc)) from None
    except VaultError as exc:  # its messages name no values and no connection string
        log.warning("vault not ready at start (%s); the worker waits for it", exc)
    finally:
        loop.close()


@dlq_app.command("list")
def dlq_list(tenant: TenantOpt = None, reason: ReasonOpt = None, released: bool = False) -> None:
    """Quarantined records (reference, tenant, reason, time); their content stays encrypted."""

    async def work() -> list[Any]:
        vault = await open_vault()
        try:
            return await vault.quarantined(tenant, reason, released=released)
        finally:
            await vault.close()

    entries = run_vault(work)
    table = Table("reference", "tenant", "reason", "quarantined at", "released at")
    for e in entries:
        table.add_row(
            e.reference, e.tenant, e.reason, f"{e.created_at:%Y-%m-%d %H:%M:%S}", str(e.released_at or "")
        )
    Console().print(table)


@dlq_app.command("replay")
def dlq_replay(
    tenant: TenantOpt = None,
    reason: ReasonOpt = None,
    reference: RefOpt = None,
) -> None:
    """Produce quarantined records again to their input topic (after a fix), then mark them released.

    Each replayed record carries a `veilstream-replay` header naming its quarantine reference.
    """
    from streams.replay import replay

    settings = worker_settings()

    async def work() -> int:
        vault = await open_vault()
        try:
            return await replay(vault, settings, tenant=tenant, reason=reason, references=reference or None)
        finally:
            await vault.close()

    try:
        count = run_vault(work)
    except (TimeoutError, OSError) as exc:
        raise fail(f"broker unavailable: {type(exc).__name__}", 1) from None
    typer.echo(f"replayed {count} record(s)")


unmask_app = typer.Typer(
    help="Ask the unmask worker to reveal tokens (signed requests).", no_args_is_help=True
)
SecretFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--secret-file", help="File with the principal's vs_… secret (default: VEILSTREAM_PRINCIPAL_SECRET)."
    ),
]


@unmask_app.command("request")
def unmask_request(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="The principal's tenant.")],
    principal: Annotated[str, typer.Option("--principal", help="Principal name (principal create).")],
    policy_name: Annotated[str, typer.Option("--policy", help="Unmask policy to apply.")],
    text: Annotated[str | None, typer.Option("--text", help="Masked text ('-' or omitted: stdin).")] = None,
    purpose: Annotated[str | None, typer.Option("--purpose", help="Purpose the policy allows.")] = None,
    secret_file: SecretFileOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the reply.")] = 30.0,
) -> None:
    """Sign an unmask request with the principal's secret, send it, print the worker's reply (JSON).

    Exit 0 when values were revealed, 1 when the worker refused (the reply's `error.code`).
    The secret never travels: the request carries an HMAC signature over its fields.
    """
    import asyncio
    import json
    import os
    import sys

    from streams.unmask_client import ask, signed_request
    from vault.errors import AuthError

    if secret_file is not None:
        try:
            secret = secret_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise fail(f"cannot read --secret-file: {type(exc).__name__}") from None
    else:
        secret = os.environ.get("VEILSTREAM_PRINCIPAL_SECRET", "").strip()
        if not secret:
            raise fail("no principal secret: set VEILSTREAM_PRINCIPAL_SECRET or pass --secret-file")
    body = sys.stdin.read() if text in (None, "-") else text
    try:
        request = signed_request(
            secret, tenant=tenant, principal=principal, policy_name=policy_name,
            token_value=body or "", purpose=purpose,
        )  # fmt: skip
    except AuthError as exc:
        raise fail(str(exc)) from None
    settings = worker_settings()
    try:
        replies = asyncio.run(ask(settings, [request], timeout))
    except (TimeoutError, OSError) as exc:
        raise fail(f"broker unavailable: {type(exc).__name__}", 1) from None
    except StreamsError as exc:
        raise fail(str(exc), 1) from None
    reply = replies[request["request_id"]]
    typer.echo(json.dumps(reply, ensure_ascii=False))
    if "error" in reply:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.add_typer(dlq_app, name="dlq")
    app.add_typer(unmask_app, name="unmask")
