"""The Python examples of docs/extending.md run as written (each block is a test)."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

DOC = Path(__file__).resolve().parents[2] / "docs" / "extending.md"
BLOCKS = regex.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=regex.DOTALL)


def test_the_guide_has_its_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs(code: str) -> None:
    exec(compile(code, str(DOC), "exec"), {"__name__": "docs_example"})  # noqa: S102 - our own docs
