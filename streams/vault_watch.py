"""Keeps `/readyz`'s vault flag current: a `SELECT 1` on the vault's pool every few seconds."""

from __future__ import annotations

import asyncio
import logging

from streams.health import Readiness
from vault.store import Vault

log = logging.getLogger(__name__)

#: Seconds between checks, and the longest one check may take.
EVERY_S = 5.0
TIMEOUT_S = 2.0


async def reachable(vault: Vault, timeout: float = TIMEOUT_S) -> bool:
    """True when a pooled connection answers `SELECT 1` within `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout), vault.pool.connection() as conn:
            await conn.execute("SELECT 1")
    except Exception as exc:  # any failure means not ready; the class name is all that is logged
        log.debug("vault check failed error=%s", type(exc).__name__)
        return False
    return True


async def watch(vault: Vault, readiness: Readiness, every: float = EVERY_S) -> None:
    """Set `readiness.vault` from a check every `every` seconds, until cancelled."""
    while True:
        ok = await reachable(vault)
        if ok != readiness.vault:
            log.info("vault reachable=%s", ok)
        readiness.set(vault=ok)
        await asyncio.sleep(every)
