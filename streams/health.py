"""The worker's HTTP endpoint: `/metrics`, `/healthz` and `/readyz`; any other path is 404.

`/healthz` answers 200 while the process serves requests. `/readyz` answers 200 once the worker
can do its job: the detection model is loaded, the consumer group has assigned this worker its
partitions (an empty assignment counts: a worker beyond the partition count is a ready standby),
and the vault answered its last check; 503 otherwise. Both bodies are small JSON objects of flags
and counts, never values. The server runs in a daemon thread, beside the event loop.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest


@dataclass
class Readiness:
    """What `/readyz` reports; set by the worker as it starts, joins its group and checks the vault."""

    model: bool = False
    assigned: bool = False
    partitions: int = 0
    vault: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, **flags: Any) -> None:
        with self._lock:
            for name, value in flags.items():
                if name not in ("model", "assigned", "partitions", "vault"):
                    raise AttributeError(name)
                setattr(self, name, value)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            state = {
                "model": self.model,
                "assigned": self.assigned,
                "partitions": self.partitions,
                "vault": self.vault,
            }
        return {"ready": bool(self.model and self.assigned and self.vault), **state}


#: The process's readiness (one worker role per process, like the metrics).
READINESS = Readiness()


class _Handler(BaseHTTPRequestHandler):
    readiness: Readiness = READINESS

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._reply(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            self._json(200, {"alive": True})
        elif path == "/readyz":
            state = self.readiness.snapshot()
            self._json(200 if state["ready"] else 503, state)
        else:
            self._json(404, {"error": "not found"})

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._reply(status, json.dumps(body).encode(), "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: probes every few seconds would drown the worker's own lines."""


def serve(host: str, port: int, readiness: Readiness = READINESS) -> ThreadingHTTPServer | None:
    """Serve the endpoints on host:port in a daemon thread (port 0: not at all). `OSError` when
    the port cannot be bound."""
    if not port:
        return None
    handler = type("Handler", (_Handler,), {"readiness": readiness})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="veilstream-http", daemon=True).start()
    return server


__all__ = ["READINESS", "Readiness", "serve"]
