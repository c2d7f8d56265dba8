"""What the benchmarks need of child processes beside `veilstream.launcher` (which starts, watches
and stops workers and the HTTP API for them): a free port, and a command run to its end."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Sequence


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run `cmd` to its end, stdout and stderr captured as text (its exit code is the caller's to check)."""
    return subprocess.run(list(cmd), capture_output=True, text=True, check=False)
