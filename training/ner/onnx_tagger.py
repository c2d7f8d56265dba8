"""A transformer NER tagger run by ONNX Runtime (the MiniLM candidate of `training/ner/transformer.py`).

The model (`training/ner/transformer.py` writes it) is all-MiniLM-L6-v2 fine-tuned for token
classification, BIO over the NER classes, the first WordPiece of each word labelled, exported
to ONNX and quantized to int8 (dynamic, per channel). Its directory holds:

- `model.onnx`: inputs `input_ids`, `attention_mask`, `token_type_ids` (int64 `[batch, pieces]`),
  output `logits` (`[batch, pieces, labels]`);
- `tokenizer.json`: the WordPiece tokenizer (`tokenizers`; BERT's uncased normalization:
  lower case, accents stripped);
- `ner.json` (`CONFIG_FILE`): labels in logit order, window length, overlap, case feature.

Words come from the shared tokenizer (`_tokens.tokenize`), so spans map back to characters
exactly as with the BiLSTM. Each word is split into WordPieces once (cached); a word list longer
than the model's window is cut at word boundaries into overlapping windows, and each word takes
its logits from the window where it sits farthest from an edge. A word's tag is the argmax of
the softmax over its first piece's logits; spans are read from the BIO tags (an `I-` after `O`
or another class starts a span) with the mean of their words' class probability (`B-` + `I-`
of the span's class) as score, in the shape `NumpyTagger.predict` returns.

With `case_feature`, the token type of a word's pieces is 1 when the word starts with an upper
case letter: the uncased vocabulary keeps no case, and case is a strong cue for names.
"""

from __future__ import annotations

import json
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from detectors.ner._model import NerModelError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

#: (token indices, score, label) per predicted span.
SpanOut = tuple[list[int], float, str]

FORMAT: Final = 1
CONFIG_FILE: Final = "ner.json"
MODEL_FILE: Final = "model.onnx"
TOKENIZER_FILE: Final = "tokenizer.json"
#: Most distinct words whose pieces are kept between calls.
CACHE_WORDS: Final = 65_536
_OUTSIDE: Final = "O"


@dataclass(slots=True)
class OnnxConfig:
    """What inference needs besides the model and the tokenizer (`ner.json`)."""

    labels: list[str]  # BIO labels in logit order: "O", "B-PERSON", "I-PERSON", ...
    max_length: int = 128  # pieces per window, [CLS] and [SEP] included
    overlap: int = 32  # pieces two neighbouring windows share (at most)
    max_word_pieces: int = 16  # pieces kept of one word (the first is the one labelled)
    case_feature: bool = True
    format: int = FORMAT
    meta: dict[str, Any] = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        text = json.dumps(asdict(self), ensure_ascii=False, indent=1)
        (directory / CONFIG_FILE).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> OnnxConfig:
        path = directory / CONFIG_FILE
        if not path.is_file():
            raise NerModelError(f"no ONNX NER model at {directory} (expected {CONFIG_FILE})")
        try:
            config = cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise NerModelError(f"invalid ONNX NER model config {path}: {exc}") from None
        if config.format != FORMAT:
            raise NerModelError(f"ONNX NER model format {config.format} is not supported (expected {FORMAT})")
        if config.max_length - 2 <= config.max_word_pieces or config.overlap < 0:
            raise NerModelError(f"invalid window settings in {path}")
        return config


def load_tokenizer(path: Path) -> Tokenizer:
    """The WordPiece tokenizer of `path` (`tokenizer.json`), without padding, truncation or
    special tokens of its own (windows are built here)."""
    try:
        from tokenizers import Tokenizer
    except ModuleNotFoundError:
        raise NerModelError("the ONNX NER model needs tokenizers: pip install tokenizers") from None
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


