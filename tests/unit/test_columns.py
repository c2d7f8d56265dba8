"""Column knowledge of the masker (`streams.columns`): personal names, typed values, schema blocks."""

from __future__ import annotations

from typing import Any

import pytest

from streams.columns import SchemaInfo, column_kind, node_at, retype, temporal_text


@pytest.mark.parametrize(
    ("name", "personal", "label", "birth"),
    [
        ("phone", True, "phone: ", False),
        ("mobile_no", True, "mobile no: ", False),
        ("homePhone", True, "home phone: ", False),
        ("homephone", True, "homephone: ", False),
        ("birth_date", True, "birth date: ", True),
        ("dateOfBirth", True, "date of birth: ", True),
        ("DOB", True, "dob: ", True),
        ("ssn", True, "ssn: ", False),
        ("tax_id", True, "tax id: ", False),
        ("iban", True, "iban: ", False),
        ("card_number", True, "card number: ", False),
        ("passport_no", True, "passport no: ", False),
        ("teléfono", True, "teléfono: ", False),
        ("id", False, "", False),
        ("account_id", False, "", False),
        ("company", False, "", False),
        ("classname", False, "", False),  # `ssn` inside a word is not a word
        ("hotel_name", False, "", False),
        ("panel", False, "", False),
        ("updated_at", False, "", False),
    ],
)
def test_column_kind(name: str, personal: bool, label: str, birth: bool) -> None:
    kind = column_kind(name)
    assert (kind.personal, kind.label, kind.birth) == (personal, label, birth)


@pytest.mark.parametrize(
    ("value", "logical", "birth", "text"),
    [
        (7319, "io.debezium.time.Date", False, "1990-01-15"),
        (-1, "org.apache.kafka.connect.data.Date", False, "1969-12-31"),
        (632361600000, "io.debezium.time.Timestamp", True, "1990-01-15"),
        (1714557600000, "io.debezium.time.Timestamp", False, "2024-05-01T10:00:00Z"),
        (1714557600000000, "io.debezium.time.MicroTimestamp", False, "2024-05-01T10:00:00Z"),
        (1714557600000000000, "io.debezium.time.NanoTimestamp", False, "2024-05-01T10:00:00Z"),
        (19900115, None, True, "1990-01-15"),  # yyyymmdd
        (19901315, None, True, None),  # no month 13
        (7319, None, True, "1990-01-15"),  # days
        (632361600000, None, True, "1990-01-15"),  # ms
        (7319, None, False, None),  # not a birth column: a number
        (123456789, None, True, None),
        (10**30, "io.debezium.time.Date", False, None),  # out of range
        (1.5, "io.debezium.time.Date", False, None),
    ],
)
def test_temporal_text(value: Any, logical: str | None, birth: bool, text: str | None) -> None:
    assert temporal_text(value, logical, birth) == text


def col(column: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "optional": True, "field": column, **extra}


VALUE = {
    "type": "struct",
    "name": "crm.public.contacts.Value",
    "fields": [
        col("id", "int32"),
        col("email", "string"),
        col("phone", "int64"),
        col("birth", "int32", name="io.debezium.time.Date", version=1),
        col("doc", "string", name="io.debezium.data.Json", version=1),
    ],
}
ENVELOPE = {
    "type": "struct",
    "fields": [{**VALUE, "field": "before"}, {**VALUE, "field": "after"}, col("op", "string")],
}


def test_schema_info_knows_the_typed_row_fields() -> None:
    info = SchemaInfo.of(ENVELOPE)
    assert set(info.typed) == {
        (side, c) for side in ("before", "after") for c in ("id", "phone", "birth", "doc")
    }
    assert info.logical[("after", "birth")] == "io.debezium.time.Date"
    assert node_at(ENVELOPE, info.typed[("after", "phone")]) == col("phone", "int64")
    key = SchemaInfo.of({"type": "struct", "fields": [col("id", "int64")]}, key=True)
    assert key.typed == {("key", "id"): (0,)}


@pytest.mark.parametrize(
    "schema", [None, {}, {"type": "struct"}, {"fields": "x"}, {"fields": [1, {"x": 1}]}, []]
)
def test_schema_info_of_odd_blocks_is_empty(schema: Any) -> None:
    assert SchemaInfo.of(schema).typed == {}


@pytest.mark.parametrize(
    ("node", "masked", "after"),
    [
        (col("phone", "int64", default=0), "<PHONE_NUMBER>x</PHONE_NUMBER>", col("phone", "string")),
        (
            col("birth", "int32", name="io.debezium.time.Date", version=1, parameters={"a": "b"}),
            "<DATE_OF_BIRTH>x</DATE_OF_BIRTH>",
            col("birth", "string"),
        ),
        (
            col("at", "string", name="io.debezium.time.ZonedTimestamp", version=1),
            "<X>y</X>",
            col("at", "string"),
        ),
        (
            col("doc", "string", name="io.debezium.data.Json"),
            '{"a": "<X>y</X>"}',
            col("doc", "string", name="io.debezium.data.Json"),
        ),
        (col("doc", "string", name="io.debezium.data.Json"), '{"a": <X>y</X>}', col("doc", "string")),
        (col("amount", "bytes", name="org.apache.kafka.connect.data.Decimal"), "x", col("amount", "string")),
    ],
)
def test_retype(node: dict[str, Any], masked: Any, after: dict[str, Any]) -> None:
    retype(node, masked)
    assert node == after
