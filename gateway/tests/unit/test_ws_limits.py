"""The WebSocket transport has the gateway's limits (issue 13, finding 5).

A real WebSocket client (``websockets``) against the real gateway app served by uvicorn on a free
port, over the fake services of :mod:`.fakes`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .fakes import Harness, make_harness

PROGRESS = 'subscription { bulkIssueProgress(jobId: "j1") { id status issued } }'
RUNNING = {
    "id": "j1",
    "courseId": "c1",
    "status": "RUNNING",
    "total": 3,
    "issued": 1,
    "skipped": 0,
    "failed": 0,
    "createdAt": "2026-11-27T02:00:00+00:00",
    "finishedAt": None,
    "failures": [],
}


@asynccontextmanager
async def serving(**settings: Any) -> AsyncIterator[tuple[Harness, str]]:
    """The harness's app on a real socket; yields it and its ws:// URL."""
    h = make_harness(**settings)
    h.certificates.get("/v1/bulk-jobs/j1").mock(side_effect=lambda _: httpx.Response(200, json=RUNNING))
    server = uvicorn.Server(uvicorn.Config(h.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield h, f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task
        await h.aclose()


@asynccontextmanager
async def session(url: str, token: str | None) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        yield ws


async def subscribe(ws: ClientConnection, op_id: str, query: str) -> None:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))


async def first_message(ws: ClientConnection, op_id: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            msg = json.loads(await ws.recv())
            if msg.get("id") == op_id:
                return dict(msg)


def error_of(msg: dict[str, Any]) -> tuple[str, str]:
    assert msg["type"] == "error", msg
    [error] = msg["payload"]
    return error["extensions"]["code"], error["message"]


async def closed_with(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(10):
            while True:
                await ws.recv()
    return info.value.rcvd.code if info.value.rcvd else None


@pytest.fixture
def admin(tok: Any) -> Callable[[str], str]:
    return lambda sub="a1": tok(sub, ["admin"])


async def test_queries_and_mutations_are_refused_over_websocket(admin: Callable[..., str]) -> None:
    async with serving() as (h, url), session(url, admin()) as ws:
        await subscribe(ws, "q", '{ verifyCertificate(code: "AB") { valid } }')
        code, message = error_of(await first_message(ws, "q"))
        assert code == "BAD_USER_INPUT" and "Only subscriptions run over WebSocket" in message
        await subscribe(ws, "m", 'mutation { revokeCertificate(code: "AB", reason: "x") { code } }')
        code, message = error_of(await first_message(ws, "m"))
        assert code == "BAD_USER_INPUT" and "send queries and mutations to /graphql over HTTP" in message
        assert h.upstream_requests() == 0
        await subscribe(ws, "s", PROGRESS)  # the connection still serves subscriptions
        assert (await first_message(ws, "s"))["payload"]["data"]["bulkIssueProgress"]["status"] == "RUNNING"


async def test_the_legacy_graphql_ws_protocol_is_not_offered(admin: Callable[..., str]) -> None:
    async with serving() as (h, url), connect(url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol is None
        assert await closed_with(ws) == 4406  # before any message is read
        assert h.upstream_requests() == 0


async def test_a_message_over_the_size_limit_closes_the_connection(admin: Callable[..., str]) -> None:
    async with serving(ws_max_message_bytes=4096) as (_, url), session(url, admin()) as ws:
        padding = " " * 5000
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": PROGRESS + padding}}))
        assert await closed_with(ws) == 1009


async def test_operations_in_flight_per_connection_are_capped(admin: Callable[..., str]) -> None:
    async with serving(ws_max_operations=3) as (_, url), session(url, admin()) as ws:
        for i in range(3):
            await subscribe(ws, f"s{i}", PROGRESS)
            assert (await first_message(ws, f"s{i}"))["type"] == "next"
        await subscribe(ws, "s3", PROGRESS)
        code, message = error_of(await first_message(ws, "s3"))
        assert code == "RATE_LIMITED" and "limit 3" in message
        await ws.send(json.dumps({"id": "s0", "type": "complete"}))
        await subscribe(ws, "s4", PROGRESS)  # a slot is free again
        assert (await first_message(ws, "s4"))["type"] == "next"


async def test_open_connections_per_user_are_capped(admin: Callable[..., str]) -> None:
    async with serving(ws_max_connections_per_user=2) as (_, url):
        async with session(url, admin("a1")), session(url, admin("a1")):
            async with connect(url, subprotocols=["graphql-transport-ws"]) as third:  # type: ignore[list-item]
                payload = {"Authorization": f"Bearer {admin('a1')}"}
                await third.send(json.dumps({"type": "connection_init", "payload": payload}))
                assert await closed_with(third) == 4429
            async with session(url, admin("a2")):  # another user has their own budget
                pass
        async with session(url, admin("a1")):  # closed connections give their slots back
            pass


async def test_each_subscribe_counts_against_the_callers_rate_limit(admin: Callable[..., str]) -> None:
    async with serving(rate_limit_per_minute=2) as (_, url), session(url, admin()) as ws:
        for i in range(2):
            await subscribe(ws, f"s{i}", PROGRESS)
            assert (await first_message(ws, f"s{i}"))["type"] == "next"
        await subscribe(ws, "s2", PROGRESS)
        msg = await first_message(ws, "s2")
        code, message = error_of(msg)
        assert code == "RATE_LIMITED" and "Too many requests" in message
        assert msg["payload"][0]["extensions"]["retryAfter"] >= 1


async def test_document_limits_apply_to_subscriptions(admin: Callable[..., str]) -> None:
    frags = ["fragment F0 on BulkIssueJob { id status }"]
    frags += [f"fragment F{i} on BulkIssueJob {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 25)]
    bomb = 'subscription { bulkIssueProgress(jobId: "j1") { ...F24 } } ' + " ".join(frags)
    async with serving() as (h, url), session(url, admin()) as ws:
        await subscribe(ws, "b", bomb)
        code, message = error_of(await first_message(ws, "b"))
        assert code == "BAD_USER_INPUT" and "through its fragments" in message
        assert h.upstream_requests() == 0
