"""JSON Lines input that survives bad lines: each failure is reported by line number, never by content."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import regex

#: Default longest accepted input line, in bytes.
MAX_LINE_BYTES = 1 << 20
_LANG = regex.compile(r"^[a-z]{2}$")


@dataclass(frozen=True, slots=True)
class Record:
    """One good input line."""

    line: int
    id: Any
    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class BadLine:
    """One input line that could not be used, and why (no content)."""

    line: int
    id: Any
    reason: str


def read_records(
    stream: IO[bytes], default_lang: str, max_bytes: int = MAX_LINE_BYTES
) -> Iterator[Record | BadLine]:
    """Parse `{"id", "text", "lang"?}` lines; blank lines are skipped."""
    for number, raw in enumerate(_lines(stream, max_bytes), start=1):
        if raw is None:
            yield BadLine(number, None, f"line longer than {max_bytes} bytes")
            continue
        if not raw.strip():
            continue
        yield _parse(number, raw, default_lang)


def _lines(stream: IO[bytes], max_bytes: int) -> Iterator[bytes | None]:
    """Lines of at most `max_bytes`; an over-long line is consumed and yields None."""
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(1 << 20)
            yield None
            continue
        yield line


def _parse(number: int, raw: bytes, default_lang: str) -> Record | BadLine:
    if number == 1:
        raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark some editors write
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadLine(number, None, "not valid UTF-8")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return BadLine(number, None, f"malformed JSON (column {exc.colno})")
    except RecursionError:
        return BadLine(number, None, "JSON nested too deeply")
    except ValueError:  # an integer of more than 4,300 digits
        return BadLine(number, None, "a number too long to read")
    if not isinstance(obj, dict):
        return BadLine(number, None, "expected a JSON object")
    ident = obj.get("id")
    if isinstance(ident, dict | list):
        return BadLine(number, None, "'id' must be a string, number or null")
    if isinstance(ident, str) and not _encodable(ident):
        return BadLine(number, None, "'id' is not valid Unicode (lone surrogate escape)")
    if not isinstance(obj.get("text"), str):
        return BadLine(number, ident, "missing or non-string 'text'")
    if not _encodable(obj["text"]):
        return BadLine(number, ident, "'text' is not valid Unicode (lone surrogate escape)")
    lang = obj.get("lang") or default_lang
    if not isinstance(lang, str) or not _LANG.match(lang):
        return BadLine(number, ident, "'lang' must be a two-letter lower-case code")
    return Record(number, ident, obj["text"], lang)


def _encodable(value: str) -> bool:
    """False for strings JSON allows but UTF-8 output cannot carry (`"\\ud800"` escapes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@contextmanager
def open_in(path: str) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdin.buffer
    else:
        with Path(path).open("rb") as handle:
            yield handle


@contextmanager
def open_out(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
    else:
        with Path(path).open("w", encoding="utf-8") as handle:
            yield handle


def write(out: IO[str], obj: dict[str, Any]) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
