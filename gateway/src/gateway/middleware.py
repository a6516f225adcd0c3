"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path, and WebSocket-safe).

- :class:`RequestContext`: the request id in and out (``X-Request-ID``), Prometheus counters with the
  same metric names as the services, and one structured log line per request.
- :class:`BodyLimit`: refuses bodies over ``LMS_MAX_REQUEST_BYTES`` with 413 before the app reads them.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lms_shared.logging import get_logger, request_id_var
from lms_shared.web import LATENCY, REQUESTS

log = get_logger(__name__)

_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestContext:
    """Request id, metrics and the access log line."""

    def __init__(self, app: ASGIApp, service: str = "gateway") -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                rid = _header(scope, b"x-request-id") or uuid.uuid4().hex
                token = request_id_var.set(rid[:64])
                try:
                    await self.app(scope, receive, send)
                finally:
                    request_id_var.reset(token)
                return
            await self.app(scope, receive, send)
            return
        rid = (_header(scope, b"x-request-id") or uuid.uuid4().hex)[:64]
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status = 500
        rid_bytes = rid.encode("latin-1", "replace")

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid_bytes)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            path = getattr(route, "path", None) or ("/" if scope.get("app_static") else "unmatched")
            REQUESTS.labels(self.service, scope["method"], path, str(status)).inc()
            LATENCY.labels(self.service, scope["method"], path).observe(elapsed)
            if path not in _QUIET:
                log.info("http.request", method=scope["method"], path=path, status=status, ms=round(elapsed * 1000, 1))
            request_id_var.reset(token)


class BodyLimit:
    """413 for request bodies over the limit, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await _reply(send, 400, "The Content-Length header is not a number.", "BAD_USER_INPUT")
                return
            if too_big:
                await self._refuse(send)
                return
        # Read the (bounded) body up front so a chunked upload cannot slip past the limit.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        await _reply(
            send,
            413,
            f"The request body is larger than {self.max_bytes} bytes; send a smaller query or fewer variables.",
            "BAD_USER_INPUT",
        )


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == name:
            value: str = v.decode("latin-1")
            return value
    return None


async def _reply(send: Send, status: int, message: str, code: str, headers: list[Any] | None = None) -> None:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
