"""Vault logic that needs no server: normalization, derivation, keys, cache, policy checks."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vault import MasterKeyError, VaultError
from vault.audit import AuditRecord
from vault.keys import LocalKeyProvider, decode_master_key, generate_master_key, master_key_id
from vault.policies import UnmaskPolicy
from vault.principals import Principal
from vault.tokenize import TokenCache, TokenRequest, as_request
from vault.tokens import (
    EMAIL,
    NUMERIC,
    PHONE,
    TAGGED,
    TEXT,
    TokenFormat,
    derive,
    fingerprint,
    kind_of,
    normalize,
    tagged,
)
from vault.unmask import check

KEY = bytes(range(32))


@pytest.mark.parametrize(
    ("entity", "a", "b"),
    [
        ("EMAIL_ADDRESS", "Jane@X.com", "jane@x.com"),
        ("EMAIL_ADDRESS", " JANE@x.COM\n", "jane@x.com"),
        ("PHONE_NUMBER", "(415) 555-0132", "+14155550132"),
        ("PHONE_NUMBER", "+44 20 7946 0958", "+442079460958"),
        ("CREDIT_CARD", "4111 1111-1111 1111", "4111111111111111"),
        ("IBAN_CODE", "de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("PERSON", "  Jane   Smith ", "Jane Smith"),
        ("PERSON", "Jose\u0301", "José"),
    ],
)
def test_normalize(entity: str, a: str, b: str) -> None:
    assert normalize(entity, a) == b


def test_person_names_keep_case() -> None:
    assert normalize("PERSON", "jane smith") != normalize("PERSON", "Jane Smith")


def test_fingerprint_separates_classes_and_values() -> None:
    assert fingerprint(KEY, "PERSON", "Paris") != fingerprint(KEY, "LOCATION", "Paris")
    assert fingerprint(KEY, "PERSON", "ab") != fingerprint(KEY, "PERSONa", "b")
    assert fingerprint(KEY, "PERSON", "x") == fingerprint(KEY, "PERSON", "x")
    assert fingerprint(KEY, "PERSON", "x") != fingerprint(bytes(32), "PERSON", "x")


@given(value=st.text(min_size=1, max_size=40), attempt=st.integers(0, 63))
def test_derived_tokens_have_their_kinds_shape(value: str, attempt: int) -> None:
    fp = fingerprint(KEY, "PERSON", value)
    fmt = TokenFormat()
    text = derive(KEY, fp, TEXT, attempt, fmt)
    assert len(text) == 12 and text.isascii() and text.isalnum()
    numeric = derive(KEY, fp, NUMERIC, attempt, fmt)
    assert len(numeric) == 16 and numeric.isdigit()
    email = derive(KEY, fp, EMAIL, attempt, fmt)
    assert TAGGED.fullmatch(tagged("EMAIL_ADDRESS", email))
    assert derive(KEY, fp, TEXT, attempt, fmt) == text
    assert derive(KEY, fp, TEXT, attempt + 1, fmt) != text


def test_phone_tokens_keep_the_country_code() -> None:
    fp = fingerprint(KEY, "PHONE_NUMBER", "+33612345678")
    token = derive(KEY, fp, PHONE, 0, TokenFormat(), "+33612345678")
    assert token.startswith("+33") and len(token) == len("+33612345678") and token[1:].isdigit()


@pytest.mark.parametrize(
    ("name", "kind"), [("Text Token", TEXT), ("numeric_token", NUMERIC), ("email", EMAIL)]
)
def test_kind_names(name: str, kind: str) -> None:
    assert kind_of(name) == kind


def test_unknown_kind() -> None:
    with pytest.raises(VaultError, match="unknown token kind"):
        kind_of("Secret Token")


def test_token_format_bounds() -> None:
    with pytest.raises(VaultError):
        TokenFormat(text_length=0)


def test_tagged_roundtrip() -> None:
    text = f"{tagged('PERSON', 'Ab12')} lives in {tagged('STREET_ADDRESS', '7487')}"
    assert text == "<PER>Ab12</PER> lives in <ADDRESS>7487</ADDRESS>"
    assert [(m[1], m[2]) for m in TAGGED.finditer(text)] == [("PER", "Ab12"), ("ADDRESS", "7487")]
    assert TAGGED.search("<PER>Ab12</LOC>") is None


def test_as_request_canonicalizes() -> None:
    assert as_request(("EMAIL", "a@b.c", "numeric")) == TokenRequest("EMAIL_ADDRESS", "a@b.c", NUMERIC)
    assert as_request(("PER", "Jane")) == TokenRequest("PERSON", "Jane", TEXT)


def test_cache_is_bounded_and_keyed_without_values() -> None:
    cache = TokenCache(2)
    keys = [cache.key("t", TokenRequest("PERSON", f"value {i}")) for i in range(3)]
    for i, key in enumerate(keys):
        cache.put(key, f"tok{i}")
        assert b"value" not in key
    assert len(cache) == 2 and cache.get(keys[0]) is None and cache.get(keys[2]) == "tok2"
    assert cache.key("a", TokenRequest("PERSON", "x")) != cache.key("b", TokenRequest("PERSON", "x"))


def test_local_key_provider_wraps_and_refuses_other_keys() -> None:
    current, old = bytes(32), bytes([1] * 32)
    provider = LocalKeyProvider(current, [old])
    wrapped = provider.wrap(b"k" * 32, b"ctx")
    assert provider.unwrap(wrapped, provider.key_id, b"ctx") == b"k" * 32
    with pytest.raises(MasterKeyError, match="does not authenticate"):
        provider.unwrap(wrapped, provider.key_id, b"other context")
    with pytest.raises(MasterKeyError, match="neither the current"):
        provider.unwrap(wrapped, master_key_id(bytes([2] * 32)), b"ctx")
    old_wrapped = LocalKeyProvider(old).wrap(b"v" * 32, b"ctx")
    assert provider.unwrap(old_wrapped, master_key_id(old), b"ctx") == b"v" * 32


@pytest.mark.parametrize("text", ["", "short", "!!!!", "c2hvcnQ="])
def test_bad_master_keys(text: str) -> None:
    with pytest.raises(MasterKeyError):
        decode_master_key(text, "test")


def test_generated_master_key_decodes() -> None:
    assert len(decode_master_key(generate_master_key(), "test")) == 32


def test_audit_payload_is_canonical() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    a = AuditRecord("acme", "mask", "ok", counts={"b": 1, "a": 2}, at=at)
    b = AuditRecord("acme", "mask", "ok", counts={"a": 2, "b": 1}, at=at)
    assert a.payload() == b.payload()
    assert '"2026-01-02T03:04:05.000006+00:00"' in a.payload()


POLICY = UnmaskPolicy(name="p", classes=("PERSON",), principals=("mailer",), purposes=("email_send",))


@pytest.mark.parametrize(
    ("policy", "principal", "purpose", "reason"),
    [
        (POLICY, Principal("t", "mailer", frozenset({"unmask:p"})), "email_send", None),
        (POLICY, Principal("t", "mailer", frozenset({"unmask:*"})), None, None),
        (POLICY, Principal("t", "mailer", frozenset({"admin"})), None, None),
        (None, Principal("t", "mailer", frozenset({"unmask:p"})), None, "unknown policy"),
        (POLICY, Principal("t", "mailer", frozenset({"mask"})), None, "principal lacks the scope"),
        (POLICY, Principal("t", "other", frozenset({"unmask:p"})), None, "principal not named in the policy"),
        (
            POLICY,
            Principal("t", "mailer", frozenset({"unmask:p"})),
            "marketing",
            "purpose not allowed by the policy",
        ),
    ],
)
def test_unmask_policy_check(
    policy: UnmaskPolicy | None, principal: Principal, purpose: str | None, reason: str | None
) -> None:
    assert check(policy, "p", principal, purpose) == reason


def test_write_paths_do_not_import_detokenize() -> None:
    code = (
        "import sys, vault, vault.store, vault.tokenize, vault.keys, vault.audit, vault.policies;"
        "import veilstream.cli;"
        "print([m for m in sys.modules if m in ('vault.detokenize', 'vault.unmask')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@given(key=st.binary(max_size=100), msg=st.binary(max_size=200))
def test_prepared_hmac_is_hmac_sha256(key: bytes, msg: bytes) -> None:
    import hashlib
    import hmac

    from vault.tokens import HmacSha256

    assert HmacSha256(key)(msg) == hmac.digest(key, msg, hashlib.sha256)


@given(fp=st.binary(min_size=32, max_size=32), attempt=st.integers(0, 63))
def test_hoisted_derivation_matches_derive(fp: bytes, attempt: int) -> None:
    from vault.tokens import derive_prefix, fingerprint_prefix, keyed, token_of

    fmt = TokenFormat()
    for kind in (TEXT, NUMERIC, EMAIL):
        digest = keyed(KEY)(derive_prefix(kind, attempt) + fp)
        assert token_of(digest, kind, fmt) == derive(KEY, fp, kind, attempt, fmt)
    assert keyed(KEY)(fingerprint_prefix("PERSON") + b"x") == fingerprint(KEY, "PERSON", "x")


def test_every_whitespace_but_space_is_unprintable() -> None:
    """What `normalize`'s fast path (skip the substitution for printable text without "  ")
    stands on: a token must not change with the path a value takes."""
    import regex

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    spaces = set(regex.compile(r"\s").findall(every))
    assert " " in spaces and len(spaces) > 20
    assert [hex(ord(c)) for c in spaces if c != " " and c.isprintable()] == []


@given(value=st.text(alphabet=st.sampled_from("ab \t\n\u00a0\u2003\u3000\x85é\u0301"), max_size=12))
def test_normalize_fast_path_matches_the_substitution(value: str) -> None:
    import unicodedata

    from vault.tokens import _SPACE

    assert normalize("PERSON", value) == _SPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def test_cache_keys_are_unambiguous() -> None:
    cache = TokenCache(10)
    a = cache.key("t", TokenRequest("PERSON", "b\x00c", subject="a"))
    b = cache.key("t", TokenRequest("PERSON", "c", subject="a\x00b"))
    assert a != b
    assert cache.key("t", TokenRequest("PERSON", "x")) != cache.key(
        "t", TokenRequest("PERSON", "x", subject="")
    )
    assert cache.key("t\x00PERSON", TokenRequest("", "x")) != cache.key("t", TokenRequest("\x00PERSON", "x"))
    assert cache.key("t", TokenRequest("PERSON", "x")) == cache.key("t", TokenRequest("PERSON", "x"))


def test_encrypt_many_draws_a_nonce_each() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from vault.keys import NONCE_BYTES, TenantKeys

    keys = TenantKeys("t", KEY, 1, {1: AESGCM(bytes(32))})
    items = [(b"same value", b"aad %d" % i) for i in range(50)]
    cts, version = keys.encrypt_many(items)
    assert version == 1 and len({ct[:NONCE_BYTES] for ct in cts}) == 50
    assert [keys.decrypt(ct, 1, aad) for ct, (_, aad) in zip(cts, items, strict=True)] == [b"same value"] * 50


def test_synchronous_commit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from vault import VaultSettings

    assert VaultSettings().synchronous_commit == "on"
    monkeypatch.setenv("VEILSTREAM_SYNCHRONOUS_COMMIT", "off")
    assert VaultSettings().synchronous_commit == "off"
    monkeypatch.setenv("VEILSTREAM_SYNCHRONOUS_COMMIT", "local")
    with pytest.raises(ValidationError):
        VaultSettings()


def test_tokenize_texts_replaces_spans_as_apply_spans_does() -> None:
    """The whole-field shortcut of `Tokenizer.tokenize_texts` gives what `apply_spans` gives,
    and the requests go to `tokenize_many` in span order, as (class, value, kind) items."""
    import asyncio
    from typing import Any

    from detectors import Span, apply_spans
    from vault.tokenize import Tokenizer
    from vault.tokens import tagged

    seen: list[Any] = []

    class Recording(Tokenizer):
        async def tokenize_many(self, tenant: str, items: Any, *, principal: str | None = None) -> list[str]:
            seen.extend(items)
            return [f"tok{len(seen) - len(items) + i}" for i in range(len(items))]

    docs = [
        ("Jane Roe", [Span(0, 8, "PERSON", 1.0, "fields")]),  # a whole field
        ("x", [Span(0, 1, "CUSTOMER_TIER", 1.0, "fields")]),  # a custom class: its own tag
        (
            "mail a@b.io or c@d.io",
            [Span(5, 11, "EMAIL_ADDRESS", 0.9, "p"), Span(15, 21, "EMAIL_ADDRESS", 0.9, "p")],
        ),
        ("no spans", []),
        (" Jane", [Span(1, 5, "PERSON", 1.0, "fields")]),  # not the whole text
        ("Jane ", [Span(0, 4, "PERSON", 1.0, "fields")]),
        ("+1 415 555 0134", [Span(0, 15, "PHONE_NUMBER", 1.0, "fields")]),
    ]
    tokenizer = Recording(None, None)  # type: ignore[arg-type]  # no database for this
    out = asyncio.run(tokenizer.tokenize_texts("acme", docs, kinds={"PHONE_NUMBER": "phone"}))
    tokens = iter(f"tok{i}" for i in range(len(seen)))
    expected = [
        apply_spans(text, spans, lambda s, _v: tagged(s.entity, next(tokens))) for text, spans in docs
    ]
    assert out == expected
    assert seen == [
        ("PERSON", "Jane Roe", "Text Token"),
        ("CUSTOMER_TIER", "x", "Text Token"),
        ("EMAIL_ADDRESS", "a@b.io", "Text Token"),
        ("EMAIL_ADDRESS", "c@d.io", "Text Token"),
        ("PERSON", "Jane", "Text Token"),
        ("PERSON", "Jane", "Text Token"),
        ("PHONE_NUMBER", "+1 415 555 0134", "phone"),
    ]
    assert out[0] == "<PER>tok0</PER>" and out[3] == "no spans"
