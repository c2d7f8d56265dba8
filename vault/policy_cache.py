"""The one cache of tenant policies, for the HTTP API and the worker: fixed policies first, then the vault's.

A tenant's policy comes from the files the process was given (kept for its lifetime) or else from
what `veilstream policy apply` stored (`vault.policies.stored`), reread after `POLICY_TTL`
seconds; a tenant without one is remembered as such for `MISS_TTL` seconds. Policies are handed
out resolved: the overrides of their own workspace and environment folded in.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from detectors import Policy
from vault import policies

Loader = Callable[[str], Awaitable[Policy | None]]

#: Seconds a policy read from the vault is reused, and a miss is remembered.
POLICY_TTL = 30.0
MISS_TTL = 5.0


class PolicyCache:
    """Tenant → resolved `Policy`, or None for a tenant without one (the worker refuses its records)."""

    def __init__(self, fixed: Iterable[Policy] = (), loader: Loader | None = None) -> None:
        self._fixed = {p.tenant: p.resolve() for p in fixed}
        self._loader = loader
        self._cache: dict[str, tuple[float, Policy | None]] = {}

    @classmethod
    def from_files(cls, paths: Iterable[Path], loader: Loader | None = None) -> PolicyCache:
        """Policies read from files (`vault.policies.load`: their unmask policies validated too)."""
        return cls([policies.load(p) for p in paths], loader)

    @property
    def tenants(self) -> list[str]:
        """Tenants known from files (vault tenants are looked up on demand)."""
        return sorted(self._fixed)

    async def get(self, tenant: str) -> Policy | None:
        fixed = self._fixed.get(tenant)
        if fixed is not None or self._loader is None:
            return fixed
        now = time.monotonic()
        hit = self._cache.get(tenant)
        if hit is not None and now - hit[0] < (POLICY_TTL if hit[1] is not None else MISS_TTL):
            return hit[1]
        policy = await self._loader(tenant)
        policy = policy.resolve() if policy is not None else None
        self._cache[tenant] = (now, policy)
        return policy


def stored_loader(pool: Any) -> Loader:
    """A loader reading the policy `veilstream policy apply` stored for a tenant (`pool`: the vault's)."""

    async def load(tenant: str) -> Policy | None:
        async with pool.connection() as conn:
            return await policies.stored(conn, tenant)

    return load


__all__ = ["MISS_TTL", "POLICY_TTL", "Loader", "PolicyCache", "stored_loader"]
