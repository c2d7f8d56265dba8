"""The one error of the pipeline benchmark."""

from __future__ import annotations


class BenchError(Exception):
    """A measurement that could not complete (a worker died, records went to the DLQ, a timeout)."""
