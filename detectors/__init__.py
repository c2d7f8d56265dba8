"""Staged PII detection: spans in, spans out. No Kafka, no Postgres here."""

from detectors.errors import DetectorsError, PolicyError, VeilstreamError
from detectors.pipeline import Pipeline, default_pipeline
from detectors.policy import Policy, load_policy, parse_policy
from detectors.span import Document, Span
from detectors.stage import BatchStage, Stage
from detectors.transform import apply_spans, redact

__all__ = [
    "BatchStage",
    "DetectorsError",
    "Document",
    "Pipeline",
    "Policy",
    "PolicyError",
    "Span",
    "Stage",
    "VeilstreamError",
    "apply_spans",
    "default_pipeline",
    "load_policy",
    "parse_policy",
    "redact",
]
