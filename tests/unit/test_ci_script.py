"""The CI entry point fails when the suite runs no test (pytest's exit 5 is not success)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_run_that_collects_no_test_fails() -> None:
    run = subprocess.run(
        [shutil.which("bash") or "/bin/bash", "scripts/pytest.sh", "-q", "-p", "no:cacheprovider",
         "-k", "no_test_has_this_name", "tests/unit/test_jsonio.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 5, run.stdout[-2000:] + run.stderr[-2000:]
    assert "collected no tests" in run.stderr
