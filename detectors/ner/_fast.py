"""Inference without flair's per-token objects: the tagger's own modules on plain word lists.

Used when the tagger's embeddings are `BatchedCharEmbeddings` (the builtin model);
other taggers go through `SequenceTagger.predict`. Same modules, same weights, same
Viterbi decoding and span rules as flair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch
from flair.data import get_spans_from_bio
from flair.models import SequenceTagger
from torch.nn.utils.rnn import pad_sequence

from detectors.ner._charemb import BatchedCharEmbeddings

#: (token indices, score, label) per predicted span.
SpanOut = tuple[list[int], float, str]


def supports(tagger: SequenceTagger) -> bool:
    return isinstance(tagger.embeddings, BatchedCharEmbeddings) and tagger.use_crf


def predict(
    tagger: SequenceTagger, sentences: Sequence[Sequence[str]], batch_size: int = 32
) -> list[list[SpanOut]]:
    """Spans for each sentence (a list of words); empty sentences give no spans."""
    out: list[list[SpanOut]] = [[] for _ in sentences]
    order = sorted((i for i, s in enumerate(sentences) if s), key=lambda i: -len(sentences[i]))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            for i, spans in zip(chunk, _predict_sorted(tagger, [sentences[i] for i in chunk]), strict=True):
                out[i] = spans
    return out


def _predict_sorted(tagger: SequenceTagger, batch: Sequence[Sequence[str]]) -> list[list[SpanOut]]:
    embeddings: Any = tagger.embeddings
    lengths = [len(s) for s in batch]
    vectors = embeddings.encode([w for s in batch for w in s])
    padded = pad_sequence(list(torch.split(vectors, lengths)), batch_first=True)
    features, _, transitions = tagger.forward(padded, cast(torch.LongTensor, torch.tensor(lengths)))
    tags, confidences = _viterbi(tagger, features, lengths, transitions)
    items = tagger.label_dictionary.get_items()
    return [
        get_spans_from_bio([items[t] for t in tag_seq], conf_seq)
        for tag_seq, conf_seq in zip(tags, confidences, strict=True)
    ]


def _viterbi(
    tagger: SequenceTagger, features: torch.Tensor, lengths: list[int], transitions: torch.Tensor
) -> tuple[list[list[int]], list[list[float]]]:
    """flair's CRF decoding in numpy, vectorized over the batch (far less overhead than torch ops).

    `features[b, t, j, i]`: score of tag j at t after tag i at t-1 (emission + transition).
    Returns the best tag path and, per token, the max-marginal confidence of its class: the
    softmax over tags j of the best complete path through (t, j) (forward + backward Viterbi),
    summed over the tags of the decoded tag's class (B-, I-, E-, S-PERSON all say PERSON).

    Each step works on every sentence of the batch at once; positions past a sentence's end
    hold values that are never read. Per sentence, the arithmetic is the same as decoding it
    alone (same additions, maxima and argmaxes in the same order), so the result is too.
    """
    decoder = tagger.viterbi_decoder
    items = tagger.label_dictionary.get_items()
    classes = np.array([item.split("-", 1)[-1] for item in items])  # B-PERSON, S-PERSON -> PERSON
    feats = features.numpy()
    stop = transitions[decoder.stop_tag].numpy()
    batch, longest, size = len(lengths), max(lengths), feats.shape[2]
    feats = feats[:, :longest]
    last = np.array(lengths) - 1
    rows = np.arange(batch)
    fwd = np.empty((batch, longest, size), dtype=feats.dtype)
    bwd = np.empty((batch, longest, size), dtype=feats.dtype)
    back = np.zeros((batch, longest, size), dtype=np.int64)
    cand = np.empty((batch, size, size), dtype=feats.dtype)
    # ufunc calls with `out=`: a 70-token text takes ~500 small numpy calls, their overhead is the cost
    maximum, add = np.maximum.reduce, np.add
    fwd[:, 0] = feats[:, 0, :, decoder.start_tag]
    for t in range(1, longest):
        add(feats[:, t], fwd[:, t - 1, None, :], out=cand)
        cand.argmax(axis=2, out=back[:, t])
        maximum(cand, axis=2, out=fwd[:, t])
    ends = set(last.tolist())  # steps at which some sentence of the batch ends
    bwd[:, longest - 1] = stop
    for t in range(longest - 2, -1, -1):
        add(feats[:, t + 1], bwd[:, t + 1, :, None], out=cand)
        maximum(cand, axis=1, out=bwd[:, t])
        if t in ends:
            bwd[last == t, t] = stop
    # backtracking on Python lists: one numpy indexing per token costs more than the whole list
    pointers = back.tolist()
    tags = []
    path = np.zeros((batch, longest), dtype=np.int64)
    finals = (fwd[rows, last] + stop).argmax(axis=1).tolist()
    for b, (end, tag) in enumerate(zip(last.tolist(), finals, strict=True)):
        steps = pointers[b]
        sequence = [tag]
        for t in range(end, 0, -1):
            tag = steps[t][tag]
            sequence.append(tag)
        sequence.reverse()
        tags.append(sequence)
        path[b, : end + 1] = sequence
    total = fwd + bwd
    exp = np.exp(total - total.max(axis=2, keepdims=True))
    same = classes[path][:, :, None] == classes[None, None, :]  # tags of the decoded tag's class
    probs = (exp * same).sum(axis=2) / exp.sum(axis=2)
    confidences = [probs[b, : last[b] + 1].tolist() for b in range(batch)]
    return tags, confidences
