"""What several commands share: settings (exit 2 when wrong), the vault, the policy, the pipeline."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from detectors import DetectorsError, Pipeline, Policy, PolicyError, load_policy
from veilstream import settings

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

    from streams.settings import WorkerSettings
    from vault import Vault, VaultSettings

S = TypeVar("S", bound="BaseSettings")
T = TypeVar("T")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `veilstream: message` on stderr and return the exit to raise."""
    typer.echo(f"veilstream: {message}", err=True)
    return typer.Exit(code)


def load_settings(cls: type[S], **overrides: Any) -> S:
    """`veilstream.settings.load`: a wrong variable exits 2 with one line naming it (never its value)."""
    try:
        return settings.load(cls, **overrides)
    except settings.SettingsError as exc:
        raise fail(str(exc)) from None


def worker_settings(**overrides: Any) -> WorkerSettings:
    """`veilstream.settings.worker_settings`, exit 2 with one line when a variable is wrong."""
    try:
        return settings.worker_settings(**overrides)
    except settings.SettingsError as exc:
        raise fail(str(exc)) from None


def vault_settings(**overrides: Any) -> VaultSettings:
    """`veilstream.settings.vault_settings`, exit 2 with one line when a variable is wrong or the
    database is not named."""
    try:
        return settings.vault_settings(**overrides)
    except settings.SettingsError as exc:
        raise fail(str(exc)) from None


def run_vault(work: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; turn vault errors into `veilstream: message` and exit code 2."""
    from vault import VaultError

    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except VaultError as exc:
        raise fail(str(exc)) from None


async def open_vault(**overrides: Any) -> Vault:
    """The vault of `vault_settings(**overrides)`, open."""
    from vault import Vault

    return await Vault.open(vault_settings(**overrides))


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
