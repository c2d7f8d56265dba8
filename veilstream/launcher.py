"""Start, watch and stop veilstream's processes: the one way the demo, the tests and the benchmarks
run a worker role (or any other command) as a child process.

    worker = start_worker("mask", env, tmp / "mask.log")
    try:
        worker.wait_ready(60)            # /readyz answers 200, or the log says the group joined
        ...
    finally:
        code = worker.stop()             # SIGTERM; SIGKILL after 30 s (then None)

The child's stdout and stderr go to a log file (appended), never to a pipe that could fill up.
Its environment is exactly `env` (`veilstream.settings.worker_env` builds one from settings).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from detectors.errors import VeilstreamError
from streams.settings import DEFAULT_METRICS_PORTS, Role

#: What the aiokafka engine logs once its consumer group assigned it partitions (`streams.engines`).
READY_LINE = "partitions assigned"
#: Seconds a child has to exit after SIGKILL.
KILL_WAIT = 10.0


class LaunchError(VeilstreamError):
    """A child process exited early or did not become ready; the message carries its log's tail."""


def command(*args: str) -> list[str]:
    """The argv of `veilstream *args` on this interpreter (`python -m veilstream`: no script needed)."""
    return [sys.executable, "-m", "veilstream", *args]


class Process:
    """A child process whose stdout and stderr are appended to `log`.

    `new_session`: its own session and process group, so a Ctrl-C in the terminal reaches only the
    parent (which then stops it in order). `health_port`: where its `/readyz` answers (0: none).
    """

    def __init__(
        self,
        cmd: Sequence[str],
        env: Mapping[str, str],
        log: Path,
        *,
        cwd: Path | None = None,
        new_session: bool = False,
        health_port: int = 0,
        name: str | None = None,
    ) -> None:
        self.log = log
        self.health_port = health_port
        self.name = name or Path(cmd[0]).name
        #: True once `stop` had to SIGKILL it.
        self.killed = False
        with log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603  # argv from our callers, never a shell
                list(cmd), env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=new_session,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit code once it exited (a negative signal number when a signal ended it)."""
        return self.proc.poll()

    def text(self) -> str:
        """The whole log so far ('' when it cannot be read)."""
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 15, indent: str = "    ") -> str:
        """The log's last `lines` lines, each indented."""
        return "\n".join(indent + line for line in self.text().splitlines()[-lines:])

    def check_alive(self) -> None:
        """`LaunchError` with the exit code and the log's last lines when it has exited."""
        if self.proc.poll() is not None:
            tail = " | ".join(self.text().strip().splitlines()[-3:])
            raise LaunchError(f"{self.name} exited with code {self.proc.returncode}: {tail[-400:]}")

    def wait_ready(self, timeout: float = 60.0, line: str = READY_LINE) -> None:
        """Until `/readyz` on the health port answers 200, or, without a port, until `line` is in
        the log; `LaunchError` when it exits first or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if self._ready(line):
                return
            time.sleep(0.05)
        where = f"/readyz on port {self.health_port}" if self.health_port else f"{line!r} in {self.log}"
        raise LaunchError(f"{self.name} not ready after {timeout:g}s ({where}): {self.tail(3, '')[-400:]}")

    def _ready(self, line: str) -> bool:
        if not self.health_port:
            return line in self.text()
        url = f"http://127.0.0.1:{self.health_port}/readyz"
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # a fixed http URL on localhost
                return reply.status == 200 and bool(json.loads(reply.read()).get("ready"))
        except urllib.error.HTTPError:  # 503: not yet
            return False
        except (OSError, ValueError):  # not listening yet
            return False

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` seconds; its exit code, None when it had to be killed
        (`returncode` then holds the signal's)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL now (a crash, as the tests of recovery need one); waits for it to be gone."""
        if self.proc.poll() is None:
            self.killed = True
            self.proc.kill()
            self.proc.wait(KILL_WAIT)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def health_port(role: Role, env: Mapping[str, str]) -> int:
    """The port `role`'s `/readyz` answers on under `env` (`VEILSTREAM_METRICS_PORT`, else the role's
    default; 0: none)."""
    value = env.get("VEILSTREAM_METRICS_PORT", "")
    return int(value) if value.strip() else DEFAULT_METRICS_PORTS[role]


def start_worker(
    role: Role,
    env: Mapping[str, str],
    log: Path,
    *,
    cwd: Path | None = None,
    new_session: bool = False,
    args: Sequence[str] = (),
) -> Process:
    """`veilstream worker --role <role> [args]` with exactly `env`; its health port read from `env`."""
    return Process(
        command("worker", "--role", role, *args),
        env,
        log,
        cwd=cwd,
        new_session=new_session,
        health_port=health_port(role, env),
        name=f"the {role} worker",
    )


__all__ = ["READY_LINE", "LaunchError", "Process", "Role", "command", "health_port", "start_worker"]
