"""streams.gc_tuning: the worker's collector settings (restored after each test)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from streams import gc_tuning
from streams.settings import WorkerSettings


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_tune_freezes_startup_objects_and_raises_the_young_threshold() -> None:
    _, middle, old = gc.get_threshold()
    kept = [{"startup": i} for i in range(1000)]  # alive when tuned: frozen
    assert gc_tuning.tune(25_000) is True
    assert gc.get_threshold() == (25_000, middle, old)
    assert gc.get_freeze_count() >= len(kept)
    assert all(o is not kept[0] for o in gc.get_objects())  # no generation the collector walks


def test_tune_collects_cycles_left_by_startup_instead_of_freezing_them() -> None:
    freed = []

    class Node:
        ref: object

        def __del__(self) -> None:
            freed.append(1)

    cycle = Node()
    cycle.ref = cycle
    del cycle
    gc_tuning.tune(25_000)
    assert freed == [1]


def test_zero_leaves_the_collector_alone() -> None:
    before = gc.get_threshold()
    assert gc_tuning.tune(0) is False
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_after_tuning_are_still_collected() -> None:
    gc_tuning.tune(25_000)
    collected = []

    class Node:
        ref: object

        def __del__(self) -> None:
            collected.append(1)

    for _ in range(3):
        node = Node()
        node.ref = node
        del node
    gc.collect()
    assert len(collected) == 3


def test_the_setting_defaults_on_and_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WorkerSettings().gc_threshold == 20_000
    monkeypatch.setenv("VEILSTREAM_GC_THRESHOLD", "0")
    assert WorkerSettings().gc_threshold == 0
