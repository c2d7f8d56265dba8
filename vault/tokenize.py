"""Turning values into tokens: the write path of the vault (never reveals anything).

`Tokenizer.tokenize_many` costs one round trip per batch in the common case: the cache
misses go to Postgres as arrays in one statement (`_STORE_ONE`) that reads back the tokens of
values stored before, inserts the others and appends the batch's audit record, atomically, as
its own transaction. More than `CHUNK` misses go in chunks, pipelined: each chunk's statement
is sent as soon as its values are hashed and encrypted, so Postgres stores one chunk while the
next is prepared here; the chunks up to the Sync form one implicit transaction, all or nothing.

When that statement (or a chunk) meets a conflict (a value inserted meanwhile by
another writer, or a token taken by another value) it writes nothing, and the batch is done
step by step in a transaction: `unnest` + `INSERT … ON CONFLICT DO NOTHING`, values whose token
was taken come back missing and are re-derived, then the audit record. A batch served wholly
by the cache writes its audit record alone (one statement too).
"""

from __future__ import annotations

import hashlib
import logging
import os
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from detectors import Span, apply_spans, entities
from vault import audit
from vault._retry import retrying
from vault.errors import TokenSpaceExhaustedError
from vault.keys import Keyring, TenantKeys, value_aad
from vault.tokens import (
    MAX_ATTEMPTS,
    TEXT,
    TokenFormat,
    derive_prefix,
    fingerprint_prefix,
    keyed,
    kind_of,
    normalize,
    tagged,
    token_of,
)

log = logging.getLogger(__name__)

# The batch as arrays; `n` numbers the values (1-based) so that rows come back as (n, token).
_INPUT = """
WITH input AS (
    SELECT * FROM unnest(%(cls)b::text[], %(kind)b::text[], %(fp)b::bytea[], %(tok)b::text[],
                         %(ct)b::bytea[], %(subj)b::text[]) WITH ORDINALITY
        AS i(entity_class, token_kind, fingerprint, token_value, ciphertext, subject_id, n)
), found AS (
    -- one unique-index probe per value (LIMIT 1 keeps the planner from a join over the tenant).
    -- The tenant is an InitPlan, a value the planner cannot read: given the literal, it estimates
    -- a tenant missing from its statistics (new, or small beside others) at one row and may probe
    -- tokens_token on tenant_id alone, reading every row of the tenant for each value.
    SELECT i.n, x.token_value, x.id,
           (x.last_seen < now() - interval '1 hour' OR (x.subject_id IS NULL AND i.subject_id IS NOT NULL))
               AS stale,
           i.subject_id
    FROM input i CROSS JOIN LATERAL (
        SELECT t.id, t.token_value, t.last_seen, t.subject_id FROM tokens t
        WHERE t.tenant_id = (SELECT %(tenant)s::text) AND t.entity_class = i.entity_class
          AND t.token_kind = i.token_kind AND t.fingerprint = i.fingerprint
        LIMIT 1) x
), ins AS (
    INSERT INTO tokens (tenant_id, entity_class, token_kind, fingerprint, token_value, ciphertext,
                        key_version, subject_id)
    SELECT %(tenant)s, entity_class, token_kind, fingerprint, token_value, ciphertext, %(kv)s, subject_id
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.n = i.n)
    ORDER BY fingerprint  -- one lock order for every writer: concurrent batches cannot deadlock
"""
_FOUND = "SELECT n, token_value, CASE WHEN stale THEN id END, subject_id FROM found"

#: The whole batch in one statement, run outside a transaction block (it is its own transaction:
#: no BEGIN and no COMMIT round trip): a plain INSERT of the values not found, the `last_seen` /
#: subject refresh of the stale ones, and the batch's audit record, all or nothing. Every value
#: not returned was inserted with the token sent. A value inserted meanwhile by another writer,
#: or a token already taken (collision), raises a unique violation instead, and nothing is
#: written: `Tokenizer._resolve` then does it step by step in a transaction. (A plain INSERT also
#: skips speculative insertion, what ON CONFLICT needs: about a third of the statement's time.)
#: The audit chain head is locked only once the tokens are written (`audit.chain_ctes`); the
#: first row's division fails the statement if the head is missing, as `audit.append` would.
_STORE_WRITES = (
    _INPUT  # noqa: S608  # constant fragments, no input
    + """    RETURNING 1
), touch AS (
    UPDATE tokens t SET last_seen = now(), subject_id = coalesce(t.subject_id, f.subject_id)
    FROM found f WHERE f.stale AND t.id = f.id
    RETURNING 1
)"""
)
_STORE_ONE = (
    _STORE_WRITES  # noqa: S608  # constant fragments, no input
    + ",\n"
    + audit.chain_ctes("(SELECT count(*) FROM ins) + (SELECT count(*) FROM touch) >= 0")
    + """
SELECT 0::bigint, (1 / (SELECT count(*) FROM audit_upd))::text
UNION ALL
SELECT n, token_value FROM found"""
)

