"""Bulk issue: plan a job (or only preview it), split it into chunks on the work queue, process a chunk.

Planning is one function for the real job and the dry run (:func:`plan_bulk_issue`), so the preview
an admin sees is what the job does: the same parsing, the same rules, the same duplicates and the
same already-certified lookups. The dry run stops before anything is stored, queued or issued.

Exactly-once effects on an at-least-once queue: a chunk only ever moves items that are still
PENDING, and it moves them in the same transaction that inserts their certificates, under a lock on
the job row. A chunk delivered twice (a slow worker, a worker killed with SIGKILL, a re-run) finds
its items done and does nothing, and the job's counters only count what each transaction moved.

Outages are not failures. A chunk whose object store or database is away keeps its items PENDING
and is retried until the server is back (:func:`mark_job_waiting` shows the job waiting meanwhile);
what one chunk did prepare before an upload failed is written at once, so a retry only redoes the
certificates that were missing. Only a failure that repeats the same way (a name the font cannot
print, a bug) fails recipients. A job nobody works on any more (its chunk messages lost, every
worker gone past JetStream's redelivery) is found by :func:`requeue_stalled_jobs` and queued again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from certificates.domain.bulk import (
    BulkJob,
    BulkRow,
    CheckedRow,
    Held,
    InputRow,
    ItemStatus,
    JobStatus,
    PlannedItem,
    check_rows,
    chunk_ranges,
    plan_items,
    rows_of,
)
from certificates.domain.course import CourseInfo
from certificates.domain.recipient_csv import CsvError, read_recipients_csv
from certificates.domain.recipients import ReasonCode, RecipientError
from certificates.domain.scope import UNKNOWN, scoped_recipient
from certificates.domain.templates import CertificateTemplate
from certificates.service_layer.issuing import (
    Actor,
    AlreadyCertified,
    IssueFailed,
    PlannedCertificate,
    PreparedCertificate,
    known_course,
    plan_issue,
    prepare_certificates,
    write_certificates,
)
from certificates.service_layer.ports import AuditEntry, ItemOutcome, Ports, RowPage
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import BulkProgressV1
from lms_shared.faults import is_transient
from lms_shared.text import visible

JOBS_SUBJECT = "jobs.certificates.bulk"
PROGRESS_INTERVAL_SECONDS = 0.5
FAILURES_LIMIT = 10_000
WATCHDOG_ACTOR = Actor("system:bulk-watchdog", "bulk job watchdog")


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


@dataclass(frozen=True, slots=True)
class StartBulkIssue:
    """startBulkIssue: exactly one of ``all_eligible``, ``recipients`` (fields per row) or ``csv`` (text)."""

    course_id: str
    all_eligible: bool = False
    recipients: Sequence[Mapping[str, Any]] | None = None
    csv: str | None = None


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """Every input row and what becomes of it; the answer of a dry run, the first step of a job."""

    course: CourseInfo
    mode: str
    items: list[PlannedItem]
    planned_at: datetime

    def count(self, status: ItemStatus) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def pending(self) -> list[int]:
        return [i.index for i in self.items if i.status == ItemStatus.PENDING]

    def failures(self) -> list[dict[str, str]]:
        """Refused and skipped rows in the shape of a job's ``failures``."""
        return [
            {"recipient": i.label, "reason": i.failure_reason or i.status.lower()}
            for i in self.items
            if i.status in (ItemStatus.REFUSED, ItemStatus.SKIPPED)
        ]

    def rows(self) -> list[BulkRow]:
        return [BulkRow.of(i) for i in self.items]


def input_rows(command: StartBulkIssue) -> tuple[str, list[InputRow]] | None:
    """The mode and the rows of an explicit list or a CSV; None for allEligible. Raises BadInput."""
    given = [command.all_eligible, command.recipients is not None, command.csv is not None]
    if sum(given) != 1:
        raise BadInput(
            "Give exactly one of allEligible (everyone who completed the course), recipients (a list) or csv "
            "(CSV text with a header row)."
        )
    if command.all_eligible:
        return None
    if command.recipients is not None:
        if not command.recipients:
            raise BadInput("The list of recipients is empty; give at least one, or set allEligible.")
        return "recipients", rows_of(command.recipients)
    try:
        table = read_recipients_csv(command.csv or "")
    except CsvError as exc:
        raise BadInput(str(exc)) from exc
    if not table.rows:
        raise BadInput("The CSV has a header but no rows below it.")
    return "csv", [InputRow(r.row, r.fields, r.line, r.malformed) for r in table.rows]


