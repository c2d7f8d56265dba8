"""Logging of the streams package: the entry point's configuration (text or JSON lines) and helpers.

Log messages are key-value events that name classes, counts, offsets and timings, never values;
the JSON format keeps them as they are and adds the `key=value` pairs as fields. Exceptions are
logged as their class and stack frames, without their message (which may quote input).
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

import regex

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
_PAIR = regex.compile(r"(?<![^\s(,])([A-Za-z_][A-Za-z0-9_.]*)=(\S+?)(?=[\s),;]|$)")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: `ts`, `level`, `logger`, `pid`, `message`, the message's
    `key=value` pairs under `fields`, and for an exception its class and frames (file, line and
    function: no message, no source line)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process or os.getpid(),
            "message": message,
        }
        fields = dict(_PAIR.findall(message))
        if fields:
            out["fields"] = fields
        if record.exc_info and record.exc_info[0] is not None:
            out["error_class"] = record.exc_info[0].__name__
            frames = traceback.extract_tb(record.exc_info[2])
            out["stack"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in frames]
        return json.dumps(out, ensure_ascii=False)


def dict_config(level: str, fmt: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the root logger on stderr in `fmt`."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if fmt == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"veilstream": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "veilstream"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
    }


def configure(level: str, fmt: LogFormat) -> None:
    """Configure the root logger (entry points only)."""
    import logging.config

    logging.config.dictConfig(dict_config(level, fmt))


@contextmanager
def muted(logger_name: str) -> Iterator[None]:
    """Silence a library's logger for the block (errors that are expected and handled)."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
