"""bulkIssueProgress over WebSocket (graphql-transport-ws), authorized like the query."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.support.graphql import GraphQLClient, eventually

from .support import published_course, uid

pytestmark = pytest.mark.integration

PROGRESS = """subscription($j:ID!){ bulkIssueProgress(jobId:$j){ id status total issued skipped failed finishedAt
  failures { recipient reason } } }"""


async def _subscribe(ws_url: str, token: str | None, job_id: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Every message of one subscription, until complete or error."""
    messages: list[dict[str, Any]] = []
    async with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": PROGRESS, "variables": {"j": job_id}}})
        )
        async with asyncio.timeout(timeout):
            while True:
                msg = json.loads(await ws.recv())
                if msg["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                messages.append(msg)
                if msg["type"] in ("complete", "error"):
                    return messages


async def test_an_admin_follows_a_bulk_job_to_its_end(
    gateway_url: str, client_for: Callable[..., GraphQLClient], token_for: Any
) -> None:
    trainer = client_for(uid("trainer"), ["trainer"])
    admin_sub = uid("admin")
    admin = client_for(admin_sub, ["admin"])
    cid, _ = await published_course(trainer)
    recipients = [{"name": f"Katılımcı {i}", "org": "TR", "municipality": "İzmir"} for i in range(40)]

    async def start() -> dict[str, Any]:
        data = await admin.q(
            """mutation($i:BulkIssueInput!){ startBulkIssue(input:$i){ id status total } }""",
            i={"courseId": cid, "recipients": recipients},
        )
        job: dict[str, Any] = data["startBulkIssue"]
        return job

    job = await eventually(start, timeout=30)  # certificates must have consumed course.published
    ws_url = gateway_url.replace("http://", "ws://") + "/graphql"
    messages = await _subscribe(ws_url, token_for(admin_sub, "Admin", ["admin"]), job["id"])
    nexts = [m["payload"]["data"]["bulkIssueProgress"] for m in messages if m["type"] == "next"]
    assert messages[-1]["type"] == "complete"
    assert nexts, messages
    final = nexts[-1]
    assert final["status"] == "COMPLETED" and final["total"] == 40
    assert final["issued"] + final["skipped"] + final["failed"] == 40
    assert final["finishedAt"]
    # Counts only move forward.
    issued = [n["issued"] for n in nexts]
    assert issued == sorted(issued)


async def test_subscriptions_are_authorized_like_queries(gateway_url: str, token_for: Any) -> None:
    ws_url = gateway_url.replace("http://", "ws://") + "/graphql"
    for token, code in ((None, "UNAUTHENTICATED"), (token_for(uid("l"), "L", ["learner"]), "FORBIDDEN")):
        messages = await _subscribe(ws_url, token, "00000000-0000-0000-0000-000000000000", timeout=10)
        errors: list[dict[str, Any]] = []
        for m in messages:
            if m["type"] == "next":
                errors += m["payload"].get("errors") or []
            elif m["type"] == "error":
                errors += m["payload"]  # graphql-transport-ws: an error message carries a list
        assert {e["extensions"]["code"] for e in errors} == {code}, messages