async def plan_bulk_issue(
    uow: CertificatesUnitOfWork, command: StartBulkIssue, ports: Ports, country: str | None = None
) -> BulkPlan:
    """Check every row once, find duplicates and holders: what a job would do. Reads only.

    ``country``: the member state of a country admin's job (None: an admin's, no limit).
    ``allEligible`` then takes that state's completions only, and a row of another state is
    refused (``OTHER_STATE``, :func:`certificates.domain.scope.scoped_recipient`).
    """
    course = await known_course(uow, command.course_id)
    given = input_rows(command)
    if given is None:
        mode = "allEligible"
        eligible = await uow.completions.eligible_without_certificate(course.id, org=country)
        rows = [InputRow(None, r.to_json()) for r in eligible]
    else:
        mode, rows = given
    limit = ports.limits.max_recipients
    if len(rows) > limit:
        raise BadInput(
            f"The list has {len(rows)} recipients; one job takes at most {limit}. Split the list into several jobs."
        )
    checked = check_rows(rows)
    if country is not None:
        checked = await _in_country(uow, course.id, checked, country)
    keys = [c.recipient.key for c in checked if c.recipient is not None]
    held: Mapping[str, Held] = await uow.certificates.valid_by_key(course.id, keys) if keys else {}
    return BulkPlan(course, mode, plan_items(checked, held), utcnow())


async def _in_country(
    uow: CertificatesUnitOfWork, course_id: str, checked: list[CheckedRow], country: str
) -> list[CheckedRow]:
    """Refuse, row by row, the recipients a country admin for ``country`` may not certify."""
    ids = [c.recipient.learner_id for c in checked if c.recipient is not None and c.recipient.learner_id]
    known = await uow.completions.orgs_of(course_id, ids)
    out: list[CheckedRow] = []
    for c in checked:
        if c.recipient is None:
            out.append(c)
            continue
        learner_org = known.get(c.recipient.learner_id, UNKNOWN) if c.recipient.learner_id else UNKNOWN
        try:
            out.append(dataclasses.replace(c, recipient=scoped_recipient(c.recipient, country, learner_org)))
        except RecipientError as exc:
            out.append(CheckedRow(c.index, c.input, None, exc.code, exc.detail))
    return out


async def dry_run_bulk_issue(
    uow: CertificatesUnitOfWork, actor: Actor, command: StartBulkIssue, ports: Ports
) -> BulkPlan:
    """startBulkIssue(dryRun: true): what would be issued, skipped or refused, and why; nothing is stored."""
    plan = await plan_bulk_issue(uow, command, ports, actor.country)
    # Nothing to commit: leaving the unit of work rolls back its (read-only) transaction.
    return plan


async def start_bulk_issue(uow: CertificatesUnitOfWork, actor: Actor, command: StartBulkIssue, ports: Ports) -> BulkJob:
    """Plan a job, store every row, and queue its chunks (through the outbox, so they go iff we commit)."""
    plan = await plan_bulk_issue(uow, command, ports, actor.country)
    job_id = uuid.uuid4()
    pending = plan.pending
    ranges = chunk_ranges(pending, ports.limits.chunk_size)
    skipped, refused = plan.count(ItemStatus.SKIPPED), plan.count(ItemStatus.REFUSED)
    status = JobStatus.QUEUED if pending else JobStatus.COMPLETED
    job = BulkJob(
        id=job_id,
        course_id=plan.course.id,
        mode=plan.mode,
        status=status.value,
        total=len(plan.items),
        issued=0,
        skipped=skipped,
        refused=refused,
        failed=0,
        chunks=len(ranges),
        created_by=actor.sub,
        created_by_name=actor.name,
        created_at=plan.planned_at,
        finished_at=None if pending else plan.planned_at,
    )
    await uow.bulk_jobs.add(job, [_item_row(job_id, i) for i in plan.items])
    if not pending:  # nobody left to issue to: the job ends as it starts
        uow.on_commit(lambda: ports.metrics.bulk_job_finished(status.value))
    await uow.audit.add(
        AuditEntry(
            actor_sub=actor.sub,
            actor_name=actor.name,
            action="bulk_start",
            job_id=job_id,
            details={
                "courseId": plan.course.id,
                "mode": plan.mode,
                "total": len(plan.items),
                "pending": len(pending),
                "refused": refused,
            },
        )
    )
    for n, (first, last) in enumerate(ranges):
        message = ChunkMessage(job_id, n, first, last)
        await uow.jobs.enqueue(JOBS_SUBJECT, f"{job_id}:{n}", message.to_json())
    uow.publish(_progress_event(job))
    await uow.commit()
    return job