class WordEncoder:
    """Words to WordPiece ids, one word at a time (BERT splits words independently), cached."""

    def __init__(self, tokenizer: Tokenizer, max_word_pieces: int = 16) -> None:
        self.tokenizer = tokenizer
        self.max_word_pieces = max_word_pieces
        ids = {name: tokenizer.token_to_id(name) for name in ("[CLS]", "[SEP]", "[PAD]", "[UNK]")}
        missing = [name for name, i in ids.items() if i is None]
        if missing:
            raise NerModelError(f"the NER tokenizer lacks {', '.join(missing)}")
        self.cls, self.sep, self.pad, self.unk = (int(i) for i in ids.values())
        self._cache: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def encode(self, words: Sequence[str]) -> list[list[int]]:
        """Piece ids of each word (at least one: a word the tokenizer drops is `[UNK]`)."""
        cache = self._cache
        known = {w: cache.get(w) for w in set(words)}
        new = [w for w, ids in known.items() if ids is None]
        if new:
            found = {
                w: (e.ids[: self.max_word_pieces] or [self.unk])
                for w, e in zip(new, self.tokenizer.encode_batch(new, add_special_tokens=False), strict=True)
            }
            known.update(found)
            with self._lock:
                if len(cache) + len(found) > CACHE_WORDS:
                    cache.clear()
                cache.update(found)
        return [known[w] or [self.unk] for w in words]

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


def windows(lengths: Sequence[int], budget: int, overlap: int) -> list[tuple[int, int]]:
    """Word ranges `[start, end)` of at most `budget` pieces (`lengths`: pieces per word, each at
    most `budget`), neighbours sharing at most `overlap` pieces; together they cover every word."""
    out: list[tuple[int, int]] = []
    n = len(lengths)
    start = 0
    while start < n:
        end, used = start, 0
        while end < n and used + lengths[end] <= budget:
            used += lengths[end]
            end += 1
        end = max(end, start + 1)  # a word over the budget (never with a checked config): alone
        out.append((start, end))
        if end >= n:
            break
        nxt, shared = end, 0
        limit = min(overlap, budget - lengths[end])  # the next window reaches past this one
        while nxt - 1 > start and shared + lengths[nxt - 1] <= limit:
            nxt -= 1
            shared += lengths[nxt]
        start = nxt
    return out


def owners(lengths: Sequence[int], ranges: Sequence[tuple[int, int]]) -> list[int]:
    """For each word, the window (index into `ranges`) where it sits farthest from an edge."""
    best = [-1] * len(lengths)
    margin = [-1] * len(lengths)
    for k, (start, end) in enumerate(ranges):
        total = sum(lengths[start:end])
        before = 0
        for i in range(start, end):
            m = min(before, total - before - lengths[i])
            if m > margin[i]:
                best[i], margin[i] = k, m
            before += lengths[i]
    return best


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


