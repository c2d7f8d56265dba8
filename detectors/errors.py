"""Exception root for veilstream and the detectors' own subclasses.

`detectors` depends on nothing else of ours, so the root lives here and `vault`
and `streams` subclass it. Messages never carry the text being scanned.
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
