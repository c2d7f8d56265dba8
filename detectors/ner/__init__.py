"""NER stage: PERSON, LOCATION, STREET_ADDRESS, ORGANIZATION with a flair tagger (en, es, fr, de, pt).

Importing this package does not import flair or torch (seconds): the model loads on
first use. Needs the `ner` extra: `pip install torch==2.13.0` first, then
`pip install 'veilstream[ner]'`.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from detectors.ner._model import CONFIG_FILE, WEIGHTS_FILE, NerModelError
from detectors.ner._stage import BUILTIN, BUILTIN_DIR, ENTITIES, ENV_SOURCE, NerStage, is_path, offline

__all__ = ["BUILTIN", "ENTITIES", "ENV_SOURCE", "NerModelError", "NerStage", "available", "load_default"]

_REQUIRED_MODULES = ("torch", "flair", "safetensors")


def available(source: str = BUILTIN) -> str | None:
    """Why the NER stage cannot run with `source`, or None when it can (checked without importing flair)."""
    missing = [m for m in _REQUIRED_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        return f"{', '.join(missing)} not installed (pip install torch==2.13.0, then 'veilstream[ner]')"
    if source == BUILTIN:
        if not (BUILTIN_DIR / CONFIG_FILE).is_file():
            return f"the builtin NER model is missing ({BUILTIN_DIR / WEIGHTS_FILE}); run `make ner-model`"
    elif source.startswith("hub:") or not is_path(source):
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
