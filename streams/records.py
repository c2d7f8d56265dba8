"""Input records: Debezium change events and support messages, parsed from raw Kafka values.

Parsing never echoes content in errors: a `RecordError` carries a reason code
(`bad_utf8`, `bad_json`, `bad_schema`, `too_large`) and the failing field's path.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class SupportMessage(BaseModel):
    """A message from a messaging adapter (web widget, email, chat...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message_id: str = Field(min_length=1, max_length=256)
    tenant_id: str | None = Field(default=None, max_length=64)
    channel: str = Field(min_length=1, max_length=64)
    conversation_id: str | None = None
    sender: str | None = None
    text: str
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    ts: str | int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


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
    except json.JSONDecodeError as exc:
        raise RecordError("bad_json", f"line {exc.lineno} column {exc.colno}") from None


def schema_error(exc: ValidationError) -> RecordError:
    """A `bad_schema` error naming the first failing field and why, never its value."""
    first = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "(root)"
    return RecordError("bad_schema", f"field '{where}': {first['msg']}")


def parse_change_event(raw: bytes) -> Envelope:
    """Parse a Debezium JSON value, with or without the `schema`/`payload` wrapper."""
    return change_event_from(load_value(raw))


def change_event_from(data: Any) -> Envelope:
    """Validate decoded JSON as a change event (see `parse_change_event`)."""
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
    return Envelope(event=event, schema_block=data.get("schema") if wrapped else None, wrapped=wrapped)


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
