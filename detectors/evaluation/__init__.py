"""Evaluation: labelled datasets in presidio-research format, token-level scores, reports.

Scoring only: the generator of the multilingual set is `training.synth` (Faker, not shipped).
"""

from detectors.evaluation.dataset import DatasetError, GoldSpan, Record, gold_class, load_dataset
from detectors.evaluation.run import evaluate, producible
from detectors.evaluation.scoring import Confusion, Metrics, Scores, score

__all__ = [
    "Confusion",
    "DatasetError",
    "GoldSpan",
    "Metrics",
    "Record",
    "Scores",
    "evaluate",
    "gold_class",
    "load_dataset",
    "producible",
    "score",
]
