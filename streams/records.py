"""Input records: Debezium change events and support messages, parsed from raw Kafka values.

Parsing never echoes content in errors: a `RecordError` carries a reason code
(`bad_utf8`, `bad_json`, `bad_schema`, `too_large`) and the failing field's path.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from streams import jsonio
from streams.errors import RecordError

#: Largest record value accepted, in bytes; larger ones go to the DLQ as `too_large`.
MAX_RECORD_BYTES = 4 << 20


class SourceInfo(BaseModel):
    """Debezium `source` block: where the change came from. Unknown connector keys are kept."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    table: str | None = None
    db: str | None = None
    schema_name: str | None = Field(default=None, alias="schema")
    ts_ms: int | None = None
    lsn: int | str | None = None
    connector: str | None = None


class ChangeEvent(BaseModel):
    """A Debezium change event payload (`before`, `after`, `op`, `source`, `ts_ms`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    op: Literal["c", "u", "d", "r", "t", "m"]
    source: SourceInfo = SourceInfo()
    ts_ms: int | None = None

    @property
    def table(self) -> str | None:
        return self.source.table


#: Shape of the support message's names (`channel`, `tenant_id`): no run of 7 digits either,
#: which could be a phone or card number.
NAME_PATTERN = r"^(?!.*\d{7})[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
#: An ISO 8601 date or date-time (`ts` as text).
_ISO_TS = regex.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
#: Epoch timestamps accepted for `ts`: 2000-01-01 to 2100-01-01 in seconds, ms or µs.
_EPOCH = tuple((946_684_800 * 1000**k, 4_102_444_800 * 1000**k) for k in range(3))


def _timestamp(value: str | int | None) -> str | int | None:
    """`ts` as epoch seconds, ms or µs of this century, or ISO 8601 text (digits as text too)."""
    if value is None:
        return value
    number = value if type(value) is int else None
    if isinstance(value, str) and value.isdigit():
        number = int(value)
    if number is not None:
        if any(low <= number < high for low, high in _EPOCH):
            return value
    elif isinstance(value, str) and _ISO_TS.fullmatch(value):
        return value
    raise ValueError("expected epoch seconds, milliseconds or microseconds, or an ISO 8601 date-time")


class SupportMessage(BaseModel):
    """A message from a messaging adapter (web widget, email, chat...).

    `channel`, `tenant_id`, `lang` and `ts` must have their shapes (or the record goes to the
    DLQ as `bad_schema`); `message_id` and `conversation_id` of any other shape than an
    identifier's are detected like `text` and `sender`, and so are `metadata`'s keys and values.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, regex_engine="python-re")

    message_id: str = Field(min_length=1, max_length=256)
    tenant_id: str | None = Field(default=None, pattern=NAME_PATTERN)
    channel: str = Field(pattern=NAME_PATTERN)
    conversation_id: str | None = Field(default=None, max_length=256)
    sender: str | None = None
    text: str
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    ts: str | int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    _ts = field_validator("ts")(_timestamp)


class Envelope(BaseModel):
    """A parsed change event and whether it came inside a `{"schema", "payload"}` wrapper.

    The wrapper's `schema` is kept so the masked output has the input's shape.
    """

    model_config = ConfigDict(frozen=True)

    event: ChangeEvent
    schema_block: Any = None
    wrapped: bool = False


def load_value(raw: bytes) -> Any:
    """Decode a record value: size limit, then UTF-8, then JSON. Raises `RecordError`."""
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError("too_large", f"{len(raw)} bytes exceeds {MAX_RECORD_BYTES}")
    try:
        return jsonio.loads(raw)
    except UnicodeDecodeError as exc:
        raise RecordError("bad_utf8", f"invalid byte at offset {exc.start}") from None
    except jsonio.TooDeep:
        raise RecordError("too_deep", "JSON nested too deeply to parse") from None
    except json.JSONDecodeError as exc:
        raise RecordError("bad_json", f"line {exc.lineno} column {exc.colno}") from None


def _field_names(*models: type[BaseModel]) -> frozenset[str]:
    names: set[str] = set()
    for model in models:
        for name, info in model.model_fields.items():
            names.add(name)
            if info.alias:
                names.add(info.alias)
    return frozenset(names)


_KNOWN_FIELDS = _field_names(SourceInfo, ChangeEvent, SupportMessage)


