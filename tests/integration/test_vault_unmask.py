"""Unmask policies, forged tokens, erasure and the audit chain on a real Postgres."""

from __future__ import annotations

import json
import logging

import psycopg
import pytest
import token_forms

from detectors.policy import Policy
from streams.masking import Rejected
from vault import NUMERIC, PolicyRefusedError, TokenRequest, UnknownPolicyError, Vault, VaultSettings
from vault import audit as vault_audit
from vault import policies as vault_policies
from vault.principals import Principal
from vault.unmask import unmask_texts

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

POLICY = Policy.model_validate(
    {
        "tenant": "acme",
        "unmask_policies": [
            {
                "name": "email-send",
                "classes": ["PERSON", "EMAIL"],
                "principals": ["mailer"],
                "purposes": ["email_send"],
            },
            {"name": "verify", "classes": ["PERSON", "ADDRESS"], "principals": ["agent"]},
        ],
    }
)
MAILER = Principal("acme", "mailer", frozenset({"mask", "unmask:email-send"}))
AGENT = Principal("acme", "agent", frozenset({"unmask:*"}))


@pytest.fixture
async def acme(vault: Vault) -> Vault:
    async with vault.pool.connection() as conn:
        await vault_policies.apply(conn, vault.keyring, POLICY)
    return vault


async def _tagged(vault: Vault) -> tuple[str, str, str]:
    per, email, addr = await vault.tokenize_many(
        "acme",
        [
            ("PERSON", "George Williams"),
            ("EMAIL_ADDRESS", "george@example.com"),
            ("STREET_ADDRESS", "Washington", NUMERIC),
        ],
    )
    return per, email, addr


async def _sql(settings: VaultSettings, *queries: str) -> list[tuple[object, ...]]:
    async with await psycopg.AsyncConnection.connect(settings.database_url.get_secret_value()) as conn:
        rows: list[tuple[object, ...]] = []
        for q in queries:
            cur = await conn.execute(q)  # type: ignore[arg-type]
            if cur.description:
                rows = await cur.fetchall()
        await conn.commit()
        return rows


async def test_unmask_reveals_only_policy_classes(acme: Vault) -> None:
    per, email, addr = await _tagged(acme)
    text = f"<PER>{per}</PER> <EMAIL>{email}</EMAIL> lives in <ADDRESS>{addr}</ADDRESS>"
    [out], report = await unmask_texts(acme, MAILER, "email-send", [text], purpose="email_send")
    assert out.text == f"George Williams george@example.com lives in <ADDRESS>{addr}</ADDRESS>"
    assert report.revealed == {"PERSON": 1, "EMAIL_ADDRESS": 1}
    assert report.withheld == {"STREET_ADDRESS": 1}

    [out], _ = await unmask_texts(acme, AGENT, "verify", [text])
    assert out.text == f"George Williams <EMAIL>{email}</EMAIL> lives in Washington"


async def test_contract_example_shape(acme: Vault) -> None:
    per, _, addr = await _tagged(acme)
    [out], _ = await unmask_texts(
        acme, AGENT, "verify", [f"<PER>{per}</PER> lives in <ADDRESS>{addr}</ADDRESS>"]
    )
    assert out.text == "George Williams lives in Washington"


async def test_bare_token_unmasks(acme: Vault) -> None:
    per, email, _ = await _tagged(acme)
    outs, _ = await unmask_texts(acme, MAILER, "email-send", [per, email])
    assert [o.text for o in outs] == ["George Williams", "george@example.com"]


async def test_forged_mangled_and_mistagged_tokens_are_left_and_reported(acme: Vault) -> None:
    per, email, _ = await _tagged(acme)
    forged = "AAAAAAAAAAAA"
    mangled = per[:-1] + ("x" if per[-1] != "x" else "y")
    text = f"<PER>{forged}</PER> <PER>{mangled}</PER> <PER>{email}</PER> <PER>{per}</PER"
    [out], report = await unmask_texts(acme, MAILER, "email-send", [text])
    head = text.removesuffix(f"<PER>{per}</PER")
    assert out.text == head + "George Williams"  # nothing guessed; the broken closing tag repaired
    assert report.unknown == 3 and report.revealed == {"PERSON": 1} and report.repaired == 1
    assert set(out.unresolved) == {forged, mangled, email}
    assert [x.reason for x in out.leftovers] == ["unknown_token", "unknown_token", "class_mismatch"]