def _item_row(job_id: uuid.UUID, item: PlannedItem) -> dict[str, Any]:
    recipient = (
        item.recipient.to_json() if item.recipient is not None else {k: _jsonable(v) for k, v in item.raw.items()}
    )
    return {
        "job_id": job_id,
        "idx": item.index,
        "row": item.row,
        "recipient": recipient,
        "label": visible(item.label)[:500],
        "status": item.status.value,
        "reason_code": item.reason_code.value if item.reason_code else None,
        "reason": item.reason,
        "certificate_id": item.held.certificate_id if item.held else None,
    }


def _jsonable(value: Any) -> Any:
    """A refused row's value as it can be stored and shown (Postgres refuses U+0000 even in JSONB)."""
    if isinstance(value, int | float | bool | type(None)):
        return value
    return visible(str(value))


def _progress_event(job: BulkJob) -> BulkProgressV1:
    return BulkProgressV1(
        job_id=str(job.id),
        course_id=job.course_id,
        status=JobStatus(job.status).value,
        total=job.total,
        issued=job.issued,
        skipped=job.skipped,
        failed=job.failed,
        refused=job.refused,
        updated_at=utcnow(),
        # Minor 1: who started the job, so that they hear when it ends (notifications, issue 16).
        requested_by=job.created_by,
    )


def _may_see_job(viewer: Actor | None, job: BulkJob) -> None:
    """A country admin's jobs are their own: another's (an admin's, another state's) is FORBIDDEN."""
    if viewer is not None and viewer.country is not None and job.created_by != viewer.sub:
        raise Forbidden("A country admin sees and cancels only the bulk issue jobs they started.")


async def cancel_bulk_job(uow: CertificatesUnitOfWork, actor: Actor, job_id: uuid.UUID, ports: Ports) -> BulkJob:
    """Stop a job: its remaining items are skipped; chunks already being written finish first."""
    job = await _lock_job(uow, job_id)
    _may_see_job(actor, job)
    if JobStatus(job.status).finished:
        raise Conflict(f"The job has already ended ({job.status}); there is nothing to cancel.")
    skipped = await uow.bulk_jobs.end_pending(
        job_id, ItemStatus.SKIPPED, ReasonCode.CANCELLED.value, "the job was cancelled"
    )
    uow.on_commit(lambda: ports.metrics.bulk_job_finished(JobStatus.CANCELLED.value))
    cancelled = await uow.bulk_jobs.cancel(job_id, skipped)
    await uow.audit.add(
        AuditEntry(
            actor_sub=actor.sub, actor_name=actor.name, action="cancel", job_id=job_id, details={"skipped": skipped}
        )
    )
    uow.publish(_progress_event(cancelled))
    await uow.commit()
    return cancelled


async def _lock_job(uow: CertificatesUnitOfWork, job_id: uuid.UUID) -> BulkJob:
    job = await uow.bulk_jobs.get(job_id, for_update=True)
    if job is None:
        raise NotFound(f"There is no bulk issue job {job_id}.")
    return job


@dataclass
class ChunkResult:
    issued: int = 0
    skipped: int = 0
    failed: int = 0
    job_finished: bool = False
    prepare_seconds: float = 0.0
    """Rendering, signing and uploading: the CPU-bound part."""
    write_seconds: float = 0.0
    """From taking the job lock to the commit."""


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