#: A chunk of a pipelined batch (`Tokenizer._store_chunks`): `_STORE_ONE` without the audit
#: record, which the batch's last chunk appends. (Data-modifying CTEs always run to completion.)
_STORE_PART = _STORE_WRITES + "\nSELECT n, token_value FROM found"

#: Cache misses per statement when a batch has more (see the module's docstring).
CHUNK = 128

#: What makes the one-statement and pipelined paths write nothing and hand the batch to the slow
#: path: a value or token taken meanwhile, or a missing audit chain head.
_REFUSALS = (psycopg.errors.UniqueViolation, psycopg.errors.DivisionByZero)

#: `ON CONFLICT DO NOTHING`: values whose insert conflicted come back missing (taken tokens are
#: re-derived; values inserted meanwhile by another writer are found by the next attempt).
_STORE = (
    _INPUT
    + """    ON CONFLICT DO NOTHING
    RETURNING entity_class, token_kind, fingerprint
)
SELECT i.n, i.token_value, NULL::bigint, NULL::text
FROM ins JOIN input i USING (entity_class, token_kind, fingerprint)
UNION ALL
"""
    + _FOUND
)

#: Refresh `last_seen` (at most hourly) and attach a subject to values first seen without one.
_TOUCH = """
UPDATE tokens t SET last_seen = now(), subject_id = coalesce(t.subject_id, u.subject_id)
FROM unnest(%s::bigint[], %s::text[]) AS u(id, subject_id) WHERE t.id = u.id
"""

#: Bounds of the small memos below (raw class and kind names; cache-key prefixes).
_MEMO_MAX = 4096


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """One value to tokenize. `subject` links it to a data subject for erasure."""

    entity: str
    value: str
    kind: str = TEXT
    subject: str | None = None


Item = TokenRequest | tuple[str, str] | tuple[str, str, str]
#: A cache miss: (output index, class, kind, subject, value, cache key).
_Miss = tuple[int, str, str, str | None, str, bytes]


def as_request(item: Item) -> TokenRequest:
    if isinstance(item, TokenRequest):
        return TokenRequest(entities.canonical(item.entity), item.value, kind_of(item.kind), item.subject)
    entity, value, *rest = item
    return TokenRequest(entities.canonical(entity), value, kind_of(rest[0]) if rest else TEXT)


class _Pending:
    """A distinct value (class, kind, fingerprint) of a batch, and where it goes in the output."""

    __slots__ = ("cache_keys", "entity", "fp", "indices", "kind", "normalized", "subject")

    def __init__(self, entity: str, kind: str, fp: bytes, normalized: str, subject: str | None) -> None:
        self.entity = entity
        self.kind = kind
        self.fp = fp
        self.normalized = normalized
        self.subject = subject
        self.indices: list[int] = []
        self.cache_keys: list[bytes] = []


def _feed(h: Any, part: str) -> None:
    data = part.encode()
    h.update(len(data).to_bytes(8, "big"))
    h.update(data)


