"""The pool recovers when the server drops every connection (restart, failover, idle kill)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pydantic import SecretStr

from vault import Vault, VaultSettings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

APP = "veilstream-outage-test"
# Only this test's connections: the server is shared with the rest of the session.
_KILL = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'veilstream-outage-test'"
)


@pytest.fixture
async def vault(settings: VaultSettings) -> AsyncIterator[Vault]:
    url = make_conninfo(settings.database_url.get_secret_value(), application_name=APP)
    async with await Vault.open(settings.model_copy(update={"database_url": SecretStr(url)})) as v:
        yield v


async def test_tokenize_after_connections_are_killed(
    vault: Vault, settings: VaultSettings, pg_server: str
) -> None:
    [before] = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
    vault.tokenizer.cache = type(vault.tokenizer.cache)(0)  # force database round trips
    async with await psycopg.AsyncConnection.connect(pg_server, autocommit=True) as admin:
        assert await (await admin.execute(_KILL)).fetchall()  # something was killed
    assert await vault.tokenize_many("acme", [("PERSON", "Jane Smith")]) == [before]
    assert await vault.tokenize_many("acme", [("PERSON", "Jane Smith")]) == [before]


async def test_unmask_after_connections_are_killed(vault: Vault, pg_server: str) -> None:
    from detectors.policy import Policy
    from vault import policies
    from vault.principals import Principal
    from vault.unmask import unmask_texts

    policy = {
        "tenant": "acme",
        "unmask_policies": [{"name": "p", "classes": ["PERSON"], "principals": ["r"]}],
    }
    async with vault.pool.connection() as conn:
        await policies.apply(conn, vault.keyring, Policy.model_validate(policy))
    [token] = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
    async with await psycopg.AsyncConnection.connect(pg_server, autocommit=True) as admin:
        assert await (await admin.execute(_KILL)).fetchall()  # something was killed
    [out], _ = await unmask_texts(
        vault, Principal("acme", "r", frozenset({"unmask:p"})), "p", [f"<PER>{token}</PER>"]
    )
    assert out.text == "Jane Smith"
