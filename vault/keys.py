"""Key hierarchy: master key → per-tenant keys → values.

- The master key (32 bytes, from `VEILSTREAM_MASTER_KEY` or a key file) never touches the
  database; it only wraps tenant keys. `KeyProvider` is the seam where a KMS client fits.
- Each tenant has one fingerprint key (HMAC-SHA256; it decides tokens, so it never rotates)
  and versioned data keys (AES-256-GCM over values; rotated, old versions kept to decrypt).
- Every wrap and every value encryption carries associated data naming what it belongs to,
  so a ciphertext copied to another tenant, class or token does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg_pool import AsyncConnectionPool

from vault.errors import MasterKeyError, VaultError
from vault.settings import VaultSettings

KEY_BYTES = 32
NONCE_BYTES = 12
_CHECK_PLAINTEXT = b"veilstream master key check v1"


class KeyProvider(Protocol):
    """Wraps and unwraps tenant keys. A KMS client implements the same three members."""

    @property
    def key_id(self) -> str:
        """Identifier of the key new wraps use (stored beside each wrapped key)."""
        ...

    def wrap(self, key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, key_id: str, context: bytes) -> bytes:
        """Raise `MasterKeyError` when `key_id` is unknown or the wrap does not authenticate."""
        ...


def master_key_id(key: bytes) -> str:
    """A public identifier of a master key (a one-way hash; reveals nothing usable)."""
    return hashlib.sha256(b"veilstream master key id\x00" + key).hexdigest()[:16]


def decode_master_key(text: str, source: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"the master key from {source} is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise MasterKeyError(f"the master key from {source} must decode to {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def generate_master_key() -> str:
    """A new random master key, base64-encoded, for `VEILSTREAM_MASTER_KEY`."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


class LocalKeyProvider:
    """Master keys held in process memory: the current one and any retired ones."""

    def __init__(self, current: bytes, previous: Sequence[bytes] = ()) -> None:
        if len(current) != KEY_BYTES or any(len(k) != KEY_BYTES for k in previous):
            raise MasterKeyError(f"master keys must be {KEY_BYTES} bytes")
        self._current_id = master_key_id(current)
        self._keys = {master_key_id(k): AESGCM(k) for k in (*previous, current)}

    @classmethod
    def from_settings(cls, settings: VaultSettings) -> LocalKeyProvider:
        if settings.master_key is not None:
            current = decode_master_key(settings.master_key.get_secret_value(), "VEILSTREAM_MASTER_KEY")
        elif settings.master_key_file is not None:
            path = settings.master_key_file
            try:
                text = Path(path).read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise MasterKeyError(
                    f"cannot read the master key file {path}: {type(exc).__name__}"
                ) from None
            current = decode_master_key(text, str(path))
        else:
            raise MasterKeyError(
                "no master key: set VEILSTREAM_MASTER_KEY (base64 of 32 bytes) or VEILSTREAM_MASTER_KEY_FILE;"
                " `veilstream keys generate-master` prints a new one"
            )
        previous = [
            decode_master_key(k.get_secret_value(), "VEILSTREAM_PREVIOUS_MASTER_KEYS")
            for k in settings.previous_master_keys
        ]
        return cls(current, previous)

    @property
    def key_id(self) -> str:
        return self._current_id

    def wrap(self, key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._keys[self._current_id].encrypt(nonce, key, context)

    def unwrap(self, wrapped: bytes, key_id: str, context: bytes) -> bytes:
        aead = self._keys.get(key_id)
        if aead is None:
            raise MasterKeyError(
                f"a key is wrapped by master key {key_id}, which is neither the current master key"
                f" ({self._current_id}) nor one of VEILSTREAM_PREVIOUS_MASTER_KEYS"
            )
        try:
            return aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except InvalidTag:
            raise MasterKeyError(f"a wrapped key does not authenticate under master key {key_id}") from None


async def check_master_key(conn: psycopg.AsyncConnection[Any], provider: KeyProvider) -> None:
    """Refuse a master key that is not the one the vault's keys are wrapped with.

    The first start records a check value wrapped by the current master key.
    """
    await conn.execute(
        "INSERT INTO vault_meta (key, value) VALUES ('master_key_check', %s) ON CONFLICT (key) DO NOTHING",
        (provider.key_id.encode() + b":" + provider.wrap(_CHECK_PLAINTEXT, b"check"),),
    )
    cur = await conn.execute("SELECT value FROM vault_meta WHERE key = 'master_key_check'")
    row = await cur.fetchone()
    assert row is not None  # noqa: S101  # inserted just above
    key_id, _, wrapped = bytes(row[0]).partition(b":")
    try:
        ok = provider.unwrap(wrapped, key_id.decode(), b"check") == _CHECK_PLAINTEXT
    except MasterKeyError:
        ok = False
    if not ok:
        raise MasterKeyError(
            f"the configured master key ({provider.key_id}) is not the master key of this vault"
            f" ({key_id.decode()}); refusing to start"
        )


def _wrap_context(tenant: str, purpose: str, version: int = 0) -> bytes:
    return f"veilstream:v1\x00{purpose}\x00{tenant}\x00{version}".encode()


def signing_context(tenant: str, key_id: str) -> bytes:
    """Wrap context of a principal's request-signing key (`vault.signing`)."""
    return _wrap_context(tenant, f"principal-signing:{key_id}")


def value_aad(tenant: str, entity: str, token: str) -> bytes:
    """Associated data of a stored value: binds the ciphertext to its tenant, class and token."""
    return f"veilstream:v1\x00value\x00{tenant}\x00{entity}\x00{token}".encode()


@dataclass(slots=True)
class TenantKeys:
    tenant: str
    fingerprint_key: bytes
    current_version: int
    data_keys: dict[int, AESGCM] = field(default_factory=dict)

    def encrypt(self, plaintext: bytes, aad: bytes) -> tuple[bytes, int]:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self.data_keys[self.current_version].encrypt(
            nonce, plaintext, aad
        ), self.current_version

    def encrypt_many(self, items: Sequence[tuple[bytes, bytes]]) -> tuple[list[bytes], int]:
        """`encrypt` for a batch of (plaintext, aad): one random nonce each, drawn in one call."""
        aead = self.data_keys[self.current_version]
        nonces = os.urandom(NONCE_BYTES * len(items))
        out = []
        for i, (plaintext, aad) in enumerate(items):
            nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
            out.append(nonce + aead.encrypt(nonce, plaintext, aad))
        return out, self.current_version

    def decrypt(self, ciphertext: bytes, version: int, aad: bytes) -> bytes:
        """Raise `VaultError` when the version is unknown or the ciphertext does not authenticate."""
        aead = self.data_keys.get(version)
        if aead is None:
            raise VaultError(f"tenant {self.tenant}: no data key version {version}")
        try:
            return aead.decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], aad)
        except InvalidTag:
            raise VaultError(f"tenant {self.tenant}: a stored value does not authenticate") from None


