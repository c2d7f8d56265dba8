"""`veilstream demo` end to end: embedded broker and Postgres, both workers, clean shutdown."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _processes_with(marker: str) -> list[int]:
    """PIDs whose environment carries `marker` (children inherit the demo's environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find leftover processes")
def test_demo_masks_unmasks_and_leaves_no_process_behind() -> None:
    marker = f"VEILSTREAM_TEST_DEMO_MARKER={secrets.token_hex(8)}"
    name, value = marker.split("=")
    env = {**os.environ, name: value, "COLUMNS": "200"}
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", "from veilstream.cli import main; main()", "demo", "--ner", "off"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = " ".join(proc.stdout.split())  # rich wraps long lines at spaces
    assert "crm.cdc.contacts" in out and "support.messages" in out
    assert "<EMAIL>" in out and "</PER>" in out  # field rules and detection, tokenized
    assert "<EMAIL_ADDRESS>" in out  # the redact channel
    assert "Reply to <EMAIL>" in out  # the message to unmask, masked ...
    assert "as mailer (allowed):" in out and "Reply to j.harlow@example.com" in out  # ... and revealed
    assert "policy_refused" in out
    assert elapsed < 120, f"the demo took {elapsed:.0f}s"
    time.sleep(0.5)
    assert _processes_with(marker) == []
