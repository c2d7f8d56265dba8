"""The commit order, without an engine: vault write → produce → ack → commit, batch after batch."""

from __future__ import annotations

import asyncio

import pytest

from streams.committer import BatchCommitter, Commit
from streams.runtime import Deliver


class _Steps:
    """Records each step of each batch; a batch named in `fail` fails its delivery."""

    def __init__(self, fail: frozenset[int] = frozenset(), slow: frozenset[int] = frozenset()) -> None:
        self.log: list[str] = []
        self.fail, self.slow = fail, slow

    async def prepare(self, n: int) -> Deliver:
        self.log.append(f"vault write {n}")

        async def deliver() -> None:
            await asyncio.sleep(0.02 if n in self.slow else 0)
            if n in self.fail:
                raise RuntimeError("delivery failed")
            self.log.append(f"produce+ack {n}")

        return deliver

    def commit(self, n: int) -> Commit:
        async def commit() -> None:
            self.log.append(f"commit {n}")

        return commit


def test_run_commits_a_batch_only_after_its_delivery() -> None:
    steps = _Steps()

    async def main() -> None:
        committer = BatchCommitter()
        for n in (0, 1):
            await committer.run(steps.prepare(n), steps.commit(n))

    asyncio.run(main())
    assert steps.log == [
        "vault write 0",
        "produce+ack 0",
        "commit 0",
        "vault write 1",
        "produce+ack 1",
        "commit 1",
    ]


def test_run_commits_nothing_of_a_failed_batch() -> None:
    steps = _Steps(fail=frozenset({0}))
    with pytest.raises(RuntimeError):
        asyncio.run(BatchCommitter().run(steps.prepare(0), steps.commit(0)))
    assert steps.log == ["vault write 0"]


def test_submit_overlaps_the_next_vault_write_but_keeps_deliveries_and_commits_in_order() -> None:
    steps = _Steps(slow=frozenset({0}))

    async def main() -> None:
        committer = BatchCommitter()
        for n in (0, 1, 2):
            await committer.submit(steps.prepare(n), steps.commit(n))
        await committer.settle()
        committer.check()

    asyncio.run(main())
    assert steps.log == [
        "vault write 0",
        "vault write 1",  # while batch 0 waits for its acks
        "produce+ack 0",
        "commit 0",
        "vault write 2",
        "produce+ack 1",
        "commit 1",
        "produce+ack 2",
        "commit 2",
    ]


def test_a_failed_delivery_stops_the_next_submit_uncommitted() -> None:
    steps = _Steps(fail=frozenset({0}))

    async def main() -> None:
        committer = BatchCommitter()
        await committer.submit(steps.prepare(0), steps.commit(0))
        with pytest.raises(RuntimeError):  # batch 1 waits for batch 0's delivery, which failed
            await committer.submit(steps.prepare(1), steps.commit(1))

    asyncio.run(main())
    assert steps.log == ["vault write 0", "vault write 1"]  # nothing produced, nothing committed


def test_settle_waits_and_leaves_a_failure_for_check() -> None:
    steps = _Steps(fail=frozenset({0}))

    async def main() -> None:
        committer = BatchCommitter()
        await committer.submit(steps.prepare(0), steps.commit(0))
        await committer.settle()  # a rebalance waits here; the loop raises the failure
        with pytest.raises(RuntimeError):
            committer.check()
        committer.check()  # raised once

    asyncio.run(main())
    assert "commit 0" not in steps.log
