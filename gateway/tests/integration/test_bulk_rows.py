"""Bulk issuance through the live gateway: a CSV dry run, then the same CSV for real, every row accounted for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.graphql import GraphQLClient, eventually

from .support import published_course, uid

pytestmark = pytest.mark.integration

ROWS = "rows { totalCount nodes { row name org outcome reasonCode reason certificateCode } }"
START = (
    "mutation($i: BulkIssueInput!, $d: Boolean) { startBulkIssue(input: $i, dryRun: $d) {"
    f" id dryRun status total issued skipped refused failed {ROWS} }} }}"
)
JOB = f"query($id: ID!) {{ bulkIssueJob(id: $id) {{ id status dryRun total issued skipped refused failed {ROWS} }} }}"


async def test_a_csv_dry_run_previews_what_the_real_job_then_does(client_for: Callable[..., GraphQLClient]) -> None:
    trainer = client_for(uid("trainer"), ["trainer"])
    admin = client_for(uid("admin"), ["admin"])
    cid, _ = await published_course(trainer)
    csv = (
        "\ufeffFull Name;E-mail;Country\n"
        "Aygün Məmmədova;aygun@example.az;AZ\n"
        "Aygün Məmmədova;aygun@example.az;AZ\n"
        "Erlan Nurlanov;erlan@example.kz;ZZZ\n"
        ";nobody@example.az;AZ\n"
    )

    async def dry_run() -> dict[str, Any]:
        job: dict[str, Any] = (await admin.q(START, i={"courseId": cid, "csv": csv}, d=True))["startBulkIssue"]
        return job

    preview = await eventually(dry_run, timeout=30)  # certificates must have consumed course.published
    assert (preview["id"], preview["dryRun"], preview["total"]) == ("dry-run", True, 4)
    outcomes = [(r["row"], r["outcome"], r["reasonCode"]) for r in preview["rows"]["nodes"]]
    assert outcomes == [
        (1, "ISSUED", None),
        (2, "SKIPPED", "DUPLICATE_IN_INPUT"),
        (3, "REFUSED", "UNKNOWN_ORG"),
        (4, "REFUSED", "MISSING_NAME"),
    ]
    assert all(r["reason"] for r in preview["rows"]["nodes"][1:])
    assert (preview["issued"], preview["skipped"], preview["refused"], preview["failed"]) == (1, 1, 2, 0)
    # Nothing was stored: the job list of the course is still empty.
    assert (await admin.q("query($c: ID){ bulkIssueJobs(courseId: $c) { id } }", c=cid))["bulkIssueJobs"] == []

    started = (await admin.q(START, i={"courseId": cid, "csv": csv}))["startBulkIssue"]
    assert started["dryRun"] is False and started["total"] == 4 and started["refused"] == 2

    async def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = (await admin.q(JOB, id=started["id"]))["bulkIssueJob"]
        return job if job["status"] == "COMPLETED" else None

    job = await eventually(finished, timeout=120)
    assert job["issued"] + job["skipped"] + job["refused"] + job["failed"] == job["total"] == 4
    rows = job["rows"]["nodes"]
    assert [(r["row"], r["outcome"]) for r in rows] == [(1, "ISSUED"), (2, "SKIPPED"), (3, "REFUSED"), (4, "REFUSED")]
    assert rows[0]["certificateCode"]
    refused = (await admin.q(JOB.replace("rows {", "rows(outcome: REFUSED, first: 1) {"), id=started["id"]))[
        "bulkIssueJob"
    ]["rows"]
    assert refused["totalCount"] == 2 and [r["row"] for r in refused["nodes"]] == [3]


async def test_a_retry_whose_gateway_claim_is_gone_is_still_the_first_job(
    client_for: Callable[..., GraphQLClient], stack_env: dict[str, str]
) -> None:
    """The gateway gave up (timeout) and dropped its claim; the client retries with its key (issue 12).

    Before, the retry reached the service as a new request and became a second job. Now the gateway
    passes the key on and the service, which stored it with the first job, answers that job again.
    """
    import redis.asyncio as aioredis

    trainer = client_for(uid("trainer"), ["trainer"])
    admin = client_for(uid("admin"), ["admin"])
    cid, _ = await published_course(trainer)
    body = {"courseId": cid, "csv": "name,email\nAliya,aliya@example.kz\nBakyt,bakyt@example.kg\n"}
    key = {"Idempotency-Key": f"retry-{uid('k')}"}

    async def start() -> dict[str, Any]:
        job: dict[str, Any] = (await admin.q(START, i=body, headers=key))["startBulkIssue"]
        return job

    first = await eventually(start, timeout=30)
    store = aioredis.from_url(stack_env["LMS_REDIS_URL"])
    try:
        claims = [k async for k in store.scan_iter(match="gw:idem:*")]
        assert claims, "the gateway had claimed the key"
        await store.delete(*claims)  # what a timeout leaves behind: no stored answer at the gateway
    finally:
        await store.aclose()
    again = await start()
    assert again["id"] == first["id"]
    jobs = (await admin.q("query($c: ID){ bulkIssueJobs(courseId: $c) { id } }", c=cid))["bulkIssueJobs"]
    assert [j["id"] for j in jobs] == [first["id"]]