class BioDecoder:
    """Spans from per-word label probabilities (BIO labels)."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        self.classes = sorted({lab[2:] for lab in labels if lab[:2] in ("B-", "I-")})
        # class index per label (-1: outside) and the labels of each class
        self.label_class = np.array(
            [self.classes.index(lab[2:]) if lab[:2] in ("B-", "I-") else -1 for lab in labels]
        )
        self.begins = np.array([lab[:2] == "B-" for lab in labels])
        members = np.zeros((len(labels), len(self.classes)), dtype=np.float32)
        for k, c in enumerate(self.label_class.tolist()):
            if c >= 0:
                members[k, c] = 1.0
        self.members = members

    def decode(self, probs: np.ndarray) -> list[SpanOut]:
        """`probs[word, label]` → (word indices, mean class probability, class) per span."""
        if not len(probs):
            return []
        tags = probs.argmax(axis=1)
        cls = self.label_class[tags]
        class_probs = probs @ self.members  # [word, class]
        spans: list[SpanOut] = []
        current: list[int] = []
        scores: list[float] = []
        label = -1
        for i, (tag, c) in enumerate(zip(tags.tolist(), cls.tolist(), strict=True)):
            if c < 0 or self.begins[tag] or c != label:
                if current:
                    spans.append((current, sum(scores) / len(scores), self.classes[label]))
                current, scores, label = [], [], -1
            if c >= 0:
                current.append(i)
                scores.append(float(class_probs[i, c]))
                label = c
        if current:
            spans.append((current, sum(scores) / len(scores), self.classes[label]))
        return spans


class WindowTagger(ABC):
    """Words to spans through a WordPiece token classifier; `_logits` runs the model."""

    def __init__(self, config: OnnxConfig, tokenizer: Tokenizer) -> None:
        self.config = config
        self.encoder = WordEncoder(tokenizer, config.max_word_pieces)
        self.decoder = BioDecoder(config.labels)

    @abstractmethod
    def _logits(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        """Logits `[batch, pieces, labels]` of int64 `[batch, pieces]` inputs."""

    def clear_cache(self) -> None:
        self.encoder.clear_cache()

    def word_probs(self, sentences: Sequence[Sequence[str]], batch_size: int = 64) -> list[np.ndarray]:
        """Label probabilities `[word, label]` of each sentence's words."""
        config = self.config
        cls, sep, pad = self.encoder.cls, self.encoder.sep, self.encoder.pad
        jobs: list[tuple[list[int], list[int], list[int]]] = []  # (ids, token types, first pieces)
        where: list[tuple[list[int], list[int]]] = []  # per sentence: each word's job and row
        for words in sentences:
            pieces = self.encoder.encode(words)
            lengths = [len(p) for p in pieces]
            ranges = windows(lengths, config.max_length - 2, config.overlap)
            first_job = len(jobs)
            for a, b in ranges:
                row, types, firsts = [cls], [0], []
                for w in range(a, b):
                    firsts.append(len(row))
                    row.extend(pieces[w])
                    types.extend([int(config.case_feature and words[w][:1].isupper())] * lengths[w])
                row.append(sep)
                types.append(0)
                jobs.append((row, types, firsts))
            own = owners(lengths, ranges)
            where.append(([first_job + k for k in own], [w - ranges[k][0] for w, k in enumerate(own)]))
        results: list[np.ndarray] = [np.empty(0)] * len(jobs)
        order = sorted(range(len(jobs)), key=lambda j: -len(jobs[j][0]))
        for b0 in range(0, len(order), batch_size):
            chunk = order[b0 : b0 + batch_size]
            width = len(jobs[chunk[0]][0])
            ids = np.full((len(chunk), width), pad, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            type_ids = np.zeros((len(chunk), width), dtype=np.int64)
            for r, j in enumerate(chunk):
                row, types, _ = jobs[j]
                ids[r, : len(row)] = row
                mask[r, : len(row)] = 1
                type_ids[r, : len(row)] = types
            logits = self._logits(ids, mask, type_ids)
            for r, j in enumerate(chunk):
                results[j] = softmax(logits[r, jobs[j][2]].astype(np.float32))
        out = []
        for words, (job_of, index) in zip(sentences, where, strict=True):
            probs = np.zeros((len(words), len(config.labels)), dtype=np.float32)
            for w, (j, i) in enumerate(zip(job_of, index, strict=True)):
                probs[w] = results[j][i]
            out.append(probs)
        return out

    def predict(self, sentences: Sequence[Sequence[str]], batch_size: int = 64) -> list[list[SpanOut]]:
        """Spans for each sentence (a list of words); empty sentences give no spans."""
        return [self.decoder.decode(p) for p in self.word_probs(sentences, batch_size)]


def _threads() -> int:
    """Intra-op threads: `OMP_NUM_THREADS` when set, else ONNX Runtime's default (0)."""
    try:
        return max(0, int(os.environ.get("OMP_NUM_THREADS", "0")))
    except ValueError:
        return 0


class OnnxTagger(WindowTagger):
    """A saved ONNX token classifier (`CONFIG_FILE`, `MODEL_FILE`, `TOKENIZER_FILE`)."""

    def __init__(self, directory: str | Path, threads: int | None = None) -> None:
        directory = Path(directory)
        config = OnnxConfig.read(directory)
        try:
            import onnxruntime as ort
        except ModuleNotFoundError:
            raise NerModelError("the ONNX NER model needs onnxruntime: pip install onnxruntime") from None
        super().__init__(config, load_tokenizer(directory / TOKENIZER_FILE))
        options = ort.SessionOptions()
        options.intra_op_num_threads = _threads() if threads is None else threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}

    def _logits(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        out = self.session.run(["logits"], {k: v for k, v in feed.items() if k in self.inputs})
        logits: np.ndarray = out[0]
        return logits


def load(directory: Path) -> OnnxTagger:
    return OnnxTagger(directory)
