"""Character embeddings batched over every token of a batch (imported only with flair).

flair's own `CharacterEmbeddings` runs its LSTM once per sentence and maps tokens
back with Python loops; this one encodes the distinct words of a whole batch in
one packed LSTM call and uses both directions' final states.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from flair.data import Sentence
from flair.embeddings import TokenEmbeddings
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

PAD, UNK = 0, 1


class BatchedCharEmbeddings(TokenEmbeddings):
    """A word's vector: the final states of a bidirectional LSTM over its characters."""

    def __init__(
        self, chars: Sequence[str], char_dim: int = 25, hidden: int = 50, name: str = "chars"
    ) -> None:
        super().__init__()
        self.name = name
        self.static_embeddings = False
        self.index = {c: i + 2 for i, c in enumerate(chars)}
        self.char_embedding = torch.nn.Embedding(len(chars) + 2, char_dim, padding_idx=PAD)
        self.char_rnn = torch.nn.LSTM(char_dim, hidden, bidirectional=True, batch_first=True)
        self._length = 2 * hidden
        self.eval()

    @property
    def embedding_length(self) -> int:
        return self._length

    def encode(self, words: Sequence[str]) -> torch.Tensor:
        """`[len(words), embedding_length]`, each distinct word encoded once."""
        distinct: dict[str, int] = {}
        rows = [distinct.setdefault(w, len(distinct)) for w in words]
        ids = [torch.tensor([self.index.get(c, UNK) for c in w] or [UNK]) for w in distinct]
        lengths = torch.tensor([len(t) for t in ids])
        padded = pad_sequence(ids, batch_first=True, padding_value=PAD)
        device = self.char_embedding.weight.device
        packed = pack_padded_sequence(
            self.char_embedding(padded.to(device)), lengths, batch_first=True, enforce_sorted=False
        )
        _, (hidden, _) = self.char_rnn(packed)
        vectors = torch.cat([hidden[0], hidden[1]], dim=1)
        return vectors[torch.tensor(rows, device=device)]

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
