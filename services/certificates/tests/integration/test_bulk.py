"""Bulk issue on the real stack: messy input, eligibility, progress events, cancel, and a killed worker."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CoursePublishedV1

from .conftest import completion_event, events_on, publish, wait_for

pytestmark = pytest.mark.integration

FINISHED = ("COMPLETED", "FAILED", "CANCELLED")


async def start_job(certs: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = await certs.post("/v1/bulk-jobs", json=body, headers=headers)
    assert r.status_code == 201, r.text
    job: dict[str, Any] = r.json()
    return job


async def wait_job(
    certs: httpx.AsyncClient, headers: dict[str, str], job_id: str, timeout: float = 180.0
) -> dict[str, Any]:
    async def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = (await certs.get(f"/v1/bulk-jobs/{job_id}", headers=headers)).json()
        return job if job["status"] in FINISHED else None

    result: dict[str, Any] = await wait_for(finished, timeout=timeout, interval=0.5)
    return result


def participants(n: int, prefix: str = "p") -> list[dict[str, str]]:
    names = ["Rəşad Əliyev", "Әлия Қасымқызы", "Gʻulom Oʻrinboyev", "Ілья Ғалиев", "Çağrı Işıkgöz", "Мария Иванова"]
    return [
        {
            "name": f"{names[i % len(names)]} {i}",
            "email": f"{prefix}{i}@example.org",
            "org": "KZ",
            "municipality": "Almaty",
        }
        for i in range(n)
    ]


async def test_bulk_job_with_duplicates_bad_rows_and_existing_holders(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    token_for: Callable[..., str],
    db: asyncpg.Pool,
    nats_js: tuple[NATS, JetStreamContext],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    since = datetime.now(UTC) - timedelta(seconds=1)
    already = await certs.post(
        "/v1/certificates",
        json={"courseId": course.course_id, "recipient": {"name": "Holder", "email": "p5@example.org"}},
        headers=admin,
    )
    assert already.status_code == 201
    rows: list[dict[str, Any]] = participants(300)
    rows += [
        {"name": "", "email": "empty@example.org"},  # row 301
        {"name": "Bad Mail", "email": "not-an-address"},  # row 302
        {"name": "Dup Upper", "email": "P7@EXAMPLE.ORG"},  # row 303: same person as row 8
        {"name": "Zhanar  Bekova", "org": "KZ", "municipality": "Shymkent"},  # row 304
        {"name": "zhanar bekova", "org": "kz", "municipality": "SHYMKENT"},  # row 305: duplicate of 304
        {"name": "x" * 300},  # row 306
        {"name": "Tab\x07Bell"},  # row 307
        {"name": "Nul\x00Byte", "municipality": "a\x00b"},  # row 308: Postgres refuses U+0000; stored as U+FFFD
    ]
    learner = {"Authorization": f"Bearer {token_for('l-bulk', 'L', ['learner'])}"}
    assert (
        await certs.post("/v1/bulk-jobs", json={"courseId": course.course_id, "recipients": rows}, headers=learner)
    ).status_code == 403
    missing = await certs.post("/v1/bulk-jobs", json={"courseId": course.course_id}, headers=admin)
    assert missing.status_code == 422

    job = await start_job(certs, admin, {"courseId": course.course_id, "recipients": rows})
    assert job["total"] == 308 and job["status"] in ("QUEUED", "RUNNING")
    done = await wait_job(certs, admin, job["id"])

    assert done["status"] == "COMPLETED" and done["finishedAt"]
    assert done["issued"] == 300 - 1 + 1  # 299 participants (p5 already held one) + Zhanar
    assert done["skipped"] == 3  # p5 already certified, row 303 and row 305 duplicates
    # Invalid rows are refused at planning (stored with the job), not failed by a worker.
    assert done["refused"] == 5 and done["failed"] == 0
    assert done["issued"] + done["skipped"] + done["refused"] + done["failed"] == done["total"]
    reasons = {f["reason"] for f in done["failures"]}
    assert "row 301: name is empty" in reasons
    assert any(r.startswith("row 302: email") for r in reasons)
    assert "duplicate of row 8" in reasons and "duplicate of row 304" in reasons
    assert f"already certified: {already.json()['code']}" in reasons
    assert any(r.startswith("row 306: name is 300 characters") for r in reasons)
    assert any(r.startswith("row 307: name contains an invisible or control character") for r in reasons)
    assert any(r.startswith("row 308: name contains an invisible or control character (U+0000)") for r in reasons)

    counts = await db.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT recipient_key) AS people FROM certificate "
        "WHERE course_id = $1 AND status = 'VALID'",
        course.course_id,
    )
    assert counts["n"] == counts["people"] == 301
    pending = await db.fetchval(
        "SELECT count(*) FROM bulk_item WHERE job_id = $1 AND status = 'PENDING'", uuid.UUID(job["id"])
    )
    assert pending == 0
    assert (
        await db.fetchval(
            "SELECT count(*) FROM audit_log WHERE job_id = $1 AND action = 'bulk_start'", uuid.UUID(job["id"])
        )
        == 1
    )

    async def final_progress() -> list[Any]:
        events = await events_on(nats_js[1], "lms.certificates.bulk.progress.v1", since)
        return [e for e in events if e.data["job_id"] == job["id"] and e.data["status"] == "COMPLETED"]

    (last,) = await wait_for(final_progress)
    assert last.data["issued"] == 300 and last.data["total"] == 308

    # Running the same list again issues nothing new.
    rerun = await wait_job(
        certs, admin, (await start_job(certs, admin, {"courseId": course.course_id, "recipients": rows}))["id"]
    )
    assert rerun["status"] == "COMPLETED" and rerun["issued"] == 0 and rerun["skipped"] == 303
    assert rerun["refused"] == 5
    assert await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id) == 301


async def test_all_eligible_issues_to_completers_without_a_certificate(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Pool,
    nats_js: tuple[NATS, JetStreamContext],
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    learners = [f"learner-{uuid.uuid4().hex[:8]}" for _ in range(12)]
    for i, learner in enumerate(learners):
        await publish(nats_js[1], completion_event(course, learner, f"Learner {i}", locale="ru"))

    async def recorded() -> bool:
        n = await db.fetchval("SELECT count(*) FROM completion WHERE course_id = $1", course.course_id)
        return int(n) == len(learners)

    await wait_for(recorded)
    first = await certs.post(
        "/v1/certificates",
        json={"courseId": course.course_id, "recipient": {"name": "Learner 0", "learnerId": learners[0]}},
        headers=admin,
    )
    assert first.status_code == 201
    job = await start_job(certs, admin, {"courseId": course.course_id, "allEligible": True})
    assert job["total"] == 11
    done = await wait_job(certs, admin, job["id"])
    assert done["status"] == "COMPLETED" and done["issued"] == 11
    holders = await db.fetch(
        "SELECT learner_id, lang FROM certificate WHERE course_id = $1 AND status = 'VALID'", course.course_id
    )
    assert sorted(r["learner_id"] for r in holders) == sorted(learners)
    assert {r["lang"] for r in holders if r["learner_id"] != learners[0]} == {"ru"}


async def test_cancel_stops_a_running_job(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    job = await start_job(certs, admin, {"courseId": course.course_id, "recipients": participants(1500, "c")})
    cancelled = await certs.post(f"/v1/bulk-jobs/{job['id']}/cancel", headers=admin)
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "CANCELLED" and body["finishedAt"]
    assert body["issued"] + body["skipped"] + body["failed"] == 1500
    assert any(f["reason"] == "the job was cancelled" for f in body["failures"])
    await asyncio.sleep(3)  # a chunk that was mid-flight must not add certificates after the cancel
    valid = await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id)
    after = (await certs.get(f"/v1/bulk-jobs/{job['id']}", headers=admin)).json()
    assert after["status"] == "CANCELLED" and valid == after["issued"] == body["issued"]
    assert (await certs.post(f"/v1/bulk-jobs/{job['id']}/cancel", headers=admin)).status_code == 409


@pytest.mark.slow
async def test_worker_killed_mid_job_leaves_exactly_one_certificate_each(
    stack: Any,
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    # A second replica keeps the job moving while the first is dead.
    await asyncio.to_thread(stack.start_role, "certificates-worker", 2)
    await asyncio.to_thread(stack.wait_healthy, 120)
    course = await published_course(auto_issue=False)
    job = await start_job(certs, admin, {"courseId": course.course_id, "recipients": participants(2000, "k")})

    async def under_way() -> bool:
        current = (await certs.get(f"/v1/bulk-jobs/{job['id']}", headers=admin)).json()
        return 200 <= current["issued"] < 1800

    await wait_for(under_way, timeout=120, interval=0.2)
    await asyncio.to_thread(stack.kill_role, "certificates-worker", signal.SIGKILL, 0)
    await asyncio.sleep(1)
    await asyncio.to_thread(stack.restart_role, "certificates-worker", 0)

    done = await wait_job(certs, admin, job["id"], timeout=400)
    assert done["status"] == "COMPLETED"
    assert done["issued"] == 2000 and done["skipped"] == 0 and done["failed"] == 0
    counts = await db.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT recipient_key) AS people, count(DISTINCT code) AS codes "
        "FROM certificate WHERE course_id = $1",
        course.course_id,
    )
    assert counts["n"] == counts["people"] == counts["codes"] == 2000
    items = await db.fetch(
        "SELECT status, count(*) AS n FROM bulk_item WHERE job_id = $1 GROUP BY status", uuid.UUID(job["id"])
    )
    assert {r["status"]: r["n"] for r in items} == {"ISSUED": 2000}
    sample = await db.fetch(
        "SELECT id FROM certificate WHERE course_id = $1 ORDER BY random() LIMIT 5", course.course_id
    )
    for row in sample:
        cert = (await certs.get(f"/v1/certificates/{row['id']}", headers=admin)).json()
        assert httpx.get(cert["pdfUrl"], timeout=30).content.startswith(b"%PDF-")
