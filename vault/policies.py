"""Tenant policies in the vault: the unmask policies of a policy file, validated, stored and read.

A tenant policy file is read by `detectors` (what to detect, `detectors.Policy`) and by the vault,
which owns its `unmask_policies:` section (`UnmaskPolicy`: who may reveal which classes, for what
purpose). `load` and `parse` validate both parts; `apply` (`veilstream policy apply FILE`) stores
the policy and makes its unmask policies the tenant's only ones; `stored` and `get` read them back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import psycopg
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from detectors import Policy, PolicyError, entities, load_policy, parse_policy
from detectors.policy import NAME_PATTERN, invalid_policy
from vault import audit
from vault.keys import Keyring

#: How unmask reads tokens an LLM rewrote (`vault.token_reader`): `tolerant` reveals the forms it
#: repairs, `strict` only the exact `<TAG>token</TAG>` (and a whole-item token); both report the rest.
TokenRepair = Literal["strict", "tolerant"]


class UnmaskPolicy(BaseModel):
    """Who may reveal which classes, and for what purpose (enforced by `vault.unmask`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    classes: tuple[str, ...]
    principals: tuple[str, ...]
    purposes: tuple[str, ...] = ()
    token_repair: TokenRepair = "tolerant"  # noqa: S105  # a mode, not a password

    @field_validator("classes", mode="before")
    @classmethod
    def _canonical(cls, value: Any) -> Any:
        return tuple(entities.canonical(str(v)) for v in value) if isinstance(value, list | tuple) else value


_UNMASK_POLICIES = TypeAdapter(tuple[UnmaskPolicy, ...])


def unmask_policies(policy: Policy, source: str = "<data>") -> tuple[UnmaskPolicy, ...]:
    """The policy's unmask policies, validated: a `PolicyError` names each field at fault."""
    try:
        found = _UNMASK_POLICIES.validate_python(policy.unmask_policies)
    except ValidationError as exc:
        raise invalid_policy(exc, source, "unmask_policies") from None
    names = [u.name for u in found]
    if len(names) != len(set(names)):
        raise PolicyError(f"invalid policy {source}: field 'unmask_policies': names must be unique")
    return found


def parse(data: Any, source: str = "<data>") -> Policy:
    """`detectors.parse_policy`, with the unmask policies validated too."""
    policy = parse_policy(data, source)
    unmask_policies(policy, source)
    return policy


def load(path: str | Path) -> Policy:
    """`detectors.load_policy`, with the unmask policies validated too."""
    policy = load_policy(path)
    unmask_policies(policy, str(path))
    return policy


async def apply(
    conn: psycopg.AsyncConnection[Any], keyring: Keyring, policy: Policy, principal: str | None = None
) -> dict[str, int]:
    """Store the tenant policy and make its unmask policies the tenant's only ones."""
    tenant = policy.tenant
    unmask = unmask_policies(policy)
    await keyring.get(tenant)
    kept = policy.model_copy(update={"unmask_policies": tuple(u.model_dump() for u in unmask)})
    await conn.execute(
        "UPDATE tenants SET policy = %s WHERE tenant_id = %s", (kept.model_dump_json(), tenant)
    )
    names = [u.name for u in unmask]
    cur = await conn.execute(
        "DELETE FROM unmask_policies WHERE tenant_id = %s AND NOT (name = ANY(%s))", (tenant, names)
    )
    removed = cur.rowcount
    for rule in unmask:
        await conn.execute(
            "INSERT INTO unmask_policies (tenant_id, name, classes, principals, purposes, token_repair)"
            " VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (tenant_id, name) DO UPDATE SET classes = EXCLUDED.classes,"
            " principals = EXCLUDED.principals, purposes = EXCLUDED.purposes,"
            " token_repair = EXCLUDED.token_repair, updated_at = now()",
            (
                tenant,
                rule.name,
                list(rule.classes),
                list(rule.principals),
                list(rule.purposes),
                rule.token_repair,
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
