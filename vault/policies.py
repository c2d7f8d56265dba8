"""Tenant policies in the vault: `veilstream policy apply FILE` stores the policy and its unmask policies."""

from __future__ import annotations

from typing import Any

import psycopg

from detectors import Policy
from detectors.policy import UnmaskPolicy
from vault import audit
from vault.keys import Keyring


async def apply(
    conn: psycopg.AsyncConnection[Any], keyring: Keyring, policy: Policy, principal: str | None = None
) -> dict[str, int]:
    """Store the tenant policy and make its unmask policies the tenant's only ones."""
    tenant = policy.tenant
    await keyring.get(tenant)
    await conn.execute(
        "UPDATE tenants SET policy = %s WHERE tenant_id = %s", (policy.model_dump_json(), tenant)
    )
    names = [u.name for u in policy.unmask_policies]
    cur = await conn.execute(
        "DELETE FROM unmask_policies WHERE tenant_id = %s AND NOT (name = ANY(%s))", (tenant, names)
    )
    removed = cur.rowcount
    for unmask in policy.unmask_policies:
        await conn.execute(
            "INSERT INTO unmask_policies (tenant_id, name, classes, principals, purposes, token_repair)"
            " VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (tenant_id, name) DO UPDATE SET classes = EXCLUDED.classes,"
            " principals = EXCLUDED.principals, purposes = EXCLUDED.purposes,"
            " token_repair = EXCLUDED.token_repair, updated_at = now()",
            (
                tenant,
                unmask.name,
                list(unmask.classes),
                list(unmask.principals),
                list(unmask.purposes),
                unmask.token_repair,
            ),
        )
    counts = {"unmask_policies": len(names), "removed": removed}
    await audit.append(conn, audit.AuditRecord(tenant, "policy_apply", "ok", principal, counts=counts))
    return counts


async def stored(conn: psycopg.AsyncConnection[Any], tenant: str) -> Policy | None:
    """The tenant policy `apply` stored, or None when the tenant has none."""
    cur = await conn.execute("SELECT policy FROM tenants WHERE tenant_id = %s", (tenant,))
    row = await cur.fetchone()
    return Policy.model_validate(row[0]) if row and row[0] else None


async def get(conn: psycopg.AsyncConnection[Any], tenant: str, name: str) -> UnmaskPolicy | None:
    cur = await conn.execute(
        "SELECT name, classes, principals, purposes, token_repair FROM unmask_policies"
        " WHERE tenant_id = %s AND name = %s",
        (tenant, name),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return UnmaskPolicy(
        name=row[0],
        classes=tuple(row[1]),
        principals=tuple(row[2]),
        purposes=tuple(row[3]),
        token_repair=row[4],
    )
