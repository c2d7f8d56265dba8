"""`veilstream.launcher`: start a child, wait until it is ready (its `/readyz` or a log line), stop it
with SIGTERM then SIGKILL, read its exit code and log. Children here are small Python scripts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tls_proxy import free_port

from streams.settings import DEFAULT_METRICS_PORTS
from veilstream.launcher import LaunchError, Process, command, health_port, start_worker

#: Says it is ready after a moment, then runs until SIGTERM and exits 0 (as a worker does).
POLITE = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("starting", flush=True)
time.sleep(0.3)
print("partitions assigned count=2", flush=True)
while True:
    time.sleep(0.1)
"""
#: Ignores SIGTERM: only SIGKILL ends it.
STUBBORN = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("up", flush=True)
while True:
    time.sleep(0.1)
"""
#: `/readyz` answers 503 three times, then 200 (the worker's endpoint, in miniature).
READYZ = """
import json, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
calls = []
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        calls.append(self.path)
        ready = len(calls) > 3
        body = json.dumps({"ready": ready}).encode()
        self.send_response(200 if ready else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def _python(script: str, *args: str) -> list[str]:
    return [sys.executable, "-c", script, *args]


def test_ready_by_log_line_then_sigterm_gives_its_exit_code(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    with Process(_python(POLITE), os.environ, log, name="the child") as child:
        assert child.alive
        started = time.monotonic()
        child.wait_ready(20)
        assert time.monotonic() - started >= 0.2  # it waited for the line, not just for the start
        assert child.stop() == 0
    assert not child.alive and not child.killed and child.returncode == 0
    assert "partitions assigned" in child.text()
    assert child.tail(1) == "    partitions assigned count=2"


def test_a_child_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    child = Process(_python(STUBBORN), os.environ, tmp_path / "child.log")
    try:
        child.wait_ready(20, line="up")
        assert child.stop(timeout=0.5) is None  # had to be killed
        assert child.killed and child.returncode == -signal.SIGKILL
    finally:
        child.kill()


def test_a_child_that_exits_early_is_one_error_with_its_code_and_last_lines(tmp_path: Path) -> None:
    script = "import sys; print('veilstream: VEILSTREAM_DATABASE_URL is not set'); sys.exit(2)"
    child = Process(_python(script), os.environ, tmp_path / "child.log", name="the mask worker")
    with pytest.raises(LaunchError, match=r"the mask worker exited with code 2: .*DATABASE_URL is not set"):
        child.wait_ready(20)
    assert child.stop() == 2


def test_not_ready_in_time_is_an_error_and_the_child_is_still_stoppable(tmp_path: Path) -> None:
    child = Process(_python(POLITE), os.environ, tmp_path / "child.log")
    try:
        with pytest.raises(LaunchError, match=r"not ready after 0\.2s"):
            child.wait_ready(0.2, line="a line it never writes")
    finally:
        assert child.stop() == 0


def test_ready_by_readyz_on_the_health_port(tmp_path: Path) -> None:
    port = free_port()
    with Process(_python(READYZ, str(port)), os.environ, tmp_path / "child.log", health_port=port) as child:
        child.wait_ready(20, line="never in its log: the port decides")
        assert child.alive


@pytest.mark.parametrize(
    ("role", "env", "port"),
    [
        ("mask", {}, DEFAULT_METRICS_PORTS["mask"]),
        ("unmask", {}, DEFAULT_METRICS_PORTS["unmask"]),
        ("mask", {"VEILSTREAM_METRICS_PORT": "0"}, 0),
        ("unmask", {"VEILSTREAM_METRICS_PORT": "9555"}, 9555),
    ],
)
def test_the_health_port_is_the_one_the_worker_reads(role: str, env: dict[str, str], port: int) -> None:
    assert health_port(role, env) == port  # type: ignore[arg-type]


def test_the_command_runs_the_cli_of_this_interpreter() -> None:
    assert command("tokens", "prompt")[:3] == [sys.executable, "-m", "veilstream"]
    done = subprocess.run(
        command("tokens", "prompt"), capture_output=True, text=True, timeout=120, check=True
    )
    assert "<PER>" in done.stdout  # the recommended prompt line


def test_start_worker_runs_the_role_with_exactly_the_env_given(tmp_path: Path) -> None:
    """A worker without a database stops at once, exit 2, one line; the launcher says so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILSTREAM_")}
    env.update(VEILSTREAM_METRICS_PORT="0", VEILSTREAM_MASTER_KEY="x" * 44)
    worker = start_worker("unmask", env, tmp_path / "unmask.log")
    assert worker.health_port == 0 and worker.name == "the unmask worker"
    with pytest.raises(LaunchError, match=r"exited with code 2: .*VEILSTREAM_DATABASE_URL is not set"):
        worker.wait_ready(120)
