"""Bulk workers on the real servers under faults: an S3 outage, a hung S3 link, and lost chunk messages.

A certificates stack of this module's own (API and relay, no worker role), so that the workers are
the ones each test starts in this process, with a short ``ack_wait`` and, where the test says so,
their object store behind a :class:`tests.support.faults.FaultyLink`. Everything else is real:
Postgres, NATS JetStream, SeaweedFS, the API's REST answers and the relay's outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from minio import Minio

from certificates import bootstrap
from certificates.config import CertificatesSettings
from certificates.entrypoints.worker import DURABLE, BulkWorker, ensure_consumer
from certificates.service_layer.bulk import ChunkMessage
from lms_shared.db import asyncpg_dsn
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import JOBS_STREAM, connect
from tests.support.faults import FaultyLink
from tests.support.stack import service_stack

from .conftest import own_admin, publish_course_to, wait_for

pytestmark = pytest.mark.integration

ACK_WAIT = 5.0  # the smallest the settings allow: a hung chunk goes to another worker after 5 s


@pytest.fixture(scope="module")
def quiet_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The servers plus the certificates API and relay; no worker runs unless a test starts one."""
    with service_stack(
        Path(tmp_path_factory.mktemp("certificates-worker-faults")),
        "certificates",
        ("certificates", "certificates-relay"),
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
async def api(quiet_stack: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=quiet_stack.env["LMS_CERTIFICATES_URL"], timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
async def db(quiet_stack: Any) -> AsyncIterator[asyncpg.Pool]:
    dsn = asyncpg_dsn(quiet_stack.env["LMS_CERTIFICATES_DATABASE_URL"])
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3)
    assert pool is not None
    yield pool
    await pool.close()


@pytest.fixture
def s3_link(quiet_stack: Any) -> Iterator[FaultyLink]:
    host, port = quiet_stack.env["LMS_S3_ENDPOINT"].rsplit(":", 1)
    link = FaultyLink(host, int(port))
    yield link
    link.close()


def settings_of(stack: Any, **env: str) -> CertificatesSettings:
    """A worker's settings: the stack's variables, with ``env`` on top."""
    saved = dict(os.environ)
    os.environ.update(stack.env)
    os.environ.update({"LMS_WORKER_ACK_WAIT_SECONDS": str(ACK_WAIT), **env})
    try:
        return CertificatesSettings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


class RunningWorker:
    def __init__(self, worker: BulkWorker, task: asyncio.Task[None], stop: asyncio.Event) -> None:
        self.worker, self.task, self.stop = worker, task, stop


@contextlib.asynccontextmanager
async def worker_of(stack: Any, **env: str) -> AsyncIterator[RunningWorker]:
    """One bulk worker in this process, as ``python -m certificates.worker`` runs it."""
    container = await bootstrap.build(settings_of(stack, **env))
    worker = BulkWorker(container)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield RunningWorker(worker, task, stop)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 40)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(container.stop(), 15)


def people(n: int) -> list[dict[str, str]]:
    tag = uuid.uuid4().hex[:6]
    return [{"name": f"Rəşad Əliyev {i}", "email": f"{tag}-{i}@example.org", "org": "AZ"} for i in range(n)]


async def start_job(api: httpx.AsyncClient, stack: Any, n: int) -> dict[str, Any]:
    course = await publish_course_to(stack, auto_issue=False)
    r = await api.post(
        "/v1/bulk-jobs", json={"courseId": course.course_id, "recipients": people(n)}, headers=own_admin(stack)
    )
    assert r.status_code == 201, r.text
    job: dict[str, Any] = r.json()
    return job


async def job_now(api: httpx.AsyncClient, stack: Any, job_id: str) -> dict[str, Any]:
    r = await api.get(f"/v1/bulk-jobs/{job_id}", headers=own_admin(stack))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def finished(api: httpx.AsyncClient, stack: Any, job_id: str, timeout: float) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job = await job_now(api, stack, job_id)
        return job if job["status"] in ("COMPLETED", "FAILED", "CANCELLED") else None

    result: dict[str, Any] = await wait_for(done, timeout=timeout, interval=0.5)
    return result


