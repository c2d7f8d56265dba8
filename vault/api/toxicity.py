"""Toxicity scorers for unmasked text. Scores come from real models or are `null`; never invented.

- `profanity-check` (default, offline): PyPI `alt-profanity-check`, a linear SVM trained on
  profanity/toxicity data. It scores one thing, so only `toxicity` is filled; the other five
  keys are `null`.
- `detoxify`: all six keys from a local Detoxify checkpoint (`VEILSTREAM_DETOXIFY_CHECKPOINT`);
  needs `pip install detoxify` and its tokenizer files available offline.
- `none`: every key `null`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from vault.errors import VaultError

KEYS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
Scores = dict[str, float | None]


class Scorer(Protocol):
    name: str

    def score(self, texts: Sequence[str]) -> list[Scores]: ...


class NullScorer:
    name = "none"

    def score(self, texts: Sequence[str]) -> list[Scores]:
        return [dict.fromkeys(KEYS) for _ in texts]


class ProfanityCheckScorer:
    name = "profanity-check"

    def __init__(self) -> None:
        self._predict: Any = None

    def _load(self) -> Any:
        if self._predict is None:
            try:
                from profanity_check import predict_prob
            except ImportError as exc:
                raise VaultError("toxicity=profanity-check needs `pip install alt-profanity-check`") from exc
            self._predict = predict_prob
        return self._predict

    def score(self, texts: Sequence[str]) -> list[Scores]:
        if not texts:
            return []
        probs = self._load()(list(texts))
        return [{**dict.fromkeys(KEYS), "toxicity": round(float(p), 6)} for p in probs]


class DetoxifyScorer:
    name = "detoxify"

    def __init__(self, checkpoint: Path) -> None:
        try:
            from detoxify import Detoxify
        except ImportError as exc:
            raise VaultError("toxicity=detoxify needs `pip install detoxify`") from exc
        if not checkpoint.is_file():
            raise VaultError(f"detoxify checkpoint {checkpoint} not found")
        self._model = Detoxify(checkpoint=str(checkpoint))

    def score(self, texts: Sequence[str]) -> list[Scores]:
        if not texts:
            return []
        raw = self._model.predict(list(texts))
        return [
            {k: (round(float(raw[k][i]), 6) if k in raw else None) for k in KEYS} for i in range(len(texts))
        ]


def make_scorer(kind: str, checkpoint: Path | None = None) -> Scorer:
    if kind == "none":
        return NullScorer()
    if kind == "profanity-check":
        return ProfanityCheckScorer()
    if kind == "detoxify":
        if checkpoint is None:
            raise VaultError("toxicity=detoxify needs VEILSTREAM_DETOXIFY_CHECKPOINT")
        return DetoxifyScorer(checkpoint)
    raise VaultError(f"unknown toxicity scorer {kind}")
