"""Tokens on a real Postgres: determinism, isolation, kinds, collisions, concurrency."""

from __future__ import annotations

import asyncio

import anyio
import phonenumbers
import psycopg
import pytest

from vault import (
    EMAIL,
    NUMERIC,
    PHONE,
    TEXT,
    TokenFormat,
    TokenRequest,
    TokenSpaceExhaustedError,
    Vault,
    audit,
)
from vault.settings import VaultSettings

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _rows(settings: VaultSettings, query: str) -> list[tuple[object, ...]]:
    async with await psycopg.AsyncConnection.connect(settings.database_url.get_secret_value()) as conn:
        cur = await conn.execute(query)  # type: ignore[arg-type]
        return await cur.fetchall()


async def test_same_value_same_token_across_restarts(settings: VaultSettings) -> None:
    items = [("PERSON", "Jane Smith", TEXT), ("EMAIL_ADDRESS", "jane@example.com", TEXT)]
    async with await Vault.open(settings) as first:
        before = await first.tokenize_many("acme", items)
    async with await Vault.open(settings) as second:  # new pool, empty caches
        after = await second.tokenize_many("acme", items)
    assert before == after
    assert len(set(before)) == 2


async def test_tokens_are_alphanumeric_of_configured_length(vault: Vault) -> None:
    text, numeric = await vault.tokenize_many(
        "acme", [("PERSON", "Jane Smith", TEXT), ("DATE_OF_BIRTH", "15/8/2010", NUMERIC)]
    )
    assert text.isalnum() and text.isascii() and len(text) == 12
    assert numeric.isdigit() and len(numeric) == 16


async def test_normalization_shares_tokens(vault: Vault) -> None:
    tokens = await vault.tokenize_many(
        "acme",
        [
            ("EMAIL_ADDRESS", "Jane@X.com"),
            ("EMAIL_ADDRESS", " jane@x.com "),
            ("PHONE_NUMBER", "(415) 555-0132"),
            ("PHONE_NUMBER", "+1 415 555 0132"),
            ("CREDIT_CARD", "4111 1111 1111 1111"),
            ("CREDIT_CARD", "4111-1111-1111-1111"),
        ],
    )
    assert tokens[0] == tokens[1]
    assert tokens[2] == tokens[3]
    assert tokens[4] == tokens[5]


async def test_class_and_kind_are_part_of_identity(vault: Vault) -> None:
    tokens = await vault.tokenize_many(
        "acme", [("PERSON", "Paris", TEXT), ("LOCATION", "Paris", TEXT), ("LOCATION", "Paris", NUMERIC)]
    )
    assert len(set(tokens)) == 3


async def test_tenants_are_isolated(vault: Vault) -> None:
    acme = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
    other = await vault.tokenize_many("globex", [("PERSON", "Jane Smith")])
    assert acme != other


async def test_format_preserving_email_and_phone(vault: Vault) -> None:
    email, phone = await vault.tokenize_many(
        "acme", [("EMAIL_ADDRESS", "jane@example.com", EMAIL), ("PHONE_NUMBER", "+44 20 7946 0958", PHONE)]
    )
    local, _, domain = email.partition("@")
    assert local.isalnum() and domain == "masked.invalid"
    number = phonenumbers.parse(phone, None)
    assert number.country_code == 44
    assert phone != "+442079460958"


async def test_values_are_encrypted_at_rest(vault: Vault, settings: VaultSettings) -> None:
    await vault.tokenize_many("acme", [("PERSON", "Zacharias Quintero")])
    rows = await _rows(settings, "SELECT ciphertext, key_version, fingerprint FROM tokens")
    assert len(rows) == 1
    ciphertext = bytes(rows[0][0])  # type: ignore[arg-type]
    assert b"Zacharias" not in ciphertext and rows[0][1] == 1


