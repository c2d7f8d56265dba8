"""The ONNX Runtime NER tagger (`training/ner/onnx_tagger.py`): windows, WordPieces, BIO decoding, and a
tiny random BERT token classifier exported and quantized as `training/ner/transformer.py` does."""

from __future__ import annotations

import itertools
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")

from training.ner.onnx_tagger import (
    MODEL_FILE,
    TOKENIZER_FILE,
    BioDecoder,
    OnnxConfig,
    OnnxTagger,
    WindowTagger,
    WordEncoder,
    load_tokenizer,
    owners,
    softmax,
    windows,
)

LABELS = ["O", *(f"{p}-{c}" for c in ("LOCATION", "ORGANIZATION", "PERSON", "STREET_ADDRESS") for p in "BI")]
VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "anna", "smith", "lives", "in", "paris", "mun", "##chen",
    "sao", "paulo", "the", "acme", "corp", ",", ".", "'", "s", "##s", "o", "neil", "rue", "de", "la",
]  # fmt: skip


def _tokenizer_file(directory: Path) -> Path:
    from tokenizers import BertWordPieceTokenizer

    tokenizer = BertWordPieceTokenizer({w: i for i, w in enumerate(VOCAB)}, lowercase=True)
    path = directory / TOKENIZER_FILE
    tokenizer.save(str(path))
    return path


# --- windows ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_windows_cover_every_word_within_budget(seed: int) -> None:
    rng = random.Random(seed)
    lengths = [rng.randint(1, 6) for _ in range(rng.randint(1, 120))]
    budget, overlap = rng.randint(8, 40), rng.randint(0, 10)
    ranges = windows(lengths, budget, overlap)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(lengths)
    for (a, b), (c, d) in itertools.pairwise(ranges):
        assert a < c <= b < d  # advancing, no gap
        assert sum(lengths[c:b]) <= overlap
    for a, b in ranges:
        assert sum(lengths[a:b]) <= budget
    own = owners(lengths, ranges)
    for i, k in enumerate(own):
        a, b = ranges[k]
        assert a <= i < b


def test_one_window_when_it_fits() -> None:
    assert windows([1, 2, 3], 6, 2) == [(0, 3)]
    assert windows([], 6, 2) == []
    assert owners([1, 2, 3], [(0, 3)]) == [0, 0, 0]


def test_owner_is_the_window_where_the_word_is_central() -> None:
    lengths = [1] * 10
    ranges = windows(lengths, 6, 2)
    assert ranges == [(0, 6), (4, 10)]
    assert owners(lengths, ranges) == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


# --- word pieces ----------------------------------------------------------------


def test_word_pieces_are_uncased_and_accent_free(tmp_path: Path) -> None:
    encoder = WordEncoder(load_tokenizer(_tokenizer_file(tmp_path)), max_word_pieces=4)
    ids = {w: i for i, w in enumerate(VOCAB)}
    assert encoder.encode(["München", "São", "Anna", "zzz", "\u200b"]) == [
        [ids["mun"], ids["##chen"]],
        [ids["sao"]],
        [ids["anna"]],
        [ids["[UNK]"]],
        [ids["[UNK]"]],  # a word the tokenizer drops still has a piece
    ]
    assert encoder.encode(["O'Neil"]) == [[ids["o"], ids["'"], ids["neil"]]]
    assert encoder.encode(["Anna"]) == [[ids["anna"]]]  # cached
    encoder.clear_cache()
    assert encoder.encode(["smiths"]) == [[ids["smith"], ids["##s"]]]


# --- BIO decoding ------------------------------------------------------------------


def _probs(tags: list[str], p: float = 0.9) -> np.ndarray:
    out = np.full((len(tags), len(LABELS)), (1 - p) / (len(LABELS) - 1), dtype=np.float32)
    for i, tag in enumerate(tags):
        out[i, LABELS.index(tag)] = p
    return out


def test_bio_decoding() -> None:
    decoder = BioDecoder(LABELS)
    tags = ["B-PERSON", "I-PERSON", "O", "I-LOCATION", "B-LOCATION", "I-LOCATION", "I-ORGANIZATION", "O"]
    spans = decoder.decode(_probs(tags))
    assert [(idx, label) for idx, _, label in spans] == [
        ([0, 1], "PERSON"),
        ([3], "LOCATION"),  # I- after O starts a span
        ([4, 5], "LOCATION"),  # B- starts a new one
        ([6], "ORGANIZATION"),  # another class too
    ]
    assert decoder.decode(np.zeros((0, len(LABELS)), dtype=np.float32)) == []
    assert decoder.decode(_probs(["O", "O"])) == []
    assert decoder.decode(_probs(["I-PERSON"]))[0][0] == [0]


