"""The gateway's ASGI app: GraphQL at /graphql (HTTP and WebSocket), health, metrics, public issuer
documents, and the web client's static files."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from cross_web import HTTPException as StrawberryHTTPException
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import Redis
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from gateway import devauth
from gateway.cache import CatalogueCache, PublishedVersions
from gateway.clients import ServiceClients, seg
from gateway.config import GatewaySettings, get_gateway_settings
from gateway.context import Context, client_ip
from gateway.courses.calendar_route import install_calendar
from gateway.errors import GRAPHQL_METHODS, RateLimited, protocol_error
from gateway.events import EventHub
from gateway.fastpath import CachedAnswers
from gateway.internal_metrics import metrics_on_public_port, start_metrics_server
from gateway.middleware import BodyLimit, RequestContext, SecurityHeaders
from gateway.notifications.routes import install_notification_routes
from gateway.ratelimit import RateLimiter
from gateway.responses import ViewerResponses
from gateway.schema import build_schema
from gateway.state import GatewayState
from gateway.subscriptions import ConnectionSlots, LimitedTransportWS, WebSocketLimits, WebSocketMessageLimit
from gateway.webstatic import static_file
from lms_shared.auth import TokenVerifier
from lms_shared.errors import DomainError
from lms_shared.logging import get_logger
from lms_shared.text import has_control_character

log = get_logger(__name__)

WEB_DIST = Path(__file__).parent / "web" / "dist"
# Paths the web client's fallback must never answer, so a typo there is a 404, not the SPA.
RESERVED_PREFIXES = (
    "graphql",
    "healthz",
    "readyz",
    "metrics",
    ".well-known",
    "status-lists",
    "credentials",
    "contexts",
    "auth",
    "exports",
    "calendar",
    "unsubscribe",
    "dev",
)
# A CSV link of Report.csvUrl: secrets.token_urlsafe(32) as the progress service made it.
EXPORT_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


GRAPHQL_RESPONSE = "application/graphql-response+json"
MUTATION_OVER_GET = "Mutations are only accepted over POST."
# process_result sees the request, create_response builds the response: these keys carry the
# status and media type between the two and are removed before the body is encoded.
_STATUS_KEY = "\x00status"
_MEDIA_KEY = "\x00media"


class GatewayRouter(GraphQLRouter[Context, None]):
    """GraphQL over HTTP as the spec wants it (and over WebSocket with :mod:`gateway.subscriptions`' limits).

    A mutation over GET is 405, not 400. A client that accepts ``application/graphql-response+json``
    gets that media type, and a request that could not run at all (parse, validation or variable
    errors) is a 400 without ``data``; ``application/json`` clients keep the legacy 200.
    """

    graphql_transport_ws_handler_class = LimitedTransportWS
    ws_limits: WebSocketLimits

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        # Strawberry answers protocol errors as text/plain; ours are GraphQL responses with a code.
        try:
            return await super().run(request, context, root_value)
        except StrawberryHTTPException as exc:
            allow = {"Allow": "POST" if exc.reason == MUTATION_OVER_GET else GRAPHQL_METHODS}
            accept = request.headers.get("accept", "")
            return protocol_error(exc.status_code, exc.reason, accept, allow if exc.status_code == 405 else None)

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list):  # `null`, `"x"`, `1`: .get() on them would be a 500
            raise StrawberryHTTPException(
                400, 'The request body must be a JSON object such as {"query": "{ viewer { id } }"}.'
            )
        return parsed

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        request_adapter = kwargs.get("request_adapter")
        try:
            return await super().execute_single(*args, **kwargs)
        except StrawberryHTTPException as exc:
            if exc.status_code == 400 and getattr(request_adapter, "method", "") == "GET" and "GET" in exc.reason:
                raise StrawberryHTTPException(405, MUTATION_OVER_GET) from exc
            raise

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [e.formatted for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        if GRAPHQL_RESPONSE in request.headers.get("accept", ""):
            response[_MEDIA_KEY] = GRAPHQL_RESPONSE
            if result.data is None and result.errors and not any(e.path for e in result.errors):
                del response["data"]
                response[_STATUS_KEY] = 400
        return response  # type: ignore[return-value]

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        media = None
        if isinstance(response_data, dict):
            status = response_data.pop(_STATUS_KEY, None)
            media = response_data.pop(_MEDIA_KEY, None)
            if status:
                sub_response.status_code = status
        response = super().create_response(response_data, sub_response)
        if media:
            response.headers["content-type"] = f"{media}; charset=utf-8"
        return response

    def encode_json(self, data: object) -> str:
        # A str, not bytes: the WebSocket transport sends bytes as binary frames, which browsers'
        # graphql-ws clients do not read.
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


async def get_context(conn: HTTPConnection) -> Context:
    """The per-request context; counts the request against the caller's rate limit."""
    state: GatewayState = conn.app.state.gateway
    ctx = await Context.from_connection(state, conn)  # type: ignore[arg-type]
    if conn.scope["type"] == "http":
        s = state.settings
        if ctx.principal is not None:
            await state.limiter.hit("user", ctx.principal.sub, s.rate_limit_per_minute)
        else:
            await state.limiter.hit("ip", ctx.client_ip, s.rate_limit_anonymous_per_minute)
    return ctx


def create_app(
    settings: GatewaySettings | None = None, state: GatewayState | None = None, web_dist: Path = WEB_DIST
) -> FastAPI:
    """The gateway app. Tests pass ``state`` to run it over fakes; production builds it in the lifespan."""
    settings = settings or get_gateway_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state is not None:
            app.state.gateway = state
            yield
            return
        redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        catalogue = CatalogueCache(redis, settings.catalogue_cache_seconds)
        gw = GatewayState(
            settings=settings,
            verifier=TokenVerifier(settings),
            clients=ServiceClients(settings),
            redis=redis,
            catalogue=catalogue,
            versions=PublishedVersions(ttl_seconds=settings.published_version_cache_seconds),
            limiter=RateLimiter(redis),
            responses=ViewerResponses(settings.response_cache_seconds),
        )

        # Its reconnect and slow-consumer callbacks re-sync the caches (events missed meanwhile are lost).
        gw.hub = await EventHub.connect(settings.nats_url, catalogue, gw.responses, gw.versions, **settings.nats_auth())
        app.state.gateway = gw
        stop_metrics = start_metrics_server(settings)
        # Everything built so far (schema, settings, pools) lives as long as the process: out of the
        # collector's way, so a full collection walks only what requests allocate.
        gc.freeze()
        log.info("gateway.started", introspection=settings.introspection_enabled)
        try:
            yield
        finally:
            if stop_metrics is not None:
                stop_metrics()
            with contextlib.suppress(Exception):
                await gw.hub.nc.drain()
            await gw.clients.aclose()
            await redis.aclose()

    app = FastAPI(title="Kentbilim gateway", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    if state is not None:
        # In-process tests drive the app without a lifespan (httpx's ASGITransport does not send one).
        app.state.gateway = state
    schema = build_schema(settings)
    router = GatewayRouter(
        schema,
        path="/graphql",
        context_getter=get_context,
        graphql_ide="graphiql" if settings.ide_enabled else None,
        multipart_uploads_enabled=False,
        # gateway.subscriptions: graphql-transport-ws only, with the gateway's limits.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=10),
        max_subscriptions_per_connection=None,
    )
    router.ws_limits = WebSocketLimits(
        settings.ws_max_operations, ConnectionSlots(settings.ws_max_connections_per_user)
    )
    app.include_router(router)
    # Sign-in support for the web client (owned by the web client's authors): /auth/config always,
    # /auth/dev-token outside production only.
    app.include_router(devauth.router)

    @app.exception_handler(RateLimited)
    async def _rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        return JSONResponse(
            {
                "errors": [
                    {"message": exc.message, "extensions": {"code": "RATE_LIMITED", "retryAfter": exc.retry_after}}
                ]
            },
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own refusals (a PUT on /graphql …) with a code, like every other error.
        if request.url.path == "/graphql":
            allow = {"Allow": GRAPHQL_METHODS} if exc.status_code == 405 else None
            return protocol_error(exc.status_code, str(exc.detail), request.headers.get("accept", ""), allow)
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "GET")  # the methods of the route the path matched
            return JSONResponse(
                {"error": {"code": "BAD_USER_INPUT", "message": f"This address answers only {allowed}."}},
                status_code=405,
                headers={"Allow": allowed},
            )
        return await http_exception_handler(request, exc)  # /auth/* keep FastAPI's {"detail": …}

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"errors": [{"message": exc.message, "extensions": {"code": str(exc.code)}}]})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        gw: GatewayState = request.app.state.gateway
        checks: dict[str, str] = {}
        try:
            await gw.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001 - a readiness probe reports, never raises
            checks["redis"] = f"failed: {type(exc).__name__}"
        if gw.hub is not None:
            checks["nats"] = "ok" if gw.hub.nc.is_connected else "failed: disconnected"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        if not metrics_on_public_port(settings):
            # Production (or LMS_METRICS_PORT set): metrics are on the internal port only.
            return JSONResponse({"error": {"code": "NOT_FOUND", "message": "Not found."}}, status_code=404)
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    async def _issuer_document(request: Request, path: str) -> Response:
        gw: GatewayState = request.app.state.gateway
        try:
            # The Accept header picks the form (e.g. a status list as VC-JWT or as JSON-LD with an
            # embedded proof); nothing else of the caller's request is passed on.
            accept = request.headers.get("accept")
            upstream = await gw.clients.certificates.http.get(path, headers={"Accept": accept} if accept else None)
        except Exception:  # noqa: BLE001 - any transport failure means "try later" to the caller
            return JSONResponse(
                {"error": {"code": "UNAVAILABLE", "message": "The issuer's documents are unavailable; try again."}},
                status_code=503,
            )
        headers = {
            "Cache-Control": upstream.headers.get("cache-control", "public, max-age=300"),
            # Public documents that browser-based DID resolvers and verifiers fetch from another origin:
            # readable by any page, with no credentials (cookies are never sent with a wildcard origin).
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET",
            "Vary": "Origin",
        }
        return Response(
            upstream.content,
            status_code=upstream.status_code,
            media_type=upstream.headers.get("content-type", "application/json"),
            headers=headers,
        )

    @app.get("/.well-known/did.json", include_in_schema=False)
    async def did_document(request: Request) -> Response:
        """The issuer's DID document, at the stable public URL (proxied from certificates)."""
        return await _issuer_document(request, "/.well-known/did.json")

    @app.get("/.well-known/jwks.json", include_in_schema=False)
    async def issuer_jwks(request: Request) -> Response:
        """The issuer's public keys, at the stable public URL (proxied from certificates)."""
        return await _issuer_document(request, "/.well-known/jwks.json")

    @app.get("/status-lists/{n}", include_in_schema=False)
    async def status_list(request: Request, n: str) -> Response:
        """A revocation status list credential (proxied from certificates)."""
        return await _issuer_document(request, f"/v1/status-lists/{seg(n)}")

    @app.get("/contexts/{name}", include_in_schema=False)
    async def jsonld_context(request: Request, name: str) -> Response:
        """A JSON-LD context our credentials use, from the issuer's vendored copy (proxied from certificates)."""
        return await _issuer_document(request, f"/v1/contexts/{seg(name)}")

    @app.get("/credentials/{code}", include_in_schema=False)
    async def public_credential(request: Request, code: str) -> Response:
        """A certificate's credential with its Data Integrity proof, for wallets (the QR code on the
        learner's page) and verifiers; public like the verification page (proxied from certificates).
        Budgeted per client IP like `verifyCertificate`, since both answer to a guessed code."""
        gw: GatewayState = request.app.state.gateway
        who = client_ip(request, settings.trust_forwarded_for)
        await gw.limiter.hit("verify", who, settings.verify_rate_limit_per_minute)
        return await _issuer_document(request, f"/v1/credentials/{seg(code)}")

    @app.get("/exports/{token}.csv", include_in_schema=False)
    async def report_export(request: Request, token: str) -> Response:
        """A national report as CSV (Report.csvUrl): the link is the permission, checked by progress,
        valid for minutes. Budgeted per client IP like the other public routes that answer to a secret."""
        gw: GatewayState = request.app.state.gateway
        if not EXPORT_TOKEN.fullmatch(token):
            return JSONResponse(
                {"error": {"code": "NOT_FOUND", "message": "This report link is not valid; export the report again."}},
                status_code=404,
            )
        who = client_ip(request, settings.trust_forwarded_for)
        await gw.limiter.hit("verify", who, settings.verify_rate_limit_per_minute)
        try:
            upstream = await gw.clients.progress.http.get(f"/v1/reports/national/exports/{token}.csv")
        except Exception:  # noqa: BLE001 - any transport failure means "try later" to the caller
            return JSONResponse(
                {"error": {"code": "UNAVAILABLE", "message": "Reports are unavailable right now; try again."}},
                status_code=503,
            )
        headers = {"Cache-Control": "no-store"}
        if "content-disposition" in upstream.headers:
            headers["Content-Disposition"] = upstream.headers["content-disposition"]
        return Response(
            upstream.content,
            status_code=upstream.status_code if upstream.status_code < 500 else 503,
            media_type=upstream.headers.get("content-type", "application/json"),
            headers=headers,
        )

    install_calendar(app)  # GET /calendar/{courseId}.ics (Course.calendarUrl)
    install_notification_routes(app, settings)  # /unsubscribe/{token}; /dev/mailbox in development
    _install_web_client(app, web_dist)

    # Innermost of the gateway's middleware: a viewer's cached answers skip routing and GraphQL, but
    # not the body limit, request id, metrics, security headers or CORS (gateway/fastpath.py).
    app.add_middleware(CachedAnswers)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(WebSocketMessageLimit, max_bytes=settings.ws_max_message_bytes)
    app.add_middleware(RequestContext)
    # Outermost: refusals of the inner middleware (413, 429) carry the headers too.
    app.add_middleware(SecurityHeaders, settings=settings, graphiql=settings.ide_enabled)
    return app


