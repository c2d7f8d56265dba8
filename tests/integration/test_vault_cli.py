"""The vault operator commands end to end on a real Postgres."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from vault import AuthError, TokenRequest, Vault, VaultSettings
from veilstream.cli import app

pytestmark = pytest.mark.integration

POLICY = """\
tenant: acme
unmask_policies:
  - {name: email-send, classes: [PERSON, EMAIL], principals: [mailer], purposes: [email_send]}
"""


@pytest.fixture
def env(pg_url: str, master_key: str, monkeypatch: pytest.MonkeyPatch) -> VaultSettings:
    monkeypatch.setenv("VEILSTREAM_DATABASE_URL", pg_url)
    monkeypatch.setenv("VEILSTREAM_MASTER_KEY", master_key)
    return VaultSettings()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_operator_flow(env: VaultSettings, tmp_path: Path) -> None:
    assert _invoke("db", "migrate")[:2] == (0, "applied migrations: 1, 2, 3, 4\n")
    assert _invoke("db", "migrate")[:2] == (0, "schema is up to date\n")

    policy = tmp_path / "acme.yaml"
    policy.write_text(POLICY)
    code, out, _ = _invoke("policy", "apply", str(policy))
    assert code == 0 and "1 unmask policies applied" in out

    code, out, err = _invoke(
        "principal",
        "create",
        "--tenant",
        "acme",
        "--name",
        "mailer",
        "--scope",
        "mask",
        "--scope",
        "unmask:email-send",
    )
    assert code == 0 and out.startswith("vs_") and "cannot be shown again" in err

    async def seed() -> str:
        async with await Vault.open(env) as vault:
            [token] = await vault.tokenize_many("acme", [TokenRequest("PERSON", "Jane Smith", subject="c-1")])
            return token

    token = asyncio.run(seed())
    secret = out.strip()

    async def auth() -> str:
        from vault import principals

        async with await Vault.open(env) as vault, vault.pool.connection() as conn:
            return (await principals.authenticate(conn, secret)).name

    assert asyncio.run(auth()) == "mailer"
    assert _invoke("principal", "disable", "--tenant", "acme", "--name", "mailer")[:2] == (
        0,
        "tenant acme: principal mailer disabled\n",
    )
    with pytest.raises(AuthError):
        asyncio.run(auth())
    assert _invoke("principal", "disable", "--tenant", "acme", "--name", "mailer")[0] == 1
    code, out, _ = _invoke("keys", "rotate", "--tenant", "acme", "--reencrypt", "--rewrap")
    assert code == 0 and "version 2" in out and "re-encrypted 1 values" in out

    code, out, _ = _invoke("erase", "--tenant", "acme", "--subject", "c-1")
    assert (code, out) == (0, "tenant acme: erased 1 values (PERSON=1)\n")

    code, out, _ = _invoke("audit", "verify")
    assert code == 0 and "tenant acme: 7 records, ok" in out

    export = tmp_path / "audit.jsonl"
    assert _invoke("audit", "export", "--tenant", "acme", "--out", str(export))[0] == 0
    records = [json.loads(line) for line in export.read_text().splitlines()]
    assert [r["action"] for r in records] == [
        "policy_apply",
        "principal_create",
        "mask",
        "rotate",
        "rewrap",
        "reencrypt",
        "erase",
    ]
    assert "Jane" not in export.read_text() and token not in export.read_text()

    with psycopg.connect(env.database_url.get_secret_value(), autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        conn.execute("DELETE FROM audit_log WHERE seq = 3")
    code, out, _ = _invoke("audit", "verify", "--tenant", "acme")
    assert code == 1 and "BROKEN" in out and "records 3..3 are missing" in out


def test_missing_master_key_is_a_clear_refusal(env: VaultSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILSTREAM_MASTER_KEY")
    assert _invoke("db", "migrate")[0] == 0  # the schema needs no key
    code, _, err = _invoke("erase", "--tenant", "acme", "--subject", "x")
    assert code == 2 and "no master key: set VEILSTREAM_MASTER_KEY" in err
    code, _, err = _invoke("api")
    assert code == 2 and "no master key" in err


def test_wrong_master_key_is_a_clear_refusal(env: VaultSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    from vault.keys import generate_master_key

    assert _invoke("db", "migrate")[0] == 0
    assert _invoke("erase", "--tenant", "acme", "--subject", "x")[0] == 0
    monkeypatch.setenv("VEILSTREAM_MASTER_KEY", generate_master_key())
    code, _, err = _invoke("api")
    assert code == 2 and "is not the master key of this vault" in err


def test_bad_policy_file(env: VaultSettings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tenant: acme\nunmask_policies: [{name: x}]\n")
    code, _, err = _invoke("policy", "apply", str(bad))
    assert code == 2 and "unmask_policies" in err
