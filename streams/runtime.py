"""What every engine runs, free of any engine: the vault, the mask and unmask services, a batch's steps.

`Runtime` opens the vault on first use (inside the engine's event loop, waiting out an
unreachable database), builds the services of the worker's roles, and splits a batch in two:
`prepare` masks (or answers) it, writing its tokens to the vault, and returns its delivery.
The engines hand both halves to `streams.committer.BatchCommitter`, which owns their order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from streams import vault_watch
from streams.checkpoints import Checkpointer
from streams.health import READINESS
from streams.kafka import InRecord, OutRecord
from streams.masking import Detect, Masker
from streams.service import Backoff, Delivery, MaskService, Send, SendMany
from streams.settings import Role, WorkerSettings
from streams.unmask_service import UnmaskService
from vault.errors import MasterKeyError, VaultError
from vault.policy_cache import PolicyCache, stored_loader
from vault.settings import VaultSettings
from vault.store import Vault

#: The second half of a batch: produce its records, quarantine its rejects, wait for every ack.
Deliver = Callable[[], Awaitable[Any]]


class Runtime:
    """What the engine's batches share; opened on first use, inside the worker's event loop."""

    def __init__(
        self,
        settings: WorkerSettings,
        vault_settings: VaultSettings,
        detect: Detect | None,
        send: Send,
        send_many: SendMany | None = None,
    ) -> None:
        self.settings = settings
        self.vault_settings = vault_settings
        self.detect = detect
        self.send = send
        self.send_many = send_many
        self.vault: Vault | None = None
        self.mask: MaskService | None = None
        self.unmask: UnmaskService | None = None
        self.delivery: Delivery | None = None
        self._lock = asyncio.Lock()
        self._watch: asyncio.Task[None] | None = None

    async def ready(self) -> Runtime:
        """Open the vault (waiting out an unreachable database) and build the services."""
        async with self._lock:
            if self.vault is None:
                self.vault = await self._open_vault()
                READINESS.set(vault=True)
                self._watch = asyncio.create_task(vault_watch.watch(self.vault, READINESS))
                self.delivery = Delivery(self.settings, self.send, self.vault, self.send_many)
                if self.detect is not None:
                    policies = PolicyCache.from_files(
                        self.settings.policy_files,
                        stored_loader(self.vault.pool) if self.settings.policies_from_vault else None,
                    )
                    masker = Masker(self.settings, self.detect, self.vault, policies)
                    checkpointer = Checkpointer(
                        self.vault, self.settings.audit_topic, self.delivery.send_all,
                        self.settings.audit_checkpoint_s,
                    )  # fmt: skip
                    self.mask = MaskService(masker, self.delivery, checkpointer)
                self.unmask = UnmaskService(
                    self.vault, self.settings.unmask_replies_topic, self.settings.unmask_max_skew_s
                )
        return self

    async def _open_vault(self) -> Vault:
        backoff = Backoff(self.settings.backoff_min, self.settings.backoff_max)
        while True:
            try:
                return await Vault.open(self.vault_settings)
            except MasterKeyError:
                raise
            except VaultError as exc:  # its messages name no values and no connection string
                await backoff.wait("vault", exc, str(exc))

    async def prepare(self, role: Role, records: Sequence[InRecord]) -> Deliver:
        """Mask (or answer) a batch without producing anything; returns its delivery.

        A batch may be prepared while an earlier one is being delivered; deliveries must run one
        at a time, in batch order (`streams.committer.BatchCommitter` sees to both)."""
        await self.ready()
        if role == "mask":
            mask = self.mask
            if mask is None:
                raise RuntimeError("mask service missing")
            outcomes = await mask.mask(records)
            return lambda: mask.deliver(records, outcomes)
        if self.unmask is None or self.delivery is None:
            raise RuntimeError("unmask service missing")
        delivery, answer = self.delivery, self.unmask.answer
        answers = await delivery.until_done("vault", lambda: answer(records))

        async def finish() -> None:
            await delivery.send_all([a for a in answers if isinstance(a, OutRecord)])
            await delivery.reject(records, answers)

        return finish

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
        if self.mask is not None:
            self.mask.masker.close()
        if self.vault is not None:
            await self.vault.close()


__all__ = ["Deliver", "Detect", "Runtime"]
