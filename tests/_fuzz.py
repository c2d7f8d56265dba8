"""Mutated CDC envelopes and support messages carrying canary values (hypothesis strategies).

Each example starts from a realistic record and applies a few mutations of the kinds a fuzzer,
a buggy connector or an attacker produces: renamed and made-up keys, canaries as keys or values
anywhere (strings, negative numbers, floats), deep nesting, wrong types, broken bytes. Every
canary is something the pattern stage finds (an email address, a Luhn-valid card number, an
IBAN), so a canary on any output means the masker let unknown structure through raw.

Not given canaries: the positions `streams.shapes` treats as structure by position *and* shape
(a card number's digits as `source.lsn`, an integer, are a log position there), and columns
the tenant policy declares non-personal (`keep`: `contacts.segment` in the test policy).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

CANARY_EMAILS = tuple(f"fuzz.canary{i}@mailbox-{i}.com" for i in range(4))
CANARY_CARDS = ("4539148803436467", "5425233430109903", "4916338506082832", "2223000048410010")
CANARY_IBANS = ("GB82WEST12345698765432", "DE89370400440532013000")
CANARIES = CANARY_EMAILS + CANARY_CARDS + CANARY_IBANS

CONTACT = {
    "id": 7,
    "tenant_id": "acme",
    "full_name": "Ana Souza",
    "email": "ana.souza@example.org",
    "phone": "+1 415 555 0134",
    "notes": "called about the invoice",
    "segment": "gold",
}
ENVELOPE = {
    "before": None,
    "after": CONTACT,
    "op": "c",
    "source": {"version": "2.5.0.Final", "connector": "postgresql", "db": "crm", "table": "contacts",
               "lsn": 24023928, "ts_ms": 1_700_000_000_000},
    "ts_ms": 1_700_000_000_123,
}  # fmt: skip
#: A JSON-converter schema block describing `CONTACT` (typed fields get rewritten when masked).
_ROW_SCHEMA = {
    "type": "struct",
    "optional": True,
    "name": "crm.public.contacts.Value",
    "fields": [
        {"type": "int32", "optional": False, "field": "id"},
        *({"type": "string", "optional": True, "field": c} for c in CONTACT if c != "id"),
    ],
}
TYPED = {
    "type": "struct",
    "optional": False,
    "name": "crm.public.contacts.Envelope",
    "fields": [{**_ROW_SCHEMA, "field": "before"}, {**_ROW_SCHEMA, "field": "after"}],
}
MESSAGE = {
    "message_id": "m-1",
    "tenant_id": "acme",
    "channel": "web_widget",
    "conversation_id": "c-9",
    "text": "hi, my order has not arrived",
    "lang": "en",
    "ts": 1_700_000_000,
    "metadata": {"source": "widget", "tags": ["delivery"]},
}


@dataclass
class Case:
    """One fuzzed input: the record's topic, key and value bytes, and what it hides."""

    kind: str  # "cdc" | "message"
    key: bytes | None
    value: bytes
    canaries: set[str] = field(default_factory=set)


def canary_forms(canary: str) -> list[Any]:
    """The JSON forms a canary can take: text, and for card digits numbers of every shape."""
    forms: list[Any] = [canary, f"see {canary} please", [canary], {"nested": canary}]
    if canary.isdigit():
        number = int(canary)
        forms += [number, -number, float(number), float(f"{canary[0]}.{canary[1:]}e{len(canary) - 1}")]
    return forms


#: Columns the test policy keeps as they are.
KEPT = frozenset({"segment"})


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every container path of `node` (dicts and lists), itself included, kept columns excluded."""
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, dict | list) and k not in KEPT:
                out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, dict | list):
                out += _paths(v, (*path, i))
    return out


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def mutate(rng: random.Random, body: dict[str, Any], used: set[str]) -> None:
    """Apply one mutation to `body` in place; canaries used go into `used`."""
    where = _at(body, rng.choice(_paths(body)))
    canary = rng.choice(CANARIES)
    kind = rng.choice(["new_key", "key_is_canary", "rename", "replace", "deep", "retype"])
    if kind == "deep":
        value: Any = rng.choice(canary_forms(canary))
        for _ in range(rng.randint(1, 120)):
            value = [value] if rng.random() < 0.5 else {"d": value}
        used.add(canary)
        _put(where, rng, value)
    elif kind == "new_key":
        used.add(canary)
        name = rng.choice(["afternull", "after,", "comment", "x-extra", "Notes", "query", "user"])
        _put(where, rng, rng.choice(canary_forms(canary)), name)
    elif kind == "key_is_canary" and isinstance(where, dict):
        used.add(canary)
        where[canary] = rng.choice(["x", 1, None, [1]])
    elif kind == "rename" and isinstance(where, dict) and where:
        old = rng.choice(sorted(where))
        where[old + rng.choice(["null", ",", "_", " ", "X"])] = where.pop(old)
    elif kind == "replace" and isinstance(where, dict) and where:
        name = rng.choice(sorted(where))
        if not _structural_field(name):
            used.add(canary)
            where[name] = rng.choice(canary_forms(canary))
    elif kind == "retype" and isinstance(where, dict) and where:
        where[rng.choice(sorted(where))] = rng.choice([None, True, [], {}, 0, "", 1.5])


def _put(where: Any, rng: random.Random, value: Any, name: str | None = None) -> None:
    if isinstance(where, list):
        where.append(value)
    else:
        where[name or rng.choice(["extra", "data", "info"])] = value


#: Positions a mutation leaves alone: Debezium's numeric log positions and timestamps.
_NUMERIC_STRUCTURE = frozenset({"lsn", "ts_ms", "ts_us", "ts_ns", "txId", "xmin", "pos", "row", "ts"})


def _structural_field(name: str) -> bool:
    return name in _NUMERIC_STRUCTURE or name in KEPT


def case(rng: random.Random) -> Case:
    """A mutated record: a CDC event (bare or wrapped) or a support message."""
    kind = rng.choice(["cdc", "message"])
    used: set[str] = set()
    if kind == "cdc":
        body: dict[str, Any] = json.loads(json.dumps(ENVELOPE))
        if rng.random() < 0.5:
            schema = rng.choice(
                [{"type": "struct", "name": "crm.contacts.Envelope", "optional": False}, TYPED]
            )
            body = {"schema": json.loads(json.dumps(schema)), "payload": body}
    else:
        body = json.loads(json.dumps(MESSAGE))
    for _ in range(rng.randint(1, 4)):
        mutate(rng, body, used)
    value = json.dumps(body).encode()
    if rng.random() < 0.1:  # broken bytes now and then: truncated or not UTF-8
        value = value[: rng.randint(1, max(1, len(value) - 1))] + rng.choice([b"", b"\xff\xfe", b"}}"])
    key: bytes | None = json.dumps({"id": 7}).encode()
    if rng.random() < 0.2:
        canary = rng.choice(CANARY_EMAILS)
        used.add(canary)
        key = rng.choice([canary.encode(), json.dumps({"id": canary}).encode()])
    return Case(kind, key, value, used)


def cases() -> st.SearchStrategy[Case]:
    """`case` under hypothesis (a seeded generator per example, so examples are not degenerate)."""
    return st.randoms(use_true_random=True).map(case)


def leaked(blob: bytes, canaries: set[str] | tuple[str, ...] = CANARIES) -> list[str]:
    """Canaries (or their digits) found in `blob`."""
    return [c for c in canaries if c.encode() in blob]
