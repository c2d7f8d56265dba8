"""Logging helpers of the streams package."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


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