class ProgressMarks:
    """How far a chunk got: bumped at every step (a certificate prepared, the job locked, rows written).

    The worker's heartbeat reads it: a chunk whose marks stop moving is hung (a half-open
    connection, an upload that never returns) and is no longer kept from the other workers.
    """

    def __init__(self, parent: ProgressMarks | None = None) -> None:
        self.count = 0
        self.at = time.monotonic()
        self.parent = parent
        """The worker's marks: a chunk whose certificates wait behind another chunk's on the same
        threads is not hung while that other chunk moves."""

    def mark(self) -> None:
        self.count += 1
        self.at = time.monotonic()
        if self.parent is not None:
            self.parent.mark()


class ChunkIncomplete(Exception):
    """Some certificates of a chunk could not be prepared; the others are written. ``__cause__`` says why.

    The cause decides how the chunk is retried (an outage: without limit), so this class adds no
    verdict of its own to :func:`lms_shared.faults.is_transient`.
    """

    def __init__(self, missing: int, of: int, written: ChunkResult) -> None:
        super().__init__(f"{missing} of {of} certificates could not be prepared; the other {of - missing} are written")
        self.missing = missing
        self.written = written


@dataclass
class ProcessChunk:
    message: ChunkMessage
    throttle: ProgressThrottle = field(default_factory=ProgressThrottle)
    progress: ProgressMarks = field(default_factory=ProgressMarks)


async def prepare_each(
    ports: Ports,
    course: CourseInfo,
    template: CertificateTemplate,
    plans: Sequence[PlannedCertificate],
    job_id: uuid.UUID | None,
    progress: ProgressMarks,
) -> tuple[list[PreparedCertificate | IssueFailed], list[BaseException]]:
    """Prepare every certificate on its own, so one failed upload does not lose its siblings' work.

    Returns what was made (printed and uploaded, or refused by the printer) and the errors of the
    ones that raised (the store away, a bug): those stay PENDING for the retry. After the first
    transient error the certificates not started yet are not tried at all: they would wait out the
    same outage one by one (each upload retries before it gives up), and the chunk is retried anyway.
    """

    async def one(plan: PlannedCertificate) -> PreparedCertificate | IssueFailed:
        try:
            (made,) = await prepare_certificates(ports, course, template, [plan], job_id=job_id)
        finally:
            progress.mark()
        return made

    tasks = [asyncio.ensure_future(one(p)) for p in plans]
    try:
        waiting: set[asyncio.Future[PreparedCertificate | IssueFailed]] = set(tasks)
        while waiting:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_EXCEPTION)
            if any(not t.cancelled() and is_transient(t.exception() or _NoError()) for t in done):
                for t in waiting:
                    t.cancel()
                if waiting:
                    await asyncio.wait(waiting)
                break
    finally:
        for t in tasks:
            if not t.done():
                t.cancel()
    made = [t.result() for t in tasks if not t.cancelled() and t.exception() is None]
    errors: list[BaseException] = [e for t in tasks if not t.cancelled() and (e := t.exception()) is not None]
    for error in errors:
        if not isinstance(error, Exception):  # interrupted: not ours to keep
            raise error
    return made, errors


class _NoError(Exception):
    """Stands in for "no exception" where :func:`is_transient` wants one (it answers False)."""


