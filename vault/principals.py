"""API principals: bearer secrets `vs_<key id>_<secret>`, stored as SHA-256 of the secret part.

The secret part carries 256 random bits, so a fast hash is enough (no password stretching);
comparison is constant-time, and an unknown key id still costs one comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import regex

from vault import audit, signing
from vault.errors import AuthError, VaultError
from vault.keys import Keyring, signing_context

_SECRET = signing.BEARER
_SCOPE = regex.compile(r"mask|erase|admin|unmask:(\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})")
_NAME = regex.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
_DUMMY = hashlib.sha256(b"veilstream: no such principal").digest()


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: str
    name: str
    scopes: frozenset[str]

    def can(self, scope: str) -> bool:
        if "admin" in self.scopes or scope in self.scopes:
            return True
        return scope.startswith("unmask:") and "unmask:*" in self.scopes


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def create(
    conn: psycopg.AsyncConnection[Any], keyring: Keyring, tenant: str, name: str, scopes: Sequence[str]
) -> str:
    """Create (or re-key) a principal and return its bearer secret; only its hash is stored."""
    if not _NAME.fullmatch(name):
        raise VaultError("principal names are 1-64 letters, digits, '_', '.', '@' or '-'")
    bad = [s for s in scopes if not _SCOPE.fullmatch(s)]
    if bad:
        raise VaultError(f"unknown scopes {bad}; known: mask, erase, admin, unmask:<policy>, unmask:*")
    await keyring.get(tenant)
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    bearer = f"vs_{key_id}_{secret}"
    provider = keyring.provider
    wrapped = provider.wrap(signing.signing_key(bearer), signing_context(tenant, key_id))
    await conn.execute(
        "INSERT INTO principals (tenant_id, name, key_id, secret_hash, scopes, signing_key,"
        " signing_key_master_id) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (tenant_id, name) DO UPDATE SET key_id = EXCLUDED.key_id,"
        " secret_hash = EXCLUDED.secret_hash, scopes = EXCLUDED.scopes, disabled_at = NULL,"
        " signing_key = EXCLUDED.signing_key, signing_key_master_id = EXCLUDED.signing_key_master_id",
        (tenant, name, key_id, _hash(secret), sorted(set(scopes)), wrapped, provider.key_id),
    )
    await audit.append(
        conn,
        audit.AuditRecord(tenant, "principal_create", "ok", name, counts={"scopes": sorted(set(scopes))}),
    )
    return bearer


async def authenticate(conn: psycopg.AsyncConnection[Any], bearer: str | None) -> Principal:
    """The principal a bearer secret belongs to; `AuthError` (never saying why in detail) otherwise."""
    match = _SECRET.fullmatch(bearer or "")
    if match is None:
        raise AuthError("missing or malformed bearer token")
    cur = await conn.execute(
        "SELECT tenant_id, name, secret_hash, scopes FROM principals"
        " WHERE key_id = %s AND disabled_at IS NULL",
        (match[1],),
    )
    row = await cur.fetchone()
    stored = bytes(row[2]) if row else _DUMMY
    if not hmac.compare_digest(stored, _hash(match[2])) or row is None:
        raise AuthError("unknown bearer token")
    return Principal(str(row[0]), str(row[1]), frozenset(row[3]))


async def lookup(conn: psycopg.AsyncConnection[Any], tenant: str, name: str) -> Principal | None:
    """An enabled principal by tenant and name (for callers already authenticated by other means,
    such as the unmask worker behind a topic ACL); None when there is none."""
    cur = await conn.execute(
        "SELECT tenant_id, name, scopes FROM principals"
        " WHERE tenant_id = %s AND name = %s AND disabled_at IS NULL",
        (tenant, name),
    )
    row = await cur.fetchone()
    return Principal(str(row[0]), str(row[1]), frozenset(row[2])) if row else None


async def signer(
    conn: psycopg.AsyncConnection[Any], keyring: Keyring, tenant: str, name: str
) -> tuple[Principal, bytes | None] | None:
    """An enabled principal and its request-signing key (None for a principal created before
    signing existed); None when there is no such principal."""
    cur = await conn.execute(
        "SELECT tenant_id, name, scopes, key_id, signing_key, signing_key_master_id FROM principals"
        " WHERE tenant_id = %s AND name = %s AND disabled_at IS NULL",
        (tenant, name),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    principal = Principal(str(row[0]), str(row[1]), frozenset(row[2]))
    if row[4] is None:
        return principal, None
    key = keyring.provider.unwrap(bytes(row[4]), str(row[5]), signing_context(tenant, str(row[3])))
    return principal, key


async def disable(conn: psycopg.AsyncConnection[Any], tenant: str, name: str) -> bool:
    cur = await conn.execute(
        "UPDATE principals SET disabled_at = now()"
        " WHERE tenant_id = %s AND name = %s AND disabled_at IS NULL",
        (tenant, name),
    )
    return cur.rowcount > 0
