"""Operator commands for the vault: db, keys, principal, policy, audit, erase, api.

Settings come from `VEILSTREAM_*` (see `vault.settings.VaultSettings`, read by `veilstream.settings`).
Heavy modules (psycopg, cryptography, FastAPI) are imported inside the commands so `veilstream detect`
stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from veilstream.cli._common import fail, open_vault, run_vault, vault_settings, worker_settings

TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id.")]
AnyTenantOpt = Annotated[str | None, typer.Option("--tenant", "-t", help="Default: every tenant.")]
RewrapOpt = Annotated[
    bool, typer.Option("--rewrap", help="Re-wrap the tenant's keys with the current master key.")
]
ReencryptOpt = Annotated[
    bool, typer.Option("--reencrypt", help="Re-encrypt older rows with the new data key.")
]
ScopeOpt = Annotated[
    list[str], typer.Option("--scope", "-s", help="mask, erase, unmask:<policy>, unmask:*, admin")
]
NameOpt = Annotated[str, typer.Option("--name", "-n", help="Principal name (as listed in unmask policies).")]

db_app = typer.Typer(help="Vault database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="Master and data keys.", no_args_is_help=True)
principal_app = typer.Typer(help="API principals (bearer secrets).", no_args_is_help=True)
policy_app = typer.Typer(help="Tenant policies and unmask policies.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending schema migrations (idempotent; safe to run from several workers)."""
    import psycopg

    from vault.errors import VaultError
    from vault.migrate import migrate

    url = vault_settings().database_url.get_secret_value()

    async def work() -> list[int]:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                return await migrate(conn)
        except psycopg.OperationalError as exc:
            raise VaultError(
                f"cannot connect to the vault database: {str(exc).splitlines()[0][:200]}"
            ) from None

    applied = run_vault(work)
    typer.echo(f"applied migrations: {', '.join(map(str, applied))}" if applied else "schema is up to date")


@keys_app.command("generate-master")
def keys_generate_master() -> None:
    """Print a new random master key (base64) for VEILSTREAM_MASTER_KEY or a key file."""
    from vault.keys import generate_master_key

    typer.echo(generate_master_key())


@keys_app.command("rotate")
def keys_rotate(
    tenant: TenantOpt,
    rewrap: RewrapOpt = False,
    reencrypt: ReencryptOpt = False,
) -> None:
    """Add a data key version for new writes (old rows keep decrypting). Tokens never change."""

    async def work() -> None:
        async with await open_vault() as vault:
            version = await vault.rotate(tenant, principal="cli")
            typer.echo(f"tenant {tenant}: data key version {version} is now used for new values")
            if rewrap:
                typer.echo(f"tenant {tenant}: re-wrapped {await vault.rewrap(tenant, principal='cli')} keys")
            if reencrypt:
                typer.echo(
                    f"tenant {tenant}: re-encrypted {await vault.reencrypt(tenant, principal='cli')} values"
                )

    run_vault(work)


@principal_app.command("create")
def principal_create(
    tenant: TenantOpt,
    name: NameOpt,
    scope: ScopeOpt,
) -> None:
    """Create a principal (or re-key an existing one) and print its bearer secret, once."""
    from vault import principals

    async def work() -> str:
        async with await open_vault() as vault, vault.pool.connection() as conn:
            return await principals.create(conn, vault.keyring, tenant, name, scope)

    secret = run_vault(work)
    typer.echo(secret)
    typer.echo("veilstream: store this secret now; it is not kept and cannot be shown again", err=True)


@principal_app.command("disable")
def principal_disable(tenant: TenantOpt, name: NameOpt) -> None:
    """Disable a principal: its bearer secret stops working (the API caches it for at most 5 s)."""
    from vault import principals

    async def work() -> bool:
        async with await open_vault() as vault, vault.pool.connection() as conn:
            return await principals.disable(conn, tenant, name)

    if not run_vault(work):
        raise fail(f"tenant {tenant} has no enabled principal named {name}", code=1)
    typer.echo(f"tenant {tenant}: principal {name} disabled")


@policy_app.command("apply")
def policy_apply(file: Annotated[Path, typer.Argument(help="Tenant policy (YAML or JSON).")]) -> None:
    """Store a tenant policy and make its unmask policies the tenant's only ones."""
    from detectors import PolicyError
    from vault import policies

    try:
        policy = policies.load(file)
    except PolicyError as exc:
        raise fail(str(exc)) from None

    async def work() -> dict[str, int]:
        async with await open_vault() as vault, vault.pool.connection() as conn:
            return await policies.apply(conn, vault.keyring, policy, principal="cli")

    counts = run_vault(work)
    applied, removed = counts["unmask_policies"], counts["removed"]
    typer.echo(f"tenant {policy.tenant}: {applied} unmask policies applied, {removed} removed")


