"""JSON in and out of records: orjson on the hot path, the standard library where orjson cannot.

orjson reads an integer beyond 64 bits as a float (a Debezium `NUMERIC` column can carry
one) and cannot write one: a document with a run of 19 or more digits takes the standard
library's path both ways, so such integers keep every digit. Non-standard constants (`NaN`,
`Infinity`) are refused on both paths: they are not JSON, and orjson would write them back
as `null`.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: A run of 19 digits (the shortest integer that may not fit in 64 bits: `-9999999999999999999`),
#: found at C speed (a tenth of a regex's time on a Debezium event): every ASCII digit becomes
#: "0", every other byte " ", then a plain substring search.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19


def has_long_number(raw: bytes) -> bool:
    """Whether `raw` holds a run of 19 or more ASCII digits."""
    return _LONG_RUN in raw.translate(_DIGITS_AS_ZERO)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class TooDeep(ValueError):
    """JSON nested deeper than the parsers can go (about 1,000 levels)."""


def loads(data: bytes | str) -> Any:
    """Parse JSON text (raises `json.JSONDecodeError`, `TooDeep`, or `UnicodeDecodeError` for bad
    UTF-8 bytes)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not has_long_number(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # the standard library says where, in its own words
    text = raw.decode("utf-8")
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise TooDeep("JSON nested too deeply to parse") from None
    except ValueError as exc:  # NaN, Infinity, an integer of more than 4,300 digits
        raise json.JSONDecodeError(str(exc).split(":")[0], text, 0) from None


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII characters as they are)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # an integer beyond 64 bits, or a non-string key
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
