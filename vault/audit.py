"""Append-only, hash-chained audit log (one chain per tenant). Records never hold values.

    hash_n = SHA-256(hash_{n-1} ‖ int64_be(n) ‖ canonical JSON of record n)

The hash is computed by Postgres in the same statement that locks the chain head, so
concurrent writers serialize per tenant and a record costs one round trip (none of its own
when a statement that writes more carries it: `chain_ctes`). `verify`
recomputes every link: an edited row breaks its own hash, a deleted row breaks the
sequence and the next `prev_hash`, and a deleted tail no longer matches `audit_head`.

Someone who can write the database could still cut the tail and move `audit_head` back, or
rewrite rows and recompute every hash after them. Checkpoints anchor the chain: a checkpoint
is (tenant, seq, hash at seq, time) authenticated with HMAC-SHA256 under a key derived from
the tenant's fingerprint key (wrapped by the master key, so unknown to the database alone).
They are stored in `audit_checkpoints` and published on the audit topic (`streams`), outside
the database; `verify` checks the chain against every checkpoint it is given.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

from vault.keys import Keyring, genesis_hash


def chain_ctes(after: str = "TRUE") -> str:
    """The append as CTEs (`audit_prev` … `audit_upd`, which returns the new record's `seq`), for
    a statement that writes more (parameters: `record_params`).

    `after` is a condition evaluated before the chain head is locked: naming the statement's
    other data-modifying CTEs there (`(SELECT count(*) FROM ins) >= 0`) runs them first, so the
    head stays locked only from the end of those writes to the commit, as with a separate append.
    """
    return _CHAIN.replace("AFTER", after)


_CHAIN = """audit_prev AS (SELECT seq, hash FROM audit_head WHERE tenant_id = %(tenant)s AND (AFTER)
               FOR UPDATE),
audit_rec AS (SELECT seq + 1 AS seq, hash AS prev_hash,
                     sha256(hash || int8send(seq + 1) || convert_to(%(payload)s, 'UTF8')) AS hash
              FROM audit_prev),
audit_ins AS (INSERT INTO audit_log (tenant_id, seq, at, principal, action, policy, purpose, counts,
                                     outcome, prev_hash, hash)
              SELECT %(tenant)s, r.seq, %(at)s, %(principal)s, %(action)s, %(policy)s, %(purpose)s,
                     %(counts)s, %(outcome)s, r.prev_hash, r.hash FROM audit_rec r),
audit_upd AS (UPDATE audit_head h SET seq = r.seq, hash = r.hash FROM audit_rec r
              WHERE h.tenant_id = %(tenant)s RETURNING r.seq)"""


_APPEND = "WITH " + chain_ctes() + "\nSELECT seq FROM audit_upd"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    tenant: str
    action: str  # mask, unmask, erase, rotate, rewrap, reencrypt, policy_apply, principal_create
    outcome: str  # ok, refused: <reason>, error
    principal: str | None = None
    policy: str | None = None
    purpose: str | None = None
    counts: Mapping[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def payload(self) -> str:
        """Canonical JSON of the record (what the hash covers)."""
        at = self.at.astimezone(UTC).isoformat(timespec="microseconds")
        body = [
            self.tenant,
            at,
            self.principal,
            self.action,
            self.policy,
            self.purpose,
            dict(self.counts),
            self.outcome,
        ]
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def to_json(self, seq: int, hash_: bytes) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "seq": seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "principal": self.principal,
            "action": self.action,
            "policy": self.policy,
            "purpose": self.purpose,
            "counts": dict(self.counts),
            "outcome": self.outcome,
            "hash": hash_.hex(),
        }


def record_params(record: AuditRecord) -> dict[str, Any]:
    """Parameters of `chain_ctes` for a record."""
    return {
        "tenant": record.tenant,
        "payload": record.payload(),
        "at": record.at,
        "principal": record.principal,
        "action": record.action,
        "policy": record.policy,
        "purpose": record.purpose,
        "counts": json.dumps(dict(record.counts)),
        "outcome": record.outcome,
    }


async def append(conn: psycopg.AsyncConnection[Any], record: AuditRecord) -> int:
    """Append a record to its tenant's chain (the tenant must exist). Returns its sequence number."""
    cur = await conn.execute(_APPEND, record_params(record))
    row = await cur.fetchone()
    if row is None:
        raise psycopg.DataError("audit chain head missing for tenant")
    return int(row[0])


def _link(prev: bytes, seq: int, payload: str) -> bytes:
    return hashlib.sha256(prev + seq.to_bytes(8, "big", signed=True) + payload.encode()).digest()


async def _rows(
    conn: psycopg.AsyncConnection[Any], tenant: str
) -> AsyncIterator[tuple[int, AuditRecord, bytes, bytes]]:
    async with conn.cursor(name="audit_export") as cur:
        await cur.execute(
            "SELECT seq, at, principal, action, policy, purpose, counts, outcome, prev_hash, hash"
            " FROM audit_log WHERE tenant_id = %s ORDER BY seq",
            (tenant,),
        )
        async for seq, at, principal, action, policy, purpose, counts, outcome, prev, hash_ in cur:
            record = AuditRecord(tenant, action, outcome, principal, policy, purpose, counts, at)
            yield int(seq), record, bytes(prev), bytes(hash_)


@dataclass(slots=True)
class VerifyReport:
    tenant: str
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(
    conn: psycopg.AsyncConnection[Any],
    tenant: str,
    keyring: Keyring | None = None,
    external: Sequence[Checkpoint] = (),
) -> VerifyReport:
    """Walk a tenant's chain and report every broken link (by sequence number).

    With `keyring`, the chain is also checked against the tenant's stored checkpoints and
    `external` ones (read from the audit topic): each must authenticate, and the chain must
    still reach its sequence number with the same hash.
    """
    report = VerifyReport(tenant)
    checkpoints = list(external)
    if keyring is not None:
        checkpoints += await stored_checkpoints(conn, tenant)
    wanted = {c.seq for c in checkpoints if c.tenant == tenant}
    at_seq: dict[int, bytes] = {}
    expected_seq, prev = 1, genesis_hash(tenant)
    async with conn.transaction():
        async for seq, record, prev_hash, hash_ in _rows(conn, tenant):
            report.records += 1
            if seq != expected_seq:
                report.problems.append(f"records {expected_seq}..{seq - 1} are missing")
            elif prev_hash != prev:
                report.problems.append(f"record {seq}: previous-hash link broken")
            if _link(prev_hash, seq, record.payload()) != hash_:
                report.problems.append(f"record {seq}: content does not match its hash (edited)")
            if seq in wanted:
                at_seq[seq] = hash_
            expected_seq, prev = seq + 1, hash_
    cur = await conn.execute("SELECT seq, hash FROM audit_head WHERE tenant_id = %s", (tenant,))
    head = await cur.fetchone()
    if head is None:
        if report.records:
            report.problems.append("chain head missing")
    elif int(head[0]) != expected_seq - 1 or bytes(head[1]) != prev:
        report.problems.append(
            f"chain head is at record {int(head[0])}: records after {expected_seq - 1} are missing"
        )
    if keyring is not None and checkpoints:
        key = checkpoint_key((await keyring.get(tenant)).fingerprint_key)
        report.problems.extend(_against(checkpoints, tenant, key, at_seq, expected_seq - 1))
    return report


def _against(
    checkpoints: Sequence[Checkpoint], tenant: str, key: bytes, at_seq: dict[int, bytes], last: int
) -> list[str]:
    problems: list[str] = []
    seen: set[tuple[int, bytes]] = set()
    for point in sorted(checkpoints, key=lambda c: c.seq):
        if point.tenant != tenant or (point.seq, point.hash) in seen:
            continue
        seen.add((point.seq, point.hash))
        when = point.at.astimezone(UTC).isoformat(timespec="seconds")
        if not point.authentic(key):
            problems.append(f"checkpoint at record {point.seq} ({when}) does not authenticate (forged)")
        elif point.seq > last:
            problems.append(
                f"checkpoint at record {point.seq} ({when}): the chain ends at {last}, records are missing"
            )
        elif at_seq.get(point.seq) != point.hash:
            problems.append(
                f"checkpoint at record {point.seq} ({when}): the chain's hash there differs (rewritten)"
            )
    return problems


_CHECKPOINT_LABEL = b"veilstream audit checkpoint v1"


def checkpoint_key(fingerprint_key: bytes) -> bytes:
    """The key authenticating a tenant's checkpoints (derived; the fingerprint key never rotates)."""
    return hmac.new(fingerprint_key, _CHECKPOINT_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tenant's chain head at a moment, with its MAC."""

    tenant: str
    seq: int
    hash: bytes
    at: datetime
    mac: bytes = b""

    def _message(self) -> bytes:
        at = self.at.astimezone(UTC).isoformat(timespec="microseconds")
        return f"veilstream-audit-checkpoint-v1\n{self.tenant}\n{self.seq}\n{self.hash.hex()}\n{at}".encode()

    def signed(self, key: bytes) -> Checkpoint:
        mac = hmac.new(key, self._message(), hashlib.sha256).digest()
        return Checkpoint(self.tenant, self.seq, self.hash, self.at, mac)

    def authentic(self, key: bytes) -> bool:
        return hmac.compare_digest(self.signed(key).mac, self.mac)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "audit_checkpoint",
            "tenant": self.tenant,
            "seq": self.seq,
            "hash": self.hash.hex(),
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "mac": self.mac.hex(),
        }

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Checkpoint:
        """Raises `ValueError` (or `KeyError`, `TypeError`) on anything that is not a checkpoint."""
        if body.get("type") != "audit_checkpoint":
            raise ValueError("not an audit checkpoint")
        return cls(
            str(body["tenant"]), int(body["seq"]), bytes.fromhex(body["hash"]),
            datetime.fromisoformat(body["at"]), bytes.fromhex(body["mac"]),
        )  # fmt: skip


async def checkpoint(conn: psycopg.AsyncConnection[Any], keyring: Keyring, tenant: str) -> Checkpoint | None:
    """Store (and return) a checkpoint of the tenant's chain head; None for an empty chain.
    A head already checkpointed returns that checkpoint again."""
    cur = await conn.execute("SELECT seq, hash FROM audit_head WHERE tenant_id = %s", (tenant,))
    head = await cur.fetchone()
    if head is None or int(head[0]) == 0:
        return None
    key = checkpoint_key((await keyring.get(tenant)).fingerprint_key)
    point = Checkpoint(tenant, int(head[0]), bytes(head[1]), datetime.now(UTC)).signed(key)
    cur = await conn.execute(
        "INSERT INTO audit_checkpoints (tenant_id, seq, hash, at, mac) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (tenant_id, seq) DO NOTHING RETURNING seq",
        (tenant, point.seq, point.hash, point.at, point.mac),
    )
    if await cur.fetchone() is not None:
        return point
    stored = [c for c in await stored_checkpoints(conn, tenant) if c.seq == point.seq]
    return stored[0] if stored else point


async def stored_checkpoints(conn: psycopg.AsyncConnection[Any], tenant: str) -> list[Checkpoint]:
    cur = await conn.execute(
        "SELECT seq, hash, at, mac FROM audit_checkpoints WHERE tenant_id = %s ORDER BY seq", (tenant,)
    )
    return [Checkpoint(tenant, int(r[0]), bytes(r[1]), r[2], bytes(r[3])) for r in await cur.fetchall()]


async def stale_tenants(conn: psycopg.AsyncConnection[Any]) -> list[str]:
    """Tenants whose chain head moved since their last checkpoint."""
    cur = await conn.execute(
        "SELECT h.tenant_id FROM audit_head h WHERE h.seq > 0 AND h.seq > coalesce("
        "(SELECT max(c.seq) FROM audit_checkpoints c WHERE c.tenant_id = h.tenant_id), 0)"
        " ORDER BY h.tenant_id"
    )
    return [str(r[0]) for r in await cur.fetchall()]


async def export(conn: psycopg.AsyncConnection[Any], tenant: str) -> AsyncIterator[dict[str, Any]]:
    """A tenant's audit records as JSON-ready dicts, in order."""
    async with conn.transaction():
        async for seq, record, _prev, hash_ in _rows(conn, tenant):
            yield record.to_json(seq, hash_)


async def tenants(conn: psycopg.AsyncConnection[Any]) -> list[str]:
    cur = await conn.execute("SELECT tenant_id FROM audit_head ORDER BY tenant_id")
    return [str(r[0]) for r in await cur.fetchall()]
