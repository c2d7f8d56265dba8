"""What several commands share: loading the policy and building the pipeline."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from detectors import DetectorsError, Pipeline, Policy, PolicyError, Stage, default_pipeline, load_policy

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

S = TypeVar("S", bound="BaseSettings")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `veilstream: message` on stderr and return the exit to raise."""
    typer.echo(f"veilstream: {message}", err=True)
    return typer.Exit(code)


def load_settings(cls: type[S], **overrides: Any) -> S:
    """`cls()` from `VEILSTREAM_*`; an invalid variable fails with its name (never its value)."""
    from pydantic import ValidationError

    try:
        settings = cls()
    except ValidationError as exc:
        errors = exc.errors(include_input=False)
        where = ", ".join("VEILSTREAM_" + ".".join(str(p) for p in e["loc"]).upper() for e in errors)
        raise fail(f"invalid settings: {where}") from None
    return settings.model_copy(update=overrides) if overrides else settings


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
