"""Spoken values: personal data said or spelled out in call transcripts and chats."""

from detectors.spoken.normalize import Normalized, normalized
from detectors.spoken.stage import SpokenStage

__all__ = ["Normalized", "SpokenStage", "normalized"]