async def assert_issued_exactly_once(db: asyncpg.Pool, stack: Any, job: dict[str, Any], n: int) -> None:
    """Every item ISSUED, one valid certificate per person, and each certificate's PDF in the store."""
    job_id = uuid.UUID(job["id"])
    items = await db.fetch("SELECT status, count(*) AS n FROM bulk_item WHERE job_id = $1 GROUP BY status", job_id)
    assert {r["status"]: r["n"] for r in items} == {"ISSUED": n}
    counts = await db.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT recipient_key) AS people, count(DISTINCT code) AS codes "
        "FROM certificate WHERE course_id = $1",
        job["courseId"],
    )
    assert counts["n"] == counts["people"] == counts["codes"] == n
    keys = {r["pdf_key"] for r in await db.fetch("SELECT pdf_key FROM certificate WHERE bulk_job_id = $1", job_id)}
    env = stack.env
    client = Minio(env["LMS_S3_ENDPOINT"], env["LMS_S3_ACCESS_KEY"], env["LMS_S3_SECRET_KEY"], secure=False)
    bucket = settings_of(stack).s3_certificates_bucket

    def stored() -> set[str]:
        return {o.object_name for o in client.list_objects(bucket, prefix="certificates/", recursive=True)}

    assert keys <= await asyncio.to_thread(stored), "a certificate row points at a PDF that is not in the store"


async def progress_events(stack: Any, job_id: str, since: datetime) -> list[Envelope]:
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    nc, js = await connect(stack.env["LMS_NATS_URL"], "worker-faults-tests")
    try:
        sub = await js.pull_subscribe(
            "lms.certificates.bulk.progress.v1",
            stream="LMS_EVENTS",
            config=ConsumerConfig(
                ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=since
            ),
        )
        out: list[Envelope] = []
        while True:
            try:
                msgs = await sub.fetch(500, timeout=1.0)
            except TimeoutError:
                break
            out += [e for m in msgs if (e := Envelope.from_bytes(m.data)).data["job_id"] == job_id]
        await sub.unsubscribe()
        return out
    finally:
        await nc.drain()


async def test_an_s3_outage_mid_job_waits_and_fails_nobody(
    quiet_stack: Any, api: httpx.AsyncClient, db: asyncpg.Pool, s3_link: FaultyLink
) -> None:
    """Before: every failure counted toward 8 attempts, after which the chunk's people were FAILED; the job
    never said it was waiting. Now the chunks wait out the outage and the job shows why."""
    since = datetime.now(UTC) - timedelta(seconds=1)
    n = 400
    async with worker_of(quiet_stack, LMS_S3_ENDPOINT=f"127.0.0.1:{s3_link.port}") as running:
        job = await start_job(api, quiet_stack, n)

        async def under_way() -> bool:
            return (await job_now(api, quiet_stack, job["id"]))["issued"] > 0

        await wait_for(under_way, timeout=60, interval=0.1)
        s3_link.cut()  # the store is gone: connections reset, new ones refused

        async def waiting() -> dict[str, Any] | None:
            current = await job_now(api, quiet_stack, job["id"])
            return current if current["waitingReason"] else None

        seen = await wait_for(waiting, timeout=30, interval=0.3)
        assert seen["status"] in ("QUEUED", "RUNNING") and seen["failed"] == 0
        assert "object store (S3)" in seen["waitingReason"] and seen["waitingSince"]
        await asyncio.sleep(20)  # the outage lasts: far more deliveries than the old attempt cap
        assert running.worker.transient_retries > 0
        assert (await job_now(api, quiet_stack, job["id"]))["failed"] == 0
        s3_link.restore()

        done = await finished(api, quiet_stack, job["id"], timeout=90)
    assert done["status"] == "COMPLETED"
    assert (done["issued"], done["failed"], done["skipped"]) == (n, 0, 0)
    assert done["waitingReason"] is None and done["waitingSince"] is None
    await assert_issued_exactly_once(db, quiet_stack, done, n)

    async def final_progress() -> list[Envelope]:
        events = await progress_events(quiet_stack, job["id"], since)
        return [e for e in events if e.data["status"] == "COMPLETED"]

    (last,) = await wait_for(final_progress, timeout=30)
    assert last.data["issued"] == n and last.data["failed"] == 0


