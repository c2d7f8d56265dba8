"""Pure token logic: kinds, per-class normalization, fingerprints, token derivation, tags.

Derivation (all HMAC-SHA256 under the tenant's fingerprint key `K`):

    fingerprint = HMAC(K, "fp" ‖ class ‖ normalized value)
    token_i     = encode_kind(HMAC(K, "tok" ‖ kind ‖ i ‖ fingerprint))     i = 0, 1, 2, …

`encode_kind` maps digest bytes onto the kind's alphabet by rejection sampling (uniform
symbols; a further SHA-256 block when a long token needs more bytes).

The fingerprint is the row's identity (unique per tenant, class and kind); the token is
unique per tenant. Attempt `i + 1` is only used when `token_i` is already taken by another
value, so a collision can never hand back another value's token. Once stored, a token is
read back by fingerprint, so it stays the same across processes and restarts.

Collision math (birthday bound, n values of one tenant, N possible tokens):
P(any re-derivation) ≈ n² / 2N. Text tokens, 12 of 62 symbols: N = 62^12 ≈ 3.2e21, so
1e9 values give P ≈ 1.6e-4. Numeric tokens, 16 digits: N = 1e16, 1e6 values give
P ≈ 5e-5, 1e8 values P ≈ 0.4 (handled: one more round trip for the few that collide).
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import phonenumbers
import regex

from detectors import entities
from vault.errors import VaultError

TEXT: Final = "Text Token"
NUMERIC: Final = "Numeric Token"
EMAIL: Final = "Email Token"
PHONE: Final = "Phone Token"
KINDS: Final = (TEXT, NUMERIC, EMAIL, PHONE)
_KIND_ALIASES: Final = MappingProxyType(
    {k.lower().replace(" ", "_"): k for k in KINDS}
    | {k.lower(): k for k in KINDS}
    | {"text": TEXT, "numeric": NUMERIC, "email": EMAIL, "phone": PHONE}
)

#: Domain of email-shaped tokens: `.invalid` is reserved (RFC 2606), so mail to it goes nowhere.
EMAIL_TOKEN_DOMAIN: Final = "masked.invalid"  # noqa: S105  # a domain, not a password
MAX_ATTEMPTS: Final = 64

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_LOWER = "0123456789abcdefghijklmnopqrstuvwxyz"
_SPACE = regex.compile(r"\s+")

#: A tagged token in free text: `<PER>Xk2f9QaLm1</PER>`.
TAGGED: Final = regex.compile(r"<([A-Z][A-Z0-9_]{0,39})>([A-Za-z0-9@.+_-]{1,128})</\1>")
#: What a bare token (a whole unmask item without tags) may look like.
BARE: Final = regex.compile(r"[A-Za-z0-9@.+_-]{4,128}")


def kind_of(name: str) -> str:
    """Canonical token kind for an API name (`Text Token`, `text`, `numeric_token`, …)."""
    kind = _KIND_ALIASES.get(name.strip().lower())
    if kind is None:
        raise VaultError(f"unknown token kind; known: {', '.join(KINDS)}")
    return kind


@dataclass(frozen=True, slots=True)
class TokenFormat:
    """Token lengths. Tiny lengths are allowed here (tests force collisions with them)."""

    text_length: int = 12
    numeric_length: int = 16

    def __post_init__(self) -> None:
        if not 1 <= self.text_length <= 43 or not 1 <= self.numeric_length <= 38:
            raise VaultError("token lengths must be 1..43 (text) and 1..38 (numeric)")


def normalize(entity: str, value: str, region: str = "US") -> str:
    """Per-class normalization, so that `Jane@X.com` and `jane@x.com` share a token."""
    text = unicodedata.normalize("NFC", value)
    # Every whitespace character but " " is unprintable (tests/unit/test_vault_logic.py checks all
    # of Unicode), so a printable text without "  " has nothing for the substitution to change.
    if not text.isprintable() or "  " in text:
        text = _SPACE.sub(" ", text)
    text = text.strip()
    if entity == entities.EMAIL_ADDRESS:
        return text.casefold()
    if entity == entities.PHONE_NUMBER:
        try:
            number = phonenumbers.parse(text, None if text.startswith("+") else region)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        digits = "".join(c for c in text if c.isdigit())
        return ("+" if text.startswith("+") else "") + digits
    if entity in (entities.CREDIT_CARD, entities.US_SSN, entities.BR_CPF, entities.BR_CNPJ):
        return "".join(c for c in text if c.isdigit())
    if entity == entities.IBAN_CODE:
        return text.replace(" ", "").upper()
    if entity == entities.IP_ADDRESS:
        return text.lower()
    return text


_IPAD: Final = bytes(b ^ 0x36 for b in range(256))
_OPAD: Final = bytes(b ^ 0x5C for b in range(256))


class HmacSha256:
    """HMAC-SHA256 under one key, with the key's two pad blocks hashed once (RFC 2104).

    Same output as `hmac.digest(key, msg, "sha256")`, about three times faster per short
    message here: OpenSSL 3's one-shot HMAC sets the key up (and fetches the algorithm) on
    every call, while this copies two prepared SHA-256 states.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        block = key.ljust(64, b"\x00")
        self._inner = hashlib.sha256(block.translate(_IPAD))
        self._outer = hashlib.sha256(block.translate(_OPAD))

    def __call__(self, msg: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(msg)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


@functools.lru_cache(maxsize=256)
def keyed(key: bytes) -> HmacSha256:
    """The prepared HMAC of a tenant key (one per tenant key, kept while it is in use)."""
    return HmacSha256(key)


def fingerprint(key: bytes, entity: str, normalized: str) -> bytes:
    return keyed(key)(fingerprint_prefix(entity) + normalized.encode())


def _table(alphabet: str) -> tuple[bytes, bytes]:
    """A `bytes.translate` table mapping byte b to alphabet[b % n], and the bytes to drop.

    Bytes at or above the largest multiple of n are dropped (rejection sampling), so every
    symbol is exactly equally likely.
    """
    n = len(alphabet)
    limit = 256 - 256 % n
    table = bytes(ord(alphabet[b % n]) if b < limit else 0 for b in range(256))
    return table, bytes(range(limit, 256))


_TABLES: Final = {
    name: _table(chars) for name, chars in (("alnum", _ALNUM), ("lower", _LOWER), ("digits", "0123456789"))
}


def _encode(digest: bytes, alphabet: str, length: int) -> str:
    """`length` uniformly distributed symbols of an alphabet from a digest (C speed)."""
    table, drop = _TABLES[alphabet]
    out = digest.translate(table, drop)
    block = digest
    while len(out) < length:  # rare: only long tokens need more than one block
        block = hashlib.sha256(block).digest()
        out += block.translate(table, drop)
    return out[:length].decode("ascii")


def _phone_prefix(normalized: str) -> tuple[str, int]:
    """Country calling code and national length of an E.164 number (kept in phone tokens)."""
    try:
        number = phonenumbers.parse(normalized, None)
    except phonenumbers.NumberParseException:
        return "", 12
    national = str(number.national_number)
    return str(number.country_code), max(len(national), 6)


def fingerprint_prefix(entity: str) -> bytes:
    """What `fingerprint` MACs before the normalized value (for callers that hoist it)."""
    return b"fp\x00" + entity.encode() + b"\x00"


def derive_prefix(kind: str, attempt: int) -> bytes:
    """What `derive` MACs before the fingerprint (for callers that hoist it)."""
    return b"tok\x00" + kind.encode() + b"\x00" + attempt.to_bytes(4, "big")


def derive(key: bytes, fp: bytes, kind: str, attempt: int, fmt: TokenFormat, normalized: str = "") -> str:
    """Token number `attempt` for a fingerprint (see the module docstring)."""
    return token_of(keyed(key)(derive_prefix(kind, attempt) + fp), kind, fmt, normalized)


def token_of(digest: bytes, kind: str, fmt: TokenFormat, normalized: str = "") -> str:
    """The token of a kind for a derivation digest."""
    if kind == TEXT:
        return _encode(digest, "alnum", fmt.text_length)
    if kind == NUMERIC:
        return _encode(digest, "digits", fmt.numeric_length)
    if kind == EMAIL:
        return f"{_encode(digest, 'lower', fmt.text_length)}@{EMAIL_TOKEN_DOMAIN}"
    if kind == PHONE:
        country, length = _phone_prefix(normalized)
        return "+" + country + _encode(digest, "digits", length)
    raise VaultError(f"unknown token kind; known: {', '.join(KINDS)}")


def tagged(entity: str, token: str) -> str:
    """Free-text form of a token: `<PER>token</PER>`."""
    tag = entities.tag(entity)
    return f"<{tag}>{token}</{tag}>"


#: The line to put in the system prompt of an LLM that reads masked text (`veilstream tokens prompt`):
#: a token copied verbatim is revealed exactly; `vault.token_reader` repairs the usual slips.
PROMPT_LINE: Final = (
    "The text contains placeholders such as <PER>Xk2f9QaLm1ZQ</PER> or "
    "<EMAIL>q3kd8a0xm2ne@masked.invalid</EMAIL> in place of personal data. Copy every placeholder "
    "you use exactly as written, tags included, character for character and in the same letter case; "
    "never translate, shorten, split, complete, explain or invent one."
)


def counts(classes: list[str]) -> Mapping[str, int]:
    out: dict[str, int] = {}
    for entity in classes:
        out[entity] = out.get(entity, 0) + 1
    return out
