"""`Vault`: the pool, the keys and the write paths (tokenize, erase, rotate, quarantine).

Reading values back lives elsewhere, on purpose: see `vault.unmask` (the only importer of
`vault.detokenize`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

import psycopg
from psycopg_pool import AsyncConnectionPool

from detectors import Span
from vault import audit
from vault.errors import VaultError
from vault.keys import KeyProvider, Keyring, LocalKeyProvider, check_master_key, value_aad
from vault.migrate import migrate
from vault.settings import VaultSettings
from vault.tokenize import Item, Tokenizer
from vault.tokens import TokenFormat

log = logging.getLogger(__name__)

_REENCRYPT_BATCH = 1000


class Vault:
    """One vault database, as seen by one process. Open with `await Vault.open(settings)`."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        provider: KeyProvider,
        settings: VaultSettings,
        fmt: TokenFormat | None = None,
        write_pool: AsyncConnectionPool[Any] | None = None,
    ) -> None:
        self.pool = pool
        #: The mask path's pool: `pool` itself unless `synchronous_commit=off` gave it its own.
        self.write_pool = write_pool or pool
        self.settings = settings
        self.keyring = Keyring(provider, pool)
        self.tokenizer = Tokenizer(
            self.write_pool,
            self.keyring,
            fmt or TokenFormat(settings.text_token_length, settings.numeric_token_length),
            settings.token_cache_size,
            settings.default_phone_region,
        )

    @classmethod
    async def open(
        cls,
        settings: VaultSettings | None = None,
        *,
        provider: KeyProvider | None = None,
        fmt: TokenFormat | None = None,
        migrate_now: bool | None = None,
    ) -> Self:
        """Connect, migrate when asked, and check the master key; raise `VaultError` otherwise."""
        settings = settings or VaultSettings()
        provider = provider or LocalKeyProvider.from_settings(settings)
        url = settings.database_url.get_secret_value()
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                if settings.migrate_on_start if migrate_now is None else migrate_now:
                    await migrate(conn)
                try:
                    await check_master_key(conn, provider)
                except psycopg.errors.UndefinedTable:
                    raise VaultError("the vault schema is missing: run `veilstream db migrate`") from None
        except psycopg.OperationalError as exc:
            raise VaultError(f"cannot connect to the vault database: {_reason(exc)}") from None
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url, min_size=settings.pool_min_size, max_size=settings.pool_max_size, open=False, name="vault"
        )
        await pool.open(wait=True)
        write_pool = None
        opened: list[Vault] = []
        if settings.synchronous_commit == "off":

            async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
                await conn.set_autocommit(True)
                await conn.execute("SET synchronous_commit = off")
                await conn.set_autocommit(False)
                # A server that crashed may have lost the last asynchronous commits, and every
                # connection after a crash is new: the token cache must not outlive it.
                for vault in opened:
                    vault.tokenizer.cache.clear()

            write_pool = AsyncConnectionPool(
                url,
                min_size=settings.pool_min_size,
                max_size=settings.pool_max_size,
                open=False,
                name="vault-mask",
                configure=configure,
            )
            try:
                await write_pool.open(wait=True)
            except BaseException:
                await pool.close()
                raise
        vault = cls(pool, provider, settings, fmt, write_pool)
        opened.append(vault)
        return vault

    async def close(self) -> None:
        if self.write_pool is not self.pool:
            await self.write_pool.close()
        await self.pool.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- tokens ------------------------------------------------------------------------------

    async def tokenize_many(
        self, tenant: str, items: Sequence[Item], *, principal: str | None = None
    ) -> list[str]:
        return await self.tokenizer.tokenize_many(tenant, items, principal=principal)

    async def tokenize_texts(
        self, tenant: str, docs: Sequence[tuple[str, Sequence[Span]]], *, principal: str | None = None
    ) -> list[str]:
        return await self.tokenizer.tokenize_texts(tenant, docs, principal=principal)

    # -- erasure -----------------------------------------------------------------------------

    async def erase(self, tenant: str, subject: str, *, principal: str | None = None) -> dict[str, int]:
        """Delete a data subject's ciphertexts: their tokens stay, and unmask to nothing."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE tokens SET ciphertext = NULL, key_version = NULL, erased_at = now()"
                " WHERE tenant_id = %s AND subject_id = %s AND ciphertext IS NOT NULL RETURNING entity_class",
                (tenant, subject),
            )
            counts: dict[str, int] = {}
            for (entity,) in await cur.fetchall():
                counts[entity] = counts.get(entity, 0) + 1
            if await tenant_exists(conn, tenant):
                await audit.append(conn, audit.AuditRecord(tenant, "erase", "ok", principal, counts=counts))
        log.info("erasure tenant=%s values=%d", tenant, sum(counts.values()))
        return counts

    # -- keys --------------------------------------------------------------------------------

    async def rotate(self, tenant: str, *, principal: str | None = None) -> int:
        """New data key version for new writes; old rows keep decrypting with theirs."""
        await self.keyring.get(tenant)
        async with self.pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("rotate:" + tenant,))
            version = await self.keyring.rotate(conn, tenant)
            await audit.append(
                conn, audit.AuditRecord(tenant, "rotate", "ok", principal, counts={"version": version})
            )
        self.keyring.forget(tenant)
        return version

    async def rewrap(self, tenant: str, *, principal: str | None = None) -> int:
        """Re-wrap the tenant's keys with the current master key (after a master key change)."""
        async with self.pool.connection() as conn:
            moved = await self.keyring.rewrap(conn, tenant)
            await audit.append(
                conn, audit.AuditRecord(tenant, "rewrap", "ok", principal, counts={"keys": moved})
            )
        return moved

    async def reencrypt(self, tenant: str, *, principal: str | None = None) -> int:
        """Re-encrypt rows under older data key versions with the current one. Tokens do not change."""
        keys = await self.keyring.get(tenant, refresh=True)
        moved = 0
        while True:
            async with self.pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT id, entity_class, token_value, ciphertext, key_version FROM tokens"
                    " WHERE tenant_id = %s AND key_version < %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                    (tenant, keys.current_version, _REENCRYPT_BATCH),
                )
                rows = await cur.fetchall()
                if not rows:
                    break
                ids, cts = [], []
                for row_id, entity, token, ct, version in rows:
                    aad = value_aad(tenant, entity, token)
                    new_ct, _ = keys.encrypt(keys.decrypt(bytes(ct), int(version), aad), aad)
                    ids.append(row_id)
                    cts.append(new_ct)
                await conn.execute(
                    "UPDATE tokens t SET ciphertext = u.ct, key_version = %s"
                    " FROM unnest(%s::bigint[], %s::bytea[]) AS u(id, ct) WHERE t.id = u.id",
                    (keys.current_version, ids, cts),
                )
                moved += len(rows)
        async with self.pool.connection() as conn:
            await audit.append(
                conn, audit.AuditRecord(tenant, "reencrypt", "ok", principal, counts={"rows": moved})
            )
        return moved

    # -- quarantine --------------------------------------------------------------------------

    async def quarantine(self, tenant: str, reference: str, reason: str, raw: bytes) -> None:
        """Keep a record the stream could not mask, encrypted, for replay (idempotent per reference)."""
        keys = await self.keyring.get(tenant)
        ct, version = keys.encrypt(raw, value_aad(tenant, "QUARANTINE", reference))
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO quarantine (tenant_id, reference, reason, ciphertext, key_version)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (tenant_id, reference) DO NOTHING",
                (tenant, reference, reason, ct, version),
            )

    async def quarantined(
        self,
        tenant: str | None = None,
        reason: str | None = None,
        *,
        released: bool = False,
        limit: int = 1000,
    ) -> list[QuarantineEntry]:
        """Quarantined records, oldest first; `released` includes those already replayed."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT tenant_id, reference, reason, created_at, released_at FROM quarantine"
                " WHERE (%(t)s::text IS NULL OR tenant_id = %(t)s)"
                " AND (%(r)s::text IS NULL OR reason = %(r)s)"
                " AND (%(all)s OR released_at IS NULL) ORDER BY id LIMIT %(n)s",
                {"t": tenant, "r": reason, "all": released, "n": limit},
            )
            return [QuarantineEntry(*row) for row in await cur.fetchall()]

    async def peek(self, tenant: str, reference: str) -> bytes | None:
        """The raw record kept under `reference`, left in quarantine; None when there is none."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT ciphertext, key_version FROM quarantine WHERE tenant_id = %s AND reference = %s",
                (tenant, reference),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        keys = await self.keyring.get(tenant)
        if int(row[1]) not in keys.data_keys:
            keys = await self.keyring.get(tenant, refresh=True)
        return keys.decrypt(bytes(row[0]), int(row[1]), value_aad(tenant, "QUARANTINE", reference))

    async def release(self, tenant: str, reference: str) -> bytes | None:
        """The raw record kept under `reference`, marked released; None when there is none."""
        keys = await self.keyring.get(tenant)
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE quarantine SET released_at = now() WHERE tenant_id = %s AND reference = %s"
                " RETURNING ciphertext, key_version",
                (tenant, reference),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        if int(row[1]) not in keys.data_keys:
            keys = await self.keyring.get(tenant, refresh=True)
        return keys.decrypt(bytes(row[0]), int(row[1]), value_aad(tenant, "QUARANTINE", reference))


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """A quarantined record's metadata (its content stays encrypted until `peek` or `release`)."""

    tenant: str
    reference: str
    reason: str
    created_at: datetime
    released_at: datetime | None


async def tenant_exists(conn: psycopg.AsyncConnection[Any], tenant: str) -> bool:
    """Whether the tenant has an audit chain (i.e. the vault has seen it)."""
    cur = await conn.execute("SELECT 1 FROM audit_head WHERE tenant_id = %s", (tenant,))
    return await cur.fetchone() is not None


def _reason(exc: BaseException) -> str:
    """The first line of a connection error, without the connection string."""
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
