"""`veilstream topics create` and `veilstream dev up`: the worker's topics, and a local dev stack.

Settings come from `VEILSTREAM_*` (see `streams.settings.WorkerSettings`). Heavy modules (aiokafka,
psycopg, the embedded servers) are imported inside the commands so `veilstream detect` stays fast.
"""

from __future__ import annotations

import asyncio
import shlex
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from veilstream.cli._common import fail, load_settings, worker_settings

if TYPE_CHECKING:
    from streams.settings import WorkerSettings
    from veilstream.embedded import EmbeddedStack

PartitionsOpt = Annotated[
    int | None,
    typer.Option("--partitions", "-p", min=1, max=1024, help="Default: VEILSTREAM_PARTITIONS (4)."),
]
WaitOpt = Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for the broker to answer.")]

topics_app = typer.Typer(help="Kafka topics of the worker.", no_args_is_help=True)
dev_app = typer.Typer(help="A local development stack (embedded broker and Postgres).", no_args_is_help=True)


def _topics_table(status: dict[str, str], err: bool = False) -> None:
    table = Table("topic", "status")
    for topic, state in status.items():
        table.add_row(topic, state)
    Console(stderr=err).print(table)


async def _create(settings: WorkerSettings, wait: float) -> dict[str, str]:
    from streams.topics import create_topics, wait_for_broker

    await wait_for_broker(settings, wait)
    return await create_topics(settings)


@topics_app.command("create")
def topics_create(partitions: PartitionsOpt = None, wait: WaitOpt = 10.0) -> None:
    """Create the worker's topics on VEILSTREAM_BROKER_URL; existing topics are reported, never changed."""
    from streams.errors import StreamsError

    settings = worker_settings(partitions=partitions)
    try:
        status = asyncio.run(_create(settings, wait))
    except StreamsError as exc:
        raise fail(str(exc), code=1) from None
    _topics_table(status)
    if any(state.startswith("failed") for state in status.values()):
        raise typer.Exit(1)


@contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise KeyboardInterrupt once; later ones are ignored so shutdown can finish."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


async def _migrate(url: str) -> list[int]:
    import psycopg

    from streams.errors import StreamsError
    from vault.migrate import migrate

    try:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return await migrate(conn)
    except psycopg.Error as exc:
        raise StreamsError(f"migrating the dev database failed: {str(exc).splitlines()[0][:200]}") from None


def _prepare(stack: EmbeddedStack, settings: WorkerSettings) -> dict[str, str]:
    from streams.topics import create_topics

    async def work() -> dict[str, str]:
        await _migrate(stack.postgres.url)
        return await create_topics(settings)

    return asyncio.run(work())


def _exports(stack: EmbeddedStack, master_key: bool) -> list[str]:
    from vault.keys import generate_master_key

    env = {"VEILSTREAM_BROKER_URL": stack.broker.url, "VEILSTREAM_DATABASE_URL": stack.postgres.url}
    if master_key:
        env["VEILSTREAM_MASTER_KEY"] = generate_master_key()  # a throw-away dev key, like the data
    return [f"export {name}={shlex.quote(value)}" for name, value in env.items()]


@dev_app.command("up")
def dev_up(partitions: PartitionsOpt = None) -> None:
    """Run a Kafka-compatible broker (Tansu) and Postgres in the foreground until Ctrl-C or SIGTERM.

    Migrates the vault schema, creates the worker's topics and prints `export VEILSTREAM_...` lines
    for a shell to eval (a dev master key too when none is set). Data lives in memory and under /tmp
    and is gone when it stops.
    """
    from streams.errors import StreamsError
    from streams.kafka_client import PLAINTEXT
    from vault.errors import VaultError
    from vault.settings import VaultSettings
    from veilstream.embedded import embedded_stack

    worker_settings()  # invalid settings fail before anything starts
    vault = load_settings(VaultSettings)
    needs_key = vault.master_key is None and vault.master_key_file is None
    try:
        with _stop_signals(), embedded_stack() as stack:
            embedded = {"broker_url": stack.broker.url, **PLAINTEXT}  # whatever TLS/SASL the env names
            settings = worker_settings(partitions=partitions).model_copy(update=embedded)
            status = _prepare(stack, settings)
            _topics_table(status, err=True)
            for line in _exports(stack, master_key=needs_key):
                typer.echo(line)
            typer.echo("veilstream: dev stack is up; Ctrl-C or SIGTERM stops it", err=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        typer.echo("veilstream: dev stack stopped", err=True)
    except (StreamsError, VaultError) as exc:
        raise fail(str(exc), code=1) from None


def register(app: typer.Typer) -> None:
    app.add_typer(topics_app, name="topics")
    app.add_typer(dev_app, name="dev")