def schema_error(exc: ValidationError, known: frozenset[str] | None = None) -> RecordError:
    """A `bad_schema` error naming the first failing field and why, never its value.

    Only names of the record models (or `known`) are named: a field the input made up (an
    unexpected key, which may be personal data itself) is `<unexpected field>`.
    """
    known = _KNOWN_FIELDS if known is None else known
    first = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(p) if type(p) is int or p in known else "<unexpected field>" for p in first["loc"])
    return RecordError("bad_schema", f"field '{where or '(root)'}': {first['msg']}")


def parse_change_event(raw: bytes) -> Envelope:
    """Parse a Debezium JSON value, with or without the `schema`/`payload` wrapper."""
    return change_event_from(load_value(raw))


def change_event_from(data: Any) -> Envelope:
    """Validate decoded JSON as a change event (see `parse_change_event`)."""
    event, wrapped = _change_event(data)
    return Envelope(event=event, schema_block=data.get("schema") if wrapped else None, wrapped=wrapped)


def change_event_row(data: Any) -> dict[str, Any] | None:
    """`event.after or event.before` of `change_event_from(data).event`: the masker's hot path.

    A payload made only of the plain JSON types every field asks for (`plainly_valid`) is one
    `ChangeEvent.model_validate` accepts: its row is read as it is, and its before/after
    (equal to the model's copies) are returned. Anything else goes through the model, which
    raises the same `RecordError` as `change_event_from`.
    """
    if type(data) is dict:
        payload = data.get("payload") if "payload" in data and "op" not in data else data
        if type(payload) is dict and plainly_valid(payload):
            return payload.get("after") or payload.get("before")
    event, _ = _change_event(data)  # no `Envelope` needed
    return event.after or event.before


_OPS = frozenset(("c", "u", "d", "r", "t", "m"))
#: `SourceInfo` fields typed `str | None` (`schema` under its alias and its name).
_SOURCE_TEXT = ("table", "db", "schema", "schema_name", "connector")


def plainly_valid(payload: dict[str, Any]) -> bool:
    """Whether `ChangeEvent.model_validate(payload)` surely accepts the payload, judged on exact
    JSON types (a strict subset of what the model accepts: False sends it to the model)."""
    op = payload.get("op")
    if type(op) is not str or op not in _OPS:
        return False
    for side in ("before", "after"):
        row = payload.get(side)
        if row is not None and type(row) is not dict:
            return False
    ts_ms = payload.get("ts_ms")
    if ts_ms is not None and type(ts_ms) is not int:
        return False
    if "source" not in payload:
        return True
    source = payload["source"]
    if type(source) is not dict:  # a null `source` too: the model wants an object
        return False
    for name in _SOURCE_TEXT:
        text = source.get(name)
        if text is not None and type(text) is not str:
            return False
    ts_ms, lsn = source.get("ts_ms"), source.get("lsn")
    return (ts_ms is None or type(ts_ms) is int) and (lsn is None or type(lsn) is int or type(lsn) is str)


def _change_event(data: Any) -> tuple[ChangeEvent, bool]:
    """The validated event of decoded JSON, and whether it came wrapped. Raises `RecordError`."""
    if not isinstance(data, dict):
        raise RecordError("bad_schema", "a change event is a JSON object")
    wrapped = "payload" in data and "op" not in data
    payload = data.get("payload") if wrapped else data
    if not isinstance(payload, dict):
        raise RecordError("bad_schema", "field 'payload': a change event is a JSON object")
    try:
        event = ChangeEvent.model_validate(payload)
    except ValidationError as exc:
        raise schema_error(exc) from None
    return event, wrapped


def parse_support_message(raw: bytes) -> SupportMessage:
    """Parse a support message value."""
    return support_message_from(load_value(raw))


def support_message_from(data: Any) -> SupportMessage:
    """Validate decoded JSON as a support message."""
    if not isinstance(data, dict):
        raise RecordError("bad_schema", "a support message is a JSON object")
    try:
        return SupportMessage.model_validate(data)
    except ValidationError as exc:
        raise schema_error(exc) from None


def dump_change_event(envelope: Envelope, event: ChangeEvent) -> bytes:
    """Serialize `event` in the shape its input came in (wrapped or bare)."""
    payload = event.model_dump(mode="json", by_alias=True, exclude_unset=True)
    body = {"schema": envelope.schema_block, "payload": payload} if envelope.wrapped else payload
    return jsonio.dumps(body)
