"""Errors of the streams package. Messages carry reasons and positions, never record content."""

from __future__ import annotations

from detectors.errors import VeilstreamError


class StreamsError(VeilstreamError):
    """Raised by the stream worker and its record handling."""


class RecordError(StreamsError):
    """A record that cannot be parsed or validated. `reason` is a short, stable DLQ reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
