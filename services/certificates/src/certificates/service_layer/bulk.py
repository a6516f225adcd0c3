"""Bulk issue: plan a job, split it into chunks on the work queue, and process one chunk.

Exactly-once effects on an at-least-once queue: a chunk only ever moves items that are still
PENDING, and it moves them in the same transaction that inserts their certificates, under a lock on
the job row. A chunk delivered twice (a slow worker, a worker killed with SIGKILL, a re-run) finds
its items done and does nothing, and the job's counters only count what each transaction moved.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.adapters.metrics import count_job_finished
from certificates.domain.bulk import ItemStatus, JobStatus, PlannedItem, chunk_ranges, plan_items
from certificates.domain.certificate import CertificateStatus
from certificates.domain.recipients import Recipient, parse_recipient
from certificates.service_layer.issuing import (
    Actor,
    AlreadyCertified,
    IssueFailed,
    Issuer,
    PlannedCertificate,
    PreparedCertificate,
    load_course,
    plan_issue,
    prepare_certificates,
    stage_events,
    stage_job_message,
    valid_certificates_by_key,
    write_certificates,
)
from certificates.service_layer.templates import TemplateProvider
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, NotFound
from lms_shared.events.catalogue import BulkProgressV1

JOBS_SUBJECT = "jobs.certificates.bulk"
PROGRESS_INTERVAL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class ChunkMessage:
    """One unit of work on the queue: the PENDING items of a job with ``first <= idx <= last``."""

    job_id: uuid.UUID
    chunk: int
    first: int
    last: int

    def to_json(self) -> dict[str, Any]:
        return {"jobId": str(self.job_id), "chunk": self.chunk, "first": self.first, "last": self.last}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChunkMessage:
        return cls(uuid.UUID(str(data["jobId"])), int(data["chunk"]), int(data["first"]), int(data["last"]))


async def start_bulk_issue(
    session: AsyncSession,
    course_id: str,
    *,
    all_eligible: bool,
    recipients: list[dict[str, Any]] | None,
    actor: Actor,
    max_recipients: int,
    chunk_size: int,
) -> uuid.UUID:
    """Plan a job, store its items, and queue its chunks (through the outbox, so they go iff we commit)."""
    course = await load_course(session, course_id)
    if course is None:
        raise NotFound(
            f"The course {course_id!r} is not known to the certificates service; publish it first "
            "(certificates learn about courses when they are published)."
        )
    if all_eligible and recipients:
        raise BadInput("Give either allEligible or a list of recipients, not both.")
    if all_eligible:
        rows = await _eligible_rows(session, course_id)
        mode = "allEligible"
    elif recipients:
        if len(recipients) > max_recipients:
            raise BadInput(
                f"The list has {len(recipients)} recipients; one job takes at most {max_recipients}. "
                "Split the list into several jobs."
            )
        rows = recipients
        mode = "recipients"
    else:
        raise BadInput("Give recipients, or set allEligible to issue to everyone who completed the course.")

    keys = []
    for raw in rows:
        try:
            keys.append(parse_recipient(dict(raw), "").key)
        except ValueError:
            continue
    held = await valid_certificates_by_key(session, course_id, keys)
    items = plan_items(rows, {k: v.code for k, v in held.items()})
    job_id = uuid.uuid4()
    pending = [i.index for i in items if i.status == ItemStatus.PENDING]
    ranges = chunk_ranges(pending, chunk_size)
    now = utcnow()
    skipped = sum(1 for i in items if i.status == ItemStatus.SKIPPED)
    failed = sum(1 for i in items if i.status == ItemStatus.FAILED)
    status = JobStatus.QUEUED if pending else JobStatus.COMPLETED
    await session.execute(
        insert(orm.bulk_job).values(
            id=job_id,
            course_id=course_id,
            mode=mode,
            status=status.value,
            total=len(items),
            issued=0,
            skipped=skipped,
            failed=failed,
            chunks=len(ranges),
            created_by=actor.sub,
            created_by_name=actor.name,
            created_at=now,
            finished_at=None if pending else now,
        )
    )
    if not pending:  # nobody left to issue to: the job ends as it starts
        count_job_finished(session, status.value)
    if items:
        await session.execute(insert(orm.bulk_item), [_item_row(job_id, i) for i in items])
    await session.execute(
        insert(orm.audit_log).values(
            actor_sub=actor.sub,
            actor_name=actor.name,
            action="bulk_start",
            job_id=job_id,
            details={"courseId": course_id, "mode": mode, "total": len(items), "pending": len(pending)},
        )
    )
    for n, (first, last) in enumerate(ranges):
        message = ChunkMessage(job_id, n, first, last)
        await stage_job_message(session, JOBS_SUBJECT, f"{job_id}:{n}", message.to_json())
    await stage_events(session, [_progress_event(job_id, course_id, status, len(items), 0, skipped, failed)])
    return job_id


def _item_row(job_id: uuid.UUID, item: PlannedItem) -> dict[str, Any]:
    recipient = (
        item.recipient.to_json() if item.recipient is not None else {k: _jsonable(v) for k, v in item.raw.items()}
    )
    return {
        "job_id": job_id,
        "idx": item.index,
        "recipient": recipient,
        "label": item.label[:500],
        "status": item.status.value,
        "reason": item.reason,
    }


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


async def _eligible_rows(session: AsyncSession, course_id: str) -> list[dict[str, Any]]:
    """Everyone who completed the course and holds no valid certificate for it."""
    c, cert = orm.completion.c, orm.certificate.c
    holders = select(cert.learner_id).where(
        cert.course_id == course_id, cert.status == CertificateStatus.VALID, cert.learner_id.is_not(None)
    )
    rows = await session.execute(
        select(orm.completion)
        .where(c.course_id == course_id, c.learner_id.not_in(holders))
        .order_by(c.completed_at, c.learner_id)
    )
    return [
        Recipient(
            name=r.learner_name,
            learner_id=r.learner_id,
            org=r.org,
            municipality=r.municipality,
            locale=r.locale,
            enrollment_id=r.enrollment_id,
            course_version=r.course_version,
        ).to_json()
        for r in rows
    ]


def _progress_event(
    job_id: uuid.UUID, course_id: str, status: JobStatus, total: int, issued: int, skipped: int, failed: int
) -> BulkProgressV1:
    return BulkProgressV1(
        job_id=str(job_id),
        course_id=course_id,
        status=status.value,
        total=total,
        issued=issued,
        skipped=skipped,
        failed=failed,
        updated_at=utcnow(),
    )


async def cancel_bulk_job(session: AsyncSession, job_id: uuid.UUID, actor: Actor) -> None:
    """Stop a job: its remaining items are skipped; chunks already being written finish first."""
    job = await _lock_job(session, job_id)
    if JobStatus(job.status).finished:
        raise Conflict(f"The job has already ended ({job.status}); there is nothing to cancel.")
    result = await session.execute(
        update(orm.bulk_item)
        .where(orm.bulk_item.c.job_id == job_id, orm.bulk_item.c.status == ItemStatus.PENDING)
        .values(status=ItemStatus.SKIPPED.value, reason="the job was cancelled", updated_at=utcnow())
    )
    skipped = int(result.rowcount or 0)  # type: ignore[attr-defined]
    count_job_finished(session, JobStatus.CANCELLED.value)
    now = utcnow()
    row = (
        await session.execute(
            update(orm.bulk_job)
            .where(orm.bulk_job.c.id == job_id)
            .values(status=JobStatus.CANCELLED.value, skipped=orm.bulk_job.c.skipped + skipped, finished_at=now)
            .returning(orm.bulk_job)
        )
    ).one()
    await session.execute(
        insert(orm.audit_log).values(
            actor_sub=actor.sub, actor_name=actor.name, action="cancel", job_id=job_id, details={"skipped": skipped}
        )
    )
    await stage_events(
        session,
        [_progress_event(job_id, row.course_id, JobStatus.CANCELLED, row.total, row.issued, row.skipped, row.failed)],
    )


async def _lock_job(session: AsyncSession, job_id: uuid.UUID) -> Any:
    row = (await session.execute(select(orm.bulk_job).where(orm.bulk_job.c.id == job_id).with_for_update())).first()
    if row is None:
        raise NotFound(f"There is no bulk issue job {job_id}.")
    return row


@dataclass
class ChunkResult:
    issued: int = 0
    skipped: int = 0
    failed: int = 0
    job_finished: bool = False
    prepare_seconds: float = 0.0
    """Rendering, signing and uploading: the CPU-bound part."""
    write_seconds: float = 0.0
    """From taking the job lock to the end of the writes (the commit is the caller's)."""


class ProgressThrottle:
    """At most one progress event per job every half second from one worker, plus the final one."""

    def __init__(self, interval: float = PROGRESS_INTERVAL_SECONDS) -> None:
        self._interval = interval
        self._last: dict[uuid.UUID, float] = {}

    def due(self, job_id: uuid.UUID, final: bool) -> bool:
        now = time.monotonic()
        if final or now - self._last.get(job_id, 0.0) >= self._interval:
            self._last[job_id] = now
            if final:
                self._last.pop(job_id, None)
            return True
        return False


async def process_chunk(
    session: AsyncSession,
    issuer: Issuer,
    templates: TemplateProvider,
    message: ChunkMessage,
    throttle: ProgressThrottle,
) -> ChunkResult:
    """Issue the PENDING items of one chunk in the caller's transaction (see the module doc)."""
    job = (await session.execute(select(orm.bulk_job).where(orm.bulk_job.c.id == message.job_id))).first()
    if job is None or JobStatus(job.status).finished:
        return ChunkResult()
    i = orm.bulk_item.c
    rows = (
        await session.execute(
            select(i.idx, i.recipient)
            .where(
                i.job_id == message.job_id,
                i.idx >= message.first,
                i.idx <= message.last,
                i.status == ItemStatus.PENDING,
            )
            .order_by(i.idx)
        )
    ).all()
    if not rows:
        return ChunkResult()
    course = await load_course(session, job.course_id)
    if course is None:  # cannot happen: a job is only planned for a known course
        raise RuntimeError(f"course {job.course_id} of job {job.id} is missing")
    template = await templates.get(session, course.template_id)
    recipients = [Recipient.from_json(dict(r.recipient)) for r in rows]
    plans = await plan_issue(session, issuer, course, recipients)
    to_make = [p for p in plans if isinstance(p, PlannedCertificate)]
    started = time.perf_counter()
    made = await prepare_certificates(issuer, course, template, to_make, job_id=job.id)
    prepared_at = time.perf_counter()
    made_by_key = {m.plan.recipient.key if isinstance(m, PreparedCertificate) else m.recipient.key: m for m in made}

    # The slow part is over; from here on the job row is locked for a few milliseconds.
    locked = await _lock_job(session, job.id)
    if JobStatus(locked.status).finished:
        return ChunkResult()
    still_pending = set(
        (
            await session.execute(
                select(i.idx).where(
                    i.job_id == job.id, i.idx.in_([r.idx for r in rows]), i.status == ItemStatus.PENDING
                )
            )
        ).scalars()
    )
    if not still_pending:
        return ChunkResult()
    live = [(r.idx, p) for r, p in zip(rows, plans, strict=True) if r.idx in still_pending]
    prepared = [
        m
        for idx, p in live
        if isinstance(p, PlannedCertificate) and isinstance(m := made_by_key[p.recipient.key], PreparedCertificate)
    ]
    actor = Actor(job.created_by, job.created_by_name)
    inserted = await write_certificates(session, prepared, actor, mode="bulk", reason=f"bulk issue job {job.id}")
    lost_keys = [p.plan.recipient.key for p in prepared if p.plan.id not in inserted]
    holders = await valid_certificates_by_key(session, course.id, lost_keys)

    updates: list[dict[str, Any]] = []
    result = ChunkResult()
    for idx, plan in live:
        status, cert_id, reason = _outcome(plan, made_by_key, inserted, holders)
        updates.append({"b_idx": idx, "b_status": status.value, "b_cert": cert_id, "b_reason": reason})
        if status == ItemStatus.ISSUED:
            result.issued += 1
        elif status == ItemStatus.SKIPPED:
            result.skipped += 1
        else:
            result.failed += 1
    await session.execute(
        update(orm.bulk_item)
        .where(i.job_id == job.id, i.idx == bindparam("b_idx"))
        .values(
            status=bindparam("b_status"),
            certificate_id=bindparam("b_cert"),
            reason=bindparam("b_reason"),
            updated_at=func.now(),
        ),
        updates,
    )
    remaining = await session.scalar(
        select(func.count()).select_from(orm.bulk_item).where(i.job_id == job.id, i.status == ItemStatus.PENDING)
    )
    finished = remaining == 0
    j = orm.bulk_job.c
    now = utcnow()
    counters = (
        await session.execute(
            update(orm.bulk_job)
            .where(j.id == job.id)
            .values(
                issued=j.issued + result.issued,
                skipped=j.skipped + result.skipped,
                failed=j.failed + result.failed,
                status=(JobStatus.COMPLETED if finished else JobStatus.RUNNING).value,
                started_at=func.coalesce(j.started_at, now),
                finished_at=now if finished else None,
            )
            .returning(j.total, j.issued, j.skipped, j.failed, j.status)
        )
    ).one()
    result.job_finished = finished
    if finished:
        count_job_finished(session, JobStatus.COMPLETED.value)
    result.prepare_seconds = prepared_at - started
    result.write_seconds = time.perf_counter() - prepared_at
    if throttle.due(job.id, finished):
        await stage_events(
            session,
            [
                _progress_event(
                    job.id,
                    course.id,
                    JobStatus(counters.status),
                    counters.total,
                    counters.issued,
                    counters.skipped,
                    counters.failed,
                )
            ],
        )
    return result


def _outcome(
    plan: PlannedCertificate | AlreadyCertified,
    made_by_key: dict[str, PreparedCertificate | IssueFailed],
    inserted: set[uuid.UUID],
    holders: dict[str, Any],
) -> tuple[ItemStatus, uuid.UUID | None, str | None]:
    if isinstance(plan, AlreadyCertified):
        return ItemStatus.SKIPPED, plan.certificate_id, f"already certified: {plan.code}"
    made = made_by_key[plan.recipient.key]
    if isinstance(made, IssueFailed):
        return ItemStatus.FAILED, None, made.reason
    if plan.id in inserted:
        return ItemStatus.ISSUED, plan.id, None
    holder = holders.get(plan.recipient.key)
    if holder is not None:
        return ItemStatus.SKIPPED, holder.id, f"already certified: {holder.code}"
    return ItemStatus.FAILED, None, "a conflicting certificate appeared while issuing; start the job again"


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> Any:
    row = (await session.execute(select(orm.bulk_job).where(orm.bulk_job.c.id == job_id))).first()
    if row is None:
        raise NotFound(f"There is no bulk issue job {job_id}.")
    return row


async def job_failures(session: AsyncSession, job_id: uuid.UUID, limit: int = 10_000) -> list[dict[str, str]]:
    """Items a person has to look at: failed ones, and skipped ones with their reason."""
    i = orm.bulk_item.c
    rows = await session.execute(
        select(i.label, i.reason, i.status)
        .where(i.job_id == job_id, i.status.in_([ItemStatus.FAILED, ItemStatus.SKIPPED]))
        .order_by(i.idx)
        .limit(limit)
    )
    return [{"recipient": r.label, "reason": f"{r.reason or r.status.lower()}"} for r in rows]


def job_json(row: Any, failures: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "courseId": row.course_id,
        "status": row.status,
        "total": row.total,
        "issued": row.issued,
        "skipped": row.skipped,
        "failed": row.failed,
        "createdAt": row.created_at.isoformat(),
        "finishedAt": row.finished_at.isoformat() if row.finished_at else None,
        "failures": failures if failures is not None else [],
    }
