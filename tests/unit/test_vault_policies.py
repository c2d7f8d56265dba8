"""The vault's part of a tenant policy file: its unmask policies, validated by the vault; the policy cache."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from detectors import Policy, PolicyError, parse_policy
from vault import policies, policy_cache
from vault.policy_cache import PolicyCache

#: A value that must never show up in an error message (it could be anything a tenant typed).
CANARY = "canary-7f3a9c-secret@example.com"
DESIGN_CARD_UNMASK = """\
tenant: acme
unmask_policies:
  - {name: email-send, classes: [PERSON, EMAIL], principals: [mailer], purposes: [email_send]}
"""


def _error(data: Any) -> str:
    with pytest.raises(PolicyError) as info:
        policies.parse(data, "policy.yaml")
    return str(info.value)


def test_the_design_cards_unmask_policy_loads_with_canonical_classes(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(DESIGN_CARD_UNMASK, encoding="utf-8")
    [unmask] = policies.unmask_policies(policies.load(path))
    assert (unmask.name, unmask.classes) == ("email-send", ("PERSON", "EMAIL_ADDRESS"))
    assert (unmask.principals, unmask.purposes) == (("mailer",), ("email_send",))
    assert unmask.token_repair == "tolerant"  # noqa: S105  # the default mode


def test_unmask_policy_names_must_be_unique() -> None:
    policy = {"name": "p", "classes": ["EMAIL"], "principals": ["x"]}
    message = _error({"tenant": "t", "unmask_policies": [policy, policy]})
    assert "unmask_policies" in message
    assert "unique" in message


@pytest.mark.parametrize(
    ("repair", "error"), [(None, False), ("strict", False), ("tolerant", False), ("fuzzy", True)]
)
def test_unmask_policy_token_repair(repair: str | None, error: bool) -> None:
    unmask: dict[str, object] = {"name": "p", "classes": ["PER"], "principals": ["a"]}
    if repair is not None:
        unmask["token_repair"] = repair
    data = {"tenant": "t", "unmask_policies": [unmask]}
    if error:
        with pytest.raises(PolicyError, match=r"unmask_policies\.0\.token_repair"):
            policies.parse(data)
    else:
        [parsed] = policies.unmask_policies(policies.parse(data))
        assert parsed.token_repair == (repair or "tolerant")


@pytest.mark.parametrize(
    ("unmask", "field"),
    [
        ({"name": CANARY, "classes": ["PERSON"], "principals": ["a"]}, "unmask_policies.0.name"),
        ({"name": "p", "classes": ["PERSON"]}, "unmask_policies.0.principals"),
        (
            {"name": "p", "classes": ["PER"], "principals": ["a"], "colour": CANARY},
            "unmask_policies.0.colour",
        ),
        (CANARY, "unmask_policies.0"),  # not a mapping: detectors refuses it already
    ],
)
def test_errors_name_the_field_and_never_echo_the_value(unmask: Any, field: str) -> None:
    message = _error({"tenant": "t", "unmask_policies": [unmask]})
    assert message.startswith("invalid policy policy.yaml: ")
    assert f"field '{field}" in message
    assert CANARY not in message


def test_detection_alone_does_not_validate_the_vaults_section() -> None:
    data = {"tenant": "t", "unmask_policies": [{"name": "p"}]}
    assert parse_policy(data).unmask_policies == ({"name": "p"},)  # detectors: data, not a model
    with pytest.raises(PolicyError, match="unmask_policies"):
        policies.parse(data)


# ---------------------------------------------------------------- the policy cache


class _Loader:
    """What the vault stores, with a count of reads."""

    def __init__(self, stored: dict[str, Policy]) -> None:
        self.stored = stored
        self.reads: list[str] = []

    async def __call__(self, tenant: str) -> Policy | None:
        self.reads.append(tenant)
        return self.stored.get(tenant)


def test_fixed_policies_come_first_and_resolved() -> None:
    fixed = Policy.model_validate(
        {"tenant": "acme", "mode": "balanced", "overrides": [{"environment": "prod", "mode": "strict"}]}
    )
    loader = _Loader({"acme": Policy.default("acme")})
    cache = PolicyCache([fixed], loader)
    got = asyncio.run(cache.get("acme"))
    assert got is not None and got.mode == "strict" and got.overrides == ()
    assert loader.reads == [] and cache.tenants == ["acme"]


def test_vault_policies_and_misses_are_cached_for_their_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(policy_cache.time, "monotonic", lambda: now[0])
    loader = _Loader({"acme": Policy.default("acme")})
    cache = PolicyCache(loader=loader)

    async def ask(*tenants: str) -> list[Policy | None]:
        return [await cache.get(t) for t in tenants]

    first = asyncio.run(ask("acme", "nobody", "acme", "nobody"))
    assert [p.tenant if p else None for p in first] == ["acme", None, "acme", None]
    assert loader.reads == ["acme", "nobody"]
    now[0] += policy_cache.MISS_TTL + 0.1  # a miss is asked again sooner than a hit
    asyncio.run(ask("acme", "nobody"))
    assert loader.reads == ["acme", "nobody", "nobody"]
    now[0] += policy_cache.POLICY_TTL
    asyncio.run(ask("acme"))
    assert loader.reads == ["acme", "nobody", "nobody", "acme"]


def test_without_a_loader_only_fixed_tenants_are_known() -> None:
    assert asyncio.run(PolicyCache().get("acme")) is None
