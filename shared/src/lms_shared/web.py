"""What every FastAPI service shares: error format, request ids, auth dependencies, health, metrics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lms_shared.auth import Principal, TokenVerifier, bearer_from_header
from lms_shared.errors import CODE_BY_STATUS, HTTP_STATUS, DomainError, ErrorCode, Unauthenticated
from lms_shared.idempotency import StoredResponse
from lms_shared.logging import get_logger, request_id_var
from lms_shared.text import RejectControlCharacters

log = get_logger(__name__)

REQUESTS = Counter("lms_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "lms_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

ReadinessCheck = Callable[[], Awaitable[None]]
_NOSNIFF = (b"x-content-type-options", b"nosniff")


def error_response(code: ErrorCode, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"code": str(code), "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=HTTP_STATUS[code])


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is not valid."


def _on_a_broken_connection(exc: BaseException) -> bool:
    """Whether ``exc`` came from a pooled database connection found broken (SQLAlchemy marks it
    ``connection_invalidated`` and replaces the pool's older connections)."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if getattr(e, "connection_invalidated", False):
            return True
        e = e.__cause__ or e.__context__
    return False


class RetryBrokenConnectionReads:
    """Runs a GET or HEAD once more when it failed on a broken database connection before sending
    anything: after a database restart, the first read on each stale pooled connection would
    otherwise answer 500 to whoever asked (an unsubscribe link, a verification page).

    Reads only: a write that failed has rolled back, but whether to send it again is its caller's
    decision, made with an idempotency key. Timeouts are not retried here (a hung database would
    make every read wait twice as long).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        started = False
        received: list[Message] = []

        async def recording(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def first_receive() -> Message:
            message = await receive()
            received.append(message)
            return message

        try:
            await self.app(scope, first_receive, recording)
            return
        except Exception as exc:
            if started or not _on_a_broken_connection(exc):
                raise
            log.warning("http.read_retried", path=scope.get("path"), error=repr(exc))
        replay = list(received)

        async def second_receive() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, second_receive, send)


class RequestContextMiddleware:
    """Request id in and out, one log line per request, and Prometheus counters.

    Plain ASGI rather than Starlette's BaseHTTPMiddleware: that one wraps every response in an extra
    task and stream, which costs more CPU per request than the handlers on the hot paths.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        for key, value in scope.get("headers", ()):
            if key == b"x-request-id":
                rid = value.decode("latin-1")[:64]
                break
        rid = rid or uuid.uuid4().hex
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status = 500
        rid_header = (b"x-request-id", rid.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # nosniff: a PDF, CSV or JSON answer is never run as script or HTML (docs/security.md).
                message["headers"] = [*message.get("headers", ()), rid_header, _NOSNIFF]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            path = getattr(scope.get("route"), "path", "unmatched")
            method = scope.get("method", "")
            REQUESTS.labels(self.service, method, path, str(status)).inc()
            LATENCY.labels(self.service, method, path).observe(elapsed)
            if path not in ("/healthz", "/readyz", "/metrics"):
                log.info("http.request", method=method, path=path, status=status, ms=round(elapsed * 1000, 1))
            request_id_var.reset(token)


def install_common(
    app: FastAPI,
    service: str,
    checks: dict[str, ReadinessCheck] | None = None,
    *,
    own_text_checks: frozenset[str] = frozenset(),
) -> None:
    """Error handlers, middleware, tracing, ``/healthz``, ``/readyz`` and ``/metrics`` on a service app.

    ``own_text_checks``: paths whose request bodies the service checks for control characters
    itself (see :class:`lms_shared.text.RejectControlCharacters`).
    """
    from lms_shared.telemetry import instrument_fastapi, setup_tracing

    if setup_tracing(service):  # off unless OTEL_EXPORTER_OTLP_ENDPOINT is set
        instrument_fastapi(app)
    # Inner first: refused requests still get a request id, a log line and a metric from the outer one.
    app.add_middleware(RetryBrokenConnectionReads)
    app.add_middleware(RejectControlCharacters, own_checks=own_text_checks)
    app.add_middleware(RequestContextMiddleware, service=service)
    checks = checks if checks is not None else {}
    app.state.readiness_checks = checks

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(ErrorCode.BAD_USER_INPUT, _describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODE_BY_STATUS.get(exc.status_code, ErrorCode.BAD_USER_INPUT)
        if exc.status_code == 405:
            return JSONResponse({"error": {"code": str(code), "message": "Method not allowed."}}, status_code=405)
        return error_response(code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("http.unhandled", error=repr(exc))
        return JSONResponse(
            {"error": {"code": "UNAVAILABLE", "message": f"The {service} service failed; try again."}},
            status_code=500,
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        ok = True
        for name, check in app.state.readiness_checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - a readiness probe reports, never raises
                ok = False
                results[name] = f"failed: {type(exc).__name__}"
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": results}, status_code=200 if ok else 503
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)


async def _principal_or_none(request: Request) -> Principal | None:
    token = bearer_from_header(request.headers.get("authorization"))
    if token is None:
        return None
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(token)


async def _principal(principal: Principal | None = Depends(_principal_or_none)) -> Principal:
    if principal is None:
        raise Unauthenticated("Sign in first: this needs an 'Authorization: Bearer <token>' header.")
    return principal


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A retry with the same key returns the first answer and has no second effect (24 h).",
    ),
]
"""The caller's ``Idempotency-Key`` (forwarded by the gateway), for :func:`lms_shared.idempotency.run_idempotent`."""


def stored_response(response: StoredResponse) -> JSONResponse:
    """The HTTP answer of an idempotent route: the first answer, replayed byte for byte in meaning."""
    return JSONResponse(response.body, status_code=response.status_code)


CurrentUser = Annotated[Principal, Depends(_principal)]
"""The verified caller; requests without a valid bearer token get UNAUTHENTICATED."""

OptionalUser = Annotated[Principal | None, Depends(_principal_or_none)]
"""The verified caller, or None for anonymous requests (a present but bad token is still refused)."""