async def process_chunk(
    uow: CertificatesUnitOfWork, actor: Actor | None, command: ProcessChunk, ports: Ports
) -> ChunkResult:
    """Issue the PENDING items of one chunk and commit (see the module doc); ``actor`` is the job's creator."""
    message, progress = command.message, command.progress
    job = await uow.bulk_jobs.get(message.job_id)
    if job is None or JobStatus(job.status).finished:
        return ChunkResult()
    items = await uow.bulk_jobs.pending_items(job.id, message.first, message.last)
    progress.mark()
    if not items:
        return ChunkResult()
    course = await uow.courses.get(job.course_id)
    if course is None:  # cannot happen: a job is only planned for a known course
        raise RuntimeError(f"course {job.course_id} of job {job.id} is missing")
    template = await ports.templates.get(uow, course.template_id)
    plans = await plan_issue(uow, ports, course, [i.recipient for i in items])
    progress.mark()
    to_make = [p for p in plans if isinstance(p, PlannedCertificate)]
    started = time.perf_counter()
    made, errors = await prepare_each(ports, course, template, to_make, job.id, progress)
    prepared_at = time.perf_counter()
    missing = len(to_make) - len(made)
    if errors and not made:
        raise errors[0]  # nothing to keep: the chunk is retried as a whole
    made_by_key = {m.plan.recipient.key if isinstance(m, PreparedCertificate) else m.recipient.key: m for m in made}

    # The slow part is over; from here on the job row is locked for a few milliseconds.
    locked = await _lock_job(uow, job.id)
    progress.mark()
    if JobStatus(locked.status).finished:
        return ChunkResult()
    still_pending = await uow.bulk_jobs.still_pending(job.id, [i.idx for i in items])
    if not still_pending:
        return ChunkResult()
    # A certificate whose preparation raised stays PENDING: the chunk's retry makes it.
    live = [
        (i.idx, p)
        for i, p in zip(items, plans, strict=True)
        if i.idx in still_pending and (isinstance(p, AlreadyCertified) or p.recipient.key in made_by_key)
    ]
    prepared = [
        m
        for _, p in live
        if isinstance(p, PlannedCertificate) and isinstance(m := made_by_key[p.recipient.key], PreparedCertificate)
    ]
    by = actor or Actor(job.created_by, job.created_by_name)
    inserted = await write_certificates(uow, ports, prepared, by, mode="bulk", reason=f"bulk issue job {job.id}")
    progress.mark()
    lost_keys = [p.plan.recipient.key for p in prepared if p.plan.id not in inserted]
    holders = await uow.certificates.valid_by_key(course.id, lost_keys) if lost_keys else {}

    outcomes: list[ItemOutcome] = []
    result = ChunkResult()
    for idx, plan in live:
        outcome = _outcome(idx, plan, made_by_key, inserted, holders)
        outcomes.append(outcome)
        if outcome.status == ItemStatus.ISSUED:
            result.issued += 1
        elif outcome.status == ItemStatus.SKIPPED:
            result.skipped += 1
        else:
            result.failed += 1
    await uow.bulk_jobs.set_outcomes(job.id, outcomes)
    finished = await uow.bulk_jobs.count_pending(job.id) == 0
    counters = await uow.bulk_jobs.add_counts(
        job.id, issued=result.issued, skipped=result.skipped, failed=result.failed, finished=finished
    )
    progress.mark()
    result.job_finished = finished
    if finished:
        uow.on_commit(lambda: ports.metrics.bulk_job_finished(JobStatus.COMPLETED.value))
    if command.throttle.due(job.id, finished):
        uow.publish(_progress_event(counters))
    await uow.commit()
    progress.mark()
    result.prepare_seconds = prepared_at - started
    result.write_seconds = time.perf_counter() - prepared_at
    if errors:
        raise ChunkIncomplete(missing, len(to_make), result) from errors[0]
    return result


def _outcome(
    idx: int,
    plan: PlannedCertificate | AlreadyCertified,
    made_by_key: dict[str, PreparedCertificate | IssueFailed],
    inserted: set[uuid.UUID],
    holders: Mapping[str, Held],
) -> ItemOutcome:
    if isinstance(plan, AlreadyCertified):
        return ItemOutcome(
            idx,
            ItemStatus.SKIPPED,
            plan.certificate_id,
            ReasonCode.ALREADY_CERTIFIED,
            f"already certified: {plan.code}",
        )
    made = made_by_key[plan.recipient.key]
    if isinstance(made, IssueFailed):
        return ItemOutcome(idx, ItemStatus.FAILED, None, made.reason_code, made.reason)
    if plan.id in inserted:
        return ItemOutcome(idx, ItemStatus.ISSUED, plan.id, None, None)
    holder = holders.get(plan.recipient.key)
    if holder is not None:
        return ItemOutcome(
            idx,
            ItemStatus.SKIPPED,
            holder.certificate_id,
            ReasonCode.ALREADY_CERTIFIED,
            f"already certified: {holder.code}",
        )
    return ItemOutcome(
        idx,
        ItemStatus.FAILED,
        None,
        ReasonCode.ISSUE_CONFLICT,
        "a conflicting certificate appeared while issuing; start the job again",
    )


