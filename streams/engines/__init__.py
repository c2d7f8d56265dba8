"""Worker engines: how records reach the engine-neutral runtime (`streams.runtime`), chosen in one place.

An engine is a module with a `run` function (`Engine`): it consumes a role's topics, hands
each batch to `streams.committer.BatchCommitter` and returns the process's exit code. `ENGINES`
names them by `VEILSTREAM_ENGINE` (`streams.settings.WorkerSettings.engine`); `engine` imports
only the one chosen, so the aiokafka engine's process never imports faust.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from streams.errors import StreamsError

if TYPE_CHECKING:
    from streams.runtime import Detect
    from streams.settings import Role, WorkerSettings
    from vault.settings import VaultSettings


class Engine(Protocol):
    """Run one role until SIGINT or SIGTERM; the process's exit code."""

    def __call__(
        self,
        settings: WorkerSettings,
        vault_settings: VaultSettings,
        role: Role,
        detect: Detect | None,
        log_level: str,
    ) -> int: ...


#: Engine name → the module whose `run` is that engine.
ENGINES: Mapping[str, str] = {"aiokafka": "streams.engines.aiokafka", "faust": "streams.engines.faust"}


def engine(name: str) -> Engine:
    """The engine called `name` (its module, and its client library, imported only now)."""
    module = ENGINES.get(name)
    if module is None:
        raise StreamsError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    run: Engine = importlib.import_module(module).run
    return run


__all__ = ["ENGINES", "Engine", "engine"]
