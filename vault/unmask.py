"""The unmask path: policy first, then detokenize, then audit. The only importer of `vault.detokenize`.

Tokens are found by `vault.token_reader` (the exact form and the forms an LLM rewrites it
into) and looked up exactly, tenant-scoped; the stored class and the policy decide what is
revealed, and the policy's `token_repair` whether forms other than the exact one are
(`tolerant`, the default) or are left and reported (`strict`). Whatever is left in the text
is reported as a `Leftover` with its reason: classes outside the policy, tokens never issued
(forged, mangled, another tenant's), tokens under another class's tag, erased values, stray
tags. Every call writes one audit record, refusals included.
"""

from __future__ import annotations

import html
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from detectors import entities
from vault import audit, policies
from vault._retry import retrying
from vault.detokenize import Revealed, detokenize
from vault.errors import PolicyRefusedError, UnknownPolicyError, VaultError
from vault.policies import UnmaskPolicy
from vault.principals import Principal
from vault.store import Vault
from vault.token_reader import Fragment, looks_like_token, reader

log = logging.getLogger(__name__)

#: Why a token-like fragment was left in the text.
Reason = Literal[
    "not_allowed", "unknown_token", "class_mismatch", "erased", "corrupt", "malformed", "not_exact"
]
#: The reasons that list a token in `UnmaskedText.unresolved` (never issued, or tagged as another class).
UNRESOLVED: frozenset[Reason] = frozenset({"unknown_token", "class_mismatch"})


@dataclass(slots=True)
class UnmaskReport:
    """Counts per class and per reason (never values): what the audit record keeps."""

    revealed: Counter[str] = field(default_factory=Counter)
    withheld: Counter[str] = field(default_factory=Counter)
    erased: Counter[str] = field(default_factory=Counter)
    unknown: int = 0
    corrupt: int = 0
    #: Revealed from a form other than the exact one (`vault.token_reader`).
    repaired: int = 0
    leftovers: Counter[str] = field(default_factory=Counter)

    def counts(self) -> dict[str, Any]:
        return {
            "revealed": dict(self.revealed),
            "withheld": dict(self.withheld),
            "erased": dict(self.erased),
            "unknown": self.unknown,
            "corrupt": self.corrupt,
            "repaired": self.repaired,
            "leftovers": dict(self.leftovers),
        }


class Leftover(NamedTuple):
    """A token-like fragment left in the text as it was, and why (a named tuple: cheap to build)."""

    text: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class UnmaskedText:
    source: str
    text: str
    #: Tokens left as they were because they were never issued or their tag names another class.
    unresolved: tuple[str, ...] = ()
    #: Every token-like fragment left in `text`, with its reason (hold a reply that has any).
    leftovers: tuple[Leftover, ...] = ()


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
    read = reader(vault.tokenizer.fmt).read

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
                strict = policy.token_repair == "strict"  # noqa: S105  # a mode, not a password
                fragments = [read(text, allowed) for text in texts]
                wanted = {f.token for found in fragments for f in found if _wanted(f.kind, f.claims, allowed)}
                hits = await detokenize(conn, vault.keyring, tenant, wanted)
                mangled = {t for t in wanted.difference(hits) if looks_like_token(t)}
                results = [
                    _reveal(text, found, allowed, strict, hits, mangled, report)
                    for text, found in zip(texts, fragments, strict=True)
                ]
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


def _wanted(kind: str, claims: frozenset[str], allowed: frozenset[str]) -> bool:
    """Whether to look a fragment's token up (not for tags that name only withheld classes)."""
    return kind == "bare" or (kind != "malformed" and (kind == "whole" or not claims.isdisjoint(allowed)))


def _primary(claims: frozenset[str]) -> str:
    """The class to count a withheld tag under: its builtin class (`<NAME>` → PERSON) if any."""
    return min(claims, key=lambda c: (c not in entities.BUILTIN, c))


def _decide(
    f: Fragment, hit: Revealed | None, allowed: frozenset[str], strict: bool, report: UnmaskReport
) -> tuple[str | None, Reason | None]:
    """The value to put in place of a fragment (`hit`: its token's row), or why it stays."""
    if f.kind == "malformed":
        return None, "malformed"
    if f.kind == "tagged" and f.claims.isdisjoint(allowed):
        report.withheld[_primary(f.claims)] += 1
        return None, "not_allowed"
    if hit is None:
        report.unknown += 1
        return None, "unknown_token"
    if f.claims and hit.entity not in f.claims:
        report.unknown += 1
        return None, "class_mismatch"
    if hit.entity not in allowed:
        report.withheld[hit.entity] += 1
        return None, "not_allowed"
    if hit.status == "erased":
        report.erased[hit.entity] += 1
        return None, "erased"
    if hit.status != "ok" or hit.value is None:
        report.corrupt += 1
        return None, "corrupt"
    exact = f.kind == "whole" or f.exact == hit.entity
    if strict and not exact:
        return None, "not_exact"
    report.revealed[hit.entity] += 1
    report.repaired += not exact
    return hit.value, None


def _reveal(
    text: str,
    fragments: list[Fragment],
    allowed: frozenset[str],
    strict: bool,
    hits: dict[str, Revealed],
    mangled: set[str],
    report: UnmaskReport,
) -> UnmaskedText:
    """`text` with the values of `hits` in place of its fragments, as the policy allows.

    `mangled`: the tokens never issued that are shaped like no word (`looks_like_token`): left
    in running text, they are reported; other words of a token's shape are not."""
    if not fragments:
        return UnmaskedText(text, text)
    escape = "&" in text and any(f.html for f in fragments)  # HTML text: values go in HTML-escaped
    pieces: list[str] = []
    unresolved: list[str] = []
    leftovers: list[Leftover] = []
    new = tuple.__new__  # half the cost of `Leftover(...)`, on what may be most of the fragments
    at = 0
    for f in fragments:
        hit = hits.get(f.token)
        if hit is None and f.kind == "bare":  # the common case in running text: no token
            if f.token in mangled:
                report.unknown += 1
                leftovers.append(new(Leftover, (f.token, "unknown_token")))
                unresolved.append(f.token)
            continue
        value, reason = _decide(f, hit, allowed, strict, report)
        if value is not None:
            pieces.append(text[at : f.start])
            pieces.append(html.escape(value) if escape else value)
            at = f.end
        elif reason is not None:
            leftovers.append(Leftover(text[f.start : f.end], reason))
            if reason in UNRESOLVED:
                unresolved.append(f.token)
    if leftovers:
        report.leftovers.update(x.reason for x in leftovers)
    if not pieces:
        return UnmaskedText(text, text, tuple(unresolved), tuple(leftovers))
    pieces.append(text[at:])
    return UnmaskedText(text, "".join(pieces), tuple(unresolved), tuple(leftovers))


__all__ = ["Leftover", "Reason", "UnmaskReport", "UnmaskedText", "VaultError", "check", "unmask_texts"]
