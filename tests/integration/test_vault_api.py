"""The HTTP API against a real Postgres: the reference contract's exact bodies, status codes, envelope."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import token_forms
from fastapi.testclient import TestClient

from detectors.policy import Policy
from vault import NUMERIC, TEXT, Vault, VaultSettings
from vault import policies as vault_policies
from vault import principals as vault_principals
from vault.api import create_app

pytestmark = pytest.mark.integration

POLICY = {
    "tenant": "acme",
    "unmask_policies": [
        {
            "name": "email-send",
            "classes": ["PERSON", "EMAIL", "ADDRESS"],
            "principals": ["mailer"],
            "purposes": ["email_send", "escalation"],
        },
        {"name": "values", "classes": ["VALUE", "DOB"], "principals": ["mailer"]},
        {"name": "others-only", "classes": ["PERSON"], "principals": ["someone-else"]},
    ],
}
ENVELOPE_KEYS = {"data", "success", "error"}


async def _setup(settings: VaultSettings) -> dict[str, str]:
    async with await Vault.open(settings) as vault, vault.pool.connection() as conn:
        await vault_policies.apply(conn, vault.keyring, Policy.model_validate(POLICY))
        k = vault.keyring
        return {
            "mailer": await vault_principals.create(
                conn,
                k,
                "acme",
                "mailer",
                ["mask", "unmask:email-send", "unmask:values", "unmask:others-only"],
            ),
            "masker": await vault_principals.create(conn, k, "acme", "masker", ["mask"]),
            "eraser": await vault_principals.create(conn, k, "acme", "eraser", ["erase"]),
            "globex": await vault_principals.create(conn, k, "globex", "mailer", ["mask", "unmask:*"]),
        }


@pytest.fixture
def secrets(settings: VaultSettings) -> dict[str, str]:
    return asyncio.run(_setup(settings))


@pytest.fixture
def client(settings: VaultSettings, secrets: dict[str, str]) -> Iterator[TestClient]:
    small = VaultSettings(**{**settings.model_dump(), "api_max_body_bytes": 4096, "api_max_items": 20})
    with TestClient(create_app(small), raise_server_exceptions=False) as c:
        yield c


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _check_error(resp: Any, status: int) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == ENVELOPE_KEYS and body["success"] is False and body["data"] == []
    message = body["error"]["message"]
    assert message and "Traceback" not in message and 'File "' not in message
    return str(message)


def test_mask_contract(client: TestClient, secrets: dict[str, str]) -> None:
    body = {
        "mask": [
            {"value": "Jane Smith", "token_name": "Text Token"},
            {"value": "15/8/2010", "token_name": "Numeric Token"},
        ]
    }
    resp = client.put("/api/vault/mask", json=body, headers=_auth(secrets["mailer"]))
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["success"] is True and out["error"] == {"message": ""}
    first, second = out["data"]
    assert first["value"] == "Jane Smith" and first["token_name"] == TEXT
    assert first["token_value"].isalnum() and len(first["token_value"]) == 12
    assert second["value"] == "15/8/2010" and second["token_name"] == NUMERIC
    assert second["token_value"].isdigit()
    again = client.put("/api/vault/mask", json=body, headers=_auth(secrets["masker"])).json()
    assert [d["token_value"] for d in again["data"]] == [first["token_value"], second["token_value"]]
    other = client.put("/api/vault/mask", json=body, headers=_auth(secrets["globex"])).json()
    assert other["data"][0]["token_value"] != first["token_value"]


def test_unmask_contract(client: TestClient, secrets: dict[str, str]) -> None:
    mask = {
        "mask": [
            {"value": "George Williams", "token_name": "Text Token", "entity_type": "PERSON"},
            {"value": "Washington", "token_name": "Numeric Token", "entity_type": "ADDRESS"},
        ]
    }
    per, addr = (
        d["token_value"]
        for d in client.put("/api/vault/mask", json=mask, headers=_auth(secrets["mailer"])).json()["data"]
    )
    tagged = f"<PER>{per}</PER> lives in <ADDRESS>{addr}</ADDRESS>"
    body = {"policy_name": "email-send", "unmask": [{"token_value": tagged}]}
    resp = client.put("/api/vault/unmask", json=body, headers=_auth(secrets["mailer"]))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "data": [
            {
                "token_value": tagged,
                "value": "George Williams lives in Washington",
                "toxicity_analysis": {
                    "toxicity": None,
                    "severe_toxicity": None,
                    "obscene": None,
                    "threat": None,
                    "insult": None,
                    "identity_attack": None,
                },
                "unresolved": [],
                "leftovers": [],
            }
        ],
        "success": True,
        "error": {"message": ""},
    }


def test_mask_then_unmask_bare_values(client: TestClient, secrets: dict[str, str]) -> None:
    body = {
        "mask": [
            {"value": "Jane Smith"},
            {"value": "15/8/2010", "token_name": "Numeric Token", "entity_type": "DOB"},
        ]
    }
    tokens = [
        d["token_value"]
        for d in client.put("/api/vault/mask", json=body, headers=_auth(secrets["mailer"])).json()["data"]
    ]
    forged = "ZZZZZZZZZZZZ"
    unmask = {"policy_name": "values", "unmask": [{"token_value": t} for t in [*tokens, forged]]}
    data = client.put("/api/vault/unmask", json=unmask, headers=_auth(secrets["mailer"])).json()["data"]
    assert [d["value"] for d in data] == ["Jane Smith", "15/8/2010", forged]
    assert data[2]["unresolved"] == [forged]


async def _forms(settings: VaultSettings) -> tuple[dict[str, str], str]:
    async with await Vault.open(settings) as vault:
        tokens = await token_forms.prepare(vault)
        async with vault.pool.connection() as conn:
            secret = await vault_principals.create(
                conn, vault.keyring, token_forms.TENANT, "reader", ["unmask:*"]
            )
    return tokens, secret


@pytest.mark.parametrize("policy", ["tolerant", "strict"])
def test_llm_token_forms_through_the_api(settings: VaultSettings, policy: str) -> None:
    tokens, secret = asyncio.run(_forms(settings))
    body = {"policy_name": policy, "unmask": [{"token_value": t} for t in token_forms.texts(tokens)]}
    with TestClient(create_app(settings)) as c:
        resp = c.put("/api/vault/unmask", json=body, headers=_auth(secret))
    assert resp.status_code == 200, resp.text
    got = {
        case.id: (d["value"], [(x["text"], x["reason"]) for x in d["leftovers"]], d["unresolved"])
        for case, d in zip(token_forms.CASES, resp.json()["data"], strict=True)
    }
    assert got == token_forms.expected(tokens, strict=policy == "strict")


def test_mask_text_extension(client: TestClient, secrets: dict[str, str]) -> None:
    body = {"texts": [{"text": "Mail jane.doe@example.com today"}]}
    resp = client.put("/api/vault/mask-text", json=body, headers=_auth(secrets["mailer"]))
    assert resp.status_code == 200, resp.text
    [item] = resp.json()["data"]
    assert "jane.doe@example.com" not in item["text"] and item["entities"] == {"EMAIL_ADDRESS": 1}
    unmask = {"policy_name": "email-send", "purpose": "email_send", "unmask": [{"token_value": item["text"]}]}
    data = client.put("/api/vault/unmask", json=unmask, headers=_auth(secrets["mailer"])).json()["data"]
    assert data[0]["value"] == "Mail jane.doe@example.com today"


def test_erase_route(client: TestClient, secrets: dict[str, str]) -> None:
    body = {"mask": [{"value": "Jane Smith", "entity_type": "PERSON", "subject_id": "cust-9"}]}
    [item] = client.put("/api/vault/mask", json=body, headers=_auth(secrets["mailer"])).json()["data"]
    _check_error(client.delete("/api/vault/subjects/cust-9", headers=_auth(secrets["mailer"])), 403)
    resp = client.delete("/api/vault/subjects/cust-9", headers=_auth(secrets["eraser"]))
    assert resp.json()["data"] == [{"subject_id": "cust-9", "erased": {"PERSON": 1}}]
    tagged = f"<PER>{item['token_value']}</PER>"
    unmask = {"policy_name": "email-send", "unmask": [{"token_value": tagged}]}
    data = client.put("/api/vault/unmask", json=unmask, headers=_auth(secrets["mailer"])).json()["data"]
    assert data[0]["value"] == tagged


@pytest.mark.parametrize(
    ("route", "headers"),
    [
        ("/api/vault/mask", {}),
        ("/api/vault/mask", {"Authorization": "Bearer nope"}),
        ("/api/vault/mask", {"Authorization": "Bearer vs_0123456789abcdef_" + "A" * 43}),
        ("/api/vault/unmask", {"Authorization": "Basic dXNlcjpwYXNz"}),
        ("/api/vault/mask-text", {}),
    ],
)
def test_401(client: TestClient, route: str, headers: dict[str, str]) -> None:
    resp = client.put(route, json={}, headers=headers)
    _check_error(resp, 401)
    assert resp.headers["www-authenticate"] == "Bearer"


def test_403_404_422_413(client: TestClient, secrets: dict[str, str]) -> None:
    mailer, masker = _auth(secrets["mailer"]), _auth(secrets["masker"])
    unmask = {"policy_name": "email-send", "unmask": [{"token_value": "<PER>x</PER>"}]}
    _check_error(client.put("/api/vault/unmask", json=unmask, headers=masker), 403)  # no scope
    refused = {**unmask, "policy_name": "others-only"}
    _check_error(client.put("/api/vault/unmask", json=refused, headers=mailer), 403)  # not in policy
    _check_error(client.put("/api/vault/unmask", json={**unmask, "purpose": "spam"}, headers=mailer), 403)
    _check_error(client.put("/api/vault/unmask", json={**unmask, "policy_name": "nope"}, headers=mailer), 404)
    msg = _check_error(
        client.put(
            "/api/vault/mask",
            json={"mask": [{"value": "Jane Smith", "token_name": "Secret Token"}]},
            headers=mailer,
        ),
        422,
    )
    assert "Jane" not in msg and "token_name" in msg
    _check_error(client.put("/api/vault/mask", content=b"{not json", headers=mailer), 400)
    _check_error(client.put("/api/vault/mask", content=b'{"mask": "\xff"}', headers=mailer), 400)
    _check_error(client.put("/api/vault/mask", json={"mask": "Jane Smith"}, headers=mailer), 422)
    _check_error(client.put("/api/vault/unmask", json={"unmask": []}, headers=mailer), 422)
    big = {"mask": [{"value": "x" * 5000}]}
    _check_error(client.put("/api/vault/mask", json=big, headers=mailer), 413)
    many = {"mask": [{"value": "x"}] * 21}
    _check_error(client.put("/api/vault/mask", json=many, headers=mailer), 413)

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        yield b'{"mask": [{"value": "'
        for _ in range(100):
            yield b"x" * 30_000
        yield b'"}]}'

    _check_error(client.put("/api/vault/mask", content=chunked(), headers=mailer), 413)
    _check_error(client.put("/api/vault/nothing-here", json={}, headers=mailer), 404)


def test_errors_never_echo_values(client: TestClient, secrets: dict[str, str]) -> None:
    bodies = [
        {"mask": [{"value": "Jane Secretvalue", "token_name": 5}]},
        {"mask": [{"value": "Jane Secretvalue", "entity_type": "bad class!"}]},
        {"mask": [{"value": "Jane Secretvalue", "extra": "Jane Secretvalue"}]},
        {"mask": [{"value": "x", "jane.secretvalue@example.com": 1}]},  # a value used as a key
        {"Secretvalue": 1, "mask": [{"value": "x"}]},
    ]
    for body in bodies:
        resp = client.put("/api/vault/mask", json=body, headers=_auth(secrets["mailer"]))
        assert "ecretvalue" not in _check_error(resp, 422)


def test_the_openapi_spec_lists_every_error_status_the_routes_answer(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for route in ("/api/vault/mask", "/api/vault/unmask", "/api/vault/mask-text"):
        assert {"400", "401", "403", "404", "413", "422"} <= set(spec["paths"][route]["put"]["responses"])


def test_the_access_log_names_route_templates_never_paths(
    client: TestClient, secrets: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="veilstream.api.access")
    subject = "jane.secretvalue@example.com"
    client.delete(f"/api/vault/subjects/{subject}", headers=_auth(secrets["mailer"]))
    lines = [r.getMessage() for r in caplog.records if r.name == "veilstream.api.access"]
    assert lines and "/api/vault/subjects/{subject_id}" in lines[-1]
    assert "secretvalue" not in caplog.text


def test_ops_routes(client: TestClient, secrets: dict[str, str]) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    client.put("/api/vault/mask", json={"mask": [{"value": "a"}]}, headers=_auth(secrets["mailer"]))
    metrics = client.get("/metrics").text
    assert 'veilstream_api_requests_total{route="/api/vault/mask",status="200"} 1.0' in metrics
    spec = client.get("/openapi.json").json()
    assert {"/api/vault/mask", "/api/vault/unmask", "/api/vault/mask-text"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_profanity_check_toxicity(settings: VaultSettings, secrets: dict[str, str]) -> None:
    with TestClient(
        create_app(VaultSettings(**{**settings.model_dump(), "toxicity": "profanity-check"}))
    ) as c:
        mask = {
            "mask": [
                {"value": "you stupid idiot", "entity_type": "PERSON"},
                {"value": "Have a nice day", "entity_type": "PERSON"},
            ]
        }
        tokens = [
            d["token_value"]
            for d in c.put("/api/vault/mask", json=mask, headers=_auth(secrets["mailer"])).json()["data"]
        ]
        unmask = {"policy_name": "email-send", "unmask": [{"token_value": f"<PER>{t}</PER>"} for t in tokens]}
        data = c.put("/api/vault/unmask", json=unmask, headers=_auth(secrets["mailer"])).json()["data"]
    rude, nice = (d["toxicity_analysis"] for d in data)
    assert rude["toxicity"] > 0.8 > 0.2 > nice["toxicity"]
    assert all(rude[k] is None for k in rude if k != "toxicity")
    assert json.dumps(data)
