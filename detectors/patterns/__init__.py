"""Pattern stage: regexes with checksums, context words and libphonenumber."""

from detectors.patterns.stage import BUILTIN_RECOGNIZERS, PatternStage

__all__ = ["BUILTIN_RECOGNIZERS", "PatternStage"]
