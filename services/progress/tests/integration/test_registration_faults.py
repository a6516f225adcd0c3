"""Registration while PostgreSQL goes down (killed, then restarted): nothing lost, nothing doubled.

Learners keep registering and a trainer keeps approving while the database crashes under them.
Requests in flight fail (some after their COMMIT reached the server, unknown to the client); the
clients retry as a client does: registrations simply again (enrolling is idempotent), decisions with
the same ``Idempotency-Key`` (a retry answers the first decision). Afterwards the seats are exactly
the capacity, and the outbox holds exactly one ``registration.changed`` per change and one
``enrollment.created`` per seat.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import EnrollmentCreatedV1, RegistrationChangedV1
from services.progress.tests.integration.support import uid
from services.progress.tests.integration.test_registration import course_with

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RETRIED: Counter[str] = Counter()


async def _send(
    http: httpx.AsyncClient, method: str, path: str, token: str, h: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    """What a client does when the service or its database vanishes: try again until it answers."""
    headers = {"Authorization": f"Bearer {token}", **(h or {})}
    for _ in range(1200):
        try:
            r = await http.request(method, path, headers=headers, **kw)
            if r.status_code < 500:
                return r
        except httpx.TransportError:
            pass
        RETRIED[path.rsplit("/", 1)[-1]] += 1
        await asyncio.sleep(0.1)
    raise AssertionError(f"{method} {path} never answered")


async def test_postgres_killed_during_registrations_and_approvals_loses_and_doubles_nothing(
    stack: Any, stack_env: dict[str, str], nats_js: JetStreamContext, db: asyncpg.Pool, token_for: Any
) -> None:
    owner = uid("trainer")
    course_id = await course_with(nats_js, db, owner=owner, capacity=20, approval_required=True)
    trainer = token_for(owner, "Aynur Trainer", ["trainer"])
    learners = [token_for(uid("fault"), f"Learner {i}", ["learner"], org="AZ") for i in range(40)]
    async with httpx.AsyncClient(base_url=stack_env["LMS_PROGRESS_URL"], timeout=20, trust_env=False) as http:

        async def register(token: str) -> dict[str, Any]:
            r = await _send(http, "POST", "/v1/enrollments", token, json={"courseId": course_id})
            assert r.status_code in (200, 201), r.text
            body: dict[str, Any] = r.json()
            return body

        first = [asyncio.create_task(register(t)) for t in learners[:20]]
        await asyncio.sleep(0.3)
        await asyncio.to_thread(stack.kill_server, "postgres")
        late = [asyncio.create_task(register(t)) for t in learners[20:]]
        await asyncio.sleep(2)
        await asyncio.to_thread(stack.start_server, "postgres", 120)
        registered = await asyncio.gather(*first, *late)
        assert Counter(r["status"] for r in registered) == Counter({"PENDING": 20, "WAITLISTED": 20})
        assert RETRIED["enrollments"] > 0, "no registration was cut off: the test did not exercise the outage"

        async def approve(enrollment_id: str) -> httpx.Response:
            key = {"Idempotency-Key": f"approve-{enrollment_id}"}
            return await _send(http, "POST", f"/v1/enrollments/{enrollment_id}/approve", trainer, h=key)

        pending = [r["id"] for r in registered if r["status"] == "PENDING"]
        decisions = [asyncio.create_task(approve(e)) for e in pending[:10]]
        await asyncio.sleep(0.05)
        await asyncio.to_thread(stack.kill_server, "postgres")
        decisions += [asyncio.create_task(approve(e)) for e in pending[10:]]
        await asyncio.sleep(2)
        await asyncio.to_thread(stack.start_server, "postgres", 120)
        answers = await asyncio.gather(*decisions)
        assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers if a.status_code != 200]
        assert RETRIED["approve"] > 0, "no approval was cut off: the test did not exercise the outage"

    pool = await asyncpg.create_pool(asyncpg_dsn(stack_env["LMS_PROGRESS_DATABASE_URL"]), min_size=1, max_size=2)
    try:
        rows = await pool.fetch(
            "SELECT status, count(*) AS n FROM enrollment WHERE course_id = $1 GROUP BY status", course_id
        )
        assert {r["status"]: r["n"] for r in rows} == {"ACTIVE": 20, "WAITLISTED": 20}
        events = await pool.fetch(
            "SELECT subject, convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'cause' AS cause, "
            "convert_from(payload, 'UTF8')::jsonb ->> 'subject_key' AS key FROM outbox_message "
            "WHERE convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'course_id' = $1",
            course_id,
        )
    finally:
        await pool.close()
    per_change = Counter((e["key"], e["cause"]) for e in events if e["subject"] == RegistrationChangedV1.TYPE)
    assert set(per_change.values()) == {1}, "no change announced twice"
    assert Counter(cause for _, cause in per_change) == Counter({"registered": 40, "approved": 20})
    created = Counter(e["key"] for e in events if e["subject"] == EnrollmentCreatedV1.TYPE)
    assert len(created) == 20 and set(created.values()) == {1}