async def test_collisions_never_hand_back_another_values_token(settings: VaultSettings) -> None:
    # 10 possible numeric tokens: collisions are certain, re-derivation must resolve them.
    async with await Vault.open(settings, fmt=TokenFormat(numeric_length=1)) as tiny:
        values = [f"value-{i}" for i in range(10)]
        tokens = await tiny.tokenize_many("acme", [("PERSON", v, NUMERIC) for v in values])
        assert sorted(tokens) == [str(d) for d in range(10)]
        again = await tiny.tokenize_many("acme", [("PERSON", v, NUMERIC) for v in reversed(values)])
        assert again == list(reversed(tokens))
        with pytest.raises(TokenSpaceExhaustedError):
            await tiny.tokenize_many("acme", [("PERSON", "one too many", NUMERIC)])
    rows = await _rows(settings, "SELECT count(*), count(DISTINCT token_value) FROM tokens")
    assert rows == [(10, 10)]


async def test_cache_serves_repeats_and_batch_dedupes(vault: Vault, settings: VaultSettings) -> None:
    first = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")] * 3)
    assert len(set(first)) == 1
    assert len(vault.tokenizer.cache) == 1
    again = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
    assert again == first[:1]
    rows = await _rows(settings, "SELECT count(*) FROM tokens")
    assert rows == [(1,)]


async def test_concurrent_tokenization_of_one_value(settings: VaultSettings) -> None:
    vaults = [await Vault.open(settings) for _ in range(3)]  # three "processes", separate caches and pools
    results: list[str] = []
    try:

        async def one(v: Vault) -> None:
            results.extend(await v.tokenize_many("acme", [("PERSON", "Jane Smith"), ("EMAIL", "j@x.org")]))

        async with anyio.create_task_group() as tg:
            for i in range(30):
                tg.start_soon(one, vaults[i % 3])
    finally:
        await asyncio.gather(*(v.close() for v in vaults))
    assert len(set(results[0::2])) == 1 and len(set(results[1::2])) == 1
    rows = await _rows(settings, "SELECT count(*) FROM tokens")
    assert rows == [(2,)]
    async with await Vault.open(settings) as v, v.pool.connection() as conn:
        report = await audit.verify(conn, "acme")
    assert report.ok and report.records == 30  # one chained record per batch, none lost to the race


async def test_tokenize_texts_tags_spans(vault: Vault) -> None:
    from detectors import Document, default_pipeline

    text = "Write to jane.doe@example.com or call +1 415 555 0132."
    spans = default_pipeline().detect(Document(text))
    [masked] = await vault.tokenize_texts("acme", [(text, spans)])
    assert "jane.doe@example.com" not in masked and "555" not in masked
    assert "<EMAIL>" in masked and "</PHONE>" in masked
    [email_token] = await vault.tokenize_many("acme", [("EMAIL_ADDRESS", "jane.doe@example.com")])
    assert f"<EMAIL>{email_token}</EMAIL>" in masked


async def test_subject_is_attached_later(vault: Vault, settings: VaultSettings) -> None:
    await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
    await vault.tokenize_many("acme", [TokenRequest("PERSON", "Jane Smith", TEXT, subject="cust-1")])
    rows = await _rows(settings, "SELECT subject_id FROM tokens")
    assert rows == [("cust-1",)]


async def test_same_token_from_another_process(
    vault: Vault, settings: VaultSettings, master_key: str
) -> None:
    import os
    import sys

    [token] = await vault.tokenize_many("acme", [("EMAIL_ADDRESS", "Jane@Example.com")])
    code = (
        "import asyncio\n"
        "from vault import Vault\n"
        "async def main():\n"
        "    async with await Vault.open() as v:\n"
        "        print((await v.tokenize_many('acme', [('EMAIL', 'jane@example.com')]))[0])\n"
        "asyncio.run(main())\n"
    )
    env = {
        **os.environ,
        "VEILSTREAM_DATABASE_URL": settings.database_url.get_secret_value(),
        "VEILSTREAM_MASTER_KEY": master_key,
    }
    out = await anyio.run_process([sys.executable, "-c", code], env=env)
    assert out.stdout.decode().strip() == token
