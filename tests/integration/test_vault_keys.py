"""Master key checks, data key rotation, re-encryption and re-wrapping on a real Postgres."""

from __future__ import annotations

import psycopg
import pytest

from detectors.policy import Policy
from vault import MasterKeyError, Vault, VaultSettings
from vault import policies as vault_policies
from vault.keys import generate_master_key
from vault.principals import Principal
from vault.unmask import unmask_texts

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

READER = Principal("acme", "reader", frozenset({"unmask:all"}))
POLICY = Policy.model_validate(
    {"tenant": "acme", "unmask_policies": [{"name": "all", "classes": ["PERSON"], "principals": ["reader"]}]}
)


async def _apply_policy(vault: Vault) -> None:
    async with vault.pool.connection() as conn:
        await vault_policies.apply(conn, vault.keyring, POLICY)


async def _reveal(vault: Vault, token: str) -> str:
    [result], _ = await unmask_texts(vault, READER, "all", [f"<PER>{token}</PER>"])
    return result.text


async def _versions(settings: VaultSettings) -> list[tuple[object, ...]]:
    async with await psycopg.AsyncConnection.connect(settings.database_url.get_secret_value()) as conn:
        cur = await conn.execute("SELECT token_value, key_version FROM tokens ORDER BY id")
        return await cur.fetchall()


async def test_missing_master_key_refuses_to_start(settings: VaultSettings) -> None:
    with pytest.raises(MasterKeyError, match="VEILSTREAM_MASTER_KEY"):
        await Vault.open(settings.model_copy(update={"master_key": None, "master_key_file": None}))


async def test_wrong_master_key_refuses_to_start(settings: VaultSettings) -> None:
    async with await Vault.open(settings) as vault:
        await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
    other = VaultSettings(**{**settings.model_dump(), "master_key": generate_master_key()})
    with pytest.raises(MasterKeyError, match="refusing to start") as info:
        await Vault.open(other)
    assert "Jane" not in str(info.value)


async def test_master_key_from_file(settings: VaultSettings, master_key: str, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "master.key"
    path.write_text(master_key + "\n")
    from_file = VaultSettings(**{**settings.model_dump(), "master_key": None, "master_key_file": path})
    async with await Vault.open(from_file) as vault:
        assert await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])


async def test_rotation_keeps_tokens_and_old_rows_decrypt(vault: Vault, settings: VaultSettings) -> None:
    await _apply_policy(vault)
    [old] = await vault.tokenize_many("acme", [("PERSON", "Old Value")])
    assert await vault.rotate("acme") == 2
    [new] = await vault.tokenize_many("acme", [("PERSON", "New Value")])
    assert await _versions(settings) == [(old, 1), (new, 2)]
    assert await _reveal(vault, old) == "Old Value"
    assert await _reveal(vault, new) == "New Value"

    assert await vault.reencrypt("acme") == 1
    assert await _versions(settings) == [(old, 2), (new, 2)]
    assert await _reveal(vault, old) == "Old Value"
    assert await vault.tokenize_many("acme", [("PERSON", "Old Value")]) == [old]


async def test_rotation_seen_by_another_process(settings: VaultSettings) -> None:
    async with await Vault.open(settings) as a, await Vault.open(settings) as b:
        await _apply_policy(a)
        [tok] = await a.tokenize_many("acme", [("PERSON", "Jane Smith")])
        await b.rotate("acme")
        b.keyring.forget()
        [tok2] = await b.tokenize_many("acme", [("PERSON", "Other Person")])
        # `a` still caches key version 1 only; it must still decrypt the version-2 row.
        assert await _reveal(a, tok2) == "Other Person"
        assert await _reveal(a, tok) == "Jane Smith"


async def test_master_key_change_and_rewrap(settings: VaultSettings, master_key: str) -> None:
    async with await Vault.open(settings) as vault:
        await _apply_policy(vault)
        [tok] = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
    new_key = generate_master_key()
    changed = VaultSettings(
        **{**settings.model_dump(), "master_key": new_key, "previous_master_keys": [master_key]}
    )
    async with await Vault.open(changed) as vault:
        assert await vault.rewrap("acme") == 2  # fingerprint key + data key 1
        assert await _reveal(vault, tok) == "Jane Smith"
    only_new = VaultSettings(**{**settings.model_dump(), "master_key": new_key})
    async with await Vault.open(only_new) as vault:
        assert await _reveal(vault, tok) == "Jane Smith"
        assert await vault.tokenize_many("acme", [("PERSON", "Jane Smith")]) == [tok]


@pytest.mark.parametrize("key", ["c2hvcnQ=", "not base64!"])
async def test_malformed_master_key_refuses_to_start(settings: VaultSettings, key: str) -> None:
    with pytest.raises(MasterKeyError, match=r"base64|32 bytes"):
        await Vault.open(VaultSettings(**{**settings.model_dump(), "master_key": key}))


async def test_unmigrated_database_is_a_clear_refusal(settings: VaultSettings) -> None:
    from vault import VaultError

    with pytest.raises(VaultError, match="veilstream db migrate"):
        await Vault.open(settings, migrate_now=False)


async def test_quarantine_keeps_raw_records_encrypted(vault: Vault, settings: VaultSettings) -> None:
    raw = b'{"text": "call Jane Smith on +1 415 555 0132"}'
    await vault.quarantine("acme", "crm.cdc.contacts/0/42", "detector timeout", raw)
    await vault.quarantine("acme", "crm.cdc.contacts/0/42", "detector timeout", raw)  # replayed: idempotent
    async with await psycopg.AsyncConnection.connect(settings.database_url.get_secret_value()) as conn:
        cur = await conn.execute("SELECT ciphertext FROM quarantine")
        rows = await cur.fetchall()
    assert len(rows) == 1 and b"Jane" not in bytes(rows[0][0])
    assert await vault.release("acme", "crm.cdc.contacts/0/42") == raw
    assert await vault.release("acme", "crm.cdc.contacts/0/43") is None
