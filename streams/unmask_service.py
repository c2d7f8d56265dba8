"""The unmask worker's batch: signed requests in, policy-checked replies out, every request audited.

Request (`veilstream.unmask.requests`, JSON):
`{"request_id", "tenant", "principal", "policy_name", "purpose", "token_value", "ts", "signature"}`,
signed with the principal's secret (`vault.signing`; `streams.unmask_client` builds them).
Reply (`veilstream.unmask.replies`, keyed by request_id):
`{"request_id", "value", "unresolved": [...], "leftovers": [{"text", "reason"}, ...]}` (as the
HTTP API's unmask items) or `{"request_id", "error": {"code", "message"}}`.
Error codes: `unauthenticated` (no signature, a wrong one, an unknown or disabled principal, or
a principal without a signing key), `stale` (`ts` outside the freshness window), `replayed`
(the request id was answered before for another record), `unknown_policy`, `policy_refused`,
`reply_too_large` (a reply over `MAX_REPLY_BYTES`, which no producer would deliver).

Whoever can write the request topic cannot impersonate a principal: without valid proof
nothing is revealed, and the refusal is audited. Replies carry revealed values, so the reply
topic must be as restricted as the vault itself.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from streams import metrics
from streams.errors import RecordError
from streams.kafka import InRecord, OutRecord
from streams.masking import Rejected
from streams.records import load_value, schema_error
from vault import audit, principals
from vault.errors import AuthError, MasterKeyError, PolicyRefusedError, UnknownPolicyError
from vault.signing import Signed
from vault.store import Vault, tenant_exists
from vault.unmask import unmask_texts

log = logging.getLogger(__name__)

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"


#: Largest reply value: the producers' `max_request_size` is 1 MiB (record overhead included).
MAX_REPLY_BYTES = 1_000_000


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


#: Default freshness window of a request's `ts` (seconds either way).
MAX_SKEW_S = 300.0
_LINE = r"^[^\r\n]*$"


class UnmaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(pattern=_ID)
    tenant: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    principal: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
    policy_name: str = Field(min_length=1, max_length=128, pattern=_LINE)
    purpose: str | None = Field(default=None, max_length=128, pattern=_LINE)
    token_value: str = Field(max_length=1_000_000)
    #: Epoch milliseconds when the request was signed.
    ts: int | None = None
    #: Hex HMAC-SHA256 of the signed fields under the principal's signing key.
    signature: str | None = Field(default=None, max_length=128)

    def signed(self) -> Signed:
        return Signed(
            self.tenant, self.principal, self.request_id, self.ts or 0, self.policy_name,
            self.purpose, self.token_value,
        )  # fmt: skip


class _Refused(Exception):
    """A request that reveals nothing: the reply's error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class UnmaskService:
    def __init__(self, vault: Vault, replies_topic: str, max_skew_s: float = MAX_SKEW_S) -> None:
        self.vault = vault
        self.replies_topic = replies_topic
        self.max_skew_s = max_skew_s
        self._pruned = 0.0

    async def answer(self, records: Sequence[InRecord]) -> list[OutRecord | Rejected]:
        """A reply per record, or a rejection for records that are not requests at all."""
        return [await self._one(r) for r in records]

    async def _one(self, record: InRecord) -> OutRecord | Rejected:
        try:
            request = UnmaskRequest.model_validate(load_value(record.value or b"null"))
        except RecordError as exc:
            return Rejected(exc.reason, type(exc).__name__, detail=exc.detail)
        except ValidationError as exc:
            error = schema_error(exc)
            return Rejected(error.reason, type(error).__name__, detail=error.detail)
        body: dict[str, Any] = {"request_id": request.request_id}
        try:
            principal = await self._authenticate(request, record.reference)
            results, _ = await unmask_texts(
                self.vault, principal, request.policy_name, [request.token_value], request.purpose
            )
            body["value"] = results[0].text
            body["unresolved"] = list(results[0].unresolved)
            body["leftovers"] = [{"text": x.text, "reason": x.reason} for x in results[0].leftovers]
        except _Refused as exc:
            body["error"] = {"code": exc.code, "message": str(exc)}
        except UnknownPolicyError as exc:
            body["error"] = {"code": "unknown_policy", "message": str(exc)}
        except PolicyRefusedError as exc:
            body["error"] = {"code": "policy_refused", "message": str(exc)}
        value = _encode(body)
        if len(value) > MAX_REPLY_BYTES:  # the producer would refuse it: say so instead
            size = len(value)
            body = {"request_id": request.request_id}
            body["error"] = {"code": "reply_too_large", "message": f"the reply would be {size} bytes"}
            value = _encode(body)
        outcome = body["error"]["code"] if "error" in body else "ok"
        metrics.UNMASK.labels(outcome).inc()
        log.info("unmask tenant=%s policy=%s outcome=%s", request.tenant, request.policy_name, outcome)
        return OutRecord(
            self.replies_topic,
            request.request_id.encode(),
            value,
            (("veilstream-tenant", request.tenant.encode()),),
        )

    async def _authenticate(self, request: UnmaskRequest, reference: str) -> principals.Principal:
        """The principal the request proves it comes from; `_Refused` (audited) otherwise."""
        async with self.vault.pool.connection() as conn:
            checked = await self._check(conn, request, reference)
            if isinstance(checked, principals.Principal):
                return checked
            if await tenant_exists(conn, request.tenant):
                record = audit.AuditRecord(
                    request.tenant, "unmask", f"refused: {checked.code}", request.principal,
                    request.policy_name, request.purpose, {"items": 1},
                )  # fmt: skip
                await audit.append(conn, record)
        raise checked

    async def _check(
        self, conn: Any, request: UnmaskRequest, reference: str
    ) -> principals.Principal | _Refused:
        """Signature (constant-time), then freshness, then replay. A request seen again at the
        same record reference is a redelivery (the worker restarted before committing) and is
        answered again; the same id at another reference is a replay."""
        try:
            found = await principals.signer(conn, self.vault.keyring, request.tenant, request.principal)
            valid = (
                found is not None
                and found[1] is not None
                and request.signature is not None
                and request.ts is not None
                and request.signed().verify(found[1], request.signature)
            )
        except (AuthError, MasterKeyError):
            found, valid = None, False
        if found is None or not valid:
            return _Refused("unauthenticated", "no valid signature of an enabled principal")
        if abs(time.time() * 1000 - (request.ts or 0)) > self.max_skew_s * 1000:
            return _Refused("stale", f"request timestamp outside the {self.max_skew_s:g} s window")
        if await self._first_seen(conn, request, reference) != reference:
            return _Refused("replayed", "this request id was already used")
        return found[0]

    async def _first_seen(self, conn: Any, request: UnmaskRequest, reference: str) -> str:
        """The reference of the record that first carried this principal's request id."""
        now = time.monotonic()
        if now - self._pruned > self.max_skew_s:  # ids older than two windows can no longer pass
            self._pruned = now
            await conn.execute(
                "DELETE FROM unmask_requests_seen WHERE seen_at < now() - make_interval(secs => %s)",
                (2 * self.max_skew_s,),
            )
        cur = await conn.execute(
            "INSERT INTO unmask_requests_seen (tenant_id, principal, request_id, reference)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (tenant_id, principal, request_id)"
            " DO UPDATE SET request_id = EXCLUDED.request_id RETURNING reference",
            (request.tenant, request.principal, request.request_id, reference),
        )
        row = await cur.fetchone()
        return str(row[0]) if row else ""
