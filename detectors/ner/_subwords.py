"""Word pieces of a token: BERT's uncased WordPiece (greedy longest match), without `transformers`.

The tagger's subword features (`BatchedCharEmbeddings` with `subwords`) are the mean of a
word's pieces' rows in a small table derived from all-MiniLM-L6-v2's input embeddings
(`training/subwords.py`); this module only maps a token to the pieces' row numbers, over the
vocabulary stored with the model. It follows BERT's uncased basic tokenizer on the one token
it gets: lower case, accents removed (NFD, combining marks dropped), split at characters
other than letters and digits; then each run is cut into the longest pieces the vocabulary
holds (`##` marks a piece inside a word), a run with no such cut being the unknown piece.
A token with no letter or digit (`,`, `€`) is looked up as it is.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Final

import regex

UNKNOWN: Final = "[UNK]"
#: Longest run cut into pieces; longer ones are the unknown piece (as in BERT).
MAX_RUN: Final = 100
_RUN: Final = regex.compile(r"[\p{L}\p{N}]+")


class WordPieces:
    """Row numbers of a token's word pieces in `vocab` (BERT's `vocab.txt`, in order)."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.index = {piece: i for i, piece in enumerate(vocab)}
        self.unknown = self.index.get(UNKNOWN)

    def pieces(self, token: str) -> list[int]:
        """The pieces of `token` (a possessive `'s` left out); empty if none is known."""
        key = token.lower()
        if len(key) > 2 and key.endswith(("'s", "’s")):
            key = key[:-2]
        key = "".join(c for c in unicodedata.normalize("NFD", key) if unicodedata.category(c) != "Mn")
        runs = _RUN.findall(key)
        if not runs:
            row = self.index.get(key.strip())
            return [] if row is None else [row]
        out: list[int] = []
        for run in runs:
            out.extend(self._run(run))
        return out

    def _run(self, run: str) -> list[int]:
        index = self.index
        if len(run) > MAX_RUN:
            return [] if self.unknown is None else [self.unknown]
        out: list[int] = []
        start = 0
        while start < len(run):
            end = len(run)
            while end > start:
                piece = run[start:end] if start == 0 else "##" + run[start:end]
                row = index.get(piece)
                if row is not None:
                    out.append(row)
                    break
                end -= 1
            else:  # no piece fits: the whole run is unknown
                return [] if self.unknown is None else [self.unknown]
            start = end
        return out
