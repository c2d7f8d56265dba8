"""Quick token-level scorer for the NER stage on generated examples (training-time checks only).

Tokens are runs of letters and digits, as in `detectors.evaluation`; a token's label
is the class of the span covering it. The project's real quality figures come from
`veilstream eval`; this scorer picks epochs and compares embeddings on held-out
generated data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from detectors.span import Document, Span
from detectors.stage import BatchStage
from training.ner.corpus import Example

_TOKEN = regex.compile(r"[\p{L}\p{N}]+")
_O = "O"


def _labels(text: str, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    out = []
    for m in _TOKEN.finditer(text):
        a, b = m.span()
        out.append(next((e for s, t, e in spans if s < b and a < t), _O))
    return out


@dataclass(slots=True)
class TokenScores:
    """Per (language, class) confusion counts; class `*` is "any PII" (class-agnostic)."""

    tp: Counter[tuple[str, str]] = field(default_factory=Counter)
    fp: Counter[tuple[str, str]] = field(default_factory=Counter)
    fn: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, lang: str, gold: list[str], pred: list[str]) -> None:
        for g, p in zip(gold, pred, strict=True):
            for key in (lang, "all"):
                if g != _O and p != _O:
                    self.tp[key, "*"] += 1
                elif g != _O:
                    self.fn[key, "*"] += 1
                elif p != _O:
                    self.fp[key, "*"] += 1
                if g == p and g != _O:
                    self.tp[key, g] += 1
                else:
                    if g != _O:
                        self.fn[key, g] += 1
                    if p != _O:
                        self.fp[key, p] += 1

    def prf(self, lang: str, cls: str) -> tuple[float, float, float]:
        tp, fp, fn = self.tp[lang, cls], self.fp[lang, cls], self.fn[lang, cls]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def table(self) -> str:
        langs = [*sorted({k[0] for k in self.tp | self.fn | self.fp} - {"all"}), "all"]
        classes = ["*", "PERSON", "LOCATION", "STREET_ADDRESS", "ORGANIZATION"]
        rows = [f"{'lang':5} " + " ".join(f"{c[:14]:>16}" for c in classes) + "   (P/R/F1 per class)"]
        for lang in langs:
            cells = []
            for c in classes:
                p, r, f = self.prf(lang, c)
                cells.append(f"{p:.2f}/{r:.2f}/{f:.2f}".rjust(16))
            rows.append(f"{lang:5} " + " ".join(cells))
        return "\n".join(rows)


def score(stage: BatchStage, examples: Sequence[Example], batch: int = 64) -> TokenScores:
    scores = TokenScores()
    for i in range(0, len(examples), batch):
        chunk = examples[i : i + batch]
        predicted: list[list[Span]] = stage.detect_many([Document(e.text, e.lang) for e in chunk])
        for ex, spans in zip(chunk, predicted, strict=True):
            gold = _labels(ex.text, ex.spans)
            pred = _labels(ex.text, [(s.start, s.end, s.entity) for s in spans])
            scores.add(ex.lang, gold, pred)
    return scores
