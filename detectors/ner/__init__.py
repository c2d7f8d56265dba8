"""NER stage: PERSON, LOCATION, STREET_ADDRESS, ORGANIZATION (en, es, fr, de, pt).

The builtin model runs in numpy (the `ner` extra: numpy and safetensors, no torch). Models in
other formats (a flair `.pt` file, a hub name) need flair and torch (the `ner-train` extra).
Importing this package imports neither; the model loads when the stage is built or first used.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from detectors.ner._model import CONFIG_FILE, WEIGHTS_FILE, NerModelError
from detectors.ner._stage import (
    BUILTIN,
    BUILTIN_DIR,
    ENTITIES,
    ENV_SOURCE,
    NerStage,
    is_path,
    numpy_format,
    offline,
)

__all__ = ["BUILTIN", "ENTITIES", "ENV_SOURCE", "NerModelError", "NerStage", "available", "load_default"]

_NUMPY_MODULES = ("numpy", "safetensors")
_FLAIR_MODULES = ("torch", "flair", "safetensors")


def _missing(modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


def available(source: str = BUILTIN) -> str | None:
    """Why the NER stage cannot run with `source`, or None when it can (checked without importing it)."""
    directory = BUILTIN_DIR if source == BUILTIN else Path(source).expanduser()
    if directory.is_dir() and (directory / CONFIG_FILE).is_file():
        try:
            runs_in_numpy = numpy_format(directory)
        except NerModelError as exc:
            return str(exc)
        missing = _missing(_NUMPY_MODULES if runs_in_numpy else _FLAIR_MODULES)
        if missing:
            extra = "ner" if runs_in_numpy else "ner-train"
            return f"{', '.join(missing)} not installed (pip install 'veilstream[{extra}]')"
        return None
    if source == BUILTIN:
        return f"the builtin NER model is missing ({BUILTIN_DIR / WEIGHTS_FILE}); run `make ner-model`"
    missing = _missing(_FLAIR_MODULES)
    if missing:
        return f"{', '.join(missing)} not installed (pip install 'veilstream[ner-train]')"
    if source.startswith("hub:") or not is_path(source):
        if offline():
            return f"NER model {source!r} is a hub name but HF_HUB_OFFLINE is set"
    elif not Path(source).expanduser().exists():
        return f"NER model path {source} does not exist"
    return None


def load_default(required: bool, source: str | None = None) -> NerStage | None:
    """The NER stage for `source` (default: `$VEILSTREAM_NER_MODEL`, else `builtin`).

    With `required` False, returns None when flair or the model is unavailable; with
    `required` True, loads the model now and raises `NerModelError` with the reason.
    """
    source = source or os.environ.get(ENV_SOURCE) or BUILTIN
    problem = available(source)
    if problem is not None:
        if required:
            raise NerModelError(f"NER stage unavailable: {problem}")
        return None
    stage = NerStage(source)
    if required:
        stage.load()
    return stage