def test_span_score_is_the_mean_class_probability() -> None:
    decoder = BioDecoder(LABELS)
    probs = np.zeros((2, len(LABELS)), dtype=np.float32)
    probs[0, LABELS.index("B-PERSON")], probs[0, LABELS.index("I-PERSON")], probs[0, 0] = 0.5, 0.2, 0.3
    probs[1, LABELS.index("I-PERSON")], probs[1, LABELS.index("B-LOCATION")] = 0.6, 0.4
    [(idx, score, label)] = decoder.decode(probs)
    assert (idx, label) == ([0, 1], "PERSON")
    assert score == pytest.approx((0.7 + 0.6) / 2)


class _Fixed(WindowTagger):
    """Logits from the piece ids: `anna`/`smith` a name, `paris` a place; records its windows."""

    def __init__(self, config: OnnxConfig, directory: Path) -> None:
        super().__init__(config, load_tokenizer(_tokenizer_file(directory)))
        self.shapes: list[tuple[int, ...]] = []

    def _logits(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        self.shapes.append(ids.shape)
        assert ids.shape[1] <= self.config.max_length
        logits = np.zeros((*ids.shape, len(LABELS)), dtype=np.float32)
        for word, tag in (("anna", "B-PERSON"), ("smith", "I-PERSON"), ("paris", "B-LOCATION")):
            logits[..., LABELS.index(tag)] += 8.0 * (ids == VOCAB.index(word))
        return logits


def test_predict_reads_spans_across_windows(tmp_path: Path) -> None:
    tagger = _Fixed(OnnxConfig(LABELS, max_length=12, overlap=3, max_word_pieces=4), tmp_path)
    words = ["Anna", "Smith", "lives", "in", "Paris", "."] * 7
    assert tagger.predict([[], ["in"]]) == [[], []]
    [spans] = tagger.predict([words], batch_size=2)
    assert [(idx, label) for idx, _, label in spans] == [
        (idx, label)
        for k in range(7)
        for idx, label in (([6 * k, 6 * k + 1], "PERSON"), ([6 * k + 4], "LOCATION"))
    ]
    class_probability = float(softmax(np.array([8.0] + [0.0] * 8))[:2].sum())  # B- and I- of the class
    assert all(score == pytest.approx(class_probability) for _, score, _ in spans)
    assert len(tagger.shapes) > 2  # several windows, several batches


def test_case_feature_marks_capitalized_words(tmp_path: Path) -> None:
    seen: list[np.ndarray] = []

    class Types(_Fixed):
        def _logits(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
            seen.append(types.copy())
            return super()._logits(ids, mask, types)

    Types(OnnxConfig(LABELS), tmp_path).predict([["Anna", "smiths", "Paris"]])
    assert seen[-1].tolist() == [[0, 1, 0, 0, 1, 0]]  # [CLS] anna smith ##s paris [SEP]
    Types(OnnxConfig(LABELS, case_feature=False), tmp_path).predict([["Anna", "smiths", "Paris"]])
    assert seen[-1].tolist() == [[0, 0, 0, 0, 0, 0]]


def test_stage_maps_spans_to_characters(tmp_path: Path) -> None:
    pytest.importorskip("faker")  # training.ner imports the corpus generator
    from detectors.span import Document
    from training.ner.transformer import TaggerStage

    stage = TaggerStage(_Fixed(OnnxConfig(LABELS, max_length=8, overlap=2, max_word_pieces=4), tmp_path))
    text = "Anna  Smith's flat, in Paris."
    spans = stage.detect(Document(text, "en"))
    assert [(text[s.start : s.end], s.entity) for s in spans] == [
        ("Anna  Smith", "PERSON"),
        ("Paris", "LOCATION"),
    ]
    assert all(s.score <= 0.8 for s in spans)  # NerStage's cap


# --- a tiny model, exported and quantized ---------------------------------------------


@pytest.fixture(scope="module", params=[True, False], ids=["fused", "plain"])
def tiny(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[object, Path, bool]:
    """A tiny random BERT token classifier, exported and quantized (attention fused or not)."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("onnx")
    pytest.importorskip("faker")
    from training.ner.transformer import export

    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=len(LABELS),
    )
    model = transformers.BertForTokenClassification(config).eval()
    with torch.no_grad():
        model.classifier.weight.mul_(20.0)  # spread the logits: a random head is near uniform
    directory = tmp_path_factory.mktemp("tiny_onnx")
    tokenizer_file = _tokenizer_file(tmp_path_factory.mktemp("tokenizer"))
    export(
        model,
        directory,
        OnnxConfig(LABELS, max_length=16, overlap=4, max_word_pieces=4),
        tokenizer_file,
        fuse=request.param,
    )
    return model, directory, request.param


@pytest.mark.slow  # torch, transformers and an export: ~20 s for the first
def test_export_writes_a_loadable_model(tiny: tuple[object, Path, bool]) -> None:
    _, directory, fused = tiny
    assert (directory / MODEL_FILE).stat().st_size > 0
    assert OnnxConfig.read(directory).labels == LABELS
    import onnx

    graph = onnx.load(str(directory / MODEL_FILE))
    assert {i.name for i in graph.graph.input} == {"input_ids", "attention_mask", "token_type_ids"}
    assert max(o.version for o in graph.opset_import if o.domain in ("", "ai.onnx")) >= 14
    ops = {n.op_type for n in graph.graph.node}
    assert "MatMulInteger" in ops  # int8 weights
    assert ("QAttention" in ops) == fused
    assert not (directory / "model.fused.onnx").exists()


@pytest.mark.slow  # torch, transformers and an export: ~20 s for the first
def test_onnx_logits_match_torch(tiny: tuple[object, Path, bool]) -> None:
    import onnxruntime as ort
    import torch

    model, directory, _ = tiny
    rng = np.random.default_rng(0)
    ids = rng.integers(5, len(VOCAB), size=(3, 11)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[1, 7:] = 0  # padding
    types = rng.integers(0, 2, size=ids.shape).astype(np.int64)
    with torch.no_grad():
        expected = model(  # type: ignore[operator]
            input_ids=torch.from_numpy(ids),
            attention_mask=torch.from_numpy(mask),
            token_type_ids=torch.from_numpy(types),
        ).logits.numpy()
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    fp32 = ort.InferenceSession(str(directory / "model.fp32.onnx"), providers=["CPUExecutionProvider"])
    got = fp32.run(["logits"], feed)[0]
    assert np.abs(got - expected)[mask == 1].max() < 1e-4
    int8 = OnnxTagger(directory, threads=1)
    quantized = int8._logits(ids, mask, types)
    scale = np.abs(expected).max()
    error = np.abs(quantized - expected)[mask == 1]
    assert error.mean() < 0.03 * scale and error.max() < 0.3 * scale  # int8 activations of a tiny random net
    agree = (quantized.argmax(-1) == expected.argmax(-1))[mask == 1].mean()
    assert agree >= 0.85


@pytest.mark.slow  # torch, transformers and an export: ~20 s for the first
def test_onnx_tagger_matches_the_torch_tagger(tiny: tuple[object, Path, bool], tmp_path: Path) -> None:
    """Same windows, padding and decoding: fp32 ONNX equals torch whatever the batch; int8 stays close."""
    from training.ner.transformer import TorchTagger

    model, directory, _ = tiny
    for name in (TOKENIZER_FILE, "ner.json"):
        shutil.copyfile(directory / name, tmp_path / name)
    shutil.copyfile(directory / "model.fp32.onnx", tmp_path / MODEL_FILE)
    fp32, int8 = OnnxTagger(tmp_path, threads=1), OnnxTagger(directory, threads=1)
    torch_tagger = TorchTagger(model, int8.config, load_tokenizer(directory / TOKENIZER_FILE))
    rng = random.Random(1)
    words = [w for w in VOCAB[5:] if not w.startswith("##")]
    sentences = [
        [rng.choice(words).title() if rng.random() < 0.3 else rng.choice(words) for _ in range(n)]
        for n in (1, 5, 13, 40, 0, 7)
    ]
    expected = torch_tagger.word_probs(sentences, 3)
    for batch in (1, 2, 64):
        for g, e, s in zip(fp32.word_probs(sentences, batch), expected, sentences, strict=True):
            assert g.shape == e.shape == (len(s), len(LABELS))
            assert np.allclose(g, e, atol=1e-4)
    quantized = int8.word_probs(sentences, 2)
    for q, e in zip(quantized, expected, strict=True):
        assert np.allclose(q.sum(axis=1), 1.0, atol=1e-5)
        assert np.abs(q - e).sum() <= 0.02 * q.size
    agree = np.mean([t for q, e in zip(quantized, expected, strict=True) for t in q.argmax(1) == e.argmax(1)])
    assert agree >= 0.85
    for got, want in zip(fp32.predict(sentences, 2), torch_tagger.predict(sentences, 5), strict=True):
        assert [(i, label) for i, _, label in got] == [(i, label) for i, _, label in want]
        assert [score for _, score, _ in got] == pytest.approx([score for _, score, _ in want], abs=1e-4)
    for s, found in zip(sentences, int8.predict(sentences, 2), strict=True):
        for idx, score, label in found:
            assert idx == list(range(idx[0], idx[-1] + 1)) and 0 <= idx[0] <= idx[-1] < len(s)
            assert 0.0 < score <= 1.0 and label in {"PERSON", "LOCATION", "STREET_ADDRESS", "ORGANIZATION"}
