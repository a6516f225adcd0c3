"""The bulk worker under faults, on fakes: outages wait, one failed upload keeps its siblings, a hung
chunk is let go, a chunk given up still announces the job's end, and the watchdog re-queues silent jobs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import urllib3

from certificates.domain.bulk import BulkJob, JobStatus
from certificates.entrypoints.worker import MAX_CHUNK_ATTEMPTS, BulkWorker
from certificates.service_layer import bulk
from certificates.service_layer.bulk import ChunkIncomplete, ChunkMessage, ProcessChunk, StartBulkIssue
from certificates.service_layer.issuing import Actor
from certificates.service_layer.ports import BulkLimits, Ports
from lms_shared.db import utcnow
from lms_shared.events.catalogue import BulkProgressV1
from lms_shared.faults import is_transient

from .fakes import FakeObjects, FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

ADMIN = Actor("admin-1", "Aida Admin")


class FlakyObjects(FakeObjects):
    """An object store that fails (like an unreachable S3 through urllib3) for the keys it is told."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.fail_once: set[int] = set()
        self.calls = 0
        self.hang = threading.Event()
        self.hanging = False
        self.delay = 0.0

    def put_pdf(self, key: str, data: bytes) -> None:
        self.calls += 1
        if self.hanging:
            self.hang.wait(30)
        if self.delay:
            threading.Event().wait(self.delay)
        if self.down or self.calls in self.fail_once:
            raise urllib3.exceptions.MaxRetryError(None, "/certificates", reason=ConnectionRefusedError(111))  # type: ignore[arg-type]
        super().put_pdf(key, data)


def ports_with(objects: FlakyObjects, *, chunk_size: int = 5, threads: int = 0) -> Ports:
    ports = fake_ports(limits=BulkLimits(max_recipients=1000, chunk_size=chunk_size))
    changes: dict[str, Any] = {"pdfs": objects}
    if threads:
        changes["executor"] = ThreadPoolExecutor(threads)
    return dataclasses.replace(ports, **changes)


async def started_job(uow: FakeUnitOfWork, ports: Ports, n: int, prefix: str = "p") -> tuple[BulkJob, ChunkMessage]:
    c = course()
    uow.tables.courses[c.id] = c
    uow.work.courses[c.id] = c
    people = [{"name": f"Person {i}", "email": f"{prefix}{i}@example.kz"} for i in range(n)]
    job = await bulk.start_bulk_issue(uow, ADMIN, StartBulkIssue(c.id, recipients=people), ports)
    (first, *_) = [m for _, _, body in uow.tables.queue if (m := ChunkMessage.from_json(body)).job_id == job.id]
    return job, first


def statuses(uow: FakeUnitOfWork, job_id: uuid.UUID) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in uow.tables.items[job_id].values():
        out[item["status"]] = out.get(item["status"], 0) + 1
    return out


def progress_events(uow: FakeUnitOfWork, job_id: uuid.UUID) -> list[BulkProgressV1]:
    return [e for e in uow.tables.events if isinstance(e, BulkProgressV1) and e.job_id == str(job_id)]


class FakeMsg:
    """The parts of a JetStream message the worker uses, recording what it was told."""

    def __init__(self, message: ChunkMessage, delivered: int = 1) -> None:
        import orjson

        self.data = orjson.dumps(message.to_json())
        self.metadata = SimpleNamespace(num_delivered=delivered)
        self.acked = 0
        self.naks: list[float | None] = []
        self.beats = 0
        self.termed = False

    async def ack(self) -> None:
        self.acked += 1

    async def nak(self, delay: float | None = None) -> None:
        self.naks.append(delay)

    async def in_progress(self) -> None:
        self.beats += 1

    async def term(self) -> None:
        self.termed = True


def worker_on(uow: FakeUnitOfWork, ports: Ports, ack_wait: float = 30.0) -> BulkWorker:
    settings = SimpleNamespace(worker_ack_wait_seconds=ack_wait, worker_stuck_after_seconds=60.0)
    container = SimpleNamespace(settings=settings, uow=lambda: uow, ports=ports)
    return BulkWorker(container)  # type: ignore[arg-type]


# --- one failed upload keeps its siblings ------------------------------------------------------------


