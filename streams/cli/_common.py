"""What several commands share: loading the policy and building the pipeline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import regex
import typer

from detectors import DetectorsError, Pipeline, Policy, PolicyError, load_policy

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

S = TypeVar("S", bound="BaseSettings")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `veilstream: message` on stderr and return the exit to raise."""
    typer.echo(f"veilstream: {message}", err=True)
    return typer.Exit(code)


def load_settings(cls: type[S], **overrides: Any) -> S:
    """`cls()` from `VEILSTREAM_*`; an invalid variable fails with one line naming it (never its
    value), exit code 2."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    try:
        settings = cls()
    except ValidationError as exc:
        raise fail(f"invalid settings: {_describe(exc)}") from None
    except SettingsError as exc:  # a list or map that is not JSON
        field = regex.search(r'field "(\w+)"', str(exc))
        name = f"VEILSTREAM_{field.group(1).upper()}" if field else "a VEILSTREAM_ variable"
        raise fail(
            f"invalid settings: {name} is not valid JSON (lists and maps are JSON,"
            ' e.g. VEILSTREAM_CDC_TABLES=\'["contacts","tickets"]\')'
        ) from None
    return settings.model_copy(update=overrides) if overrides else settings


def _describe(exc: Any) -> str:
    """The variables a `ValidationError` is about; a check across variables gives its message
    (which names variables only)."""
    parts = []
    for error in exc.errors(include_input=False):
        if error["loc"]:
            parts.append("VEILSTREAM_" + ".".join(str(p) for p in error["loc"]).upper())
        else:
            parts.append(str(error["msg"]).removeprefix("Value error, "))
    return ", ".join(dict.fromkeys(parts))


def policy_or_default(path: Path | None) -> Policy:
    if path is None:
        return Policy.default()
    try:
        return load_policy(path).resolve()
    except PolicyError as exc:
        raise fail(str(exc)) from None


def build_pipeline(policy: Policy, ner: bool | None) -> Pipeline:
    """`ner`: True requires NER, False disables it, None uses it when installed
    (`detectors.service.detection_pipeline`, what the worker and the API build too)."""
    from detectors.service import NerMode, detection_pipeline

    mode: NerMode = "auto" if ner is None else "on" if ner else "off"
    try:
        pipeline = detection_pipeline(mode, policy)
    except DetectorsError as exc:  # a missing or broken model: say why, no traceback
        raise fail(str(exc)) from None
    if ner is None and not any(stage.name == "ner" for stage in pipeline.stages):
        print("veilstream: NER stage not installed; detecting with patterns only", file=sys.stderr)
    return pipeline
