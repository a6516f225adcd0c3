"""Subscriptions over WebSocket (graphql-transport-ws), and the limits of that transport.

A WebSocket is a second door into the same schema, so it gets the same limits as POST /graphql and a
few of its own. Only subscriptions run over it (queries and mutations get an error message: they
belong on HTTP, with its body limit and caching); every subscribe message counts against the caller's
rate limit; the schema's document limits (fragments, depth, aliases, cost) apply to each operation as
they do over HTTP; messages are capped in size (:class:`WebSocketMessageLimit`), operations in
flight per connection, and open connections per user (per client IP when anonymous), per gateway
instance. The legacy ``graphql-ws`` subprotocol is not offered: the web client speaks
graphql-transport-ws, and one protocol is one set of limits to keep right.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, SubscribeMessage

from gateway.certificates.types import BulkIssueJob
from gateway.clients import seg
from gateway.context import Context, Info, ctx_of
from gateway.errors import RateLimited
from lms_shared.auth import Role
from lms_shared.errors import ErrorCode, NotFound
from lms_shared.logging import get_logger

log = get_logger(__name__)

ONLY_SUBSCRIPTIONS = "Only subscriptions run over WebSocket; send queries and mutations to /graphql over HTTP (POST)."

TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
# The schema promises a push at least every second while the job runs.
PUSH_INTERVAL_SECONDS = 1.0

# Fields of the bulk.progress event that are also BulkIssueJob fields (same names).
_EVENT_FIELDS = ("status", "total", "issued", "skipped", "failed", "refused")


@contextlib.contextmanager
def _no_watch() -> Iterator[asyncio.Queue[dict[str, object]]]:
    yield asyncio.Queue()


async def bulk_issue_progress(info: Info, jobId: strawberry.ID) -> AsyncGenerator[BulkIssueJob, None]:
    """Pushes the job at least every second while it runs, and once when it ends."""
    ctx = ctx_of(info)
    # Admins, and country admins for the jobs they started (the certificates service checks which).
    await ctx.require_role(Role.ADMIN, Role.COUNTRY_ADMIN)
    path = f"/v1/bulk-jobs/{seg(jobId)}"

    async def read() -> dict[str, Any]:
        job: dict[str, Any] | None = await ctx.state.clients.certificates.request("GET", path, token=ctx.token)
        if not job:
            raise NotFound("No bulk issuance job has this id.")
        return job

    hub = ctx.state.hub
    # Watch before the first read, so an event published in between is not lost.
    with hub.watch(str(jobId)) if hub is not None else _no_watch() as events:
        job = await read()
        yield job  # type: ignore[misc]
        while job.get("status") not in TERMINAL:
            try:
                event = await asyncio.wait_for(events.get(), timeout=PUSH_INTERVAL_SECONDS)
            except TimeoutError:
                job = await read()
            else:
                if _done(event) < _done(job) and event.get("status") not in TERMINAL:
                    continue  # an older bulk.progress overtaken by a newer one: counts never go back
                job = {**job, **{k: event[k] for k in _EVENT_FIELDS if k in event}}
                if job.get("status") in TERMINAL:
                    # The final push carries everything: finishedAt and the failures list.
                    job = await read()
            yield job  # type: ignore[misc]


def _done(job: dict[str, Any]) -> int:
    """Rows a job (or a bulk.progress event) has accounted for; it only grows while the job runs."""
    return sum(int(job.get(k) or 0) for k in ("issued", "skipped", "failed", "refused"))


def over_websocket(context: Any) -> bool:
    """Whether the operation came in over a WebSocket (the context's connection is one)."""
    return isinstance(getattr(context, "request", None), WebSocket)


@dataclass
class ConnectionSlots:
    """Open WebSocket connections per caller (``user:<sub>`` or ``ip:<address>``), in this process."""

    limit: int
    open: dict[str, int] = field(default_factory=dict)

    def acquire(self, who: str) -> bool:
        if self.open.get(who, 0) >= self.limit:
            return False
        self.open[who] = self.open.get(who, 0) + 1
        return True

    def release(self, who: str) -> None:
        left = self.open.get(who, 0) - 1
        if left > 0:
            self.open[who] = left
        else:
            self.open.pop(who, None)


@dataclass(frozen=True)
class WebSocketLimits:
    max_operations: int
    slots: ConnectionSlots


class LimitedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with the gateway's limits: connections per user, operations per
    connection, and the caller's rate limit on every subscribe message."""

    _slot: str | None = None

    @property
    def limits(self) -> WebSocketLimits:
        limits: WebSocketLimits = self.view.ws_limits  # type: ignore[attr-defined]
        return limits

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload", {})
        if self._slot is None and not self.connection_init_received and isinstance(payload, dict | type(None)):
            # Who is connecting decides which budget the connection takes: verify the token now.
            self.context.connection_params = payload
            principal = await self.context.authenticate()
            who = f"user:{principal.sub}" if principal is not None else f"ip:{self.context.client_ip}"
            if not self.limits.slots.acquire(who):
                log.info("ws.too_many_connections", who=who.split(":", 1)[0])
                await self.websocket.close(
                    code=4429,
                    reason=f"Too many open connections (limit {self.limits.slots.limit}); close one first.",
                )
                return
            self._slot = who
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged or message.get("id") in self.operations:
            await super().handle_subscribe(message)  # the protocol's own closes (4401, 4409)
            return
        if len(self.operations) >= self.limits.max_operations:
            await self._refuse(
                message,
                f"Too many operations at once on this connection (limit {self.limits.max_operations}); "
                "complete one first.",
                {"code": str(ErrorCode.RATE_LIMITED)},
            )
            return
        ctx = self.context
        s = ctx.state.settings
        try:
            if ctx.principal is not None:
                await ctx.state.limiter.hit("user", ctx.principal.sub, s.rate_limit_per_minute)
            else:
                await ctx.state.limiter.hit("ip", ctx.client_ip, s.rate_limit_anonymous_per_minute)
        except RateLimited as exc:
            await self._refuse(message, exc.message, {"code": str(exc.code), "retryAfter": exc.retry_after})
            return
        await super().handle_subscribe(message)

    async def _refuse(self, message: SubscribeMessage, text: str, extensions: dict[str, Any]) -> None:
        await self.send_message(
            {"id": message["id"], "type": "error", "payload": [{"message": text, "extensions": extensions}]}
        )

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            if self._slot is not None:
                self.limits.slots.release(self._slot)
                self._slot = None


class WebSocketMessageLimit:
    """ASGI middleware closing a WebSocket (1009, message too big) whose client sends a larger message."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        closed = False

        async def limited_receive() -> Message:
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive":
                data = message.get("text")
                size = len(data.encode()) if data is not None else len(message.get("bytes") or b"")
                if size > self.max_bytes:
                    closed = True
                    await send(
                        {
                            "type": "websocket.close",
                            "code": 1009,
                            "reason": f"Message too big: the limit is {self.max_bytes} bytes.",
                        }
                    )
                    return {"type": "websocket.disconnect", "code": 1009}
            return message

        async def guarded_send(message: Message) -> None:
            if not closed:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)
