"""Registration on the real stack (issue 15): seats under real concurrency, approvals, the waiting list.

Courses are published straight onto NATS with a ``registration`` policy (course.published minor 2),
so these tests do not depend on the courses service.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CoursePublishedV1, EnrollmentCreatedV1, RegistrationChangedV1
from services.progress.tests.integration.support import Api, course_published, eventually, publish, text_lesson, uid

pytestmark = pytest.mark.integration
CREATED = EnrollmentCreatedV1.TYPE
CHANGED = RegistrationChangedV1.TYPE


async def course_with(js: JetStreamContext, db: asyncpg.Pool, owner: str = "trainer-owner", **policy: Any) -> str:
    """Publish a one-lesson course with ``policy`` and wait until progress has stored it."""
    course_id = uid("course")
    event = course_published(course_id, [text_lesson(f"{course_id}-l1", 1)], owner_id=owner)
    event = CoursePublishedV1.model_validate({**event.model_dump(), "registration": policy})
    await publish(js, event)

    async def stored() -> bool:
        return bool(await db.fetchval("SELECT current_version FROM course WHERE course_id = $1", course_id))

    await eventually(stored)
    return course_id


async def outbox_count(db: asyncpg.Pool, subject: str, course_id: str) -> int:
    return int(
        await db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE subject = $1 AND "
            "convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'course_id' = $2",
            subject,
            course_id,
        )
    )


@pytest.mark.slow
async def test_500_learners_at_once_into_100_seats_give_100_active_and_400_waitlisted(
    stack: Any, nats_js: JetStreamContext, db: asyncpg.Pool, progress_url: str, token_for: Any
) -> None:
    course_id = await course_with(nats_js, db, capacity=100)
    tokens = [token_for(uid("rush"), f"Learner {i}", ["learner"], org="AZ") for i in range(500)]
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=500)
    async with httpx.AsyncClient(base_url=progress_url, timeout=120, limits=limits, trust_env=False) as http:
        start = asyncio.Event()

        async def one(token: str) -> dict[str, Any]:
            await start.wait()
            r = await http.post(
                "/v1/enrollments", json={"courseId": course_id}, headers={"Authorization": f"Bearer {token}"}
            )
            if r.status_code != 201:
                logs = sorted(Path(stack.logs_dir).glob("progress*.log"))
                tail = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs if "relay" not in p.name)
                raise AssertionError(f"{r.status_code} {r.text}\n{tail}")
            body: dict[str, Any] = r.json()
            return body

        tasks = [asyncio.create_task(one(t)) for t in tokens]
        await asyncio.sleep(0.2)
        start.set()
        answers = await asyncio.gather(*tasks)
    statuses = Counter(a["status"] for a in answers)
    assert statuses == Counter({"ACTIVE": 100, "WAITLISTED": 400})
    positions = sorted(a["waitlistPosition"] for a in answers if a["status"] == "WAITLISTED")
    assert positions == list(range(1, 401))
    assert all(a["waitlistPosition"] is None for a in answers if a["status"] == "ACTIVE")
    stored = await db.fetch(
        "SELECT status, count(*) AS n FROM enrollment WHERE course_id = $1 GROUP BY status", course_id
    )
    assert {r["status"]: r["n"] for r in stored} == {"ACTIVE": 100, "WAITLISTED": 400}
    assert await outbox_count(db, CREATED, course_id) == 100, "enrollment.created only for a seat"
    assert await outbox_count(db, CHANGED, course_id) == 500


async def test_approval_queue_decisions_and_promotion_over_rest(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = await course_with(nats_js, db, owner=owner, capacity=1, approval_required=True)
    trainer = api(owner, "Aynur Trainer", ["trainer"])
    ca_az = api(uid("ca"), "Nigar Babayeva", ["country_admin"], org="AZ")
    ca_kz = api(uid("ca"), "Dana Omarova", ["country_admin"], org="KZ")
    first, second = api(uid("learner"), "Leyla", org="AZ"), api(uid("learner"), "Aruzhan", org="KZ")
    one = (await first.enroll(course_id)).json()
    two = (await second.enroll(course_id)).json()
    assert (one["status"], two["status"], two["waitlistPosition"]) == ("PENDING", "WAITLISTED", 1)
    assert (one["learnerName"], one["org"]) == ("Leyla", "AZ")
    # Lessons wait for the seat.
    r = await first.complete(one["id"], f"{course_id}-l1")
    assert r.status_code == 409 and "approval" in r.json()["error"]["message"]

    queue = await ca_az.http.get("/v1/enrollments/pending")
    assert [e["id"] for e in queue.json()["nodes"] if e["courseId"] == course_id] == [one["id"]]
    assert not [
        e for e in (await ca_kz.http.get("/v1/enrollments/pending")).json()["nodes"] if e["courseId"] == course_id
    ]
    assert (await first.http.get("/v1/enrollments/pending")).status_code == 403
    refused = await ca_kz.http.post(f"/v1/enrollments/{one['id']}/approve")
    assert refused.status_code == 403 and "KZ's learners only" in refused.json()["error"]["message"]

    key = {"Idempotency-Key": uid("approve")}
    approved = await ca_az.http.post(f"/v1/enrollments/{one['id']}/approve", headers=key)
    replay = await ca_az.http.post(f"/v1/enrollments/{one['id']}/approve", headers=key)
    assert (approved.status_code, replay.status_code) == (200, 200)
    assert approved.json()["status"] == replay.json()["status"] == "ACTIVE"
    again = await trainer.http.post(f"/v1/enrollments/{one['id']}/approve")
    assert again.status_code == 409 and "already approved" in again.json()["error"]["message"]
    assert await outbox_count(db, CREATED, course_id) == 1

    # The approved learner leaves: the waiting learner is promoted to PENDING (approval required).
    assert (await first.http.post(f"/v1/enrollments/{one['id']}/withdraw")).json()["status"] == "WITHDRAWN"
    assert (await second.get(two["id"])).json()["status"] == "PENDING"
    blank = await trainer.http.post(f"/v1/enrollments/{two['id']}/reject", json={"reason": "  "})
    assert blank.status_code == 422 or blank.json()["error"]["code"] == "BAD_USER_INPUT"
    rejected = await trainer.http.post(f"/v1/enrollments/{two['id']}/reject", json={"reason": "Not an official."})
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("REJECTED", "Not an official.")
    causes = await db.fetch(
        "SELECT convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'cause' AS cause FROM outbox_message "
        "WHERE subject = $1 AND convert_from(payload, 'UTF8')::jsonb ->> 'subject_key' = $2 ORDER BY id",
        CHANGED,
        two["id"],
    )
    assert [c["cause"] for c in causes] == ["registered", "promoted", "rejected"]


async def test_a_waitlisted_registration_is_not_counted_as_enrolled(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    owner = uid("trainer")
    course_id = await course_with(nats_js, db, owner=owner, capacity=1)
    seated, waiting = api(uid("learner"), org="XR"), api(uid("learner"), org="XR")
    assert (await seated.enroll(course_id)).json()["status"] == "ACTIVE"
    assert (await waiting.enroll(course_id)).json()["status"] == "WAITLISTED"
    admin = api(uid("admin"), "Admin", ["admin"])
    stats = (await admin.http.get(f"/v1/courses/{course_id}/stats")).json()
    assert stats["enrolled"] == 1

    async def reported() -> dict[str, Any] | None:
        r = await admin.http.get("/v1/reports/national", params={"groupBy": "ORG", "courseId": course_id})
        body: dict[str, Any] = r.json()
        return body if body["totals"]["enrolled"] >= 1 else None

    body = await eventually(reported)
    await asyncio.sleep(1.5)  # the waitlisted one's events have had every chance to be folded in
    body = await eventually(reported)
    assert body["totals"]["enrolled"] == 1
    assert await db.fetchval("SELECT count(*) FROM report_enrollment WHERE course_id = $1", course_id) == 1


async def test_a_cohort_is_seated_in_list_order_and_reports_each_member(
    nats_js: JetStreamContext,
    db: asyncpg.Pool,
    api: Callable[..., Api],
    outbox_events: Callable[[str, str], Awaitable[list[str]]],
) -> None:
    owner = uid("trainer")
    course_id = await course_with(nats_js, db, owner=owner, capacity=2, approval_required=True)
    trainer = api(owner, "Aynur Trainer", ["trainer"])
    members = [{"learnerId": uid("m"), "name": f"Member {i}", "org": "AZ"} for i in range(4)]
    r = await trainer.http.post(f"/v1/courses/{course_id}/cohort", json={"members": members})
    body = r.json()
    assert (body["enrolled"], body["active"], body["pending"], body["waitlisted"]) == (4, 2, 0, 2)
    assert [(x["status"], x["waitlistPosition"]) for x in body["registrations"]] == [
        ("ACTIVE", None),
        ("ACTIVE", None),
        ("WAITLISTED", 1),
        ("WAITLISTED", 2),
    ]
    assert await outbox_count(db, CREATED, course_id) == 2
