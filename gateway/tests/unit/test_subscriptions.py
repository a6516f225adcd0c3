"""bulkIssueProgress over graphql-transport-ws, against a scripted certificates service."""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.testclient import TestClient

from .fakes import Harness

QUERY = 'subscription { bulkIssueProgress(jobId: "j1") { id status issued total finishedAt } }'


def _job(status: str, issued: int) -> dict[str, Any]:
    return {
        "id": "j1",
        "courseId": "c1",
        "status": status,
        "total": 3,
        "issued": issued,
        "skipped": 0,
        "failed": 0,
        "createdAt": "2026-11-27T02:00:00+00:00",
        "finishedAt": "2026-11-27T02:00:03+00:00" if status == "COMPLETED" else None,
        "failures": [],
    }


def _run(gw: Harness, token: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with TestClient(gw.app) as tc, tc.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_text(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}})
        )
        assert json.loads(ws.receive_text()) == {"type": "connection_ack"}  # text frames, as browsers expect
        ws.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": QUERY}}))
        while True:
            msg = json.loads(ws.receive_text())
            out.append(msg)
            if msg["type"] in ("complete", "error"):
                return out


def test_the_job_is_pushed_every_second_until_it_ends(gw: Harness, tok: Any) -> None:
    answers = [_job("RUNNING", 1), _job("RUNNING", 2), _job("COMPLETED", 3)]
    gw.certificates.get("/v1/bulk-jobs/j1").mock(
        side_effect=lambda r: httpx.Response(200, json=answers.pop(0) if len(answers) > 1 else answers[0])
    )
    messages = _run(gw, tok("a1", ["admin"]))
    pushed = [m["payload"]["data"]["bulkIssueProgress"] for m in messages if m["type"] == "next"]
    assert [(p["status"], p["issued"]) for p in pushed] == [("RUNNING", 1), ("RUNNING", 2), ("COMPLETED", 3)]
    assert pushed[-1]["finishedAt"] and messages[-1]["type"] == "complete"
    assert all(c.request.headers["authorization"].startswith("Bearer ") for c in gw.certificates.calls)


def test_only_admins_may_subscribe(gw: Harness, tok: Any) -> None:
    for token, code in (
        (None, "UNAUTHENTICATED"),
        (tok("l1", ["learner"]), "FORBIDDEN"),
        ("not-a-token", "UNAUTHENTICATED"),
    ):
        messages = _run(gw, token)
        assert messages[-1]["type"] == "error"
        assert [e["extensions"]["code"] for e in messages[-1]["payload"]] == [code]
    assert not gw.certificates.calls


def test_an_unknown_job_ends_the_subscription_with_not_found(gw: Harness, tok: Any) -> None:
    gw.certificates.get("/v1/bulk-jobs/j1").respond(
        404, json={"error": {"code": "NOT_FOUND", "message": "No bulk issuance job has this id."}}
    )
    messages = _run(gw, tok("a1", ["admin"]))
    codes = [
        e["extensions"]["code"]
        for m in messages
        for e in (m["payload"] if m["type"] == "error" else (m.get("payload") or {}).get("errors", []))
    ]
    assert codes == ["NOT_FOUND"]


async def test_an_older_progress_event_overtaken_by_a_newer_one_never_moves_the_counts_back(
    monkeypatch: Any,
) -> None:
    """Events may arrive in any order (docs/events.md): a late, older bulk.progress is not pushed."""
    import asyncio
    import contextlib
    from types import SimpleNamespace

    from gateway import subscriptions

    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @contextlib.contextmanager
    def watch(job_id: str) -> Any:
        yield queue

    reads = [_job("RUNNING", 0), _job("COMPLETED", 3)]

    async def request(method: str, path: str, token: str | None = None) -> dict[str, Any]:
        return reads.pop(0)

    async def require_role(*roles: Any) -> None:
        return None

    ctx = SimpleNamespace(
        require_role=require_role,
        token="t",
        state=SimpleNamespace(
            hub=SimpleNamespace(watch=watch), clients=SimpleNamespace(certificates=SimpleNamespace(request=request))
        ),
    )
    monkeypatch.setattr(subscriptions, "ctx_of", lambda info: ctx)
    for event in (
        {"status": "RUNNING", "total": 3, "issued": 2, "skipped": 0, "failed": 0},
        {"status": "RUNNING", "total": 3, "issued": 1, "skipped": 0, "failed": 0},  # older, late
        {"status": "COMPLETED", "total": 3, "issued": 3, "skipped": 0, "failed": 0},
    ):
        queue.put_nowait(event)
    pushed = [(j["status"], j["issued"]) async for j in subscriptions.bulk_issue_progress(None, "j1")]  # type: ignore[arg-type]
    assert pushed == [("RUNNING", 0), ("RUNNING", 2), ("COMPLETED", 3)]
