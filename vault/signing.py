"""Signed unmask requests: proof that a request comes from the principal it names.

A principal's bearer secret `vs_<key id>_<secret>` gives a signing key known to the principal
and to the vault (which keeps it wrapped by the master key, never the secret itself):

    key = HMAC-SHA256(secret, "veilstream unmask request v1")

A request is signed over these lines, joined by `\\n` (none of them may contain a line break):

    veilstream-unmask-v1
    <tenant>
    <principal>
    <request_id>
    <ts>              epoch milliseconds, as decimal digits
    <policy_name>
    <purpose>         empty when there is none
    <SHA-256 of token_value, lower-case hex>

    signature = hex(HMAC-SHA256(key, lines))

The vault checks the signature in constant time, that `ts` is within its freshness window,
and that the request id was not used before by the same principal (replay).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import regex

from vault.errors import AuthError

VERSION = "veilstream-unmask-v1"
_KEY_LABEL = b"veilstream unmask request v1"
#: A principal's bearer secret: `vs_<key id: 16 hex>_<secret: 43 url-safe base64>`.
BEARER = regex.compile(r"vs_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


def parse_bearer(bearer: str) -> tuple[str, str]:
    """(key id, secret part) of a `vs_…` bearer secret; `AuthError` when it is malformed."""
    match = BEARER.fullmatch(bearer.strip())
    if match is None:
        raise AuthError("malformed principal secret (expected vs_<key id>_<secret>)")
    return match[1], match[2]


def signing_key(bearer: str) -> bytes:
    """The request-signing key of a principal's bearer secret."""
    _, secret = parse_bearer(bearer)
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class Signed:
    """The signed fields of an unmask request."""

    tenant: str
    principal: str
    request_id: str
    ts: int
    policy_name: str
    purpose: str | None
    token_value: str

    def message(self) -> bytes:
        lines = [
            VERSION,
            self.tenant,
            self.principal,
            self.request_id,
            str(self.ts),
            self.policy_name,
            self.purpose or "",
            hashlib.sha256(self.token_value.encode()).hexdigest(),
        ]
        if any("\n" in line or "\r" in line for line in lines):
            raise AuthError("a signed field contains a line break")
        return "\n".join(lines).encode()

    def sign(self, key: bytes) -> str:
        return hmac.new(key, self.message(), hashlib.sha256).hexdigest()

    def verify(self, key: bytes, signature: str) -> bool:
        """Constant-time check of `signature` (hex) against this request."""
        return hmac.compare_digest(self.sign(key).encode(), signature.strip().lower().encode())
