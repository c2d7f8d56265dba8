"""The tagger in numpy: the shipped model's weights run without torch or flair.

The builtin model (`tagger.json` + `tagger.safetensors`, embeddings `chars`) is a word-level
bidirectional LSTM with a CRF over word vectors made of a character LSTM's final states, word-list
memberships and subword features (`_charemb.BatchedCharEmbeddings` is the torch side used in
training). This module computes the same arithmetic with numpy:

- a word's vector depends on the word alone: it is computed once per distinct word and kept
  (up to `CACHE_WORDS` words), already multiplied into both directions' input gates;
- sentences of a batch run together, padded, one matrix product per step and direction;
- the CRF is decoded as flair decodes it (Viterbi path; a token's confidence is the softmax of
  the max-marginals summed over the tags of its decoded class), and spans as flair reads BIOES.

Floats may differ from torch's in their last bits (summation order); the decoded tags do not.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np

from detectors.ner._model import (
    CONFIG_FILE,
    SUBWORD_TABLE,
    WEIGHTS_FILE,
    NerModelError,
    TaggerConfig,
    read_config,
)
from detectors.ner._subwords import WordPieces

#: (token indices, score, label) per predicted span.
SpanOut = tuple[list[int], float, str]
#: Most distinct words kept between calls.
CACHE_WORDS: Final = 65_536
_PAD, _UNK = 0, 1
#: New words whose character LSTM runs together (sorted by length: little padding).
_CHUNK: Final = 512
_OUT: Final = frozenset({"O", "", "_"})
#: A transition score below this one is never taken (flair sets impossible ones to -10,000).
_NEVER: Final = -1000.0


def supports(config: TaggerConfig) -> bool:
    """Whether this module runs a model of this configuration (else flair must)."""
    return config.embeddings == ["chars"] and config.use_crf


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # exact identity, no overflow warnings


class _Lstm:
    """One bidirectional LSTM layer from torch's weights, gates reordered from torch's (input,
    forget, cell, output) to (input, forget, output, cell): one sigmoid over the first three."""

    def __init__(self, weights: dict[str, np.ndarray], prefix: str) -> None:
        hidden = self.hidden = weights[f"{prefix}.weight_hh_l0"].shape[1]
        order = np.concatenate([np.arange(k * hidden, (k + 1) * hidden) for k in (0, 1, 3, 2)])
        self.w_in, self.b, self.w_hh = [], [], []
        for s in ("", "_reverse"):
            self.w_in.append(weights[f"{prefix}.weight_ih_l0{s}"][order].T.copy())
            self.b.append((weights[f"{prefix}.bias_ih_l0{s}"] + weights[f"{prefix}.bias_hh_l0{s}"])[order])
            self.w_hh.append(weights[f"{prefix}.weight_hh_l0{s}"][order].T.copy())
        self._w_hh = np.stack(self.w_hh)

    def gates(self, x: np.ndarray, direction: int) -> np.ndarray:
        """Input gates (with both biases) of `x[..., in]` for one direction: `[..., 4H]` (one 2-D
        product: numpy runs a stack of small matrices one by one)."""
        flat = x.reshape(-1, x.shape[-1]) @ self.w_in[direction]
        flat += self.b[direction]
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def run(self, forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
        """Hidden states `[2, B, T, H]` of both directions over their precomputed input gates
        (`[B, T, 4H]` each, left-aligned rows; `backward` holds each row reversed): the two run
        together, one batched product per step."""
        batch, steps, _ = forward.shape
        hidden = self.hidden
        three = 3 * hidden
        gates = np.stack([forward, backward])
        h = np.zeros((2, batch, hidden), dtype=np.float32)
        c = np.zeros((2, batch, hidden), dtype=np.float32)
        out = np.empty((2, batch, steps, hidden), dtype=np.float32)
        for t in range(steps):
            z = gates[:, :, t] + np.matmul(h, self._w_hh) if t else gates[:, :, t].copy()
            s = _sigmoid(z[..., :three])
            c *= s[..., hidden : 2 * hidden]
            c += s[..., :hidden] * np.tanh(z[..., three:])
            h = s[..., 2 * hidden : three] * np.tanh(c)
            out[:, :, t] = h
        return out


def _reversed_rows(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each row's first `lengths[b]` steps reversed, left-aligned (padding stays after them)."""
    steps = values.shape[1]
    t = np.arange(steps)[None, :]
    source = np.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)
    return np.take_along_axis(values, source[:, :, None], axis=1)


