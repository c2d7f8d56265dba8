"""Character embeddings batched over every token of a batch (imported only with flair).

flair's own `CharacterEmbeddings` runs its LSTM once per sentence and maps tokens
back with Python loops; this one encodes the distinct words of a whole batch in
one packed LSTM call and uses both directions' final states.

At inference (gradients off) a word's vector is a function of the word alone, so the
vectors of up to `CACHE_WORDS` distinct words are kept between calls: most tokens of a
text (function words, punctuation, common names) were seen before, and the character
LSTM then runs only on the new ones. The cache is dropped when the weights change
(training steps, `load_state_dict`, a move to another device). A word's vector can differ
in the last bits of float32 with the batch it was computed in (the LSTM's matrix products
take other paths for other batch sizes): that was already so between batches, the spans
do not change. (The builtin model's inference path, `_fast`, keeps its own word table
instead: this cache serves `encode`, i.e. flair's `predict` and other callers.)
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from typing import Final, cast

import torch
from flair.data import Sentence
from flair.embeddings import TokenEmbeddings
from torch.nn.utils.rnn import pack_padded_sequence

from detectors.ner._subwords import WordPieces

PAD, UNK = 0, 1
#: Most distinct words whose vectors are kept between inference calls (400 bytes each at 100 dims).
CACHE_WORDS: Final = 32_768


class BatchedCharEmbeddings(TokenEmbeddings):
    """A word's vector: the final states of a bidirectional LSTM over its characters.

    With a `lexicon` (list name -> lower-cased words), one 0/1 feature per list follows:
    whether the lower-cased word is in that list (lists in sorted order of their names).

    With `subwords` (a WordPiece vocabulary) and `subword_dim`, `subword_dim + 1` features
    follow: the mean of the word's pieces' rows in `subword_table` (a fixed buffer, one row per
    vocabulary entry, stored with the weights: pretrained input embeddings projected to
    `subword_dim`, see `training/subwords.py`), and 1.0 when the word is one piece of the
    vocabulary (a whole word it knows), else 0.0. A word with no known piece gets zeros.
    """

    def __init__(
        self,
        chars: Sequence[str],
        char_dim: int = 25,
        hidden: int = 50,
        name: str = "chars",
        lexicon: Mapping[str, Sequence[str]] | None = None,
        subwords: Sequence[str] | None = None,
        subword_dim: int = 0,
    ) -> None:
        super().__init__()
        self.name = name
        self.static_embeddings = False
        self.index = {c: i + 2 for i, c in enumerate(chars)}
        self.char_embedding = torch.nn.Embedding(len(chars) + 2, char_dim, padding_idx=PAD)
        self.char_rnn = torch.nn.LSTM(char_dim, hidden, bidirectional=True, batch_first=True)
        self.lists = sorted(lexicon or {})
        masks: dict[str, int] = {}
        for bit, list_name in enumerate(self.lists):
            for word in (lexicon or {})[list_name]:
                masks[word] = masks.get(word, 0) | 1 << bit
        rows: dict[int, list[float]] = {}  # one row object per distinct combination of lists
        for mask in set(masks.values()):
            rows[mask] = [float(mask >> bit & 1) for bit in range(len(self.lists))]
        self._member = {word: rows[mask] for word, mask in masks.items()}  # lower-cased word -> 0/1 row
        self._absent = [0.0] * len(self.lists)
        self.pieces = WordPieces(subwords) if subwords and subword_dim else None
        self.subword_dim = subword_dim if self.pieces is not None else 0
        if self.pieces is not None:  # float32 in memory (float16 on disk); filled by training or loading
            self.register_buffer("subword_table", torch.zeros(len(subwords or ()), self.subword_dim))
        self._length = 2 * hidden + len(self.lists) + (self.subword_dim + 1 if self.pieces else 0)
        self._cache: dict[str, torch.Tensor] = {}
        self._cache_key: Hashable = None
        self.eval()

    @property
    def embedding_length(self) -> int:
        return self._length

    def encode(self, words: Sequence[str]) -> torch.Tensor:
        """`[len(words), embedding_length]`, each distinct word encoded once (or taken from the cache)."""
        distinct: dict[str, int] = {}
        rows = [distinct.setdefault(w, len(distinct)) for w in words]
        device = self.char_embedding.weight.device
        index = torch.tensor(rows, device=device)
        if torch.is_grad_enabled():  # training: no cache
            return self._encode_distinct(list(distinct))[index]
        cache = self._inference_cache()
        known = [cache.get(w) for w in distinct]
        missing = [w for w, v in zip(distinct, known, strict=True) if v is None]
        if not missing:
            return torch.stack([v for v in known if v is not None])[index]
        fresh = self._encode_distinct(missing)
        if len(missing) == len(distinct):
            vectors = fresh
        else:
            new = iter(fresh)
            vectors = torch.stack([v if v is not None else next(new) for v in known])
        if len(cache) + len(missing) > CACHE_WORDS:
            cache = self._cache = {}  # rebound, not cleared: a concurrent call keeps its own dict
        cache.update(zip(missing, fresh, strict=True))
        return vectors[index]

    def clear_cache(self) -> None:
        """Forget the vectors kept between calls (benchmarks measure a cold start with it)."""
        self._cache = {}

    def _inference_cache(self) -> dict[str, torch.Tensor]:
        """The word cache, emptied first if the weights changed (in place or replaced) or moved."""
        key = tuple((id(p), p._version, p.device) for p in itertools.chain(self.parameters(), self.buffers()))
        if key != self._cache_key:
            self._cache = {}
            self._cache_key = key
        return self._cache

    def _encode_distinct(self, words: Sequence[str]) -> torch.Tensor:
        """`[len(words), embedding_length]` for distinct words, one packed LSTM call."""
        index = self.index
        ids = [[index.get(c, UNK) for c in w] or [UNK] for w in words]
        longest = max(map(len, ids))
        lengths = torch.tensor([len(i) for i in ids])
        # one tensor for the batch, padded here (a tensor per word costs more than the LSTM on short texts)
        padded = torch.tensor([i + [PAD] * (longest - len(i)) for i in ids])
        device = self.char_embedding.weight.device
        packed = pack_padded_sequence(
            self.char_embedding(padded.to(device)), lengths, batch_first=True, enforce_sorted=False
        )
        _, (hidden, _) = self.char_rnn(packed)
        parts = [hidden[0], hidden[1]]
        if self.lists:
            parts.append(torch.tensor([self._row(w) for w in words], device=device))
        if self.pieces is not None:
            parts.append(self._subword_features(words))
        return torch.cat(parts, dim=1)

    def _subword_features(self, words: Sequence[str]) -> torch.Tensor:
        """`[len(words), subword_dim + 1]`: mean of the pieces' table rows, and "one known piece"."""
        wordpieces = cast(WordPieces, self.pieces)
        table = cast(torch.Tensor, self.subword_table)
        rows: list[int] = []
        offsets: list[int] = []
        whole: list[float] = []
        for w in words:
            pieces = wordpieces.pieces(w) if w.isprintable() else []
            offsets.append(len(rows))
            rows.extend(pieces)
            whole.append(1.0 if len(pieces) == 1 and pieces[0] != wordpieces.unknown else 0.0)
        device = table.device
        if rows:
            means = torch.nn.functional.embedding_bag(
                torch.tensor(rows, device=device), table, torch.tensor(offsets, device=device), mode="mean"
            )
        else:
            means = torch.zeros(len(words), self.subword_dim, device=device)
        return torch.cat([means, torch.tensor(whole, device=device)[:, None]], dim=1)

    def _row(self, word: str) -> list[float]:
        """The word's list-membership features (a possessive `'s` is looked up without it)."""
        key = word.lower()
        row = self._member.get(key)
        if row is None and key.endswith(("'s", "’s")):
            row = self._member.get(key[:-2])
        return self._absent if row is None else row

    def _add_embeddings_internal(self, sentences: list[Sentence]) -> list[Sentence]:
        words = [t.text for s in sentences for t in s.tokens]
        if not words:
            return sentences
        vectors = self.encode(words)
        i = 0
        for sentence in sentences:
            for token in sentence.tokens:
                token.set_embedding(self.name, vectors[i])
                i += 1
        return sentences

    def __str__(self) -> str:
        return self.name
