"""The commit order of a batch, owned by one object for both engines: vault write → produce → ack → commit.

1. **Vault write.** The batch is masked (`streams.runtime.Runtime.prepare`): the tokens it hands
   out are in the vault before any record naming them exists.
2. **Produce.** Its masked, audit and reply records go to the broker; a record that cannot be
   masked is first quarantined in the vault, then its DLQ reference is produced.
3. **Ack.** Every produced record is acknowledged by the broker (`acks=all`); outages are waited
   out (`streams.service.Delivery`), so nothing of the batch is dropped.
4. **Commit.** Only then are the batch's offsets committed (the aiokafka engine commits them; the
   faust engine acks the batch's events and faust commits acked offsets).

Why this order: a committed offset is never read again, so it may only cover records that are
safely somewhere. A crash or a stop anywhere before step 4 leaves the batch uncommitted, and it
is consumed again: at least once, and deterministic tokens make the replay byte for byte the same.
Committing before the acks would lose the records whose produce then fails; producing before the
vault write could publish a token the vault does not know, which no one could ever unmask.

Batches may overlap (`submit`): batch N+1 is masked while batch N waits for its acks. Deliveries
and commits still run one at a time, in batch order, so records keep their order per partition
and offsets are committed in order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from streams import metrics
from streams.runtime import Deliver

#: Step 4, as the engine does it (commit offsets, or ack events); called only after step 3.
Commit = Callable[[], Awaitable[None]]


class BatchCommitter:
    """Runs every batch's steps in the commit order; at most one delivery in flight."""

    def __init__(self) -> None:
        self.in_flight: asyncio.Task[None] | None = None

    async def run(self, prepare: Awaitable[Deliver], commit: Commit) -> None:
        """One batch, start to finish, before the next is read (`prepare`: step 1, resolving to
        the batch's delivery). A failure at any step raises here, and nothing is committed."""
        await _deliver_then_commit(await prepare, commit)

    async def submit(self, prepare: Awaitable[Deliver], commit: Commit) -> None:
        """Step 1 of this batch (while the previous batch is delivered), then start its delivery
        and commit once the previous one's are done. A previous delivery's failure raises here."""
        deliver = await prepare
        previous = self.in_flight
        if previous is not None:
            waited = time.perf_counter()
            await previous
            metrics.DELIVERY_WAIT.observe(time.perf_counter() - waited)
        self.in_flight = asyncio.create_task(_deliver_then_commit(deliver, commit))

    async def settle(self) -> None:
        """Wait for the delivery in flight; its failure stays for `check` (a rebalance waits here)."""
        task, self.in_flight = self.in_flight, None
        if task is not None:
            await asyncio.wait([task])
            if not task.cancelled() and task.exception() is not None:
                self.in_flight = task

    def check(self) -> None:
        """Raise the failure of a delivery that has finished: it stops the worker, uncommitted."""
        if self.in_flight is not None and self.in_flight.done():
            task, self.in_flight = self.in_flight, None
            task.result()

    def cancel(self) -> None:
        """Drop the delivery in flight (a stop): its batch is not committed and is consumed again."""
        if self.in_flight is not None:
            self.in_flight.cancel()


async def _deliver_then_commit(deliver: Deliver, commit: Commit) -> None:
    await deliver()  # 2. produce (rejects quarantined first) and 3. every ack
    await commit()  # 4. only now


__all__ = ["BatchCommitter", "Commit"]
