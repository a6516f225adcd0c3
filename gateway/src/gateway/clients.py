"""One pooled HTTP client per service, with timeouts, retries of idempotent reads, and error mapping.

Every call forwards the caller's bearer token (each service authorizes again: defence in depth) and
the request id, so one user action can be followed through the logs of every process it touched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx
import orjson
from prometheus_client import Counter, Histogram

from gateway.config import GatewaySettings
from gateway.errors import unavailable
from gateway.idempotency import upstream_key
from lms_shared.errors import CODE_BY_STATUS, BadInput, DomainError, ErrorCode
from lms_shared.logging import get_logger, request_id_var
from lms_shared.tracing import inject_headers

log = get_logger(__name__)

UPSTREAM_CALLS = Counter(
    "lms_gateway_upstream_requests_total", "Calls from the gateway to a service", ["service", "method", "status"]
)
UPSTREAM_LATENCY = Histogram(
    "lms_gateway_upstream_request_duration_seconds",
    "Latency of the gateway's calls to a service",
    ["service"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

SERVICES = ("courses", "progress", "certificates", "notifications")
# Reads are retried on errors that mean "the request never reached a healthy instance".
_RETRYABLE_STATUS = frozenset({502, 503, 504})


class ServiceClient:
    """A pooled client for one service's REST API."""

    def __init__(self, service: str, base_url: str, settings: GatewaySettings, transport: Any = None) -> None:
        self.service = service
        self.retries = settings.upstream_retries
        self.calls = 0  # read by the N+1 tests through ServiceClients.calls_total()
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(settings.upstream_timeout_seconds, connect=settings.upstream_connect_timeout_seconds),
            limits=httpx.Limits(
                max_connections=settings.upstream_max_connections,
                max_keepalive_connections=settings.upstream_max_connections,
            ),
            transport=transport,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Call the service and return its decoded JSON; raise a DomainError for its error answers."""
        response = await self._send(method, path, token=token, params=params, json=json, extra_headers=extra_headers)
        return self._decode(response, path)

    async def request_bytes(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        accept: str = "application/pdf",
    ) -> bytes:
        """Call the service for a file (a PDF preview): its bytes, or a DomainError for its error answers."""
        response = await self._send(method, path, token=token, params=params, json=json, accept=accept)
        if response.status_code < 400:
            return response.content
        self._decode(response, path)  # raises the service's error
        raise unavailable(self.service)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        params: Mapping[str, str] | None,
        json: Any,
        extra_headers: Mapping[str, str] | None = None,
        accept: str = "application/json",
    ) -> httpx.Response:
        headers: dict[str, str] = {"Accept": accept}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        rid = request_id_var.get()
        if rid:
            headers["X-Request-ID"] = rid
        if extra_headers:
            headers.update(extra_headers)
        if method not in ("GET", "HEAD"):
            forwarded = upstream_key.get()
            if forwarded is not None:
                headers["Idempotency-Key"] = forwarded.next()
        inject_headers(headers)
        content = None
        if json is not None:
            content = orjson.dumps(json)
            headers["Content-Type"] = "application/json"
        idempotent = method in ("GET", "HEAD")
        attempts = 1 + (self.retries if idempotent else 0)
        response: httpx.Response | None = None
        for attempt in range(attempts):
            self.calls += 1
            try:
                with UPSTREAM_LATENCY.labels(self.service).time():
                    response = await self.http.request(method, path, params=params, content=content, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                UPSTREAM_CALLS.labels(self.service, method, "connect_error").inc()
                if attempt + 1 < attempts:
                    await asyncio.sleep(0.05 * (attempt + 1))
                    continue
                log.warning("upstream.unreachable", service=self.service, path=path, error=type(exc).__name__)
                raise unavailable(self.service) from exc
            except httpx.TimeoutException as exc:
                UPSTREAM_CALLS.labels(self.service, method, "timeout").inc()
                log.warning("upstream.timeout", service=self.service, path=path)
                raise unavailable(self.service) from exc
            except httpx.HTTPError as exc:
                UPSTREAM_CALLS.labels(self.service, method, "error").inc()
                log.warning("upstream.failed", service=self.service, path=path, error=type(exc).__name__)
                raise unavailable(self.service) from exc
            UPSTREAM_CALLS.labels(self.service, method, str(response.status_code)).inc()
            if response.status_code in _RETRYABLE_STATUS and attempt + 1 < attempts:
                await asyncio.sleep(0.05 * (attempt + 1))
                continue
            break
        assert response is not None
        return response

    def _decode(self, response: httpx.Response, path: str) -> Any:
        status = response.status_code
        if status < 400:
            if status == 204 or not response.content:
                return None
            try:
                return orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                log.error("upstream.bad_json", service=self.service, path=path, status=status)
                raise unavailable(self.service) from exc
        try:
            body = orjson.loads(response.content)
            err = body["error"]
            code = ErrorCode(err["code"])
            message = str(err["message"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            code = CODE_BY_STATUS.get(status, ErrorCode.UNAVAILABLE)
            message = ""
        if status >= 500 or code is ErrorCode.UNAVAILABLE:
            # A service's own 500 text may describe its internals; the caller gets the capability only.
            log.warning("upstream.server_error", service=self.service, path=path, status=status)
            raise unavailable(self.service)
        if not message:
            message = {
                ErrorCode.UNAUTHENTICATED: "Sign in first.",
                ErrorCode.FORBIDDEN: "You are not allowed to do this.",
                ErrorCode.NOT_FOUND: "Not found.",
                ErrorCode.CONFLICT: "This conflicts with the current state; reload and try again.",
                ErrorCode.RATE_LIMITED: "Too many requests; slow down and try again shortly.",
            }.get(code, "The request is not valid.")
        raise DomainError(message, code=code)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()


class ServiceClients:
    """The service clients of one gateway process."""

    def __init__(self, settings: GatewaySettings, transports: Mapping[str, Any] | None = None) -> None:
        transports = transports or {}
        self.courses = ServiceClient("courses", settings.courses_url, settings, transports.get("courses"))
        self.progress = ServiceClient("progress", settings.progress_url, settings, transports.get("progress"))
        self.certificates = ServiceClient(
            "certificates", settings.certificates_url, settings, transports.get("certificates")
        )
        self.notifications = ServiceClient(
            "notifications", settings.notifications_url, settings, transports.get("notifications")
        )

    def all(self) -> tuple[ServiceClient, ...]:
        """Every service's client, for metrics and shutdown."""
        return (self.courses, self.progress, self.certificates, self.notifications)

    def calls_total(self) -> int:
        """Upstream requests made so far by this process (every attempt counts)."""
        return sum(c.calls for c in self.all())

    async def aclose(self) -> None:
        for c in self.all():
            await c.aclose()


def seg(value: object) -> str:
    """An id as one URL path segment: percent-encoded, so ``../`` in an id cannot reach another route."""
    text = str(value).strip()
    if not text:
        raise BadInput("An id is empty; pass the id you got from the API.")
    if len(text) > 200:
        raise BadInput("An id is longer than 200 characters; pass the id you got from the API.")
    if "/" in text or "\\" in text or text in (".", ".."):
        # The server decodes %2F back into "/" before routing: refused, so an id can never name a route.
        raise BadInput("An id cannot contain '/' or '\\'; pass the id you got from the API.")
    return quote(text, safe="")