@pytest.mark.parametrize("policy", ["tolerant", "strict"])
async def test_llm_token_forms_are_revealed_refused_or_flagged(vault: Vault, policy: str) -> None:
    t = await token_forms.prepare(vault)
    outs, report = await unmask_texts(vault, token_forms.READER, policy, token_forms.texts(t))
    got = {
        case.id: (o.text, [(x.text, x.reason) for x in o.leftovers], list(o.unresolved))
        for case, o in zip(token_forms.CASES, outs, strict=True)
    }
    assert got == token_forms.expected(t, strict=policy == "strict")
    repaired = sum(c.repaired is not None for c in token_forms.CASES)
    assert report.repaired == (0 if policy == "strict" else repaired)
    assert report.leftovers["not_exact"] == (repaired if policy == "strict" else 0)


async def test_llm_token_forms_through_the_unmask_worker(vault: Vault) -> None:
    from streams.kafka import InRecord
    from streams.unmask_client import signed_request
    from streams.unmask_service import UnmaskService
    from vault import principals

    t = await token_forms.prepare(vault)
    async with vault.pool.connection() as conn:
        secret = await principals.create(conn, vault.keyring, token_forms.TENANT, "reader", ["unmask:*"])
    for policy in ("tolerant", "strict"):
        records = [
            InRecord("requests", 0, i, None, json.dumps(signed_request(
                secret, tenant=token_forms.TENANT, principal="reader", policy_name=policy,
                token_value=text, request_id=f"{policy}-{i}",
            )).encode())
            for i, text in enumerate(token_forms.texts(t))
        ]  # fmt: skip
        replies = [json.loads(r.value or b"") for r in await UnmaskService(vault, "replies").answer(records)]  # type: ignore[union-attr]
        got = {
            case.id: (r["value"], [(x["text"], x["reason"]) for x in r["leftovers"]], r["unresolved"])
            for case, r in zip(token_forms.CASES, replies, strict=True)
        }
        assert got == token_forms.expected(t, strict=policy == "strict"), policy


@pytest.mark.parametrize(
    ("principal", "policy", "purpose", "error"),
    [
        (MAILER, "nope", None, UnknownPolicyError),
        (MAILER, "verify", None, PolicyRefusedError),  # scope missing
        (Principal("acme", "intruder", frozenset({"unmask:*"})), "email-send", None, PolicyRefusedError),
        (MAILER, "email-send", "marketing", PolicyRefusedError),
        (Principal("globex", "mailer", frozenset({"unmask:*"})), "email-send", None, UnknownPolicyError),
    ],
)
async def test_policy_refusals_are_audited(
    acme: Vault, settings: VaultSettings, principal: Principal, policy: str, purpose: str | None, error: type
) -> None:
    per, _, _ = await _tagged(acme)
    if principal.tenant != "acme":
        await acme.tokenize_many(principal.tenant, [("PERSON", "x")])
    with pytest.raises(error):
        await unmask_texts(acme, principal, policy, [f"<PER>{per}</PER>"], purpose=purpose)
    rows = await _sql(settings, "SELECT tenant_id, outcome FROM audit_log WHERE action = 'unmask'")
    assert len(rows) == 1 and rows[0][0] == principal.tenant and str(rows[0][1]).startswith("refused")


async def test_erasure(acme: Vault, settings: VaultSettings) -> None:
    [jane, bob] = await acme.tokenize_many(
        "acme",
        [
            TokenRequest("PERSON", "Jane Smith", subject="cust-1"),
            TokenRequest("PERSON", "Bob Stone", subject="cust-2"),
        ],
    )
    assert await acme.erase("acme", "cust-1") == {"PERSON": 1}
    text = f"<PER>{jane}</PER> and <PER>{bob}</PER>"
    [out], report = await unmask_texts(acme, AGENT, "verify", [text])
    assert out.text == f"<PER>{jane}</PER> and Bob Stone"
    assert report.erased == {"PERSON": 1}
    assert [(x.text, x.reason) for x in out.leftovers] == [(f"<PER>{jane}</PER>", "erased")]
    assert await acme.tokenize_many("acme", [("PERSON", "Jane Smith")]) == [jane]  # token stays
    rows = await _sql(settings, "SELECT counts FROM audit_log WHERE action = 'erase'")
    assert rows == [({"PERSON": 1},)]
    assert await acme.erase("acme", "cust-1") == {}


