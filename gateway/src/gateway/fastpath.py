"""Cached dashboard answers without the GraphQL machinery: the ASGI fast path in front of the router.

A learner's dashboard query is answered from :class:`gateway.responses.ViewerResponses` most of the
time, yet the full path (FastAPI routing, Strawberry's HTTP view, the schema extensions, parse and
validation lookups, encoding ``data`` again) costs several times what the answer itself does. This
middleware sits inside the gateway's own middleware (security headers, request id, metrics, body
limit: all still applied) and, for ``POST /graphql`` with a JSON body and ``GET /graphql``:

1. verifies the bearer token with the same verifier as :class:`gateway.context.Context` (an anonymous
   caller, a bad token or anything unusual in the request goes down the full path, which reports it).
   A token whose signature verified is remembered for at most ``VERIFIED_SECONDS`` and never past
   its own expiry (with the verifier's leeway): :class:`VerifiedTokens`;
2. looks up the viewer's answer by the same fingerprint :class:`gateway.responses.ViewerResponseCaching`
   stores it under. An entry exists only after the same query text, variables and operation name,
   from a token with the same claims, validated and ran successfully for this viewer, so a changed or
   invalid document can never be answered here: its fingerprint differs and it takes the full path;
3. on a hit counts the request against the viewer's rate limit (429 as the app says it) and sends
   the stored body with its ETag. ``GET`` with a matching ``If-None-Match`` gets 304 (RFC 9110 allows
   304 for GET and HEAD only; a POST's ``If-None-Match`` is ignored);
4. on a miss replays the body to the full path, and when that path has just stored this answer, adds
   the answer's ETag to the response (the body is compared byte for byte first). While one request
   executes a viewer's query, the same viewer's same query waits for it and is answered from what
   it cached (single flight: an expired entry costs one execution, not one per waiting client); if
   nothing was cached (an error, a waiting-list place, an invalidation meanwhile), it executes too.

The ETag digests the viewer's id, the request fingerprint and the body: an ETag of another user's
answer, or of an older answer, never matches.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import GRAPHQL_RESPONSE, RateLimited
from gateway.metrics import DURATION, OPERATIONS
from gateway.responses import Answer, fingerprint
from lms_shared.auth import Principal, bearer_from_header
from lms_shared.errors import DomainError

_JSON = b"application/json"
_GQL_RESPONSE = GRAPHQL_RESPONSE.encode()
_QUERY_OPS = OPERATIONS.labels("query")
_QUERY_DURATION = DURATION.labels("query")
_ALLOWED_KEYS = frozenset({"query", "variables", "operationName"})
PRINCIPAL_KEY = "gateway.principal"
"""Scope key: (the Authorization header, the Principal this middleware verified from it)."""


VERIFIED_SECONDS = 30.0
# How long a repeat waits for the same query already executing before it executes too.
FOLLOW_SECONDS = 10.0
LEEWAY_SECONDS = 30  # lms_shared.auth.TokenVerifier's leeway on exp


class VerifiedTokens:
    """Principals of tokens whose signature verified, keyed by the exact token: bounded, short-lived.

    An entry is used until ``VERIFIED_SECONDS`` after it was verified, and never once the token
    itself has expired (``exp`` plus the verifier's leeway), so an expired token is refused as before.
    A signing key withdrawn from the JWKS stops its tokens here within ``VERIFIED_SECONDS``.
    """

    def __init__(
        self,
        verifier: Any,
        maxsize: int = 4096,
        seconds: float = VERIFIED_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = verifier
        self.maxsize = maxsize
        self.seconds = seconds
        self.clock = clock
        self._items: dict[str, tuple[float, Principal]] = {}

    async def principal(self, token: str) -> Principal:
        """The token's principal; raises what the verifier raises for a token it refuses."""
        now = self.clock()
        item = self._items.get(token)
        if item is not None:
            if now < item[0]:
                return item[1]
            del self._items[token]
        principal: Principal = await self.verifier.verify(token)
        exp = _expiry(token)
        if exp is not None:
            if len(self._items) >= self.maxsize:
                self._items.pop(next(iter(self._items)))  # the oldest entry
            self._items[token] = (min(now + self.seconds, exp + LEEWAY_SECONDS), principal)
        return principal


def _expiry(token: str) -> float | None:
    """The ``exp`` of a token that has just verified (its payload, read without checking again)."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims.get("exp") if isinstance(claims, dict) else None
    except (IndexError, ValueError, orjson.JSONDecodeError):
        return None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class _GraphQLRoute:
    """What :class:`gateway.middleware.RequestContext` reads for its metrics and log line."""

    path = "/graphql"


_ROUTE = _GraphQLRoute()


def _headers(scope: Scope) -> dict[bytes, bytes]:
    out: dict[bytes, bytes] = {}
    for k, v in scope.get("headers", ()):
        out.setdefault(k, v)  # the first value of a repeated header, like RequestContext's _header
    return out


def _request_of(method: str, scope: Scope, body: bytes) -> tuple[str, Any, str | None] | None:
    """(query, variables, operationName) of a plain GraphQL request, or None for anything else."""
    if method == "POST":
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if type(parsed) is not dict or not _ALLOWED_KEYS.issuperset(parsed):
            return None
        query, variables, op = parsed.get("query"), parsed.get("variables"), parsed.get("operationName")
    else:
        try:
            params = parse_qs(scope.get("query_string", b"").decode("latin-1"), strict_parsing=False)
        except ValueError:
            return None
        if not _ALLOWED_KEYS.issuperset(params) or any(len(v) != 1 for v in params.values()):
            return None
        query = params.get("query", [None])[0]
        op = params.get("operationName", [None])[0]
        raw = params.get("variables", [None])[0]
        try:
            variables = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            return None
    if type(query) is not str or not query:
        return None
    if variables is not None and type(variables) is not dict:
        return None
    if op is not None and type(op) is not str:
        return None
    return query, variables, op


def _matches(if_none_match: bytes | None, etag: bytes) -> bool:
    if not if_none_match:
        return False
    for tag in if_none_match.split(b","):
        tag = tag.strip()
        if tag.startswith(b"W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def _media(accept: bytes | None) -> bytes:
    if accept and _GQL_RESPONSE in accept:
        return _GQL_RESPONSE + b"; charset=utf-8"
    return _JSON


class CachedAnswers:
    """Serves a viewer's cached answers (and 304s) before FastAPI and Strawberry see the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._tokens: VerifiedTokens | None = None
        # (viewer, fingerprint) → set when the request executing it has finished.
        self._inflight: dict[tuple[str, str], asyncio.Event] = {}

    def _verified(self, state: Any) -> VerifiedTokens:
        tokens = self._tokens
        if tokens is None or tokens.verifier is not state.verifier:
            tokens = self._tokens = VerifiedTokens(state.verifier)
        return tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != "/graphql" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        state: Any = getattr(getattr(scope.get("app"), "state", None), "gateway", None)
        responses = getattr(state, "responses", None)
        if responses is None or not responses.enabled:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        method = scope["method"]
        authorization = headers.get(b"authorization")
        if method == "POST" and not (headers.get(b"content-type") or b"").startswith(_JSON):
            await self.app(scope, receive, send)
            return
        if authorization is None or b"idempotency-key" in headers:
            await self.app(scope, receive, send)
            return
        body = b""
        if method == "POST":
            chunks: list[bytes] = []
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            body = b"".join(chunks)
        replay = _replayer(body, receive)
        request = _request_of(method, scope, body)
        if request is None:
            await self.app(scope, replay, send)
            return
        try:
            token = bearer_from_header(authorization.decode("latin-1"))
            principal = await self._verified(state).principal(token) if token else None
        except DomainError:
            principal = None  # the full path says why the token was refused
        if principal is None:
            await self.app(scope, replay, send)
            return
        start = time.perf_counter()
        key = fingerprint(request[0], request[1], request[2], principal)
        answer = responses.answer(principal.sub, key)
        if answer is None:
            flight = (principal.sub, key)
            leader = self._inflight.get(flight)
            if leader is not None:
                # The same viewer's same query is already executing (a reload, 50 tabs, an expired
                # entry under load): wait for it, then answer from the cache if it kept the answer.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(leader.wait()), FOLLOW_SECONDS)
                answer = responses.peek(principal.sub, key)
            if answer is None:
                scope[PRINCIPAL_KEY] = (authorization, principal)  # verified once: Context takes it from here
                done = None
                if leader is None:
                    done = self._inflight[flight] = asyncio.Event()
                try:
                    await self.app(scope, replay, _with_etag(send, responses, principal.sub, key))
                finally:
                    if done is not None:
                        del self._inflight[flight]
                        done.set()
                return
        scope["route"] = _ROUTE
        try:
            await state.limiter.hit("user", principal.sub, state.settings.rate_limit_per_minute)
        except RateLimited as exc:
            await _send(
                send,
                429,
                orjson.dumps(
                    {
                        "errors": [
                            {
                                "message": exc.message,
                                "extensions": {"code": "RATE_LIMITED", "retryAfter": exc.retry_after},
                            }
                        ]
                    }
                ),
                _JSON,
                [(b"retry-after", str(exc.retry_after).encode())],
            )
            return
        _QUERY_OPS.inc()
        if method == "GET" and _matches(headers.get(b"if-none-match"), answer.etag):
            await _send(send, 304, b"", None, _validators(answer))
        else:
            await _send(send, 200, answer.body, _media(headers.get(b"accept")), _validators(answer))
        _QUERY_DURATION.observe(time.perf_counter() - start)


def _validators(answer: Answer) -> list[tuple[bytes, bytes]]:
    return [(b"etag", answer.etag), (b"cache-control", b"private, no-cache"), (b"vary", b"Authorization")]


def _replayer(body: bytes, receive: Receive) -> Receive:
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_etag(send: Send, responses: Any, viewer: str, key: str) -> Send:
    """Holds a 200's start until its body is complete; adds the ETag when it is the answer just cached."""
    held: Message | None = None
    parts: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start" and message.get("status") == 200 and _is_json(message):
            held = message  # a JSON answer (a stream, e.g. multipart, is never held)
            return
        if held is None or message["type"] != "http.response.body":
            await send(message)
            return
        parts.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(parts)
        answer = responses.peek(viewer, key)
        if answer is not None and answer.body == body:
            held["headers"] = [*held.get("headers", []), *_validators(answer)]
        start, held = held, None
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return wrapped


def _is_json(start: Message) -> bool:
    for k, v in start.get("headers", ()):
        if k.lower() == b"content-type":
            return bool(v.startswith(_JSON) or v.startswith(_GQL_RESPONSE))
    return False


async def _send(send: Send, status: int, body: bytes, media: bytes | None, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [(b"content-length", str(len(body)).encode()), *extra] if status != 304 else extra
    if media is not None:
        headers.insert(0, (b"content-type", media))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