def _install_web_client(app: FastAPI, dist: Path) -> None:
    """Serve the built web client at /, with index.html for client-side routes (/verify/…, /courses/…)."""

    @app.get("/{path:path}", include_in_schema=False)
    def web_client(request: Request, path: str) -> Response:  # sync: FastAPI runs it in a thread (file system calls)
        if not _readable_path(request):
            # /verify/%00 or /verify/%ff: no file or route has such a name, and the file system refuses NUL.
            return JSONResponse(
                {"error": {"code": "BAD_USER_INPUT", "message": "The address contains invalid characters."}},
                status_code=400,
            )
        if not dist.is_dir():
            return JSONResponse({"error": {"code": "NOT_FOUND", "message": "Not found."}}, status_code=404)
        first = path.split("/", 1)[0]
        if first in RESERVED_PREFIXES:
            return JSONResponse({"error": {"code": "NOT_FOUND", "message": "Not found."}}, status_code=404)
        root = dist.resolve()
        if path:
            candidate = (root / path).resolve()
            # resolve() + is_relative_to refuses ../ and symlinks that leave the folder.
            if candidate.is_relative_to(root) and candidate.is_file():
                return static_file(request, candidate, root)
            if "." in path.rsplit("/", 1)[-1]:
                # A missing asset (main.js, logo.png) is a 404; only routes fall back to the SPA.
                return JSONResponse({"error": {"code": "NOT_FOUND", "message": "Not found."}}, status_code=404)
        index = root / "index.html"
        if not index.is_file():
            return JSONResponse({"error": {"code": "NOT_FOUND", "message": "Not found."}}, status_code=404)
        return static_file(request, index, root)  # no-cache, precompressed (gateway/webstatic.py)


def _readable_path(request: Request) -> bool:
    """Whether the raw path decodes as UTF-8 text without control characters."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    try:
        text = unquote_to_bytes(raw.split(b"?", 1)[0]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not has_control_character(text)


app = create_app()
