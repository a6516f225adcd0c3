"""Scale-out on one machine: three certificate workers and two progress replicas share the work, one of
each is killed with SIGKILL halfway, and every certificate is still issued, and applied, exactly once.

Runs through the public GraphQLClient contract (course authoring, ``startBulkIssue``, ``bulkIssueJob``) and
checks the outcome in the services' own databases and bucket. Size with LMS_SCALE_TEST_CERTIFICATES
(default 3000). Marked slow: it renders and signs thousands of PDFs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from minio import Minio

from lms_shared.db import asyncpg_dsn
from tests.support.graphql import GraphQLClient

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(1200)]

TOTAL = int(os.environ.get("LMS_SCALE_TEST_CERTIFICATES", "3000"))
WORKERS = 3
PROGRESS_REPLICAS = 2


async def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last answer: {last!r}")


def chunks_done(log_path: Path, job_id: str) -> int:
    """Chunks of ``job_id`` one worker process reported as committed (its ``worker.chunk_done`` lines)."""
    if not log_path.exists():
        return 0
    done = 0
    for line in log_path.read_bytes().splitlines():
        if b"worker.chunk_done" in line and job_id.encode() in line:
            done += 1
    return done


# Bytes NATS must have delivered to a progress connection before it counts as sharing the work: well
# above what an idle replica receives (empty-fetch status replies, ~150 B a second) in a few minutes,
# well below its half of the certificate.issued events (several hundred bytes each).
SHARE_BYTES = 50_000


async def progress_connections(monitor_url: str) -> dict[int, int]:
    """Bytes NATS delivered so far to each client connection named "progress", by connection id.

    Each progress replica holds one such connection (``lms_shared.jetstream.connect``); with two
    replicas pulling from the same durable consumers, both must receive a large share.
    """
    async with httpx.AsyncClient(timeout=10) as http:
        body = (await http.get(f"{monitor_url}/connz", params={"limit": 4096})).json()
    return {int(c["cid"]): int(c["out_bytes"]) for c in body.get("connections", []) if c.get("name") == "progress"}


@dataclass
class Outcome:
    """What the scenario observed, for the tests below to judge one aspect each."""

    course_id: str
    recipients: set[str]
    final: dict[str, Any]
    chunks_per_worker: dict[int, int]
    progress_delivered: dict[int, int]
    certificates: list[dict[str, Any]]
    stored_objects: set[str]
    applied_in_progress: set[str]


@pytest.fixture(scope="module")
def scaled(stack: Any) -> Iterator[Any]:
    """Three workers and two progress replicas; back to one of each afterwards."""
    stack.start_role("certificates-worker", replicas=WORKERS)
    stack.start_role("progress", replicas=PROGRESS_REPLICAS)
    stack.wait_healthy(timeout=120)
    yield stack
    for role in ("certificates-worker", "progress"):
        stack.stop_role(role)
        stack.start_role(role, replicas=1)
    stack.wait_healthy(timeout=120)


@pytest.fixture(scope="module")
async def admin(stack: Any, stack_env: dict[str, str], token_for: Any) -> AsyncIterator[GraphQLClient]:
    token = token_for(f"admin-{uuid.uuid4().hex[:6]}", "Scale Admin", ["admin"])
    client = GraphQLClient(stack_env["LMS_PUBLIC_URL"], token, timeout=120.0)
    yield client
    await client.aclose()


async def published_course(admin: GraphQLClient) -> str:
    titles = [{"lang": "en", "text": "Urban resilience at scale"}, {"lang": "kk", "text": "Қала төзімділігі"}]
    course = (
        await admin.q(
            "mutation($i: CreateCourseInput!){ createCourse(input: $i){ id } }",
            i={
                "slug": f"scale-{uuid.uuid4().hex[:8]}",
                "titles": titles,
                "defaultLanguage": "en",
                "autoIssueCertificate": False,
            },
        )
    )["createCourse"]
    module = (
        await admin.q(
            "mutation($c: ID!, $i: ModuleInput!){ addModule(courseId: $c, input: $i){ id } }",
            c=course["id"],
            i={"titles": [{"lang": "en", "text": "Basics"}]},
        )
    )["addModule"]
    await admin.q(
        "mutation($m: ID!, $i: LessonInput!){ addLesson(moduleId: $m, input: $i){ id } }",
        m=module["id"],
        i={"kind": "TEXT", "titles": [{"lang": "en", "text": "Why"}], "bodies": [{"lang": "en", "text": "Because."}]},
    )
    await admin.q("mutation($id: ID!){ publishCourse(id: $id){ status } }", id=course["id"])
    return str(course["id"])


@pytest.fixture(scope="module")
async def outcome(scaled: Any, admin: GraphQLClient, stack_env: dict[str, str]) -> Outcome:
    """Run the bulk job, kill one worker and one progress replica halfway, wait for the end."""
    monitor = f"http://127.0.0.1:{stack_env['LMS_NATS_MONITOR_PORT']}"
    baseline = await progress_connections(monitor)
    course_id = await published_course(admin)
    recipients = [
        {"learnerId": f"scale-{course_id[:8]}-{n:05d}", "name": f"Ərdəm Qasımov {n}", "org": "AZ"} for n in range(TOTAL)
    ]

    async def start() -> dict[str, Any] | None:
        try:
            return (
                await admin.q(
                    "mutation($i: BulkIssueInput!){ startBulkIssue(input: $i){ id total status } }",
                    i={"courseId": course_id, "recipients": recipients},
                )
            )["startBulkIssue"]
        except AssertionError as exc:
            if "NOT_FOUND" in str(exc):
                return None  # the certificates service has not consumed course.published yet
            raise

    job = await wait_until(start, 60, "the certificates service to learn the course", every=1.0)
    job_id = str(job["id"])
    assert job["total"] == TOTAL

    async def status() -> dict[str, Any]:
        query = "query($id: ID!){ bulkIssueJob(id: $id){ status total issued skipped failed } }"
        return dict((await admin.q(query, id=job_id))["bulkIssueJob"])

    workers = scaled.role_procs("certificates-worker")
    replicas = scaled.role_procs("progress")
    assert len(workers) == WORKERS and len(replicas) == PROGRESS_REPLICAS

    async def delivered_to_progress() -> dict[int, int]:
        current = await progress_connections(monitor)
        return {cid: total - baseline.get(cid, 0) for cid, total in current.items()}

    async def all_took_part() -> bool:
        if not all(chunks_done(w.log_path, job_id) > 0 for w in workers):
            return False
        shares = await delivered_to_progress()
        return len(shares) >= PROGRESS_REPLICAS and all(n >= SHARE_BYTES for n in shares.values())

    await wait_until(all_took_part, 300, "every worker and progress replica to do some of the work")
    before_kill = await status()
    assert before_kill["issued"] < TOTAL, "the job finished before the kill; raise LMS_SCALE_TEST_CERTIFICATES"
    chunks = {w.replica: chunks_done(w.log_path, job_id) for w in workers}
    delivered = await delivered_to_progress()
    # SIGKILL: no cleanup, no ack. JetStream redelivers what the dead processes held after ack_wait.
    scaled.kill_role("certificates-worker", signal.SIGKILL, replica=1)
    scaled.kill_role("progress", signal.SIGKILL, replica=1)

    async def finished() -> dict[str, Any] | None:
        current = await status()
        return current if current["status"] in ("COMPLETED", "FAILED", "CANCELLED") else None

    final = await wait_until(finished, 900, "the bulk job to finish", every=2.0)

    certificates_db = await asyncpg.connect(asyncpg_dsn(stack_env["LMS_CERTIFICATES_DATABASE_URL"]))
    try:
        rows = await certificates_db.fetch(
            "SELECT id::text AS id, learner_id, pdf_key, status FROM certificate WHERE course_id = $1", course_id
        )
    finally:
        await certificates_db.close()
    s3 = Minio(
        stack_env["LMS_S3_ENDPOINT"],
        access_key=stack_env["LMS_S3_ACCESS_KEY"],
        secret_key=stack_env["LMS_S3_SECRET_KEY"],
        secure=False,
        region=stack_env.get("LMS_S3_REGION", "us-east-1"),
    )
    bucket = stack_env.get("LMS_S3_CERTIFICATES_BUCKET", "lms-certificates")
    stored = {str(o.object_name) for o in s3.list_objects(bucket_name=bucket, recursive=True)}

    progress_db = await asyncpg.connect(asyncpg_dsn(stack_env["LMS_PROGRESS_DATABASE_URL"]))
    try:

        async def progress_caught_up() -> bool:
            count = await progress_db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course_id)
            return int(count) >= len(rows)

        await wait_until(progress_caught_up, 300, "progress to apply every certificate.issued", every=1.0)
        applied = await progress_db.fetch("SELECT id FROM certificate WHERE course_id = $1", course_id)
    finally:
        await progress_db.close()

    return Outcome(
        course_id=course_id,
        recipients={r["learnerId"] for r in recipients},
        final=final,
        chunks_per_worker=chunks,
        progress_delivered=delivered,
        certificates=[dict(r) for r in rows],
        stored_objects=stored,
        applied_in_progress={str(r["id"]) for r in applied},
    )


def test_the_bulk_job_completes_despite_the_killed_worker(outcome: Outcome) -> None:
    assert outcome.final == {"status": "COMPLETED", "total": TOTAL, "issued": TOTAL, "skipped": 0, "failed": 0}


def test_every_worker_took_part_before_the_kill(outcome: Outcome) -> None:
    assert sorted(outcome.chunks_per_worker) == list(range(WORKERS))
    assert all(n > 0 for n in outcome.chunks_per_worker.values()), outcome.chunks_per_worker


def test_every_recipient_has_exactly_one_certificate_and_one_pdf(outcome: Outcome) -> None:
    learners = [c["learner_id"] for c in outcome.certificates]
    assert len(learners) == TOTAL, f"{len(learners)} certificates for {TOTAL} recipients"
    assert set(learners) == outcome.recipients and len(set(learners)) == TOTAL
    assert all(c["status"] == "VALID" for c in outcome.certificates)
    pdf_keys = {c["pdf_key"] for c in outcome.certificates}
    assert len(pdf_keys) == TOTAL
    assert pdf_keys <= outcome.stored_objects, "every issued certificate has its PDF in the bucket"


def test_progress_applied_every_certificate_once_despite_the_killed_replica(outcome: Outcome) -> None:
    # progress keys its copy by certificate id: one row each, none missing, none unknown.
    assert outcome.applied_in_progress == {c["id"] for c in outcome.certificates}


def test_both_progress_replicas_consumed_from_the_shared_durable_consumer(outcome: Outcome) -> None:
    # NATS's own per-connection counters: both progress connections received a large share.
    assert len(outcome.progress_delivered) == PROGRESS_REPLICAS, outcome.progress_delivered
    assert all(n >= SHARE_BYTES for n in outcome.progress_delivered.values()), outcome.progress_delivered
