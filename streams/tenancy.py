"""Which tenant a record belongs to: a header, a field, the topic it arrived on, or its key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

_TENANT = regex.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class TenantResolver:
    """Resolve a tenant id, first match wins: header, then record field, then topic mapping.

    Values that are not well-formed tenant ids are ignored (never echoed), so a
    record with a garbage header falls through to the next source, or to None.
    """

    header: str | None = "veilstream-tenant"
    record_field: str | None = "tenant_id"
    topics: Mapping[str, str] = field(default_factory=dict)

    def resolve(
        self,
        topic: str,
        headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes] = (),
        record: Mapping[str, Any] | None = None,
    ) -> str | None:
        items = headers.items() if isinstance(headers, Mapping) else headers
        if self.header is not None:
            for key, value in items:
                if key == self.header and value is not None:
                    candidate = _valid(value.decode("utf-8", "replace"))
                    if candidate:
                        return candidate
        if self.record_field is not None and record is not None:
            candidate = _valid(record.get(self.record_field))
            if candidate:
                return candidate
        return self.topics.get(topic)

    def from_key(self, key: Any) -> str | None:
        """The tenant field of a decoded JSON record key (`{"tenant_id": "acme", "id": 42}`, or
        the `payload` of a Debezium key with its schema): what tombstones, truncates and
        deletes without the column still carry."""
        if self.record_field is None or not isinstance(key, Mapping):
            return None
        payload = key.get("payload")
        if isinstance(payload, Mapping) and "schema" in key:
            key = payload
        return _valid(key.get(self.record_field))


def _valid(value: object) -> str | None:
    return value if isinstance(value, str) and _TENANT.match(value) else None