class Keyring:
    """Loads (creating on first use) and caches each tenant's keys."""

    def __init__(self, provider: KeyProvider, pool: AsyncConnectionPool[Any], max_age: float = 60.0) -> None:
        self.provider = provider
        self.pool = pool
        self.max_age = max_age
        self._tenants: dict[str, tuple[float, TenantKeys]] = {}

    def forget(self, tenant: str | None = None) -> None:
        if tenant is None:
            self._tenants.clear()
        else:
            self._tenants.pop(tenant, None)

    async def get(self, tenant: str, *, refresh: bool = False) -> TenantKeys:
        """The tenant's keys, created on first use.

        Loaded on a connection of their own and committed before use: keys from a rolled-back
        transaction must never be cached (they would give this process different tokens).
        Reloaded after `max_age` seconds so that a rotation elsewhere is picked up.
        """
        entry = self._tenants.get(tenant)
        now = time.monotonic()
        if entry is None or refresh or now - entry[0] > self.max_age:
            async with self.pool.connection() as conn:
                keys = await self._load(conn, tenant)
            entry = self._tenants[tenant] = (now, keys)
        return entry[1]

    async def _load(self, conn: psycopg.AsyncConnection[Any], tenant: str) -> TenantKeys:
        await self._ensure(conn, tenant)
        cur = await conn.execute(
            "SELECT fingerprint_key, master_key_id FROM tenants WHERE tenant_id = %s", (tenant,)
        )
        row = await cur.fetchone()
        if row is None:
            raise VaultError(f"tenant {tenant} vanished while loading its keys")
        fp_key = self.provider.unwrap(bytes(row[0]), str(row[1]), _wrap_context(tenant, "fingerprint"))
        cur = await conn.execute(
            "SELECT version, wrapped_key, master_key_id FROM data_keys WHERE tenant_id = %s ORDER BY version",
            (tenant,),
        )
        data_keys = {
            int(v): AESGCM(self.provider.unwrap(bytes(w), str(k), _wrap_context(tenant, "data", int(v))))
            for v, w, k in await cur.fetchall()
        }
        return TenantKeys(tenant, fp_key, max(data_keys), data_keys)

    async def _ensure(self, conn: psycopg.AsyncConnection[Any], tenant: str) -> None:
        """Create the tenant, its fingerprint key, data key 1 and audit chain head, idempotently."""
        pid = self.provider.key_id
        await conn.execute(
            "INSERT INTO tenants (tenant_id, fingerprint_key, master_key_id) VALUES (%s, %s, %s)"
            " ON CONFLICT (tenant_id) DO NOTHING",
            (
                tenant,
                self.provider.wrap(secrets.token_bytes(KEY_BYTES), _wrap_context(tenant, "fingerprint")),
                pid,
            ),
        )
        await conn.execute(
            "INSERT INTO data_keys (tenant_id, version, wrapped_key, master_key_id) VALUES (%s, 1, %s, %s)"
            " ON CONFLICT (tenant_id, version) DO NOTHING",
            (tenant, self.provider.wrap(AESGCM.generate_key(256), _wrap_context(tenant, "data", 1)), pid),
        )
        await conn.execute(
            "INSERT INTO audit_head (tenant_id, seq, hash) VALUES (%s, 0, %s)"
            " ON CONFLICT (tenant_id) DO NOTHING",
            (tenant, genesis_hash(tenant)),
        )

    async def rotate(self, conn: psycopg.AsyncConnection[Any], tenant: str) -> int:
        """Add a new data key version; new writes use it. Returns the new version."""
        await self._ensure(conn, tenant)
        cur = await conn.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM data_keys WHERE tenant_id = %s", (tenant,)
        )
        row = await cur.fetchone()
        version = int(row[0]) if row else 1
        await conn.execute(
            "INSERT INTO data_keys (tenant_id, version, wrapped_key, master_key_id) VALUES (%s, %s, %s, %s)",
            (
                tenant,
                version,
                self.provider.wrap(AESGCM.generate_key(256), _wrap_context(tenant, "data", version)),
                self.provider.key_id,
            ),
        )
        self.forget(tenant)
        return version

    async def rewrap(self, conn: psycopg.AsyncConnection[Any], tenant: str) -> int:
        """Re-wrap the tenant's keys with the current master key. Returns how many keys moved."""
        pid = self.provider.key_id
        moved = 0
        cur = await conn.execute(
            "SELECT fingerprint_key, master_key_id FROM tenants WHERE tenant_id = %s FOR UPDATE", (tenant,)
        )
        row = await cur.fetchone()
        if row is None:
            raise VaultError(f"unknown tenant {tenant}")
        if row[1] != pid:
            ctx = _wrap_context(tenant, "fingerprint")
            key = self.provider.unwrap(bytes(row[0]), str(row[1]), ctx)
            await conn.execute(
                "UPDATE tenants SET fingerprint_key = %s, master_key_id = %s WHERE tenant_id = %s",
                (self.provider.wrap(key, ctx), pid, tenant),
            )
            moved += 1
        cur = await conn.execute(
            "SELECT version, wrapped_key, master_key_id FROM data_keys"
            " WHERE tenant_id = %s AND master_key_id <> %s FOR UPDATE",
            (tenant, pid),
        )
        for version, wrapped, kid in await cur.fetchall():
            ctx = _wrap_context(tenant, "data", int(version))
            key = self.provider.unwrap(bytes(wrapped), str(kid), ctx)
            await conn.execute(
                "UPDATE data_keys SET wrapped_key = %s, master_key_id = %s"
                " WHERE tenant_id = %s AND version = %s",
                (self.provider.wrap(key, ctx), pid, tenant, version),
            )
            moved += 1
        cur = await conn.execute(
            "SELECT key_id, signing_key, signing_key_master_id FROM principals"
            " WHERE tenant_id = %s AND signing_key IS NOT NULL AND signing_key_master_id <> %s FOR UPDATE",
            (tenant, pid),
        )
        for key_id, wrapped, kid in await cur.fetchall():
            ctx = signing_context(tenant, str(key_id))
            key = self.provider.unwrap(bytes(wrapped), str(kid), ctx)
            await conn.execute(
                "UPDATE principals SET signing_key = %s, signing_key_master_id = %s WHERE key_id = %s",
                (self.provider.wrap(key, ctx), pid, key_id),
            )
            moved += 1
        await conn.execute(
            "UPDATE vault_meta SET value = %s, updated_at = now() WHERE key = 'master_key_check'",
            (pid.encode() + b":" + self.provider.wrap(_CHECK_PLAINTEXT, b"check"),),
        )
        self.forget(tenant)
        return moved


def genesis_hash(tenant: str) -> bytes:
    """The `prev_hash` of a tenant's first audit record."""
    return hashlib.sha256(f"veilstream audit genesis\x00{tenant}".encode()).digest()