async def test_one_failed_upload_keeps_the_siblings_and_the_retry_makes_only_the_missing_one() -> None:
    objects = FlakyObjects()
    uow, ports = FakeUnitOfWork(), ports_with(objects)
    job, message = await started_job(uow, ports, 5)
    objects.fail_once = {3}  # the third upload of the chunk fails, as a blip of the store would

    with pytest.raises(ChunkIncomplete) as raised:
        await bulk.process_chunk(uow, None, ProcessChunk(message), ports)
    assert is_transient(raised.value), "the chunk is retried as an outage, not counted as a failure"
    assert statuses(uow, job.id) == {"ISSUED": 4, "PENDING": 1}
    assert len(uow.tables.certificates) == 4 and uow.tables.jobs[job.id].issued == 4

    renders_before = len(ports.renderer.rendered)  # type: ignore[attr-defined]
    result = await bulk.process_chunk(uow, None, ProcessChunk(message), ports)
    assert len(ports.renderer.rendered) - renders_before == 1, "only the missing certificate is made again"  # type: ignore[attr-defined]
    assert result.issued == 1 and result.job_finished
    assert statuses(uow, job.id) == {"ISSUED": 5}
    assert uow.tables.jobs[job.id].status == "COMPLETED" and uow.tables.jobs[job.id].issued == 5
    assert len({r["recipient_key"] for r in uow.tables.certificates.values()}) == 5


# --- outages wait, deterministic failures fail ----------------------------------------------------------


async def test_an_outage_never_fails_recipients_however_often_the_chunk_comes_back() -> None:
    objects = FlakyObjects()
    uow, ports = FakeUnitOfWork(), ports_with(objects)
    job, message = await started_job(uow, ports, 5)
    objects.down = True
    worker = worker_on(uow, ports)

    for delivered in (1, MAX_CHUNK_ATTEMPTS, 3 * MAX_CHUNK_ATTEMPTS):
        msg = FakeMsg(message, delivered)
        await worker.handle(msg)  # type: ignore[arg-type]
        assert msg.acked == 0 and len(msg.naks) == 1, "put back on the queue, never acknowledged as done"
        assert 0 < (msg.naks[0] or 0) <= 15.0, "capped back-off"

    assert statuses(uow, job.id) == {"PENDING": 5}
    waiting = uow.tables.jobs[job.id]
    assert waiting.status == "QUEUED" and waiting.failed == 0
    assert waiting.waiting_reason is not None and "object store (S3)" in waiting.waiting_reason
    assert waiting.waiting_since is not None

    objects.down = False
    msg = FakeMsg(message, 3 * MAX_CHUNK_ATTEMPTS + 1)
    await worker.handle(msg)  # type: ignore[arg-type]
    assert msg.acked == 1
    done = uow.tables.jobs[job.id]
    assert done.status == "COMPLETED" and done.issued == 5 and done.failed == 0
    assert done.waiting_reason is None, "no longer waiting once items move"
    assert progress_events(uow, job.id)[-1].status == "COMPLETED"


async def test_a_chunk_that_fails_the_same_way_every_time_is_given_up_and_the_end_is_announced() -> None:
    objects = FlakyObjects()
    uow, ports = FakeUnitOfWork(), ports_with(objects)
    job, message = await started_job(uow, ports, 5)
    del uow.tables.courses[job.course_id]  # a bug-like, deterministic failure of the whole chunk
    worker = worker_on(uow, ports)

    for n in range(1, MAX_CHUNK_ATTEMPTS + 1):
        msg = FakeMsg(message, n)
        await worker.handle(msg)  # type: ignore[arg-type]
        if n < MAX_CHUNK_ATTEMPTS:
            assert msg.naks and msg.acked == 0
    assert msg.acked == 1
    ended = uow.tables.jobs[job.id]
    assert ended.status == "COMPLETED" and ended.failed == 5
    assert statuses(uow, job.id) == {"FAILED": 5}
    final = progress_events(uow, job.id)[-1]
    assert final.status == "COMPLETED" and final.failed == 5, "the watchers learn that the job ended"


async def test_giving_up_a_chunk_sends_the_final_progress_event() -> None:
    uow, ports = FakeUnitOfWork(), ports_with(FlakyObjects())
    job, message = await started_job(uow, ports, 5)
    before = len(progress_events(uow, job.id))
    failed = await bulk.give_up_chunk(uow, message, "gave up", ports)
    assert failed == 5
    events = progress_events(uow, job.id)
    assert len(events) == before + 1
    assert events[-1].status == "COMPLETED" and events[-1].failed == 5 and events[-1].total == 5


