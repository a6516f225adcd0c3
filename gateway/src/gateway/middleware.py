"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path, and WebSocket-safe).

- :class:`RequestContext`: the request id in and out (``X-Request-ID``), Prometheus counters with the
  same metric names as the services, and one structured log line per request.
- :class:`BodyLimit`: refuses bodies over ``LMS_MAX_REQUEST_BYTES`` with 413 before the app reads them.
- :class:`SecurityHeaders`: the Content-Security-Policy and the usual hardening headers on every HTTP
  response (web client, GraphQL, issuer documents, errors); see :func:`security_headers` and
  docs/security.md.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lms_shared.logging import get_logger, request_id_var
from lms_shared.settings import Settings
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


def _origin(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def object_store_origin(settings: Settings) -> str:
    """Where browsers fetch presigned URLs: videos, material uploads (PUT) and downloads."""
    host = settings.s3_public_endpoint or settings.s3_endpoint
    return f"{'https' if settings.s3_secure else 'http'}://{host}"


def content_security_policy(settings: Settings) -> str:
    """The web client's policy: its own bundled code only, no inline script or style, no plugins,
    never framed; images, media and connections to our origin, the object store's presigned URLs
    and (in OIDC mode) the identity provider the client talks to."""
    storage = object_store_origin(settings)
    public = _origin(settings.public_url)
    connect = ["'self'"]
    if public:
        # 'self' covers same-origin WebSockets in current browsers; say it explicitly for the others.
        connect.append(public.replace("https://", "wss://", 1).replace("http://", "ws://", 1))
    connect.append(storage)
    issuer = _origin(os.environ.get("LMS_OIDC_ISSUER", ""))
    if issuer:
        connect.append(issuer)  # discovery document, token endpoint, JWKS
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: {storage}",
        f"media-src 'self' {storage}",
        "font-src 'self'",
        f"connect-src {' '.join(dict.fromkeys(connect))}",
        # PDFs shown inline: a sample certificate the page made (blob:), a document lesson's presigned link.
        f"frame-src 'self' blob: {storage}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if settings.public_url.startswith("https://"):
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


# GraphiQL (development only: LMS_GRAPHQL_IDE) is a page of inline script loading React from unpkg.
GRAPHIQL_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://unpkg.com; img-src 'self' data: https://unpkg.com; "
    "font-src 'self' data: https://unpkg.com; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """Headers every gateway response carries (a route's own value of one of them wins)."""
    headers = [
        (b"content-security-policy", content_security_policy(settings).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ]
    if settings.env == "production" and settings.public_url.startswith("https://"):
        # Only over https: HSTS on a plain-http origin is ignored, and on localhost it would pin a
        # developer's browser to https for every local project.
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


class SecurityHeaders:
    """Adds :func:`security_headers` to every HTTP response (WebSocket upgrades carry none)."""

    def __init__(self, app: ASGIApp, settings: Settings, graphiql: bool = False) -> None:
        self.app = app
        self.headers = security_headers(settings)
        self.graphiql = graphiql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                ide_page = (
                    self.graphiql
                    and scope.get("path") == "/graphql"
                    and any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
                )
                for name, value in self.headers:
                    if name in present:
                        continue
                    if ide_page and name == b"content-security-policy":
                        value = GRAPHIQL_POLICY.encode()
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
