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
    """flair's CRF decoding in numpy (small arrays: far less overhead than torch ops).

    `features[b, t, j, i]`: score of tag j at t after tag i at t-1 (emission + transition).
    Returns the best tag path and, per token, the max-marginal confidence of its class: the
    softmax over tags j of the best complete path through (t, j) (forward + backward Viterbi),
    summed over the tags of the decoded tag's class (B-, I-, E-, S-PERSON all say PERSON).
    """
    decoder = tagger.viterbi_decoder
    items = tagger.label_dictionary.get_items()
    classes = np.array([item.split("-", 1)[-1] for item in items])  # B-PERSON, S-PERSON -> PERSON
    feats = features.numpy()
    stop = transitions[decoder.stop_tag].numpy()
    tags: list[list[int]] = []
    confidences: list[list[float]] = []
    for b, length in enumerate(lengths):
        f = feats[b, :length]
        size = f.shape[1]
        fwd = np.empty((length, size), dtype=f.dtype)
        bwd = np.empty((length, size), dtype=f.dtype)
        back = np.zeros((length, size), dtype=np.int64)
        fwd[0] = f[0, :, decoder.start_tag]
        for t in range(1, length):
            cand = f[t] + fwd[t - 1][None, :]
            back[t] = cand.argmax(axis=1)
            fwd[t] = cand[np.arange(size), back[t]]
        bwd[-1] = stop
        for t in range(length - 2, -1, -1):
            bwd[t] = (f[t + 1] + bwd[t + 1][:, None]).max(axis=0)
        tag = int((fwd[-1] + stop).argmax())
        path = [tag]
        for t in range(length - 1, 0, -1):
            tag = int(back[t, tag])
            path.append(tag)
        path.reverse()
        total = fwd + bwd
        exp = np.exp(total - total.max(axis=1, keepdims=True))
        same = classes[np.array(path)][:, None] == classes[None, :]  # tags of the decoded tag's class
        probs = (exp * same).sum(axis=1) / exp.sum(axis=1)
        tags.append(path)
        confidences.append(probs.tolist())
    return tags, confidences
