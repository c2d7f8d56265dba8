"""One retry policy for the vault's transactions.

Lock conflicts (deadlock, serialization) and dropped connections (server restart, failover,
idle-connection killers) roll the transaction back, so the whole unit of work is run again.
After a dropped connection the pool's idle connections are checked and the dead ones dropped,
so a long outage does not leave the pool handing out broken connections.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool

from vault.errors import VaultUnavailableError

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 5


async def retrying(pool: AsyncConnectionPool[Any], work: Callable[[], Awaitable[T]], what: str) -> T:
    for attempt in range(ATTEMPTS):
        try:
            return await work()
        except (pg_errors.DeadlockDetected, pg_errors.SerializationFailure):
            log.warning("%s retry attempt=%d reason=lock-conflict", what, attempt + 1)
        except psycopg.OperationalError as exc:
            log.warning(
                "%s retry attempt=%d reason=connection error=%s", what, attempt + 1, type(exc).__name__
            )
            await pool.check()
        await asyncio.sleep(0.02 * 2**attempt)
    raise VaultUnavailableError(f"{what} failed {ATTEMPTS} times on lock conflicts or lost connections")
