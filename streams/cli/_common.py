"""What several commands share: loading the policy and building the pipeline."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import typer

from detectors import DetectorsError, Pipeline, Policy, PolicyError, Stage, default_pipeline, load_policy


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `veilstream: message` on stderr and return the exit to raise."""
    typer.echo(f"veilstream: {message}", err=True)
    return typer.Exit(code)


def policy_or_default(path: Path | None) -> Policy:
    if path is None:
        return Policy.default()
    try:
        return load_policy(path).resolve()
    except PolicyError as exc:
        raise fail(str(exc)) from None


def ner_stage(required: bool) -> Stage | None:
    """The NER stage when its module and model are installed; None otherwise.

    `required` turns a missing NER stage into an error instead of patterns-only detection.
    """
    try:
        module = importlib.import_module("detectors.ner")
    except ModuleNotFoundError:
        if required:
            raise fail("the NER stage is not installed (pip install 'veilstream[ner]')") from None
        return None
    try:
        stage: Stage | None = module.load_default(required=required)
    except DetectorsError as exc:  # a missing or broken model: say why, no traceback
        raise fail(str(exc)) from None
    return stage


def build_pipeline(policy: Policy, ner: bool | None) -> Pipeline:
    """`ner`: True requires NER, False disables it, None uses it when installed."""
    stage = None if ner is False else ner_stage(required=bool(ner))
    if ner is None and stage is None:
        print("veilstream: NER stage not installed; detecting with patterns only", file=sys.stderr)
    return default_pipeline(ner=stage, policy=policy)
