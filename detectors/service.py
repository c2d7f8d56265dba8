"""The one detection pipeline every entry point builds: the worker, the HTTP API's `mask-text`
and the CLI (`detect`, `mask`, `eval`) detect with the same stages, so one policy gives the same
spans everywhere.
"""

from __future__ import annotations

import logging
from typing import Literal

from detectors.pipeline import Pipeline, default_pipeline
from detectors.policy import Policy

log = logging.getLogger(__name__)

#: `auto`: the NER stage when installed (patterns only otherwise, said once in the log); `on`:
#: required (`NerModelError` when it cannot load); `off`: never.
NerMode = Literal["auto", "on", "off"]


def detection_pipeline(ner: NerMode = "auto", policy: Policy | None = None) -> Pipeline:
    """Patterns, spoken values, custom entities and the NER stage, its model loaded now (a worker
    or API process pays the load at start, not on its first request)."""
    stage = None
    if ner != "off":
        from detectors.ner import load_default

        stage = load_default(required=ner == "on")
        if stage is not None:
            stage.load()
        elif ner == "auto":
            log.warning("ner_stage_unavailable detecting_with=patterns")
    return default_pipeline(ner=stage, policy=policy)
