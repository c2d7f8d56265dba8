"""Turning tokens back into values: the read path. Import it only from unmask paths,
which check the policy first (`vault.unmask`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

import psycopg

from vault.errors import VaultError
from vault.keys import Keyring, value_aad

Status = Literal["ok", "erased", "corrupt"]


@dataclass(frozen=True, slots=True)
class Revealed:
    entity: str
    status: Status
    value: str | None


async def detokenize(
    conn: psycopg.AsyncConnection[Any], keyring: Keyring, tenant: str, tokens: Collection[str]
) -> dict[str, Revealed]:
    """Values of the issued tokens among `tokens` (tokens never issued are absent). One round trip."""
    if not tokens:
        return {}
    cur = await conn.execute(
        "SELECT token_value, entity_class, ciphertext, key_version FROM tokens"
        " WHERE tenant_id = %s AND token_value = ANY(%b::text[])",
        (tenant, list(tokens)),
    )
    rows = await cur.fetchall()
    keys = await keyring.get(tenant)
    if any(r[3] is not None and int(r[3]) not in keys.data_keys for r in rows):
        keys = await keyring.get(tenant, refresh=True)
    out: dict[str, Revealed] = {}
    for token, entity, ct, version in rows:
        if ct is None:
            out[token] = Revealed(entity, "erased", None)
            continue
        try:
            value = keys.decrypt(bytes(ct), int(version), value_aad(tenant, entity, token)).decode()
        except (VaultError, UnicodeDecodeError):
            out[token] = Revealed(entity, "corrupt", None)
        else:
            out[token] = Revealed(entity, "ok", value)
    return out
