"""Tokenization with character offsets: the one tokenizer training and inference share.

Tokens are runs of letters, digits and combining marks (inner hyphens and
apostrophes kept, as in `O'Neil`, `Jean-Luc`, `l’Église`) or single other
non-space characters.
Offsets index the original string, so spans map back exactly whatever the
whitespace, punctuation, newlines or Unicode around them.
"""

from __future__ import annotations

from typing import Final

import regex

_TOKEN: Final = regex.compile(r"[\p{L}\p{N}\p{M}]+(?:['’\-][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]")

#: Longest token handed to the model; longer runs (hashes, base64) are cut into pieces.
MAX_TOKEN_CHARS: Final = 40


def tokenize(text: str) -> list[tuple[int, int]]:
    """Half-open `(start, end)` character ranges of the tokens of `text`."""
    out: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        while end - start > MAX_TOKEN_CHARS:
            out.append((start, start + MAX_TOKEN_CHARS))
            start += MAX_TOKEN_CHARS
        out.append((start, end))
    return out
