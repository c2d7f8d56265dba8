"""Vault fixtures on the session Postgres of `tests/fix_pg.py` (a fresh schema per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from vault import Vault, VaultSettings
from vault.keys import generate_master_key


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def master_key() -> str:
    return generate_master_key()


@pytest.fixture
def settings(pg_url: str, master_key: str) -> VaultSettings:
    return VaultSettings(
        database_url=pg_url,  # type: ignore[arg-type]  # pydantic turns str into SecretStr
        master_key=master_key,  # type: ignore[arg-type]
        migrate_on_start=True,
        pool_min_size=1,
        pool_max_size=4,
        toxicity="none",
    )


@pytest.fixture
async def vault(settings: VaultSettings) -> AsyncIterator[Vault]:
    async with await Vault.open(settings) as v:
        yield v
