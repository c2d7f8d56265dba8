"""What the masker may leave alone: the structural parts of records, known by position and shape.

Everything else in a record is treated as personal until detection says otherwise: unknown
keys and their values, extra `source` fields, keys of free-form objects, numbers in any form.
A structural value is left alone only where it sits at a known position *and* has the shape
that position has in Debezium or the support-message contract; any other value there goes
through detection like text.
"""

from __future__ import annotations

import math
from typing import Any, Final

import regex

#: Deepest nesting a record may have; deeper records go to the DLQ as `too_deep`.
MAX_DEPTH: Final = 64

#: Integers and integral floats with at least this many digits are checked by detection
#: (phones, cards, IDs stored as numbers, also negative or as `4.1e15`).
NUMBER_DIGITS: Final = 7

#: Identifier-like text (names of databases, tables, connectors, Debezium types, message ids).
_IDENTIFIER = regex.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:$/#=+\-]{0,255}")
_DIGIT_RUN = regex.compile(rf"\d{{{NUMBER_DIGITS}}}")
#: Positions, log sequence numbers, transaction ids: digits, or digits joined by `:` / `.` / `-`.
_POSITION = regex.compile(r"\d[\d:.\-]{0,63}")
#: Debezium's `source.sequence`: a JSON array of position strings, as text.
_SEQUENCE = regex.compile(r'\[(?:\s*(?:null|"[\d:.\-]{0,64}")\s*,?){0,8}\]')

#: Top-level keys of a Debezium payload that are structure (their values are checked by
#: position below; `before` and `after` are rows).
ENVELOPE_KEYS: Final = frozenset(
    {"before", "after", "op", "source", "ts_ms", "ts_us", "ts_ns", "transaction"}
)

#: `source` fields holding names (identifier-shaped text) in Debezium's connectors.
_SOURCE_NAMES: Final = frozenset(
    {"version", "connector", "name", "snapshot", "db", "schema", "table", "collection", "file"}
)
#: `source` fields holding positions, timestamps and counters (integers or position text).
_SOURCE_POSITIONS: Final = frozenset(
    {
        "ts_ms", "ts_us", "ts_ns", "lsn", "txId", "xmin", "gtid", "pos", "row", "thread",
        "server_id", "change_lsn", "commit_lsn", "event_serial_no", "ord", "scn", "commit_scn",
        "ssn", "redo_thread", "rs", "h", "stxnid", "sequence",
    }
)  # fmt: skip
_TRANSACTION_INTS: Final = frozenset({"total_order", "data_collection_order"})

#: Keys of a Debezium JSON-converter `schema` block holding names (identifier-shaped text).
SCHEMA_NAMES: Final = frozenset({"type", "field", "name"})
#: Keys of a `schema` block holding nested schemas (a list of them for `fields`).
SCHEMA_NESTED: Final = frozenset({"fields", "items", "keys", "values"})


def identifier(value: Any) -> bool:
    """Identifier-shaped text without a run of `NUMBER_DIGITS` digits (which could be a phone)."""
    return type(value) is str and _IDENTIFIER.fullmatch(value) is not None and not _DIGIT_RUN.search(value)


def position(value: Any) -> bool:
    """An integer (not a bool), or position-shaped text."""
    if type(value) is int:
        return True
    return type(value) is str and _POSITION.fullmatch(value) is not None


def structural_source(name: str, value: Any) -> bool:
    """Whether `source[name] = value` is Debezium structure (left alone)."""
    if value is None or type(value) is bool:
        return name in _SOURCE_NAMES or name in _SOURCE_POSITIONS
    if name in _SOURCE_NAMES:
        return identifier(value)
    if name == "sequence":
        return type(value) is str and _SEQUENCE.fullmatch(value) is not None
    return name in _SOURCE_POSITIONS and position(value)


def structural_transaction(name: str, value: Any) -> bool:
    """Whether `transaction[name] = value` is Debezium structure."""
    if name == "id":
        return value is None or identifier(value) or position(value)
    return name in _TRANSACTION_INTS and (value is None or type(value) is int)


def number_text(value: Any) -> str | None:
    """The digits detection should see for a JSON number that may hide personal data, else None.

    Integers and integral floats (`4111111111111111.0`, `4.111e15`) of at least `NUMBER_DIGITS`
    digits, and floats with a fraction whose integer part is that long; without the sign (a
    minus sign would hide the number from the patterns). A masked number becomes text.
    """
    if type(value) is int:
        digits = str(abs(value))
        return digits if len(digits) >= NUMBER_DIGITS else None
    if type(value) is float and math.isfinite(value) and abs(value) >= 10 ** (NUMBER_DIGITS - 1):
        return str(int(abs(value))) if value.is_integer() else repr(abs(value))
    return None


def structural_schema_value(name: str, value: Any) -> bool:
    """Whether `schema_node[name] = value` is a scalar of a JSON-converter schema (left alone);
    nested schemas (`SCHEMA_NESTED`) and `parameters` are walked by the caller."""
    if name in SCHEMA_NAMES:
        return identifier(value)
    if name == "optional":
        return type(value) is bool
    if name == "version":
        return value is None or type(value) is int
    return False


def structural_parameter(name: str, value: Any) -> bool:
    """A `parameters` entry of a schema node such as `{"scale": "2"}` or the column type."""
    return identifier(name) and (
        identifier(value) or (type(value) is str and value.isdigit() and len(value) < 7)
    )
