"""Settings assembly: `VEILSTREAM_*` into the worker's and the vault's settings, and back into the
environment of a child process.

Every command and process of veilstream reads its settings through here, so a wrong variable is
one line naming it (never its value) wherever it is read: `SettingsError`, which the CLI prints as
`veilstream: invalid settings: ...` with exit code 2. Lists and maps are JSON (pydantic-settings).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import regex

from detectors.errors import VeilstreamError

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

    from streams.settings import WorkerSettings
    from vault.settings import VaultSettings

S = TypeVar("S", bound="BaseSettings")


class SettingsError(VeilstreamError):
    """A `VEILSTREAM_*` variable is wrong or missing; the message names variables, never values."""


def load(cls: type[S], **overrides: Any) -> S:
    """`cls()` from `VEILSTREAM_*`, then `overrides`; `SettingsError` naming the variable when one is
    invalid."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError as SourceError

    try:
        settings = cls()
    except ValidationError as exc:
        raise SettingsError(f"invalid settings: {_describe(exc)}") from None
    except SourceError as exc:  # a list or map that is not JSON
        field = regex.search(r'field "(\w+)"', str(exc))
        name = f"VEILSTREAM_{field.group(1).upper()}" if field else "a VEILSTREAM_ variable"
        raise SettingsError(
            f"invalid settings: {name} is not valid JSON (lists and maps are JSON,"
            ' e.g. VEILSTREAM_CDC_TABLES=\'["contacts","tickets"]\')'
        ) from None
    return settings.model_copy(update=overrides) if overrides else settings


def worker_settings(**overrides: Any) -> WorkerSettings:
    """The worker's settings (`streams.settings.WorkerSettings`); overrides that are None are left out."""
    from streams.settings import WorkerSettings

    return load(WorkerSettings, **{k: v for k, v in overrides.items() if v is not None})


def vault_settings(**overrides: Any) -> VaultSettings:
    """The vault's settings (`vault.settings.VaultSettings`); the database must be named."""
    from vault.settings import VaultSettings

    settings = load(VaultSettings, **overrides)
    if "database_url" not in settings.model_fields_set | overrides.keys():
        raise SettingsError(
            "VEILSTREAM_DATABASE_URL is not set: the vault database's libpq URL"
            " (e.g. postgresql://user:password@host:5432/veilstream)"
        )
    return settings


def worker_env(
    settings: WorkerSettings,
    database_url: str,
    master_key: str,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment a worker process reads `settings` and the vault's from: `base` (default: this
    process's environment) without its `VEILSTREAM_*` variables, then these settings, the database,
    the master key, and no model downloads (`HF_HUB_OFFLINE=1`). Secrets included: for a child only."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("VEILSTREAM_")}
    env.update(settings.as_env())
    env["VEILSTREAM_DATABASE_URL"] = database_url
    env["VEILSTREAM_MASTER_KEY"] = master_key
    env["HF_HUB_OFFLINE"] = "1"
    return env


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


__all__ = ["SettingsError", "load", "vault_settings", "worker_env", "worker_settings"]