async def test_a_chunk_hung_on_a_half_open_s3_link_goes_to_another_worker(
    quiet_stack: Any, api: httpx.AsyncClient, db: asyncpg.Pool, s3_link: FaultyLink
) -> None:
    """Before: the heartbeat kept a hung chunk from every other worker until the upload timed out (minutes).
    Now a chunk that stops moving gets no heartbeat, JetStream redelivers it after ack_wait, and the job ends."""
    n = 300
    async with worker_of(quiet_stack, LMS_S3_ENDPOINT=f"127.0.0.1:{s3_link.port}") as stuck:
        s3_link.hang()  # the first worker's store answers nothing, and never resets
        job = await start_job(api, quiet_stack, n)

        nc, js = await connect(quiet_stack.env["LMS_NATS_URL"], "worker-faults-observer")
        try:

            async def held() -> bool:  # the first worker took chunks, and their uploads hang
                return (await js.consumer_info(JOBS_STREAM, DURABLE)).num_ack_pending > 0

            await wait_for(held, timeout=30)
        finally:
            await nc.drain()
        try:
            async with worker_of(quiet_stack):
                done = await finished(api, quiet_stack, job["id"], timeout=45)
            assert stuck.worker.abandoned_chunks >= 1, "the hung chunk was let go"
            assert stuck.worker.processed_chunks == 0
        finally:
            s3_link.restore()
    assert done["status"] == "COMPLETED"
    assert (done["issued"], done["failed"]) == (n, 0)
    await assert_issued_exactly_once(db, quiet_stack, done, n)


async def test_a_job_whose_chunk_messages_were_lost_is_requeued_by_the_watchdog(
    quiet_stack: Any, api: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    """Before: a job whose chunks were acknowledged without being done (or lost) stayed QUEUED forever."""
    n = 200
    nc, js = await connect(quiet_stack.env["LMS_NATS_URL"], "worker-faults-loser")
    try:
        await ensure_consumer(js, ACK_WAIT)
        sub = await js.pull_subscribe_bind(DURABLE, stream=JOBS_STREAM)
        job = await start_job(api, quiet_stack, n)
        chunks = await db.fetchval("SELECT chunks FROM bulk_job WHERE id = $1", uuid.UUID(job["id"]))
        assert chunks == 2
        lost: set[int] = set()

        async def all_lost() -> bool:  # a worker that acks its chunks and then loses the work
            with contextlib.suppress(TimeoutError):
                for msg in await sub.fetch(10, timeout=1.0):
                    message = ChunkMessage.from_json(orjson.loads(msg.data))
                    if str(message.job_id) == job["id"]:
                        lost.add(message.chunk)
                    await msg.ack()
            return len(lost) == chunks

        await wait_for(all_lost, timeout=30)
        await sub.unsubscribe()
    finally:
        await nc.drain()
    assert (await job_now(api, quiet_stack, job["id"]))["status"] == "QUEUED"

    async with worker_of(quiet_stack, LMS_WORKER_STUCK_AFTER_SECONDS="3") as running:
        done = await finished(api, quiet_stack, job["id"], timeout=45)
    assert running.worker.requeued_jobs >= 1
    assert done["status"] == "COMPLETED" and (done["issued"], done["failed"]) == (n, 0)
    await assert_issued_exactly_once(db, quiet_stack, done, n)
    row = await db.fetchrow("SELECT requeues FROM bulk_job WHERE id = $1", uuid.UUID(job["id"]))
    assert row["requeues"] >= 1
    audit = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE job_id = $1 AND action = 'bulk_requeue'", uuid.UUID(job["id"])
    )
    assert audit == row["requeues"]
