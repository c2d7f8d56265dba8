"""The mask path's fast and slow ways through Postgres, and what each must keep.

- a batch is one statement outside a transaction block (tokens, refresh, audit record) when
  nothing conflicts, and the step-by-step transaction otherwise, with the same result;
- the per-value probe uses the identity index even for a tenant the statistics do not know;
- `synchronous_commit=off` applies to the mask path's connections only.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
import pytest

from vault import Vault, VaultSettings, audit
from vault import tokenize as tokenize_module
from vault.unmask import unmask_texts

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _one(settings: VaultSettings, query: str) -> object:
    async with await psycopg.AsyncConnection.connect(settings.database_url.get_secret_value()) as conn:
        row = await (await conn.execute(query)).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return row[0]


async def _mask_records(vault: Vault, tenant: str) -> list[dict[str, object]]:
    async with vault.pool.connection() as conn:
        return [r async for r in audit.export(conn, tenant) if r["action"] == "mask"]


@pytest.mark.parametrize(("others", "path"), [(1, "one-statement"), (2 * tokenize_module.CHUNK, "pipelined")])
async def test_value_inserted_meanwhile_by_another_writer(
    vault: Vault, settings: VaultSettings, caplog: pytest.LogCaptureFixture, others: int, path: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="vault.tokenize")
    await vault.tokenize_many("acme", [("PERSON", "warm up")])
    async with await Vault.open(settings.model_copy(update={"token_cache_size": 0})) as other:
        keys = await other.keyring.get("acme")
        tokenizer = other.tokenizer
        misses = [(0, "PERSON", "Text Token", None, "Jane Smith", b"")]
        pending = tokenizer._pending(keys, misses)
        async with other.pool.connection() as conn:
            # The other writer's insert, not committed yet: this vault cannot see it, and its
            # own insert of the same value waits on the unique index, then fails.
            [theirs] = await tokenizer._resolve(
                conn, keys, "acme", pending, tokenizer._params(keys, "acme", pending, 0)
            )
            batch = [("PERSON", "Jane Smith")] + [("PERSON", f"John Doe {i}") for i in range(others)]
            task = asyncio.create_task(vault.tokenize_many("acme", batch))
            for _ in range(200):
                waiting = await _one(
                    settings,
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND query LIKE '%WITH input AS%'",
                )
                if waiting:
                    break
                await asyncio.sleep(0.02)
            assert waiting, "the one-statement insert never waited on the other writer"
        jane, *johns = await task
    assert jane == theirs and jane not in johns and len(set(johns)) == others
    assert f"{path} path refused (UniqueViolation)" in caplog.text
    assert await _one(settings, "SELECT count(*) FROM tokens") == 2 + others
    # The refused statement wrote nothing: one audit record for the batch, from the slow path.
    records = await _mask_records(vault, "acme")
    assert [r["counts"] for r in records][-1] == {"classes": {"PERSON": 1 + others}, "cached": 0}
    assert len(records) == 2
    async with vault.pool.connection() as conn:
        assert (await audit.verify(conn, "acme")).ok


async def test_missing_chain_head_writes_no_tokens(vault: Vault, settings: VaultSettings) -> None:
    await vault.tokenize_many("acme", [("PERSON", "warm up")])
    async with vault.pool.connection() as conn:
        await conn.execute("DELETE FROM audit_head WHERE tenant_id = 'acme'")
    with pytest.raises(psycopg.DataError, match="audit chain head missing"):
        await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
    assert await _one(settings, "SELECT count(*) FROM tokens") == 1


async def test_missing_chain_head_writes_no_chunk_of_a_pipelined_batch(
    vault: Vault, settings: VaultSettings
) -> None:
    await vault.tokenize_many("acme", [("PERSON", "warm up")])
    async with vault.pool.connection() as conn:
        await conn.execute("DELETE FROM audit_head WHERE tenant_id = 'acme'")
    big = [("PERSON", f"person {i}") for i in range(3 * tokenize_module.CHUNK + 1)]
    with pytest.raises(psycopg.DataError, match="audit chain head missing"):
        await vault.tokenize_many("acme", big)  # the last chunk fails: the earlier ones roll back
    assert await _one(settings, "SELECT count(*) FROM tokens") == 1


async def test_pipelined_batch_matches_one_statement_batches(
    vault: Vault, settings: VaultSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="vault.tokenize")
    n = 3 * tokenize_module.CHUNK + 7
    emails = [f"user{i}@example.com" for i in range(n)]
    # the same addresses in other casings (one token each): they land in other chunks
    items = [("EMAIL_ADDRESS", e, "Email Token") for e in emails]
    items += [("EMAIL_ADDRESS", e.upper(), "Email Token") for e in emails[:50]]
    items += [("PHONE_NUMBER", f"+1 415 555 {i:04d}", "Numeric Token") for i in range(100)]
    pipelined = await vault.tokenize_many("acme", items)
    assert "refused" not in caplog.text
    assert pipelined[n : n + 50] == pipelined[:50]
    assert len(set(pipelined)) == n + 100
    assert await _one(settings, "SELECT count(*) FROM tokens") == n + 100
    records = await _mask_records(vault, "acme")
    assert [r["counts"] for r in records] == [
        {"classes": {"EMAIL_ADDRESS": n + 50, "PHONE_NUMBER": 100}, "cached": 0}
    ]
    async with await Vault.open(settings.model_copy(update={"token_cache_size": 0})) as other:
        one_by_one = [
            t for i in range(0, len(items), 50) for t in await other.tokenize_many("acme", items[i : i + 50])
        ]
    assert one_by_one == pipelined


async def test_cached_batch_is_audited_and_leaves_connections_in_transaction_mode(vault: Vault) -> None:
    first = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")] * 2)
    again = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")] * 3)  # all from the cache
    assert again == first[:1] * 3
    records = await _mask_records(vault, "acme")
    assert [r["counts"] for r in records] == [
        {"classes": {"PERSON": 2}, "cached": 0},
        {"classes": {"PERSON": 3}, "cached": 3},
    ]
    held = [await vault.pool.getconn() for _ in range(vault.settings.pool_max_size)]
    try:
        assert not any(conn.autocommit for conn in held)
    finally:
        for conn in held:
            await vault.pool.putconn(conn)


async def test_probe_uses_the_identity_index_for_a_tenant_unknown_to_statistics(
    vault: Vault, settings: VaultSettings
) -> None:
    async with vault.pool.connection() as conn:
        await conn.execute("ALTER TABLE tokens SET (autovacuum_enabled = off)")
    for start in range(0, 3000, 500):
        await vault.tokenize_many("big", [("PERSON", f"big {i}") for i in range(start, start + 500)])
    async with vault.pool.connection() as conn:
        await conn.execute("ANALYZE tokens")
    for start in range(0, 1000, 500):
        await vault.tokenize_many("new", [("PERSON", f"new {i}") for i in range(start, start + 500)])
    keys = await vault.keyring.get("new")
    tokenizer = vault.tokenizer
    misses = [(i, "PERSON", "Text Token", None, f"new {i}", b"") for i in range(500)]
    pending = tokenizer._pending(keys, misses)
    params = tokenizer._params(keys, "new", pending, 0) | audit.record_params(
        audit.AuditRecord("new", "mask", "ok")
    )
    for query in (tokenize_module._STORE_ONE, tokenize_module._STORE):
        async with vault.pool.connection() as conn:
            cur = await conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + query, params)
            plan = "\n".join(str(row[0]) for row in await cur.fetchall())
            await conn.rollback()
        assert "Index Scan using tokens_identity on tokens" in plan, plan
        assert "using tokens_token" not in plan, plan


async def test_probe_uses_the_identity_index_on_a_table_never_analyzed(settings: VaultSettings) -> None:
    """A new deployment: `tokens` fills up before autovacuum has analyzed it. Before migration
    0002 the statement psycopg had prepared probed `tokens_token` on the tenant alone there,
    reading every row of the tenant for each value (12 ms for 10 values after 2,000 rows)."""
    one = settings.model_copy(update={"pool_min_size": 1, "pool_max_size": 1})
    plans: list[str] = []
    async with await Vault.open(one) as vault:
        async with vault.pool.connection() as conn:
            await conn.execute("ALTER TABLE tokens SET (autovacuum_enabled = off)")
            await conn.commit()
            # the plans actually run, sent back as notices (this session only)
            await conn.execute("LOAD 'auto_explain'")
            for name, value in [("log_min_duration", "0"), ("log_analyze", "on"), ("log_level", "notice"),
                                ("log_nested_statements", "on")]:  # fmt: skip
                await conn.execute(f"SET auto_explain.{name} = '{value}'")
            await conn.commit()
            conn.add_notice_handler(lambda d: plans.append(d.message_primary or ""))
        for batch in range(200):
            await vault.tokenize_many("acme", [("PERSON", f"acme {batch} {i}") for i in range(10)])
    probes = [p for p in plans if "CTE found" in p]
    assert len(probes) == 200, len(plans)
    for plan in probes[-5:]:  # prepared, on a table of ~2,000 rows without statistics
        assert "Index Scan using tokens_identity on tokens t" in plan, plan
        assert "Rows Removed by Filter" not in plan.split("CTE ins")[0], plan


async def test_synchronous_commit_off_applies_to_the_mask_path_only(settings: VaultSettings) -> None:
    async with await Vault.open(settings) as default:
        assert default.write_pool is default.pool
        assert default.tokenizer.pool is default.pool
        async with default.pool.connection() as conn:
            assert await (await conn.execute("SHOW synchronous_commit")).fetchone() == ("on",)
    off = settings.model_copy(update={"synchronous_commit": "off"})
    async with await Vault.open(off) as vault:
        assert vault.write_pool is not vault.pool and vault.tokenizer.pool is vault.write_pool
        async with vault.write_pool.connection() as conn:
            assert await (await conn.execute("SHOW synchronous_commit")).fetchone() == ("off",)
            # the URL's own options (here the test schema's search_path) are kept
            assert await (await conn.execute("SELECT count(*) FROM tokens")).fetchone() == (0,)
        async with vault.pool.connection() as conn:  # unmask, erasure, keys, principals
            assert await (await conn.execute("SHOW synchronous_commit")).fetchone() == ("on",)
        [token] = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
        async with vault.pool.connection() as conn:
            from detectors.policy import Policy
            from vault import policies
            from vault.principals import Principal

            policy = {
                "tenant": "acme",
                "unmask_policies": [{"name": "p", "classes": ["PERSON"], "principals": ["r"]}],
            }
            await policies.apply(conn, vault.keyring, Policy.model_validate(policy))
        [out], _ = await unmask_texts(
            vault, Principal("acme", "r", frozenset({"unmask:p"})), "p", [f"<PER>{token}</PER>"]
        )
        assert out.text == "Jane Smith"
        async with vault.pool.connection() as conn:
            assert (await audit.verify(conn, "acme")).ok


async def test_asynchronous_commit_lost_tokens_come_back_despite_the_cache(settings: VaultSettings) -> None:
    """What the setting's documentation promises after a crash: a lost token unmasks to nothing
    until its value is tokenized again, then it is stored again, the same token, even by a
    process whose cache held it (every connection after a crash is new, and empties the cache)."""
    from psycopg.conninfo import make_conninfo
    from pydantic import SecretStr

    app = "veilstream-async-commit-test"
    url = make_conninfo(settings.database_url.get_secret_value(), application_name=app)
    off = settings.model_copy(update={"synchronous_commit": "off", "database_url": SecretStr(url)})
    async with await Vault.open(off) as vault:
        [token] = await vault.tokenize_many("acme", [("PERSON", "Jane Smith")])
        assert len(vault.tokenizer.cache) == 1
        # the crash, as this process sees it: the commit is gone and so are its connections
        async with await psycopg.AsyncConnection.connect(settings.database_url.get_secret_value()) as conn:
            await conn.execute("DELETE FROM tokens")
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (app,),
            )
            await conn.commit()
        assert await vault.tokenize_many("acme", [("PERSON", "Jane Smith")]) == [token]
    assert await _one(settings, "SELECT count(*) FROM tokens") == 1


async def test_pipelined_batches_survive_collisions_on_one_connection(
    settings: VaultSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """A token taken by another value aborts the pipeline (the batch is redone step by step);
    the connection, its prepared statements included, stays usable batch after batch, and the
    refusal logs no warning (it is the expected way to meet a concurrent writer)."""
    caplog.set_level(logging.WARNING)
    one = settings.model_copy(update={"pool_min_size": 1, "pool_max_size": 1, "token_cache_size": 0})
    async with await Vault.open(one) as vault:
        tokenizer = vault.tokenizer
        await vault.tokenize_many("acme", [("PERSON", "warm up")])
        keys = await vault.keyring.get("acme")
        for r in range(8):  # past psycopg's prepare threshold (5 executions)
            batch = [("PERSON", f"round {r} value {i}") for i in range(2 * tokenize_module.CHUNK + 1)]
            if r % 2:  # another identity takes the first value's token
                pending = tokenizer._pending(keys, [(0, "PERSON", "Text Token", None, batch[0][1], b"")])
                token = tokenizer._params(keys, "acme", pending, 0)["tok"][0]
                async with vault.pool.connection() as conn:
                    await conn.execute(
                        "INSERT INTO tokens (tenant_id, entity_class, token_kind, fingerprint, token_value,"
                        " ciphertext, key_version) VALUES ('acme', 'PERSON', 'Text Token', %s, %s, 'x', 1)",
                        (bytes([r]) * 32, token),
                    )
            tokens = await vault.tokenize_many("acme", batch)
            assert len(set(tokens)) == len(batch)
            if r % 2:
                assert tokens[0] != token  # re-derived
        async with vault.pool.connection() as conn:
            assert (await audit.verify(conn, "acme")).ok
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