async def give_up_chunk(uow: CertificatesUnitOfWork, message: ChunkMessage, reason: str, ports: Ports) -> int:
    """A chunk that keeps failing: its remaining items FAIL so the job ends and tells the admin who is missing."""
    job = await uow.bulk_jobs.get(message.job_id, for_update=True)
    if job is None or JobStatus(job.status).finished:
        return 0
    failed = await uow.bulk_jobs.end_pending(
        message.job_id, ItemStatus.FAILED, ReasonCode.ISSUE_FAILED.value, reason, message.first, message.last
    )
    finished = await uow.bulk_jobs.count_pending(message.job_id) == 0
    if await uow.bulk_jobs.complete_if_active(message.job_id, failed, finished):
        uow.on_commit(lambda: ports.metrics.bulk_job_finished(JobStatus.COMPLETED.value))
    if failed or finished:
        # The counters moved (and the job may have ended): tell the watchers, as process_chunk does.
        counters = await uow.bulk_jobs.get(message.job_id)
        if counters is not None:
            uow.publish(_progress_event(counters))
    await uow.commit()
    return failed


async def mark_job_waiting(uow: CertificatesUnitOfWork, job_id: uuid.UUID, reason: str) -> None:
    """A chunk of the job could not go on because a server is away: show the job waiting, not failing."""
    await uow.bulk_jobs.mark_waiting(job_id, reason)
    await uow.commit()


@dataclass(frozen=True, slots=True)
class Requeued:
    job_id: uuid.UUID
    generation: int
    chunks: int
    pending: int


async def requeue_stalled_jobs(
    uow: CertificatesUnitOfWork, silent_since: datetime, ports: Ports, limit: int = 20
) -> list[Requeued]:
    """Queue the PENDING items of every active job with no sign of life since ``silent_since`` again.

    The new chunk messages carry a message id of their own generation (``{job}:{n}:r{generation}``),
    so JetStream's duplicate window does not swallow them; a chunk that is in fact still alive
    somewhere and runs twice does no harm, because items only move while PENDING under the job lock.
    """
    repo = uow.bulk_jobs
    requeued: list[Requeued] = []
    for job in await repo.stalled(silent_since, limit):
        pending = await repo.pending_indexes(job.id)
        if not pending:
            continue
        generation = await repo.note_requeue(job.id)
        ranges = chunk_ranges(pending, ports.limits.chunk_size)
        for n, (first, last) in enumerate(ranges):
            message = ChunkMessage(job.id, n, first, last)
            await uow.jobs.enqueue(JOBS_SUBJECT, f"{job.id}:{n}:r{generation}", message.to_json())
        await uow.audit.add(
            AuditEntry(
                actor_sub=WATCHDOG_ACTOR.sub,
                actor_name=WATCHDOG_ACTOR.name,
                action="bulk_requeue",
                job_id=job.id,
                details={"generation": generation, "chunks": len(ranges), "pending": len(pending)},
            )
        )
        requeued.append(Requeued(job.id, generation, len(ranges), len(pending)))
    await uow.commit()
    return requeued


async def get_job(
    uow: CertificatesUnitOfWork, job_id: uuid.UUID, viewer: Actor | None = None
) -> tuple[BulkJob, list[dict[str, str]]]:
    """bulkIssueJob: the counters, and the rows a person has to look at (refused, skipped, failed).

    ``viewer``: who asks (None: an internal read); a country admin sees only the jobs they started.
    """
    job = await uow.bulk_jobs.get(job_id)
    if job is None:
        raise NotFound(f"There is no bulk issue job {job_id}.")
    _may_see_job(viewer, job)
    return job, await uow.bulk_jobs.failures(job_id, FAILURES_LIMIT)


async def list_jobs(uow: CertificatesUnitOfWork, course_id: str | None, viewer: Actor | None = None) -> list[BulkJob]:
    """The newest jobs (of a course); a country admin's list holds only the jobs they started."""
    mine = viewer.sub if viewer is not None and viewer.country is not None else None
    return await uow.bulk_jobs.recent(course_id, 200, created_by=mine)


async def job_rows(
    uow: CertificatesUnitOfWork,
    job_id: uuid.UUID,
    outcome: ItemStatus | None,
    first: int,
    after: str | None,
    viewer: Actor | None = None,
) -> RowPage:
    """Every input row of a stored job and its outcome, in input order, a page at a time."""
    job = await uow.bulk_jobs.get(job_id)
    if job is None:
        raise NotFound(f"There is no bulk issue job {job_id}.")
    _may_see_job(viewer, job)
    return await uow.bulk_jobs.rows(job_id, outcome, first, after)