@audit_app.command("verify")
def audit_verify(
    tenant: AnyTenantOpt = None,
    from_topic: Annotated[
        bool,
        typer.Option(
            "--from-topic",
            help="Also check against the checkpoints on the audit topic "
            "(VEILSTREAM_BROKER_URL, VEILSTREAM_AUDIT_TOPIC).",
        ),
    ] = False,
) -> None:
    """Recompute every tenant's hash chain and check it against its checkpoints; exit 1 when a
    record was edited or deleted, or the chain was cut back or rewritten since a checkpoint."""
    from streams.checkpoints import published
    from vault import audit

    external: list[audit.Checkpoint] = []
    if from_topic:
        settings = worker_settings()
        try:
            external = run_vault(lambda: published(settings, settings.audit_topic))
        except (TimeoutError, OSError) as exc:
            raise fail(f"broker unavailable: {type(exc).__name__}", 1) from None

    async def work() -> list[audit.VerifyReport]:
        async with await open_vault() as vault, vault.pool.connection() as conn:
            names = [tenant] if tenant else await audit.tenants(conn)
            return [await audit.verify(conn, t, vault.keyring, external) for t in names]

    reports = run_vault(work)
    for report in reports:
        state = "ok" if report.ok else "BROKEN"
        typer.echo(f"tenant {report.tenant}: {report.records} records, {state}")
        for problem in report.problems:
            typer.echo(f"  {problem}")
    if not all(r.ok for r in reports):
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    tenant: AnyTenantOpt = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Also produce them on the audit topic (VEILSTREAM_BROKER_URL).")
    ] = False,
) -> None:
    """Store a checkpoint of every tenant's chain head that moved (the mask worker does this every
    VEILSTREAM_AUDIT_CHECKPOINT_S seconds); print them as JSON Lines."""
    from streams.checkpoints import checkpoint_record
    from vault import audit

    async def work() -> list[audit.Checkpoint]:
        async with await open_vault() as vault, vault.pool.connection() as conn:
            names = [tenant] if tenant else await audit.stale_tenants(conn)
            points = [await audit.checkpoint(conn, vault.keyring, t) for t in names]
            return [p for p in points if p is not None]

    points = run_vault(work)
    for point in points:
        typer.echo(json.dumps(point.to_json()))
    if publish and points:
        from aiokafka import AIOKafkaProducer

        from streams.kafka_client import client_options

        settings = worker_settings()

        async def send() -> None:
            producer = AIOKafkaProducer(**client_options(settings), acks="all")
            await producer.start()
            try:
                for record in (checkpoint_record(p, settings.audit_topic) for p in points):
                    await producer.send_and_wait(
                        record.topic, record.value, key=record.key, headers=list(record.headers)
                    )
            finally:
                await producer.stop()

        try:
            run_vault(send)
        except (TimeoutError, OSError) as exc:
            raise fail(f"broker unavailable: {type(exc).__name__}", 1) from None


@audit_app.command("export")
def audit_export(
    tenant: AnyTenantOpt = None,
    out: Annotated[str, typer.Option("--out", "-o", help="JSON Lines file, or - for stdout.")] = "-",
) -> None:
    """Write audit records as JSON Lines (never values: who, policy, purpose, counts, outcome, hash)."""
    from vault import audit

    async def work() -> int:
        count = 0
        sink = sys.stdout if out == "-" else open(out, "w", encoding="utf-8")  # noqa: SIM115
        try:
            async with await open_vault() as vault, vault.pool.connection() as conn:
                for name in [tenant] if tenant else await audit.tenants(conn):
                    async for record in audit.export(conn, name):
                        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                        count += 1
        finally:
            if sink is not sys.stdout:
                sink.close()
        return count

    count = run_vault(work)
    typer.echo(f"veilstream: exported {count} audit records", err=True)


def erase(
    tenant: TenantOpt,
    subject: Annotated[
        str, typer.Option("--subject", help="Data subject id given when values were tokenized.")
    ],
) -> None:
    """Erase a data subject's values: their tokens stay but unmask to nothing. Audited."""

    async def work() -> dict[str, int]:
        async with await open_vault() as vault:
            return await vault.erase(tenant, subject, principal="cli")

    counts = run_vault(work)
    total = sum(counts.values())
    detail = ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing to erase"
    typer.echo(f"tenant {tenant}: erased {total} values ({detail})")


def api(
    host: Annotated[str | None, typer.Option(help="Default: VEILSTREAM_API_HOST (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Default: VEILSTREAM_API_PORT (8080).")] = None,
    migrate: Annotated[bool, typer.Option("--migrate", help="Apply pending migrations first.")] = False,
) -> None:
    """Serve the vault HTTP API (PUT /api/vault/mask, /unmask, /mask-text; /healthz, /metrics)."""
    import logging

    import uvicorn

    from vault import Vault
    from vault.api import create_app

    settings = vault_settings(**({"migrate_on_start": True} if migrate else {}))

    async def check() -> None:  # refuse to start on a missing or wrong master key, with a clear message
        vault = await Vault.open(settings)
        await vault.close()

    run_vault(check)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(
        create_app(settings.model_copy(update={"migrate_on_start": False})),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="info",
        access_log=False,  # it would log paths; the app logs route templates (veilstream.api.access)
    )


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(keys_app, name="keys")
    app.add_typer(principal_app, name="principal")
    app.add_typer(policy_app, name="policy")
    app.add_typer(audit_app, name="audit")
    app.command("erase")(erase)
    app.command("api")(api)
