"""A tiny HTTP endpoint for processes without a web framework (outbox relays, certificate workers).

``/healthz`` answers 200 while the process's main loop makes progress (a hung loop fails it, so a
supervisor or a Kubernetes liveness probe restarts the process), ``/readyz`` 200 while its
connections are up, and ``/metrics`` the Prometheus registry. It speaks just enough HTTP/1.1 for
probes and scrapers; it is bound to the process's host and never published.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from lms_shared.logging import get_logger

log = get_logger(__name__)

Check = Callable[[], bool]


async def serve_probes(host: str, port: int, *, alive: Check, ready: Check, stop: asyncio.Event) -> None:
    """Serve the three endpoints on ``host:port`` until ``stop`` is set."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            parts = request.decode("latin-1").split()
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else "/"
            # Drain the headers; probes send no body.
            while (line := await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b"\n", b""):
                del line
            if path == "/healthz":
                status, body, ctype = (200, b"ok\n", "text/plain") if alive() else (503, b"stalled\n", "text/plain")
            elif path == "/readyz":
                status, body, ctype = (
                    (200, b"ready\n", "text/plain") if ready() else (503, b"not ready\n", "text/plain")
                )
            elif path == "/metrics":
                status, body, ctype = 200, generate_latest(), CONTENT_TYPE_LATEST
            else:
                status, body, ctype = 404, b"not found\n", "text/plain"
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, host, port)
    log.info("probe.listening", host=host, port=port)
    async with server:
        await stop.wait()
