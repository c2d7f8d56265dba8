"""W3C trace context across the worker: an input's `traceparent` header goes on its outputs.

Input headers are dropped on purpose (they may carry personal data); a `traceparent` passes only
when it is well formed (`version-traceid-parentid-flags` in lower-case hex, no all-zero ids, not
version `ff`), so nothing else can ride along in it. `tracestate` is not carried.
"""

from __future__ import annotations

import dataclasses

import regex

from streams.kafka import Headers, InRecord, OutRecord

HEADER = "traceparent"
_TRACEPARENT = regex.compile(rb"(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}")


def traceparent(headers: Headers) -> bytes | None:
    """The record's well-formed `traceparent` header (the first one), else None."""
    for key, value in headers:
        if key == HEADER:
            return value if _TRACEPARENT.fullmatch(value) else None
    return None


def carry(source: InRecord, record: OutRecord) -> OutRecord:
    """`record` with `source`'s traceparent added (unchanged when there is none or it has one)."""
    parent = traceparent(source.headers)
    if parent is None or any(key == HEADER for key, _ in record.headers):
        return record
    return dataclasses.replace(record, headers=(*record.headers, (HEADER, parent)))
