"""Which tenants the worker serves, and their policies: files first, then the vault, cached."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from detectors import Policy, load_policy
from vault import policies

Loader = Callable[[str], Awaitable[Policy | None]]

#: Seconds a policy read from the vault is reused, and a miss is remembered.
POLICY_TTL = 30.0
MISS_TTL = 5.0


class PolicyBook:
    """Tenant → resolved `Policy`. Tenants without a policy are unknown: their records are refused."""

    def __init__(self, policies: Iterable[Policy] = (), loader: Loader | None = None) -> None:
        self._fixed = {p.tenant: p.resolve() for p in policies}
        self._loader = loader
        self._cache: dict[str, tuple[float, Policy | None]] = {}

    @classmethod
    def from_files(cls, paths: Iterable[Path], loader: Loader | None = None) -> PolicyBook:
        return cls([load_policy(p) for p in paths], loader)

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


def vault_loader(pool: Any) -> Loader:
    """A loader reading the policy `veilstream policy apply` stored for a tenant."""

    async def load(tenant: str) -> Policy | None:
        async with pool.connection() as conn:
            return await policies.stored(conn, tenant)

    return load
