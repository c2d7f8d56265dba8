"""The NER stage: a tagger over the shared tokenizer, batched, offsets exact.

The builtin model (and any model saved in its format) runs in numpy (`_numpy`): no torch, no
flair. Other flair models (a `.pt` file, a hub name) need the `ner-train` extra's flair.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from detectors import entities
from detectors.ner._model import CONFIG_FILE, WEIGHTS_FILE, NerModelError, load, read_config
from detectors.ner._tokens import tokenize
from detectors.span import Document, Span

if TYPE_CHECKING:
    from flair.models import SequenceTagger

    from detectors.ner._numpy import NumpyTagger

    Tagger = SequenceTagger | NumpyTagger

log = logging.getLogger(__name__)

BUILTIN: Final = "builtin"
#: The model shipped inside the package.
BUILTIN_DIR: Final = Path(__file__).resolve().parent / "model"
#: Environment variable naming the model source for `load_default`.
ENV_SOURCE: Final = "VEILSTREAM_NER_MODEL"
#: Longest token window handed to the tagger; longer texts are cut (at sentence ends when possible).
WINDOW: Final = 192
_SENTENCE_END: Final = frozenset(".!?;")
#: Tagger confidence is capped at SCORE_CAP: validated patterns (0.85-0.95) win overlaps in the
#: merge, as the design asks, while the balanced thresholds keep their meaning below the cap.
SCORE_CAP: Final = 0.8
#: What the stage can output.
ENTITIES: Final = frozenset(
    {entities.PERSON, entities.LOCATION, entities.STREET_ADDRESS, entities.ORGANIZATION}
)


def _entity(label: str) -> str | None:
    """Map a tagger label (`PERSON`, `PER`, `LOC`, `ADDRESS`, `MISC`, ...) to our class, or None."""
    name = entities.canonical(label)
    return name if name in ENTITIES else None


def _windows(toks: Sequence[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Token index ranges of at most WINDOW tokens, cut after a sentence end where one is near."""
    out = []
    start = 0
    while start < len(toks):
        end = min(start + WINDOW, len(toks))
        if end < len(toks):
            for cut in range(end - 1, start + WINDOW // 2, -1):
                a, b = toks[cut]
                if b - a == 1 and text[a] in _SENTENCE_END:
                    end = cut + 1
                    break
        out.append((start, end))
        start = end
    return out


def _without_possessive(text: str, start: int, end: int) -> int:
    """End of a span without a trailing possessive `'s` (`Anna's` is one token; the name is `Anna`)."""
    if end - start > 2 and text[end - 2] in "'’" and text[end - 1] in "sS":
        return end - 2
    return end


def _model_text(token: str) -> str:
    """What the tagger sees for a token: unprintable characters would vanish in its tokenizers."""
    return token if token.isprintable() else "_"


class NerStage:
    """Names, places, street addresses and organizations found by a flair tagger.

    `source`: `"builtin"` (the model shipped in the package), a local path (a directory
    written by `make ner-model`, or a flair `.pt` file) or a Hugging Face hub name
    (`hub:` prefix optional). The model is loaded on first use, once per stage
    (share one stage per process), thread-safely.
    """

    name: Final = "ner"
    entities: Final = ENTITIES

    def __init__(self, source: str | Path = BUILTIN, batch_size: int = 64) -> None:
        self.source = str(source)
        self.batch_size = batch_size
        self._tagger: Tagger | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_tagger(cls, tagger: SequenceTagger, batch_size: int = 64) -> NerStage:
        """A stage over an already loaded tagger (training, tests)."""
        stage = cls("memory", batch_size)
        stage._tagger = tagger
        return stage

    # --- loading ------------------------------------------------------------

    def load(self) -> Tagger:
        """Load the model now (it is otherwise loaded on the first `detect`)."""
        if self._tagger is None:
            with self._lock:
                if self._tagger is None:
                    started = time.perf_counter()
                    self._tagger = _load_source(self.source)
                    log.info(
                        "ner_model_loaded source=%s seconds=%.2f",
                        self.source if self.source == BUILTIN else "custom",
                        time.perf_counter() - started,
                    )
        return self._tagger

    def clear_cache(self) -> None:
        """Forget what the model keeps of the words it has seen (benchmarks time a cold worker)."""
        from detectors.ner._numpy import NumpyTagger

        if isinstance(self._tagger, NumpyTagger):
            self._tagger.clear_cache()
        elif self._tagger is not None:
            from detectors.ner import _fast

            _fast.clear_cache(self._tagger)

    # --- detection ----------------------------------------------------------

    def detect(self, doc: Document) -> list[Span]:
        return self.detect_many([doc])[0]

    def detect_many(self, docs: Sequence[Document]) -> list[list[Span]]:
        tagger = self.load()
        words: list[list[str]] = []
        owners: list[tuple[int, list[tuple[int, int]]]] = []  # (doc index, token offsets of the window)
        for i, doc in enumerate(docs):
            text = doc.text
            toks = tokenize(text)
            printable = text.isprintable()  # then so is every token: no per-token check
            for start, end in _windows(toks, text):
                window = toks[start:end]
                if printable:
                    words.append([text[a:b] for a, b in window])
                else:
                    words.append([_model_text(text[a:b]) for a, b in window])
                owners.append((i, window))
        results: list[list[Span]] = [[] for _ in docs]
        if not words:
            return results
        for predicted, (i, window) in zip(self._predict(tagger, words), owners, strict=True):
            for indices, score, label in predicted:
                entity = _entity(label)
                if entity is not None:
                    start, end = window[indices[0]][0], window[indices[-1]][1]
                    end = _without_possessive(docs[i].text, start, end)
                    confidence = min(SCORE_CAP, max(0.0, score))
                    results[i].append(Span(start, end, entity, confidence, self.name))
        return results

    def _predict(self, tagger: Tagger, words: list[list[str]]) -> list[list[tuple[list[int], float, str]]]:
        """(token indices, score, label) per span, for each word list."""
        from detectors.ner._numpy import NumpyTagger

        if isinstance(tagger, NumpyTagger):
            return tagger.predict(words, self.batch_size)
        from detectors.ner import _fast

        if _fast.supports(tagger):
            return _fast.predict(tagger, words, self.batch_size)
        from flair.data import Sentence

        sentences = [Sentence(list(w)) for w in words]
        tag_type = tagger.tag_type
        tagger.predict(sentences, mini_batch_size=self.batch_size, label_name=tag_type)
        out = []
        for sentence in sentences:
            spans = []
            for span in sentence.get_spans(tag_type):
                label = span.get_label(tag_type)
                spans.append(([t.idx - 1 for t in span.tokens], float(label.score), label.value))
            out.append(spans)
        return out


def offline() -> bool:
    """Whether the environment forbids the Hugging Face hub."""
    return any(os.environ.get(v, "") not in ("", "0") for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def is_path(source: str) -> bool:
    """Whether a model source names a local path (else it is a hub name)."""
    return (
        os.path.exists(source)
        or source.startswith(("/", "./", "../", "~", "\\"))
        or source.endswith((".pt", ".json", ".safetensors"))
    )


def _load_source(source: str) -> Tagger:
    """Check the source first (cheap, clear errors), then load: in numpy when the model's format
    allows, else with flair."""
    if source == BUILTIN:
        path: Path | None = BUILTIN_DIR
    elif source.startswith("hub:") or not is_path(source):
        if offline():
            raise NerModelError(
                f"NER model {source!r} is a hub name but HF_HUB_OFFLINE is set: use 'builtin' or a local path"
            )
        path = None
    else:
        path = Path(source).expanduser()
        if not path.exists():
            raise NerModelError(f"NER model path {path} does not exist")
    if path is not None and path.is_dir() and not (path / CONFIG_FILE).is_file():
        raise NerModelError(f"no NER model at {path} (expected {CONFIG_FILE} and {WEIGHTS_FILE})")
    if path is not None and path.is_dir() and numpy_format(path):
        from detectors.ner import _numpy

        return _numpy.load(path)
    try:
        import flair  # noqa: F401
    except ModuleNotFoundError:
        raise NerModelError("the NER stage needs flair and torch: pip install 'veilstream[ner]'") from None
    if path is None:
        return _load_hub(source.removeprefix("hub:"))
    return load(path) if path.is_dir() else _load_flair_file(path)


def numpy_format(directory: Path) -> bool:
    """Whether the model saved in `directory` runs in numpy (no torch, no flair)."""
    from detectors.ner._numpy import supports

    return supports(read_config(directory))


def _load_flair_file(path: Path) -> SequenceTagger:
    from flair.models import SequenceTagger

    try:
        tagger: SequenceTagger = SequenceTagger.load(str(path))
    except Exception as exc:  # flair raises many kinds; all mean "unusable model file"
        raise NerModelError(f"cannot load NER model file {path}: {type(exc).__name__}") from exc
    return tagger


def _load_hub(name: str) -> SequenceTagger:
    from flair.models import SequenceTagger

    try:
        tagger: SequenceTagger = SequenceTagger.load(name)
    except Exception as exc:  # network, missing repo, incompatible file
        raise NerModelError(
            f"cannot load NER model {name!r} from the hub ({type(exc).__name__}); "
            "offline machines need 'builtin' or a local path"
        ) from exc
    return tagger
