"""The masker's output, byte for byte, against the golden file of `_masking_cases.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _masking_cases import cases, outcomes

GOLDEN = json.loads((Path(__file__).parent / "data" / "masking_golden.json").read_text(encoding="utf-8"))


def test_the_golden_file_covers_every_case() -> None:
    assert sorted(GOLDEN) == sorted(name for name, _ in cases())


@pytest.fixture(scope="module")
def current() -> dict[str, object]:
    return outcomes()


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_outcome_is_unchanged(name: str, current: dict[str, object]) -> None:
    assert current[name] == GOLDEN[name]
