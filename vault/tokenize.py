"""Turning values into tokens: the write path of the vault (never reveals anything).

`Tokenizer.tokenize_many` costs one round trip per batch (plus one audit record): the batch
goes to Postgres as arrays, `unnest` + `INSERT … ON CONFLICT DO NOTHING` stores new values,
and the same statement reads back the tokens of values stored before. Values whose token
was taken by another value (a collision) come back missing and are re-derived.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from detectors import Span, apply_spans, entities
from vault import audit
from vault._retry import retrying
from vault.errors import TokenSpaceExhaustedError
from vault.keys import Keyring, TenantKeys, value_aad
from vault.tokens import MAX_ATTEMPTS, TEXT, TokenFormat, derive, fingerprint, kind_of, normalize, tagged

log = logging.getLogger(__name__)

_STORE = """
WITH input AS (
    SELECT * FROM unnest(%(cls)b::text[], %(kind)b::text[], %(fp)b::bytea[], %(tok)b::text[],
                         %(ct)b::bytea[], %(subj)b::text[])
        AS i(entity_class, token_kind, fingerprint, token_value, ciphertext, subject_id)
), found AS (
    -- one unique-index probe per value (LIMIT 1 keeps the planner from a join over the tenant)
    SELECT i.entity_class, i.token_kind, i.fingerprint, x.token_value, x.id,
           (x.last_seen < now() - interval '1 hour' OR (x.subject_id IS NULL AND i.subject_id IS NOT NULL))
               AS stale,
           i.subject_id
    FROM input i CROSS JOIN LATERAL (
        SELECT t.id, t.token_value, t.last_seen, t.subject_id FROM tokens t
        WHERE t.tenant_id = %(tenant)s AND t.entity_class = i.entity_class AND t.token_kind = i.token_kind
          AND t.fingerprint = i.fingerprint
        LIMIT 1) x
), ins AS (
    INSERT INTO tokens (tenant_id, entity_class, token_kind, fingerprint, token_value, ciphertext,
                        key_version, subject_id)
    SELECT %(tenant)s, entity_class, token_kind, fingerprint, token_value, ciphertext, %(kv)s, subject_id
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.fingerprint = i.fingerprint
                      AND f.entity_class = i.entity_class AND f.token_kind = i.token_kind)
    ORDER BY fingerprint  -- one lock order for every writer: concurrent batches cannot deadlock
    ON CONFLICT DO NOTHING
    RETURNING entity_class, token_kind, fingerprint, token_value
)
SELECT entity_class, token_kind, fingerprint, token_value, NULL::bigint, NULL::text FROM ins
UNION ALL
SELECT entity_class, token_kind, fingerprint, token_value, CASE WHEN stale THEN id END, subject_id FROM found
"""

#: Refresh `last_seen` (at most hourly) and attach a subject to values first seen without one.
_TOUCH = """
UPDATE tokens t SET last_seen = now(), subject_id = coalesce(t.subject_id, u.subject_id)
FROM unnest(%s::bigint[], %s::text[]) AS u(id, subject_id) WHERE t.id = u.id
"""


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """One value to tokenize. `subject` links it to a data subject for erasure."""

    entity: str
    value: str
    kind: str = TEXT
    subject: str | None = None


Item = TokenRequest | tuple[str, str] | tuple[str, str, str]


def as_request(item: Item) -> TokenRequest:
    if isinstance(item, TokenRequest):
        return TokenRequest(entities.canonical(item.entity), item.value, kind_of(item.kind), item.subject)
    entity, value, *rest = item
    return TokenRequest(entities.canonical(entity), value, kind_of(rest[0]) if rest else TEXT)


@dataclass(slots=True)
class _Pending:
    entity: str
    kind: str
    fp: bytes
    normalized: str
    subject: str | None
    indices: list[int] = field(default_factory=list)
    cache_keys: list[bytes] = field(default_factory=list)


class TokenCache:
    """Bounded LRU of tokens, keyed by a keyed hash of (tenant, class, kind, subject, value).

    The key is a BLAKE2b MAC under a per-process random key: the cache holds no values.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._key = os.urandom(32)
        self._items: OrderedDict[bytes, str] = OrderedDict()

    def key(self, tenant: str, req: TokenRequest) -> bytes:
        parts = (tenant, req.entity, req.kind, req.subject or "", req.value)
        return hashlib.blake2b("\x00".join(parts).encode(), key=self._key, digest_size=16).digest()

    def get(self, key: bytes) -> str | None:
        token = self._items.get(key)
        if token is not None:
            self._items.move_to_end(key)
        return token

    def put(self, key: bytes, token: str) -> None:
        if self.size <= 0:
            return
        self._items[key] = token
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class Tokenizer:
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        keyring: Keyring,
        fmt: TokenFormat | None = None,
        cache_size: int = 100_000,
        phone_region: str = "US",
    ) -> None:
        self.pool = pool
        self.keyring = keyring
        self.fmt = fmt or TokenFormat()
        self.cache = TokenCache(cache_size)
        self.phone_region = phone_region

    async def tokenize(self, tenant: str, entity: str, value: str, kind: str = TEXT) -> str:
        return (await self.tokenize_many(tenant, [TokenRequest(entity, value, kind)]))[0]

    async def tokenize_many(
        self, tenant: str, items: Sequence[Item], *, principal: str | None = None
    ) -> list[str]:
        """Tokens for `items`, in order; one audit record for the batch."""
        requests = [as_request(i) for i in items]

        async def attempt() -> list[str]:
            puts: list[tuple[bytes, str]] = []
            keys = await self.keyring.get(tenant)
            async with self.pool.connection() as conn:
                tokens = await self._tokenize(conn, keys, tenant, requests, principal, puts)
            # Only after the commit: a rolled-back token must never be served from the cache.
            for cache_key, token in puts:
                self.cache.put(cache_key, token)
            return tokens

        return await retrying(self.pool, attempt, f"tokenize tenant={tenant}")

    async def _tokenize(
        self,
        conn: psycopg.AsyncConnection[Any],
        keys: TenantKeys,
        tenant: str,
        requests: list[TokenRequest],
        principal: str | None,
        puts: list[tuple[bytes, str]],
    ) -> list[str]:
        out: list[str | None] = [None] * len(requests)
        pending: dict[tuple[str, str, bytes], _Pending] = {}
        hits = 0
        for index, req in enumerate(requests):
            cache_key = self.cache.key(tenant, req)
            token = self.cache.get(cache_key)
            if token is not None:
                out[index] = token
                hits += 1
                continue
            norm = normalize(req.entity, req.value, self.phone_region)
            fp = fingerprint(keys.fingerprint_key, req.entity, norm)
            item = pending.get((req.entity, req.kind, fp))
            if item is None:
                item = pending[(req.entity, req.kind, fp)] = _Pending(
                    req.entity, req.kind, fp, norm, req.subject
                )
            item.indices.append(index)
            item.cache_keys.append(cache_key)
        todo = list(pending.values())
        attempt = 0
        while todo:
            if attempt >= MAX_ATTEMPTS:
                raise TokenSpaceExhaustedError(
                    f"tenant {tenant}: no free token after {MAX_ATTEMPTS} derivations;"
                    " the token length is too short"
                )
            found = await self._store(conn, keys, tenant, todo, attempt)
            missing = []
            for item in todo:
                token = found.get((item.entity, item.kind, item.fp))
                if token is None:
                    missing.append(item)
                    continue
                for index, cache_key in zip(item.indices, item.cache_keys, strict=True):
                    out[index] = token
                    puts.append((cache_key, token))
            if missing:
                log.info(
                    "token re-derivation tenant=%s count=%d attempt=%d", tenant, len(missing), attempt + 1
                )
            todo, attempt = missing, attempt + 1
        counts: dict[str, int] = {}
        for req in requests:
            counts[req.entity] = counts.get(req.entity, 0) + 1
        await audit.append(
            conn,
            audit.AuditRecord(tenant, "mask", "ok", principal, counts={"classes": counts, "cached": hits}),
        )
        return [t for t in out if t is not None]

    async def _store(
        self,
        conn: psycopg.AsyncConnection[Any],
        keys: TenantKeys,
        tenant: str,
        items: list[_Pending],
        attempt: int,
    ) -> dict[tuple[str, str, bytes], str]:
        tokens = [derive(keys.fingerprint_key, i.fp, i.kind, attempt, self.fmt, i.normalized) for i in items]
        cts = []
        version = keys.current_version
        for item, token in zip(items, tokens, strict=True):
            ct, version = keys.encrypt(item.normalized.encode(), value_aad(tenant, item.entity, token))
            cts.append(ct)
        cur = await conn.execute(
            _STORE,
            {
                "tenant": tenant,
                "kv": version,
                "cls": [i.entity for i in items],
                "kind": [i.kind for i in items],
                "fp": [i.fp for i in items],
                "tok": tokens,
                "ct": cts,
                "subj": [i.subject for i in items],
            },
        )
        rows = await cur.fetchall()
        stale = [(row_id, subject) for *_, row_id, subject in rows if row_id is not None]
        if stale:
            await conn.execute(_TOUCH, ([r for r, _ in stale], [s for _, s in stale]))
        return {(str(c), str(k), bytes(f)): str(t) for c, k, f, t, _, _ in rows}

    async def tokenize_texts(
        self,
        tenant: str,
        docs: Sequence[tuple[str, Sequence[Span]]],
        *,
        kinds: Mapping[str, str] | None = None,
        principal: str | None = None,
    ) -> list[str]:
        """Replace each detected span by its tagged token (`<PER>…</PER>`): one batch for all texts.

        `docs` pairs a text with its sorted, non-overlapping spans (what `Pipeline.detect` returns).
        `kinds` picks a token kind per class (default `Text Token`).
        """
        kinds = kinds or {}
        requests = [
            TokenRequest(span.entity, text[span.start : span.end], kinds.get(span.entity, TEXT))
            for text, spans in docs
            for span in spans
        ]
        tokens = iter(await self.tokenize_many(tenant, requests, principal=principal) if requests else [])
        return [
            apply_spans(text, spans, lambda s, _v: tagged(s.entity, next(tokens))) for text, spans in docs
        ]
