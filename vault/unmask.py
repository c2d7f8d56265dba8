"""The unmask path: policy first, then detokenize, then audit. The only importer of `vault.detokenize`.

Tagged tokens (`<PER>…</PER>`) of classes the policy allows are replaced by their values;
everything else is left exactly as it was: classes outside the policy, tokens never issued
(forged, or mangled by an LLM), tokens whose tag names another class, erased values.
Every call writes one audit record, refusals included.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from detectors import entities
from detectors.policy import UnmaskPolicy
from vault import audit, policies
from vault._retry import retrying
from vault.detokenize import Revealed, detokenize
from vault.errors import PolicyRefusedError, UnknownPolicyError, VaultError
from vault.principals import Principal
from vault.store import Vault
from vault.tokens import BARE, TAGGED

log = logging.getLogger(__name__)

_canonical = functools.lru_cache(maxsize=1024)(entities.canonical)


@dataclass(slots=True)
class UnmaskReport:
    """Counts per class, and the tokens left masked because they were never issued."""

    revealed: Counter[str] = field(default_factory=Counter)
    withheld: Counter[str] = field(default_factory=Counter)
    erased: Counter[str] = field(default_factory=Counter)
    unknown: int = 0
    corrupt: int = 0

    def counts(self) -> dict[str, Any]:
        return {
            "revealed": dict(self.revealed),
            "withheld": dict(self.withheld),
            "erased": dict(self.erased),
            "unknown": self.unknown,
            "corrupt": self.corrupt,
        }


@dataclass(frozen=True, slots=True)
class UnmaskedText:
    source: str
    text: str
    #: Tokens left as they were because they were never issued or their tag does not match.
    unresolved: tuple[str, ...] = ()


def check(policy: UnmaskPolicy | None, name: str, principal: Principal, purpose: str | None) -> str | None:
    """Why this principal may not use this policy (None when it may)."""
    if policy is None:
        return "unknown policy"
    if not principal.can(f"unmask:{name}"):
        return "principal lacks the scope"
    if principal.name not in policy.principals and "*" not in policy.principals:
        return "principal not named in the policy"
    if purpose is not None and policy.purposes and purpose not in policy.purposes:
        return "purpose not allowed by the policy"
    return None


async def unmask_texts(
    vault: Vault, principal: Principal, policy_name: str, texts: Sequence[str], purpose: str | None = None
) -> tuple[list[UnmaskedText], UnmaskReport]:
    """Unmask tagged texts for `principal` under a named policy of its tenant.

    Raises `UnknownPolicyError` or `PolicyRefusedError` (after auditing the refusal).
    """
    tenant = principal.tenant

    async def attempt() -> tuple[str | None, list[UnmaskedText], UnmaskReport]:
        report = UnmaskReport()
        results: list[UnmaskedText] = []
        await vault.keyring.get(tenant)  # before taking a connection: it may need one of its own
        async with vault.pool.connection() as conn:
            policy = await policies.get(conn, tenant, policy_name)
            refusal = check(policy, policy_name, principal, purpose)
            if refusal is not None or policy is None:
                await audit.append(
                    conn,
                    audit.AuditRecord(
                        tenant,
                        "unmask",
                        f"refused: {refusal}",
                        principal.name,
                        policy_name,
                        purpose,
                        {"items": len(texts)},
                    ),
                )
            else:
                allowed = frozenset(policy.classes)
                wanted: set[str] = set()
                for text in texts:
                    matches = list(TAGGED.finditer(text))
                    wanted.update(m[2] for m in matches if _canonical(m[1]) in allowed)
                    if not matches and BARE.fullmatch(text.strip()):
                        wanted.add(text.strip())
                found = await detokenize(conn, vault.keyring, tenant, wanted)
                results = [_reveal(text, allowed, found, report) for text in texts]
                await audit.append(
                    conn,
                    audit.AuditRecord(
                        tenant, "unmask", "ok", principal.name, policy_name, purpose, report.counts()
                    ),
                )
        return refusal, results, report

    refusal, results, report = await retrying(vault.pool, attempt, f"unmask tenant={tenant}")
    if refusal == "unknown policy":
        raise UnknownPolicyError(f"tenant {tenant} has no unmask policy named {policy_name}")
    if refusal is not None:
        raise PolicyRefusedError(f"unmask policy {policy_name} refuses this request: {refusal}")
    log.info("unmask tenant=%s policy=%s counts=%s", tenant, policy_name, report.counts())
    return results, report


def _reveal(
    text: str, allowed: frozenset[str], found: dict[str, Revealed], report: UnmaskReport
) -> UnmaskedText:
    unresolved: list[str] = []

    def one(entity: str | None, token: str, original: str) -> str:
        hit = found.get(token)
        if entity is not None and entity not in allowed:
            report.withheld[entity] += 1
            return original
        if hit is None or (entity is not None and hit.entity != entity):
            report.unknown += 1
            unresolved.append(token)
            return original
        if hit.entity not in allowed:
            report.withheld[hit.entity] += 1
            return original
        if hit.status == "erased":
            report.erased[hit.entity] += 1
            return original
        if hit.status != "ok" or hit.value is None:
            report.corrupt += 1
            return original
        report.revealed[hit.entity] += 1
        return hit.value

    def replace(match: regex.Match[str]) -> str:
        return one(_canonical(match[1]), match[2], match[0])

    out, replaced = TAGGED.subn(replace, text)
    if not replaced and BARE.fullmatch(text.strip()):
        out = one(None, text.strip(), text)
    return UnmaskedText(text, out, tuple(unresolved))


__all__ = ["UnmaskReport", "UnmaskedText", "VaultError", "check", "unmask_texts"]