class TokenCache:
    """Bounded LRU of tokens, keyed by a keyed hash of (tenant, class, kind, subject, value).

    The key is a BLAKE2b MAC under a per-process random key: the cache holds no values. Fields
    are length-prefixed, so no two different requests share a key.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._key = os.urandom(32)
        self._items: OrderedDict[bytes, str] = OrderedDict()
        #: Bumped by `clear`.
        self.epoch = 0
        # MAC states already fed with a (tenant, class, kind, subject): a key costs one copy.
        self._prefixes: dict[tuple[str, str, str, str | None], Any] = {}

    def prefix(self, tenant: str, entity: str, kind: str, subject: str | None) -> Any:
        """The MAC state for everything but the value (copy it, feed the value, digest)."""
        memo = (tenant, entity, kind, subject)
        h = self._prefixes.get(memo)
        if h is None:
            h = hashlib.blake2b(key=self._key, digest_size=16)
            for part in (tenant, entity, kind):
                _feed(h, part)
            if subject is None:
                h.update(b"\x00")
            else:
                h.update(b"\x01")
                _feed(h, subject)
            if len(self._prefixes) >= _MEMO_MAX:
                self._prefixes.clear()
            self._prefixes[memo] = h
        return h

    def key(self, tenant: str, req: TokenRequest) -> bytes:
        h = self.prefix(tenant, req.entity, req.kind, req.subject).copy()
        h.update(req.value.encode())
        return bytes(h.digest())

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

    def clear(self) -> None:
        """Forget every token; a batch that looked the cache up before this puts nothing back."""
        self._items.clear()
        self.epoch += 1

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
        self._names: dict[tuple[str, str], tuple[str, str]] = {}

    async def tokenize(self, tenant: str, entity: str, value: str, kind: str = TEXT) -> str:
        return (await self.tokenize_many(tenant, [TokenRequest(entity, value, kind)]))[0]

    def _canonical(self, entity: str, kind: str) -> tuple[str, str]:
        """`entities.canonical` and `kind_of`, memoized (raises `VaultError` on an unknown kind)."""
        names = self._names.get((entity, kind))
        if names is None:
            names = (entities.canonical(entity), kind_of(kind))
            if len(self._names) >= _MEMO_MAX:
                self._names.clear()
            self._names[(entity, kind)] = names
        return names

    async def tokenize_many(
        self, tenant: str, items: Sequence[Item], *, principal: str | None = None
    ) -> list[str]:
        """Tokens for `items`, in order; one audit record for the batch."""
        requests: list[tuple[str, str, str | None, str]] = []
        counts: dict[str, int] = {}
        for item in items:  # canonical names first: an unknown kind writes nothing
            if isinstance(item, TokenRequest):
                entity, kind = self._canonical(item.entity, item.kind)
                requests.append((entity, kind, item.subject, item.value))
            else:
                entity, kind = self._canonical(item[0], item[2] if len(item) > 2 else TEXT)
                requests.append((entity, kind, None, item[1]))
            counts[entity] = counts.get(entity, 0) + 1

        async def attempt() -> list[str]:
            keys = await self.keyring.get(tenant)  # before taking a connection: it may need one
            cache = self.cache
            async with self.pool.connection() as conn:
                # The cache is read with a connection in hand: when a new connection empties it
                # (`synchronous_commit=off`, see `Vault.open`), no batch still serves what it held.
                epoch = cache.epoch
                out, misses = _lookup(cache, tenant, requests)
                record = audit.AuditRecord(
                    tenant,
                    "mask",
                    "ok",
                    principal,
                    counts={"classes": counts, "cached": len(out) - len(misses)},
                )
                if not misses:
                    # Nothing to store: the audit record is the whole transaction, one statement.
                    async with _autocommit(conn):
                        await audit.append(conn, record)
                    return [t for t in out if t is not None]
                if len(misses) > CHUNK:
                    pending, tokens = await self._store_chunks(conn, keys, tenant, misses, record)
                    params = None
                else:
                    pending = self._pending(keys, misses)
                    params = self._params(keys, tenant, pending, 0)
                    tokens = await self._store_one(conn, params, record)
                if tokens is None:
                    params = params or self._params(keys, tenant, pending, 0)
                    tokens = await self._resolve(conn, keys, tenant, pending, params)
                    await audit.append(conn, record)
            # Only after the commit: a rolled-back token must never be served from the cache.
            put = cache.put if cache.epoch == epoch else None
            for item, token in zip(pending, tokens, strict=True):
                for index, cache_key in zip(item.indices, item.cache_keys, strict=True):
                    out[index] = token
                    if put is not None:
                        put(cache_key, token)
            return [t for t in out if t is not None]

        return await retrying(self.pool, attempt, f"tokenize tenant={tenant}")

    async def _store_one(
        self, conn: psycopg.AsyncConnection[Any], params: dict[str, Any], record: audit.AuditRecord
    ) -> list[str] | None:
        """`_STORE_ONE`: the tokens, or None when it wrote nothing (conflict, missing chain head)."""
        async with _autocommit(conn):
            try:
                cur = await conn.execute(_STORE_ONE, params | audit.record_params(record))
            except _REFUSALS as exc:
                log.debug(
                    "tokenize tenant=%s: one-statement path refused (%s)", record.tenant, type(exc).__name__
                )
                return None
            rows = await cur.fetchall()
        found = {int(n): str(token) for n, token in rows if n}
        return [found.get(n, token) for n, token in enumerate(params["tok"], 1)]

    async def _store_chunks(
        self,
        conn: psycopg.AsyncConnection[Any],
        keys: TenantKeys,
        tenant: str,
        misses: list[_Miss],
        record: audit.AuditRecord,
    ) -> tuple[list[_Pending], list[str] | None]:
        """`_store_one` for many misses: one statement per chunk in one pipeline (one implicit
        transaction), each sent before the next chunk is hashed and encrypted. Returns every
        distinct value and its token, or None for the tokens when nothing was written."""
        chunks: list[list[_Miss]] = [[] for _ in range(-(-len(misses) // CHUNK))]
        for miss in misses:
            # By value, not by position: every batch writes a value in the same chunk, so
            # concurrent batches take their row locks in one order (chunk, then fingerprint).
            chunks[zlib.crc32(miss[4].encode()) % len(chunks)].append(miss)
        seen: dict[tuple[str, str, bytes], _Pending] = {}
        sent: list[tuple[list[_Pending], list[str], psycopg.AsyncCursor[Any]]] = []
        refused: BaseException | None = None
        async with _autocommit(conn):
            try:
                async with conn.pipeline():
                    try:
                        for i, chunk in enumerate(chunks, 1):
                            items = self._pending(keys, chunk, seen)
                            params = self._params(keys, tenant, items, 0)
                            if i < len(chunks):
                                cur = await conn.execute(_STORE_PART, params)
                            else:  # the last one appends the batch's audit record, even if empty
                                cur = await conn.execute(_STORE_ONE, params | audit.record_params(record))
                            sent.append((items, params["tok"], cur))
                    except _REFUSALS as exc:
                        # Leave the block normally: psycopg then raises `PipelineAborted` at its end
                        # instead of logging a WARNING about it beside the error in flight.
                        refused = exc
            except (*_REFUSALS, psycopg.errors.PipelineAborted) as exc:
                if isinstance(exc, psycopg.errors.PipelineAborted) and refused is None:
                    raise
                refused = refused or exc
            if refused is not None:
                log.debug("tokenize tenant=%s: pipelined path refused (%s)", tenant, type(refused).__name__)
                # afresh: the error may have come back before every chunk was prepared
                return self._pending(keys, misses), None
            pending: list[_Pending] = []
            tokens: list[str] = []
            for items, derived, cur in sent:
                found = {int(n): str(token) for n, token in await cur.fetchall() if n}
                pending += items
                tokens += [found.get(n, token) for n, token in enumerate(derived, 1)]
        return pending, tokens

    def _pending(
        self,
        keys: TenantKeys,
        misses: list[_Miss],
        seen: dict[tuple[str, str, bytes], _Pending] | None = None,
    ) -> list[_Pending]:
        """The distinct values among the cache misses (the first one's subject is kept), leaving
        out those already in `seen` (whose output places they join)."""
        pending: dict[tuple[str, str, bytes], _Pending] = {} if seen is None else seen
        new: list[_Pending] = []
        region, mac = self.phone_region, keyed(keys.fingerprint_key)
        prefixes: dict[str, bytes] = {}
        for index, entity, kind, subject, value, cache_key in misses:
            norm = normalize(entity, value, region)
            prefix = prefixes.get(entity)
            if prefix is None:
                prefix = prefixes[entity] = fingerprint_prefix(entity)
            fp = mac(prefix + norm.encode())  # = fingerprint(key, entity, norm)
            item = pending.get((entity, kind, fp))
            if item is None:
                item = pending[(entity, kind, fp)] = _Pending(entity, kind, fp, norm, subject)
                new.append(item)
            item.indices.append(index)
            item.cache_keys.append(cache_key)
        return new

    async def _resolve(
        self,
        conn: psycopg.AsyncConnection[Any],
        keys: TenantKeys,
        tenant: str,
        items: list[_Pending],
        params: dict[str, Any],
    ) -> list[str]:
        """The stored token of each item, inserting those not stored yet, re-deriving the tokens
        taken by other values (in the open transaction). `params`: the items' attempt 0."""
        resolved: list[str | None] = [None] * len(items)
        todo = list(range(len(items)))
        attempt = 0
        while todo:
            if attempt >= MAX_ATTEMPTS:
                raise TokenSpaceExhaustedError(
                    f"tenant {tenant}: no free token after {MAX_ATTEMPTS} derivations;"
                    " the token length is too short"
                )
            if attempt:
                params = self._params(keys, tenant, [items[i] for i in todo], attempt)
            cur = await conn.execute(_STORE, params)
            rows = await cur.fetchall()
            stale = [(row_id, subject) for _, _, row_id, subject in rows if row_id is not None]
            if stale:
                await conn.execute(_TOUCH, ([r for r, _ in stale], [s for _, s in stale]))
            found = {int(n): str(token) for n, token, _, _ in rows}
            missing = []
            for n, i in enumerate(todo, 1):
                token = found.get(n)
                if token is None:
                    missing.append(i)
                else:
                    resolved[i] = token
            if missing:
                log.info(
                    "token re-derivation tenant=%s count=%d attempt=%d", tenant, len(missing), attempt + 1
                )
            todo, attempt = missing, attempt + 1
        return [t for t in resolved if t is not None]

    def _params(self, keys: TenantKeys, tenant: str, items: list[_Pending], attempt: int) -> dict[str, Any]:
        mac, fmt = keyed(keys.fingerprint_key), self.fmt
        prefixes = {kind: derive_prefix(kind, attempt) for kind in {i.kind for i in items}}
        # = derive(key, fp, kind, attempt, fmt, normalized)
        tokens = [token_of(mac(prefixes[i.kind] + i.fp), i.kind, fmt, i.normalized) for i in items]
        cts, version = keys.encrypt_many(
            [
                (item.normalized.encode(), value_aad(tenant, item.entity, token))
                for item, token in zip(items, tokens, strict=True)
            ]
        )
        return {
            "tenant": tenant,
            "kv": version,
            "cls": [i.entity for i in items],
            "kind": [i.kind for i in items],
            "fp": [i.fp for i in items],
            "tok": tokens,
            "ct": cts,
            "subj": [i.subject for i in items],
        }

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
        # (class, value, kind) items: what `TokenRequest(class, value, kind)` asks, without the object.
        requests: list[Item] = [
            (span.entity, text[span.start : span.end], kinds.get(span.entity, TEXT))
            for text, spans in docs
            for span in spans
        ]
        tokens = iter(await self.tokenize_many(tenant, requests, principal=principal) if requests else [])
        out: list[str] = []
        for text, spans in docs:
            if len(spans) == 1 and spans[0].start == 0 and spans[0].end == len(text):
                out.append(tagged(spans[0].entity, next(tokens)))  # a whole field: what apply_spans gives
            else:
                out.append(apply_spans(text, spans, lambda s, _v: tagged(s.entity, next(tokens))))
        return out


def _lookup(
    cache: TokenCache, tenant: str, requests: list[tuple[str, str, str | None, str]]
) -> tuple[list[str | None], list[tuple[int, str, str, str | None, str, bytes]]]:
    """Cached tokens in place (None elsewhere), and the misses with their cache keys."""
    out: list[str | None] = [None] * len(requests)
    misses: list[tuple[int, str, str, str | None, str, bytes]] = []
    prefix, get = cache.prefix, cache.get
    for index, (entity, kind, subject, value) in enumerate(requests):
        h = prefix(tenant, entity, kind, subject).copy()
        h.update(value.encode())
        cache_key = h.digest()
        token = get(cache_key)
        if token is None:
            misses.append((index, entity, kind, subject, value, cache_key))
        else:
            out[index] = token
    return out, misses


@asynccontextmanager
async def _autocommit(conn: psycopg.AsyncConnection[Any]) -> AsyncIterator[None]:
    """Run single statements in autocommit mode (each its own transaction: no BEGIN, no COMMIT
    round trip), then give the connection back to the pool as it came."""
    await conn.set_autocommit(True)
    try:
        yield
    finally:
        # A broken connection is discarded by the pool whatever its mode.
        if conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            await conn.set_autocommit(False)