class NumpyTagger:
    """A saved `chars` tagger, loaded for inference without torch."""

    def __init__(self, directory: Path) -> None:
        try:
            from safetensors.numpy import load_file
        except ModuleNotFoundError:
            raise NerModelError(
                "the NER stage needs numpy and safetensors: pip install 'veilstream[ner]'"
            ) from None
        config = read_config(directory)
        if not supports(config):
            raise NerModelError(f"the NER model at {directory} needs flair (embeddings {config.embeddings})")
        weights = {k: v.astype(np.float32) for k, v in load_file(str(directory / WEIGHTS_FILE)).items()}
        self.config = config
        self.index = {c: i + 2 for i, c in enumerate(config.chars)}
        self.char_table = weights["embeddings.char_embedding.weight"]
        self.char_lstm = _Lstm(weights, "embeddings.char_rnn")
        self.lists = sorted(config.lexicon)
        self.member: dict[str, np.ndarray] = {}
        for bit, name in enumerate(self.lists):
            for word in config.lexicon[name]:
                row = self.member.get(word)
                if row is None:
                    row = self.member[word] = np.zeros(len(self.lists), dtype=np.float32)
                row[bit] = 1.0
        self.absent = np.zeros(len(self.lists), dtype=np.float32)
        self.pieces = WordPieces(config.subwords) if config.subwords and config.subword_dim else None
        self.subword_table = weights.get(f"embeddings.{SUBWORD_TABLE}")
        self.reproject = (weights["embedding2nn.weight"].T.copy(), weights["embedding2nn.bias"]) if (
            "embedding2nn.weight" in weights
        ) else None  # fmt: skip
        self.rnn = _Lstm(weights, "rnn")
        self.linear = (weights["linear.weight"].T.copy(), weights["linear.bias"])
        self.labels = list(config.tags)
        start, stop = self.labels.index("<START>"), self.labels.index("<STOP>")
        transitions = weights["crf.transitions"]
        # <START> is never entered and <STOP> never left (trained CRFs hold -10,000 there): such
        # tags are never the maximum, and decoding leaves them out (as flair's result shows)
        unreachable = transitions[start].max() < _NEVER and transitions[:, stop].max() < _NEVER
        self.keep = [k for k in range(len(self.labels)) if not (unreachable and k in (start, stop))]
        self.tags = [self.labels[k] for k in self.keep]
        self.transitions = transitions[np.ix_(self.keep, self.keep)]  # [j, i]: tag j after tag i
        self.from_start = transitions[self.keep, start]
        self.to_stop = transitions[stop, self.keep]
        self.classes = np.array([t.split("-", 1)[-1] for t in self.tags])
        self.outside = self.tags.index("O")
        self.recall_bias = np.float32(config.recall_bias)
        self._words: dict[str, int] = {}
        self._table = np.empty((0, 0), dtype=np.float32)
        self._lock = threading.Lock()

    # --- word vectors -----------------------------------------------------------------

    def _features(self, words: Sequence[str]) -> np.ndarray:
        """The word vectors (before `embedding2nn`) of distinct words: `[N, width]`."""
        ids = [[self.index.get(c, _UNK) for c in w] or [_UNK] for w in words]
        lengths = np.array([len(i) for i in ids])
        longest = int(lengths.max())
        padded = np.zeros((len(ids), longest), dtype=np.int64)
        for row, chars in enumerate(ids):
            padded[row, : len(chars)] = chars
        embedded = self.char_table[padded]
        lstm = self.char_lstm
        states = lstm.run(lstm.gates(embedded, 0), lstm.gates(_reversed_rows(embedded, lengths), 1))
        last = (lengths - 1)[:, None, None]
        parts = [
            np.take_along_axis(states[0], last, axis=1)[:, 0],
            np.take_along_axis(states[1], last, axis=1)[:, 0],
        ]
        if self.lists:
            parts.append(np.stack([self._member(w) for w in words]))
        if self.pieces is not None and self.subword_table is not None:
            parts.append(self._subword_features(words))
        return np.concatenate(parts, axis=1)

    def _features_by_length(self, words: list[str]) -> np.ndarray:
        """`_features` in chunks of words of similar length: little padding for the character LSTM."""
        order = sorted(range(len(words)), key=lambda i: len(words[i]))
        out: np.ndarray | None = None
        for start in range(0, len(order), _CHUNK):
            chunk = order[start : start + _CHUNK]
            vectors = self._features([words[i] for i in chunk])
            if out is None:
                out = np.empty((len(words), vectors.shape[1]), dtype=np.float32)
            out[chunk] = vectors
        assert out is not None  # noqa: S101 - `words` is never empty here
        return out

    def _member(self, word: str) -> np.ndarray:
        key = word.lower()
        row = self.member.get(key)
        if row is None and key.endswith(("'s", "’s")):
            row = self.member.get(key[:-2])
        return self.absent if row is None else row

    def _subword_features(self, words: Sequence[str]) -> np.ndarray:
        table, pieces = self.subword_table, self.pieces
        if table is None or pieces is None:
            return np.zeros((len(words), 0), dtype=np.float32)
        out = np.zeros((len(words), table.shape[1] + 1), dtype=np.float32)
        for row, word in enumerate(words):
            found = pieces.pieces(word) if word.isprintable() else []
            if found:
                out[row, :-1] = table[found].mean(axis=0)
            out[row, -1] = 1.0 if len(found) == 1 and found[0] != pieces.unknown else 0.0
        return out

    def _word_vectors(self, words: Sequence[str]) -> np.ndarray:
        """Each word's input to the word LSTM `[N, width]`; distinct new words computed once and kept."""
        with self._lock:
            missing = list(dict.fromkeys(w for w in words if w not in self._words))
            if len(self._words) + len(missing) > CACHE_WORDS:
                self._words = {}
                missing = list(dict.fromkeys(words))
            if missing:
                vectors = self._features_by_length(missing)
                if self.reproject is not None:
                    vectors = vectors @ self.reproject[0] + self.reproject[1]
                used = len(self._words)
                if used + len(missing) > len(self._table):  # grow by doubling: amortized copies
                    rows = max(2 * len(self._table), used + len(missing), 1024)
                    grown = np.empty((rows, vectors.shape[1]), dtype=np.float32)
                    if used:
                        grown[:used] = self._table[:used]
                    self._table = grown
                self._table[used : used + len(missing)] = vectors
                self._words.update(zip(missing, range(used, used + len(missing)), strict=True))
            return self._table[[self._words[w] for w in words]]

    def clear_cache(self) -> None:
        with self._lock:
            self._words = {}

    # --- sentences ----------------------------------------------------------------------

    def predict(self, sentences: Sequence[Sequence[str]], batch_size: int = 64) -> list[list[SpanOut]]:
        """Spans for each sentence (a list of words); empty sentences give no spans."""
        out: list[list[SpanOut]] = [[] for _ in sentences]
        order = sorted((i for i, s in enumerate(sentences) if s), key=lambda i: -len(sentences[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            for i, spans in zip(chunk, self._batch([sentences[i] for i in chunk]), strict=True):
                out[i] = spans
        return out

    def _batch(self, batch: Sequence[Sequence[str]]) -> list[list[SpanOut]]:
        lengths = np.array([len(s) for s in batch])
        size, longest = len(batch), int(lengths.max())
        vectors = self._word_vectors([w for s in batch for w in s])
        padded = np.zeros((size, longest, vectors.shape[1]), dtype=np.float32)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        for b, (first, length) in enumerate(zip(starts.tolist(), lengths.tolist(), strict=True)):
            padded[b, :length] = vectors[first : first + length]
        states = self.rnn.run(self.rnn.gates(padded, 0), self.rnn.gates(_reversed_rows(padded, lengths), 1))
        forward, backward = states[0], _reversed_rows(states[1], lengths)
        features = np.concatenate([forward, backward], axis=2)
        emissions = (features @ self.linear[0] + self.linear[1])[:, :, self.keep]
        if self.recall_bias:
            emissions[:, :, self.outside] -= self.recall_bias
        paths, confidences = self._viterbi(emissions, lengths)
        return [
            _spans([self.tags[k] for k in paths[b, :length]], confidences[b, :length].tolist())
            for b, length in enumerate(lengths.tolist())
        ]

    def _viterbi(self, emissions: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best tag path per sentence, and each token's confidence in its tag's class."""
        size, steps, tags = emissions.shape
        trans = self.transitions  # [j, i]
        forward = np.empty_like(emissions)
        pointers = np.zeros((size, steps, tags), dtype=np.int64)
        forward[:, 0] = emissions[:, 0] + self.from_start
        for t in range(1, steps):
            scores = forward[:, t - 1][:, None, :] + trans[None, :, :]  # [b, j, i]
            pointers[:, t] = scores.argmax(axis=2)
            forward[:, t] = emissions[:, t] + scores.max(axis=2)
        backward = np.empty_like(emissions)
        backward[:] = self.to_stop
        for t in range(steps - 2, -1, -1):
            scores = (emissions[:, t + 1] + backward[:, t + 1])[:, :, None] + trans  # [b, j, i]
            inside = (t < lengths - 1)[:, None]
            backward[:, t] = np.where(inside, scores.max(axis=1), self.to_stop)
        ends = lengths - 1
        final = (forward[np.arange(size), ends] + self.to_stop).argmax(axis=1)
        paths = np.zeros((size, steps), dtype=np.int64)
        for b in range(size):
            tag = int(final[b])
            for t in range(int(ends[b]), -1, -1):
                paths[b, t] = tag
                tag = int(pointers[b, t, tag])
        total = forward + backward
        exp = np.exp(total - total.max(axis=2, keepdims=True))
        same = self.classes[paths][:, :, None] == self.classes[None, None, :]
        confidences = (exp * same).sum(axis=2) / exp.sum(axis=2)
        return paths, confidences


def _spans(tags: list[str], scores: list[float]) -> list[SpanOut]:
    """flair's BIOES reading (`get_spans_from_bio`): spans, their mean score and majority class."""
    found: list[SpanOut] = []
    weights: dict[str, float] = {}
    previous = "O-"
    span: list[int] = []
    span_scores: list[float] = []
    for idx, raw in enumerate([*tags, "O"]):
        tag = "O-" if raw in _OUT else raw
        inside = tag != "O-"
        new = tag[:2] in ("B-", "S-") or (
            inside and previous[2:] != tag[2:] and (tag[:2] == "I-" or previous[2:] == "S-")
        )
        if (new or not inside) and span:
            found.append((span, sum(span_scores) / len(span_scores), max(weights, key=weights.__getitem__)))
            span, span_scores, weights = [], [], {}
        if inside:
            span.append(idx)
            span_scores.append(scores[idx])
            weights[tag[2:]] = weights.get(tag[2:], 0.0) + (1.1 if new else 1.0)
        previous = tag
    return found


def load(directory: Path) -> NumpyTagger:
    if not (directory / CONFIG_FILE).is_file():
        raise NerModelError(f"no NER model at {directory} (expected {CONFIG_FILE} and {WEIGHTS_FILE})")
    return NumpyTagger(directory)
