"""Property-based API checks from the served OpenAPI document (schemathesis, real HTTP, real Postgres):
no 5xx on any generated request, and every /api route refuses requests without a valid bearer."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from vault import Vault, VaultSettings
from vault import principals as vault_principals
from vault.api import create_app

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _admin(settings: VaultSettings) -> str:
    async with await Vault.open(settings) as vault, vault.pool.connection() as conn:
        return await vault_principals.create(conn, vault.keyring, "acme", "fuzzer", ["admin"])


@pytest.fixture
def bearer(settings: VaultSettings) -> str:
    return asyncio.run(_admin(settings))


@pytest.fixture
def api_schema(settings: VaultSettings, bearer: str) -> Iterator[schemathesis.BaseSchema]:
    port = _free_port()
    small = VaultSettings(**{**settings.model_dump(), "api_max_items": 50, "api_max_body_bytes": 65536})
    config = uvicorn.Config(create_app(small), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_no_server_errors_and_auth_everywhere(api_schema: schemathesis.BaseSchema, bearer: str) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/vault/mask", "/api/vault/unmask", "/api/vault/mask-text"}
    statuses: Counter[tuple[str, int]] = Counter()
    for operation in operations:

        @hsettings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers={"Authorization": f"Bearer {bearer}"})
            assert response.status_code < 500, (
                case.method,
                case.path,
                response.status_code,
                response.text[:300],
            )
            statuses[(case.path, response.status_code)] += 1
            if case.path.startswith("/api/"):
                body = response.json()
                assert set(body) == {"data", "success", "error"}
                assert body["success"] is (response.status_code == 200)
                anonymous = case.call(headers={"Authorization": "Bearer not-a-secret"})
                assert anonymous.status_code in (401, 413), (case.method, case.path, anonymous.status_code)

        check()
    assert statuses[("/api/vault/mask", 200)] and statuses[("/api/vault/mask-text", 200)], statuses
