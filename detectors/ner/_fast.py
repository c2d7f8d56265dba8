"""Inference without flair's per-token objects: the tagger's own weights on plain word lists.

Used for taggers whose embeddings are `BatchedCharEmbeddings` followed by one bidirectional
LSTM layer and a CRF (the builtin model); other taggers go through `SequenceTagger.predict`.
Same weights, same Viterbi decoding and span rules as flair; the arithmetic is rearranged:

- What the LSTM reads of a word depends on the word alone: its vector (character LSTM and
  lexicon features, then `embedding2nn`) and its input gates (that vector times each
  direction's input weights, plus both biases). Both are computed once per distinct word and
  kept between calls (up to `CACHE_WORDS` words, 4.5 KB each).
- Batches of `SMALL_BATCH` sentences or more run their own recurrence on the cached gates:
  packed sequences sorted by length, both directions in one batched matrix product per step
  (a sentence's backward direction reads it reversed). Smaller batches, where per-step Python
  overhead would outweigh the saved input products, run torch's LSTM on the cached vectors.
- The CRF is decoded in numpy on the same packed layout, reducing over the leading axis.

Floats differ from flair's in their last bits only (the order of a few additions); the
CRF decoding itself does the same additions, maxima and argmaxes as flair's.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Hashable, Sequence
from typing import Any, Final, cast

import numpy as np
import torch
from flair.data import get_spans_from_bio
from flair.models import SequenceTagger
from torch.nn.utils.rnn import PackedSequence

from detectors.ner._charemb import BatchedCharEmbeddings

#: (token indices, score, label) per predicted span.
SpanOut = tuple[list[int], float, str]
#: Most distinct words kept between calls (4.7 KB each: 1,024 gates and 143 inputs, float32).
CACHE_WORDS: Final = 32_768
#: Batches with fewer sentences run torch's LSTM (per-step overhead matters more than the input gates).
SMALL_BATCH: Final = 12
#: Batches of at most this many sentences keep the CRF's back pointers (argmax cost grows with the batch).
_POINTERS: Final = 4
#: Each word's row in the word table, and the table's LSTM inputs and input gates.
_Rows = tuple[list[int], torch.Tensor, torch.Tensor]
#: A transition score below this one is never taken (flair sets impossible ones to -10,000).
_NEVER: Final = -1000.0
_OUT_TAGS: Final = frozenset({"O", "", "_"})  # what flair's span decoding reads as outside


def supports(tagger: SequenceTagger) -> bool:
    rnn = getattr(tagger, "rnn", None)
    return (
        isinstance(tagger.embeddings, BatchedCharEmbeddings)
        and tagger.use_crf
        and isinstance(rnn, torch.nn.LSTM)
        and rnn.num_layers == 1
        and rnn.bidirectional
        and rnn.batch_first
        and rnn.bias
        and rnn.proj_size == 0
        and not tagger.train_initial_hidden_state
    )


def predict(
    tagger: SequenceTagger, sentences: Sequence[Sequence[str]], batch_size: int = 64
) -> list[list[SpanOut]]:
    """Spans for each sentence (a list of words); empty sentences give no spans."""
    out: list[list[SpanOut]] = [[] for _ in sentences]
    order = sorted((i for i, s in enumerate(sentences) if s), key=lambda i: -len(sentences[i]))
    runner = _runner(tagger)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            for i, spans in zip(chunk, runner.predict(tagger, [sentences[i] for i in chunk]), strict=True):
                out[i] = spans
    return out


def clear_cache(tagger: SequenceTagger) -> None:
    """Forget the words kept between calls (and the embeddings' own character vectors)."""
    runner = _RUNNERS.get(tagger)
    if runner is not None:
        runner.clear()
    clear = getattr(tagger.embeddings, "clear_cache", None)
    if clear is not None:
        clear()


_RUNNERS: weakref.WeakKeyDictionary[SequenceTagger, _Runner] = weakref.WeakKeyDictionary()
_RUNNERS_LOCK = threading.Lock()


def _weights_key(tagger: SequenceTagger) -> Hashable:
    weights = tuple(
        (id(p), p._version, p.device) for p in itertools.chain(tagger.parameters(), tagger.buffers())
    )
    return (*weights, getattr(tagger, "recall_bias", 0.0))


def _runner(tagger: SequenceTagger) -> _Runner:
    """The tagger's inference state, rebuilt when its weights changed (training, loading, moves)."""
    key = _weights_key(tagger)
    runner = _RUNNERS.get(tagger)
    if runner is None or runner.key != key:
        with _RUNNERS_LOCK:
            runner = _RUNNERS.get(tagger)
            if runner is None or runner.key != key:
                runner = _RUNNERS[tagger] = _Runner(tagger, key)
    return runner


class _Runner:
    """One tagger's weights laid out for inference, and what it keeps of the words seen."""

    def __init__(self, tagger: SequenceTagger, key: Hashable) -> None:
        self.key = key
        rnn: Any = tagger.rnn
        hidden = self.hidden = rnn.hidden_size
        self.width = tagger.embeddings.embedding_length
        # gate rows reordered from torch's (input, forget, cell, output) to (input, forget, output, cell):
        # one sigmoid over the first three
        i, f, g, o = (torch.arange(k * hidden, (k + 1) * hidden) for k in range(4))
        order = torch.cat([i, f, o, g])

        def both(name: str) -> list[torch.Tensor]:  # the forward and backward direction's, reordered
            return [getattr(rnn, name + suffix)[order] for suffix in ("_l0", "_l0_reverse")]

        with torch.inference_mode():
            self.w_in = torch.cat(both("weight_ih"))
            self.b_in = torch.cat([a + b for a, b in zip(both("bias_ih"), both("bias_hh"), strict=True)])
            self.w_hh = torch.stack([w.t() for w in both("weight_hh")]).contiguous()
        decoder = tagger.viterbi_decoder
        start, stop = decoder.start_tag, decoder.stop_tag
        transitions = tagger.crf.transitions.detach().numpy().copy()
        # <START> is never entered and <STOP> never left (flair fixes those transitions at -10,000):
        # such tags are never the maximum and add exact zeros to the softmax, so decoding leaves
        # them out (17 tags instead of 19: a fifth less work)
        items = tagger.label_dictionary.get_items()
        unreachable = transitions[start].max() < _NEVER and transitions[:, stop].max() < _NEVER
        self.keep = [k for k in range(len(items)) if not (unreachable and k in (start, stop))]
        self.labels = [items[k] for k in self.keep]
        self.outside = np.array([label in _OUT_TAGS for label in self.labels])
        self.classes = np.array([label.split("-", 1)[-1] for label in self.labels])  # B-PERSON -> PERSON
        self.transitions = transitions[np.ix_(self.keep, self.keep)]
        self.from_start, self.to_stop = transitions[self.keep, start], transitions[stop, self.keep]
        # as `_numpy`: the `O` emission lowered by the model's recall bias (`TaggerConfig.recall_bias`)
        self.outside_tag = self.labels.index("O") if "O" in self.labels else -1
        self.recall_bias = float(getattr(tagger, "recall_bias", 0.0))
        self.lock = threading.Lock()
        self._reset(0)  # made on first use

    def clear(self) -> None:
        with self.lock:
            self._reset(0)

    def _reset(self, size: int) -> None:
        """A new word table of `size` rows (pages are touched only as rows are written); tables
        handed out earlier stay valid."""
        self.rows: dict[str, int] = {}
        self.inputs = torch.empty(size, self.width)
        self.gates = torch.empty(size, 2, 4 * self.hidden)
        self.has_gates = np.zeros(size, dtype=bool)  # gates are computed when a large batch needs them

    # --- the word table ---------------------------------------------------------

    def _lookup(self, tagger: SequenceTagger, words: list[str], gates: bool) -> _Rows:
        """Each word's row in the word table, adding the new words (and their gates if `gates`).

        Returns the rows and the table's LSTM inputs and input gates."""
        with self.lock:
            rows = self.rows
            missing = list(dict.fromkeys(w for w in words if w not in rows))
            if len(rows) + len(missing) > len(self.inputs):  # full, or not made yet: start over
                missing = list(dict.fromkeys(words))
                self._reset(max(CACHE_WORDS, len(missing)))
                rows = self.rows
            if missing:
                embeddings = cast(BatchedCharEmbeddings, tagger.embeddings)
                vectors = embeddings._encode_distinct(missing)
                if tagger.reproject_embeddings:
                    vectors = tagger.embedding2nn(vectors)
                used = len(rows)
                self.inputs[used : used + len(missing)] = vectors
                rows.update(zip(missing, range(used, used + len(missing)), strict=True))
            found = [rows[w] for w in words]
            if gates:
                distinct = np.unique(np.array(found))
                lacking = distinct[~self.has_gates[distinct]]
                if len(lacking):
                    index = torch.from_numpy(lacking)
                    new = torch.nn.functional.linear(self.inputs[index], self.w_in, self.b_in)
                    self.gates[index] = new.view(len(lacking), 2, -1)
                    self.has_gates[lacking] = True
            return found, self.inputs, self.gates

    # --- one batch ------------------------------------------------------------

    def predict(self, tagger: SequenceTagger, batch: Sequence[Sequence[str]]) -> list[list[SpanOut]]:
        """Spans for sentences sorted by length, longest first (none empty)."""
        lengths = np.array([len(s) for s in batch])
        size, longest = len(batch), int(lengths[0])
        steps = np.arange(longest)
        active = steps[None, :] < lengths[:, None]  # [sentence, t]
        counts = active.sum(axis=0).tolist()  # sentences still running at step t (a prefix: sorted)
        offsets = np.concatenate([[0], np.cumsum(counts)])  # packed row of (t, b): offsets[t] + b
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])  # flat index of each sentence's first word
        # packed rows in time-major order (as torch packs sequences): (t, b) for every t, then b < counts[t]
        t_of = np.broadcast_to(steps[:, None], (longest, size))[active.T]
        b_of = np.broadcast_to(np.arange(size)[None, :], (longest, size))[active.T]
        small = size < SMALL_BATCH
        rows, inputs, gates = self._lookup(tagger, [w for s in batch for w in s], gates=not small)
        word_rows = np.array(rows)
        forward_rows = torch.from_numpy(word_rows[starts[b_of] + t_of])
        if small:  # few sentences: torch's LSTM, whose loop runs in C++
            packed = PackedSequence(inputs.index_select(0, forward_rows), torch.tensor(counts))
            features = tagger.rnn(packed)[0].data
        else:
            backward_rows = torch.from_numpy(word_rows[starts[b_of] + lengths[b_of] - 1 - t_of])
            both = torch.empty(2, len(t_of), gates.shape[2])
            torch.index_select(gates[:, 0], 0, forward_rows, out=both[0])
            torch.index_select(gates[:, 1], 0, backward_rows, out=both[1])
            states = self._recurrence(both, counts)
            mirror = torch.from_numpy(offsets[lengths[b_of] - 1 - t_of] + b_of)  # packed row of (L-1-t, b)
            features = torch.cat([states[0], states[1][mirror]], dim=1)
        emissions = tagger.linear(features).numpy()[:, self.keep]
        if self.recall_bias and self.outside_tag >= 0:
            emissions[:, self.outside_tag] -= self.recall_bias
        path, confidences = self._viterbi(emissions, counts, offsets.tolist(), lengths)
        # back to sentence order: flat index of (b, t) -> packed row
        packed_of = (offsets[None, :-1] + np.arange(size)[:, None])[active]
        return self._spans(path[packed_of], confidences[packed_of], lengths, starts)

    def _recurrence(self, inputs: torch.Tensor, counts: list[int]) -> torch.Tensor:
        """Hidden states `[2, packed, H]` of both directions; direction 1 runs on reversed sentences."""
        hidden = self.hidden
        states = torch.empty(2, inputs.shape[1], hidden)
        cell = torch.zeros(2, counts[0], hidden)
        w_hh, width = self.w_hh, counts[0]
        previous: torch.Tensor | None = None
        # per step: the step's rows (views made in one call each), a prefix of the previous step's
        for x, out, n in zip(inputs.split(counts, 1), states.split(counts, 1), counts, strict=True):
            if previous is None:
                gates = x.clone()  # previous state zero: no recurrent term
            else:
                if n != width:
                    previous, cell, width = previous[:, :n], cell[:, :n], n
                gates = torch.baddbmm(x, previous, w_hh)
            gates[..., : 3 * hidden].sigmoid_()
            i, f, o, g = gates.chunk(4, 2)
            cell.mul_(f).addcmul_(i, g.tanh_())
            previous = torch.mul(torch.tanh(cell), o, out=out)
        return states

    def _viterbi(
        self,
        emissions: np.ndarray,
        counts: list[int],
        offsets: list[int],
        lengths: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """flair's CRF decoding, vectorized over the batch: best tag path and its confidences.

        A transition score is `transitions[j, i]` (tag j after tag i); flair's CRF features are
        `emission[j] + transitions[j, i]`, computed here the same way (`ahead[i, r, j]`, and
        `behind[j, r, i]` for the backward pass), so every sum, maximum and argmax is the one
        flair's decoding makes. The confidence of a token is the softmax over tags of the
        max-marginals (forward + backward Viterbi), summed over the decoded tag's class
        (B-, I-, E-, S-PERSON all say PERSON).
        """
        packed, tags = emissions.shape
        size = counts[0]
        transitions = self.transitions
        ahead = emissions[None, :, :] + transitions.T[:, None, :]  # [i, row, j]
        behind = emissions.T[:, :, None] + transitions[:, None, :]  # [j, row, i]
        stop = self.to_stop
        forward = np.empty((packed, tags), dtype=emissions.dtype)
        backward = np.empty((packed, tags), dtype=emissions.dtype)
        scratch = np.empty((tags, size, tags), dtype=emissions.dtype)
        # few sentences: keep the argmaxes of the forward pass (cheap on small arrays), then backtrack
        # in Python; many: recompute, step by step, the argmax of the chosen tag only
        pointers = np.zeros((packed, tags), dtype=np.int64) if size <= _POINTERS else None
        maximum, add = np.maximum.reduce, np.add
        forward_t, backward_t = forward.T[:, :, None], backward.T[:, :, None]  # views: [tag, row, 1]
        forward[:size] = emissions[:size] + self.from_start
        for t in range(1, len(counts)):
            n, at, before = counts[t], offsets[t], offsets[t - 1]
            cand = scratch if n == size else scratch[:, :n]
            add(ahead[:, at : at + n], forward_t[:, before : before + n], out=cand)
            maximum(cand, axis=0, out=forward[at : at + n])
            if pointers is not None:
                cand.argmax(axis=0, out=pointers[at : at + n])
        last = len(counts) - 1
        backward[offsets[last] :] = stop
        for t in range(last - 1, -1, -1):
            n, after, at = counts[t + 1], offsets[t + 1], offsets[t]
            cand = scratch if n == size else scratch[:, :n]
            add(behind[:, after : after + n], backward_t[:, after : after + n], out=cand)
            maximum(cand, axis=0, out=backward[at : at + n])
            if n < counts[t]:
                backward[at + n : after] = stop  # sentences ending at t
        finals = (forward[np.array(offsets)[lengths - 1] + np.arange(size)] + stop).argmax(axis=1)
        path = np.empty(packed, dtype=np.int64)
        if pointers is not None:
            steps = pointers.tolist()
            for b, (length, tag) in enumerate(zip(lengths.tolist(), finals.tolist(), strict=True)):
                for t in range(length - 1, -1, -1):
                    row = offsets[t] + b
                    path[row] = tag
                    tag = steps[row][tag]
        else:
            current = np.empty(size, dtype=np.int64)
            sentences = np.arange(size)
            for t in range(last, -1, -1):
                n, at = counts[t], offsets[t]
                ending = counts[t + 1] if t < last else 0  # sentences ending at t start from their final tag
                if ending < n:
                    current[ending:n] = finals[ending:n]
                chosen = current[:n]
                path[at : at + n] = chosen
                if t:
                    before = offsets[t - 1]
                    scores = ahead[:, at + sentences[:n], chosen] + forward[before : before + n].T
                    current[:n] = scores.argmax(axis=0)
        total = forward + backward
        exp = np.exp(total - total.max(axis=1, keepdims=True))
        same = self.classes[path][:, None] == self.classes[None, :]  # tags of the decoded tag's class
        confidences = (exp * same).sum(axis=1) / exp.sum(axis=1)
        return path, confidences

    def _spans(
        self, path: np.ndarray, confidences: np.ndarray, lengths: np.ndarray, starts: np.ndarray
    ) -> list[list[SpanOut]]:
        """flair's span decoding on each run of tags that are not outside (an outside tag resets it)."""
        out: list[list[SpanOut]] = [[] for _ in lengths]
        inside = np.flatnonzero(~self.outside[path])
        if not len(inside):
            return out
        owner = np.searchsorted(starts, inside, side="right") - 1
        # a run: consecutive flat positions of one sentence
        breaks = np.flatnonzero((np.diff(inside) != 1) | (np.diff(owner) != 0)) + 1
        labels, tags, scores = self.labels, path.tolist(), confidences.tolist()
        first = starts.tolist()
        for run_start, run_end in zip([0, *breaks.tolist()], [*breaks.tolist(), len(inside)], strict=True):
            a, b = int(inside[run_start]), int(inside[run_end - 1]) + 1
            sentence = int(owner[run_start])
            shift = a - first[sentence]
            for indices, score, label in get_spans_from_bio([labels[k] for k in tags[a:b]], scores[a:b]):
                out[sentence].append(([shift + k for k in indices], score, label))
        return out
