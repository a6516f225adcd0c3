"""The bulk dry run, refused rows stored with a job, and the rows endpoint, on the real stack."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from lms_shared.events.catalogue import CoursePublishedV1

from .conftest import wait_for

pytestmark = pytest.mark.integration

FINISHED = ("COMPLETED", "FAILED", "CANCELLED")


def messy_csv(tag: str, good: int) -> str:
    """A spreadsheet export: BOM, ';' between cells, header aliases, and one row for each refusal."""
    lines = ["\ufeffFull Name;E-mail;Country;City"]
    lines += [f"Участник {i};{tag}{i}@example.kz;kz;Almaty" for i in range(good)]
    lines += [
        f";{tag}-nameless@example.kz;KZ;Almaty",  # MISSING_NAME
        f"Bad Mail;{tag}-not-an-address;KZ;Almaty",  # INVALID_EMAIL
        f"Far Away;{tag}-far@example.kz;Atlantis;Almaty",  # UNKNOWN_ORG
        f"Too Many;{tag}-many@example.kz;KZ;Almaty;extra",  # MALFORMED_ROW
        f"Duplicate;{tag}3@EXAMPLE.KZ;KZ;Almaty",  # DUPLICATE_IN_INPUT of row 4
        "Ali Yılmaz;;TR;Ankara",
        "Ali Yılmaz;;TR;İzmir",  # the same name elsewhere is another person
    ]
    return "\n".join(lines) + "\n"


async def counts(db: asyncpg.Pool, course_id: str) -> tuple[int, int, int]:
    jobs = await db.fetchval("SELECT count(*) FROM bulk_job WHERE course_id = $1", course_id)
    certs = await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course_id)
    audited = await db.fetchval("SELECT count(*) FROM audit_log WHERE details->>'courseId' = $1", course_id)
    return int(jobs), int(certs), int(audited)


async def test_dry_run_answers_every_row_and_stores_nothing(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    token_for: Callable[..., str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    held = await certs.post(
        "/v1/certificates",
        json={"courseId": course.course_id, "recipient": {"name": "Holder", "email": "dry0@example.kz"}},
        headers=admin,
    )
    assert held.status_code == 201
    before = await counts(db, course.course_id)
    body = {"courseId": course.course_id, "csv": messy_csv("dry", 5)}

    learner = {"Authorization": f"Bearer {token_for('l-dry', 'L', ['learner'])}"}
    assert (await certs.post("/v1/bulk-jobs?dryRun=true", json=body, headers=learner)).status_code == 403
    r = await certs.post("/v1/bulk-jobs?dryRun=true", json=body, headers=admin)
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["id"] == "dry-run" and job["dryRun"] is True and job["status"] == "QUEUED"
    assert (job["total"], job["issued"], job["skipped"], job["refused"], job["failed"]) == (12, 6, 2, 4, 0)
    rows = job["rows"]
    assert [r["row"] for r in rows] == list(range(1, 13))
    assert [(r["outcome"], r["reasonCode"]) for r in rows[:6]] == [
        ("SKIPPED", "ALREADY_CERTIFIED"),
        ("ISSUED", None),
        ("ISSUED", None),
        ("ISSUED", None),
        ("ISSUED", None),
        ("REFUSED", "MISSING_NAME"),
    ]
    assert rows[0]["certificateCode"] == held.json()["code"]
    expected = ["INVALID_EMAIL", "UNKNOWN_ORG", "MALFORMED_ROW", "DUPLICATE_IN_INPUT"]
    assert [r["reasonCode"] for r in rows[6:10]] == expected
    assert rows[9]["reason"] == "duplicate of row 4"
    assert rows[1]["org"] == "KZ" and rows[1]["name"] == "Участник 1" and rows[1]["email"] == "dry1@example.kz"
    assert [r["outcome"] for r in rows[10:]] == ["ISSUED", "ISSUED"]
    assert {"recipient": "dry-nameless@example.kz", "reason": "row 6: name is empty"} in job["failures"]
    assert await counts(db, course.course_id) == before, "nothing stored, queued or issued"

    for bad, message in [
        ({"courseId": course.course_id}, "exactly one of"),
        ({"courseId": course.course_id, "csv": "email\na@b.org\n"}, "no name column"),
        ({"courseId": course.course_id, "recipients": [{"name": "A", "nickname": "x"}]}, "nickname"),
        ({"courseId": course.course_id, "allEligible": True, "csv": "name\nA\n"}, "exactly one of"),
    ]:
        refused = await certs.post("/v1/bulk-jobs?dryRun=true", json=bad, headers=admin)
        assert refused.status_code == 422, refused.text
        assert message in refused.text


async def wait_job(certs: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    async def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = (await certs.get(f"/v1/bulk-jobs/{job_id}", headers=headers)).json()
        return job if job["status"] in FINISHED else None

    result: dict[str, Any] = await wait_for(finished, timeout=120, interval=0.5)
    return result


async def test_a_job_stores_refused_rows_and_pages_through_every_row(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    course = await published_course(auto_issue=False)
    tag = f"job{uuid.uuid4().hex[:6]}"
    body = {"courseId": course.course_id, "csv": messy_csv(tag, 30)}
    preview = (await certs.post("/v1/bulk-jobs?dryRun=true", json=body, headers=admin)).json()

    r = await certs.post("/v1/bulk-jobs", json=body, headers=admin)
    assert r.status_code == 201, r.text
    started = r.json()
    assert started["dryRun"] is False and started["refused"] == 4 and started["total"] == 37
    done = await wait_job(certs, admin, started["id"])
    assert done["status"] == "COMPLETED"
    assert (done["issued"], done["skipped"], done["refused"], done["failed"]) == (32, 1, 4, 0)
    assert done["issued"] + done["skipped"] + done["refused"] + done["failed"] == done["total"]
    assert (done["issued"], done["skipped"], done["refused"]) == (
        preview["issued"],
        preview["skipped"],
        preview["refused"],
    ), "the dry run said what the job did"

    seen: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"first": 10} | ({"after": after} if after else {})
        page = (await certs.get(f"/v1/bulk-jobs/{started['id']}/rows", params=params, headers=admin)).json()
        assert page["totalCount"] == 37
        seen += page["nodes"]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert [r["row"] for r in seen] == list(range(1, 38))
    assert [r["outcome"] for r in seen] == [p["outcome"] for p in preview["rows"]]
    codes = await db.fetch("SELECT code FROM certificate WHERE course_id = $1", course.course_id)
    assert {r["certificateCode"] for r in seen if r["outcome"] == "ISSUED"} == {c["code"] for c in codes}

    refused = (
        await certs.get(f"/v1/bulk-jobs/{started['id']}/rows", params={"outcome": "REFUSED", "first": 2}, headers=admin)
    ).json()
    assert refused["totalCount"] == 4 and refused["hasNextPage"] and len(refused["nodes"]) == 2
    assert [r["reasonCode"] for r in refused["nodes"]] == ["MISSING_NAME", "INVALID_EMAIL"]
    assert refused["nodes"][0]["reason"] == "name is empty" and refused["nodes"][0]["row"] == 31
    rest = (
        await certs.get(
            f"/v1/bulk-jobs/{started['id']}/rows",
            params={"outcome": "REFUSED", "after": refused["endCursor"]},
            headers=admin,
        )
    ).json()
    assert [r["reasonCode"] for r in rest["nodes"]] == ["UNKNOWN_ORG", "MALFORMED_ROW"] and not rest["hasNextPage"]

    bad_cursor = await certs.get(f"/v1/bulk-jobs/{started['id']}/rows", params={"after": "nope"}, headers=admin)
    assert bad_cursor.status_code == 422
    unknown = await certs.get(f"/v1/bulk-jobs/{uuid.uuid4()}/rows", headers=admin)
    assert unknown.status_code == 404
    too_many = await certs.get(f"/v1/bulk-jobs/{started['id']}/rows", params={"first": 1001}, headers=admin)
    assert too_many.status_code == 422


async def test_a_retried_start_with_the_same_key_is_the_same_job(
    certs: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Pool,
    published_course: Callable[..., Awaitable[CoursePublishedV1]],
) -> None:
    """A client that timed out retries with its Idempotency-Key: one job, the first answer (issue 12)."""
    course = await published_course(auto_issue=False)
    body = {"courseId": course.course_id, "csv": messy_csv(f"idem{uuid.uuid4().hex[:4]}", 20)}
    keyed = {**admin, "Idempotency-Key": f"bulk-{uuid.uuid4().hex}"}
    answers = [await certs.post("/v1/bulk-jobs", json=body, headers=keyed) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert (await counts(db, course.course_id))[0] == 1, "one job, however often the request came"
    other = await certs.post("/v1/bulk-jobs", json={**body, "csv": messy_csv("other", 3)}, headers=keyed)
    assert other.status_code == 409 and "different request" in other.json()["error"]["message"]
    fresh = await certs.post("/v1/bulk-jobs", json=body, headers=admin)
    assert fresh.status_code == 201 and fresh.json()["id"] != answers[0].json()["id"], "no key, a new job"
