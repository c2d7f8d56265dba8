"""Exception root for veilstream, and the detectors' own subclasses.

`VeilstreamError` lives here on purpose: `detectors` is the lowest layer and imports nothing
else of ours, so `vault`, `streams` and the CLI subclass it without importing upward
(`tests/unit/test_layering.py`). Messages never carry the text being scanned.
"""

from __future__ import annotations


class VeilstreamError(Exception):
    """Root of every error veilstream raises on purpose."""


class DetectorsError(VeilstreamError):
    """Raised by the detection pipeline."""


class PolicyError(DetectorsError):
    """A tenant policy file is missing, unreadable or invalid.

    The message names the offending field and never echoes field values.
    """