async def test_audit_chain_verifies_and_never_holds_values(acme: Vault, settings: VaultSettings) -> None:
    per, _, _ = await _tagged(acme)
    await unmask_texts(acme, MAILER, "email-send", [f"<PER>{per}</PER>"], purpose="email_send")
    async with acme.pool.connection() as conn:
        report = await vault_audit.verify(conn, "acme")
        exported = [r async for r in vault_audit.export(conn, "acme")]
    assert report.ok, report.problems
    assert [r["action"] for r in exported] == ["policy_apply", "mask", "unmask"]
    unmask = exported[-1]
    assert unmask["principal"] == "mailer" and unmask["policy"] == "email-send"
    assert unmask["purpose"] == "email_send" and unmask["counts"]["revealed"] == {"PERSON": 1}
    dump = json.dumps(exported)
    assert "George" not in dump and "example.com" not in dump and per not in dump


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("UPDATE audit_log SET outcome = 'ok!' WHERE seq = 2", "record 2: content"),
        ("UPDATE audit_log SET counts = '{}' WHERE seq = 1", "record 1: content"),
        ("DELETE FROM audit_log WHERE seq = 2", "records 2..2 are missing"),
        ("DELETE FROM audit_log WHERE seq = 3", "records after 2 are missing"),
    ],
)
async def test_audit_tamper_is_detected(
    acme: Vault, settings: VaultSettings, tamper: str, problem: str
) -> None:
    await _tagged(acme)
    await acme.tokenize_many("acme", [("PERSON", "Someone Else")])
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        await _sql(settings, tamper)
    await _sql(settings, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update", tamper)
    async with acme.pool.connection() as conn:
        report = await vault_audit.verify(conn, "acme")
    assert not report.ok
    assert any(problem in p for p in report.problems), report.problems


async def _checkpointed(acme: Vault) -> vault_audit.Checkpoint:
    await _tagged(acme)
    await acme.tokenize_many("acme", [("PERSON", "Someone Else")])
    async with acme.pool.connection() as conn:
        point = await vault_audit.checkpoint(conn, acme.keyring, "acme")
        assert point is not None and point.seq >= 3
        assert await vault_audit.checkpoint(conn, acme.keyring, "acme") == point  # the head did not move
        assert (await vault_audit.verify(conn, "acme", acme.keyring)).ok
    return point


async def _verify(acme: Vault, external: list[vault_audit.Checkpoint] | None = None) -> list[str]:
    async with acme.pool.connection() as conn:
        return (await vault_audit.verify(conn, "acme", acme.keyring, external or [])).problems


async def test_a_tail_cut_back_with_the_head_is_caught_by_checkpoints(
    acme: Vault, settings: VaultSettings
) -> None:
    point = await _checkpointed(acme)
    last = point.seq
    # Delete the newest records and move the head back: the chain alone is consistent again.
    await _sql(
        settings,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        f"DELETE FROM audit_log WHERE tenant_id = 'acme' AND seq = {last}",
        f"UPDATE audit_head SET seq = {last - 1}, hash = (SELECT hash FROM audit_log"
        f" WHERE tenant_id = 'acme' AND seq = {last - 1}) WHERE tenant_id = 'acme'",
    )
    async with acme.pool.connection() as conn:
        assert (await vault_audit.verify(conn, "acme")).ok  # what an unanchored chain cannot see
    problems = await _verify(acme)
    assert any(f"checkpoint at record {last}" in p and "records are missing" in p for p in problems), problems
    # Deleting the stored checkpoints too hides it from the database, not from the topic's copy.
    await _sql(settings, "DELETE FROM audit_checkpoints")
    assert await _verify(acme) == []
    assert any("records are missing" in p for p in await _verify(acme, [point]))


async def test_a_rewritten_chain_and_a_forged_checkpoint_are_caught(
    acme: Vault, settings: VaultSettings
) -> None:
    point = await _checkpointed(acme)
    # Edit record 1 and recompute every hash after it, as someone with database access could.
    await _sql(
        settings,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "UPDATE audit_log SET outcome = 'ok (edited)' WHERE tenant_id = 'acme' AND seq = 1",
    )
    async with acme.pool.connection() as conn:
        prev = vault_audit.genesis_hash("acme")
        rows = [r async for r in vault_audit._rows(conn, "acme")]
    for seq, record, _, _ in rows:
        new = vault_audit._link(prev, seq, record.payload())
        await _sql(
            settings,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
            f"UPDATE audit_log SET prev_hash = '\\x{prev.hex()}', hash = '\\x{new.hex()}'"
            f" WHERE tenant_id = 'acme' AND seq = {seq}",
        )
        prev = new
    await _sql(settings, f"UPDATE audit_head SET hash = '\\x{prev.hex()}' WHERE tenant_id = 'acme'")
    async with acme.pool.connection() as conn:
        assert (await vault_audit.verify(conn, "acme")).ok  # consistent without the anchor
    problems = await _verify(acme)
    assert any(f"checkpoint at record {point.seq}" in p and "rewritten" in p for p in problems), problems
    # A checkpoint made up without the key does not authenticate.
    forged = vault_audit.Checkpoint("acme", point.seq, prev, point.at, b"\x00" * 32)
    await _sql(settings, "DELETE FROM audit_checkpoints")
    assert any("does not authenticate" in p for p in await _verify(acme, [forged]))


async def test_no_values_in_logs_or_errors(acme: Vault, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    per, _, _ = await _tagged(acme)
    await unmask_texts(acme, MAILER, "email-send", [f"<PER>{per}</PER>"], purpose="email_send")
    with pytest.raises(PolicyRefusedError) as info:
        await unmask_texts(acme, MAILER, "email-send", [f"<PER>{per}</PER> George Williams"], purpose="spam")
    text = caplog.text + str(info.value)
    assert "George" not in text and "example.com" not in text and "Washington" not in text


async def test_unmask_worker_reply_too_large_for_a_producer_is_an_error_reply(acme: Vault) -> None:
    from streams.kafka import InRecord
    from streams.unmask_client import signed_request
    from streams.unmask_service import MAX_REPLY_BYTES, UnmaskService
    from vault import principals

    async with acme.pool.connection() as conn:
        secret = await principals.create(conn, acme.keyring, "acme", "mailer", ["unmask:email-send"])
    per, _, _ = await _tagged(acme)
    service = UnmaskService(acme, "replies")

    def request(rid: str, text: str, offset: int) -> InRecord:
        body = signed_request(secret, tenant="acme", principal="mailer", policy_name="email-send",
                              purpose="email_send", token_value=text, request_id=rid)  # fmt: skip
        return InRecord("requests", 0, offset, None, json.dumps(body).encode())

    # 600,000 characters of two UTF-8 bytes each: a 1.2 MB reply, which no producer would deliver
    big, small = await service.answer(
        [request("big", f"{per} " + "é" * 600_000, 0), request("small", per, 1)]
    )
    assert not isinstance(big, Rejected) and not isinstance(small, Rejected)
    assert len(big.value or b"") < 1000 and len(small.value or b"") < MAX_REPLY_BYTES
    assert json.loads(big.value or b"") == {
        "request_id": "big",
        "error": {"code": "reply_too_large", "message": json.loads(big.value or b"")["error"]["message"]},
    }
    assert b"George" not in (big.value or b"")
    assert json.loads(small.value or b"")["value"] == "George Williams"


async def test_a_redelivered_request_is_answered_again_a_replayed_one_is_refused(acme: Vault) -> None:
    from streams.kafka import InRecord
    from streams.unmask_client import signed_request
    from streams.unmask_service import UnmaskService
    from vault import principals

    async with acme.pool.connection() as conn:
        secret = await principals.create(conn, acme.keyring, "acme", "mailer", ["unmask:email-send"])
        old = await principals.create(conn, acme.keyring, "acme", "old", ["unmask:email-send"])
        # a principal created before signing existed has no signing key: it cannot sign
        await conn.execute("UPDATE principals SET signing_key = NULL WHERE name = 'old'")
    per, _, _ = await _tagged(acme)
    service = UnmaskService(acme, "replies")
    body = signed_request(secret, tenant="acme", principal="mailer", policy_name="email-send",
                          purpose="email_send", token_value=per, request_id="once")  # fmt: skip
    unsigned_key = signed_request(old, tenant="acme", principal="old", policy_name="email-send",
                                  purpose="email_send", token_value=per, request_id="k")  # fmt: skip
    raw, keyless_raw = json.dumps(body).encode(), json.dumps(unsigned_key).encode()
    first, again, replayed, keyless = await service.answer(
        [InRecord("requests", 0, 5, None, raw), InRecord("requests", 0, 5, None, raw),
         InRecord("requests", 1, 9, None, raw), InRecord("requests", 0, 6, None, keyless_raw)]
    )  # fmt: skip
    reply = [json.loads(o.value or b"") for o in (first, again, replayed, keyless)]  # type: ignore[union-attr]
    assert reply[0]["value"] == reply[1]["value"] == "George Williams"
    assert reply[2]["error"]["code"] == "replayed" and "value" not in reply[2]
    assert reply[3]["error"]["code"] == "unauthenticated"