# --- the heartbeat follows progress ------------------------------------------------------------------


async def test_a_hung_chunk_gets_no_heartbeat_and_is_let_go_for_another_worker() -> None:
    objects = FlakyObjects()
    uow, ports = FakeUnitOfWork(), ports_with(objects, threads=2)
    job, message = await started_job(uow, ports, 5)
    objects.hanging = True  # every upload blocks, as over a half-open connection
    worker = worker_on(uow, ports, ack_wait=2.0)
    msg = FakeMsg(message)
    try:
        await asyncio.wait_for(worker.handle(msg), timeout=20)  # type: ignore[arg-type]
    finally:
        objects.hang.set()
    assert worker.abandoned_chunks == 1
    # At most the beat that covers the steps before the uploads hung; none while nothing moves, so
    # JetStream redelivers the chunk after ack_wait.
    assert msg.beats <= 1
    assert msg.acked == 0 and msg.naks == []
    assert statuses(uow, job.id) == {"PENDING": 5}


async def test_a_slow_chunk_that_keeps_moving_keeps_its_heartbeat() -> None:
    objects = FlakyObjects()
    uow, ports = FakeUnitOfWork(), ports_with(objects, chunk_size=10, threads=1)
    job, message = await started_job(uow, ports, 10)
    objects.delay = 0.35  # 10 uploads one after another: longer than ack_wait, but always moving
    worker = worker_on(uow, ports, ack_wait=2.0)
    msg = FakeMsg(message)
    await asyncio.wait_for(worker.handle(msg), timeout=30)  # type: ignore[arg-type]
    assert worker.abandoned_chunks == 0 and msg.acked == 1
    assert msg.beats >= 1
    assert statuses(uow, job.id) == {"ISSUED": 10}


# --- the watchdog ----------------------------------------------------------------------------------


async def test_the_watchdog_requeues_the_pending_items_of_a_silent_job_once_per_generation() -> None:
    uow, ports = FakeUnitOfWork(), ports_with(FlakyObjects(), chunk_size=2)
    job, message = await started_job(uow, ports, 5)
    await bulk.process_chunk(uow, None, ProcessChunk(message), ports)  # items 0 and 1 done; 2..4 lost
    lively, _ = await started_job(uow, ports, 2, prefix="other")  # just created: not silent
    long_ago = utcnow() - timedelta(hours=1)
    uow.tables.jobs[job.id] = replace(uow.tables.jobs[job.id], updated_at=long_ago)
    queued = len(uow.tables.queue)

    async with uow:
        found = await bulk.requeue_stalled_jobs(uow, utcnow() - timedelta(minutes=5), ports)
    assert [r.job_id for r in found] == [job.id] and lively.id != job.id, "the job just created is not silent"
    (requeued,) = found
    assert requeued.job_id == job.id and requeued.generation == 1 and requeued.pending == 3
    sent = uow.tables.queue[queued:]
    assert [(mid, ChunkMessage.from_json(body).first, ChunkMessage.from_json(body).last) for _, mid, body in sent] == [
        (f"{job.id}:0:r1", 2, 3),
        (f"{job.id}:1:r1", 4, 4),
    ]
    assert any(a.action == "bulk_requeue" and a.job_id == job.id for a in uow.tables.audit)
    async with uow:
        assert await bulk.requeue_stalled_jobs(uow, utcnow() - timedelta(minutes=5), ports) == []

    for _, _, body in sent:
        await bulk.process_chunk(uow, None, ProcessChunk(ChunkMessage.from_json(body)), ports)
    assert uow.tables.jobs[job.id].status == JobStatus.COMPLETED and statuses(uow, job.id) == {"ISSUED": 5}


async def test_after_the_first_upload_fails_the_rest_of_the_chunk_is_not_tried_one_by_one() -> None:
    objects = FlakyObjects()
    uow, ports = FakeUnitOfWork(), ports_with(objects, chunk_size=10, threads=1)
    job, message = await started_job(uow, ports, 10)
    objects.down = True
    objects.delay = 0.5  # a failing upload takes its time (retries, a connect timeout), as against a real store
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        await bulk.process_chunk(uow, None, ProcessChunk(message), ports)
    # Each upload into an outage retries before it gives up; ten of them in a row would hold the
    # chunk (and the threads) for ten times that. One thread: at most the one running is finished.
    assert objects.calls <= 2
    assert statuses(uow, job.id) == {"PENDING": 10}
