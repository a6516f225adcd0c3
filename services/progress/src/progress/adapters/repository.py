"""Queries of the progress database (SQLAlchemy Core: the hot path runs a handful of statements)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy import and_, bindparam, case, func, literal_column, or_, select, true, update
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.errors import NotFound
from lms_shared.events.catalogue import Payload
from lms_shared.outbox import NOTIFY_CHANNEL, event_headers
from progress.adapters.orm import certificate, course, course_version, enrollment, lesson_progress
from progress.domain.model import CohortMember, CourseVersion, EnrollmentStatus, LessonRecord


@dataclass(frozen=True)
class CourseRow:
    """What progress knows about a course apart from its versions."""

    course_id: str
    current_version: int
    owner_ids: frozenset[str]
    archived: bool

    @property
    def published(self) -> bool:
        return self.current_version > 0


@dataclass(frozen=True)
class CertificateSummary:
    id: str
    code: str
    status: str
    issued_at: datetime | None


@dataclass(frozen=True)
class EnrollmentRow:
    id: str
    course_id: str
    learner_id: str
    learner_name: str
    org: str | None
    municipality: str | None
    locale: str | None
    course_version: int
    status: EnrollmentStatus
    via: str
    score: int | None
    enrolled_at: datetime
    completed_at: datetime | None
    withdrawn_at: datetime | None
    certificate: CertificateSummary | None
    records: tuple[LessonRecord, ...] = ()


class CourseCatalog:
    """Published course versions, cached in the process: a (course, version) pair never changes."""

    def __init__(self, capacity: int = 512) -> None:
        self._cache: OrderedDict[tuple[str, int], CourseVersion] = OrderedDict()
        self._capacity = capacity

    async def version(self, session: AsyncSession, course_id: str, version: int) -> CourseVersion:
        key = (course_id, version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        snapshot = await session.scalar(
            select(course_version.c.snapshot).where(
                course_version.c.course_id == course_id, course_version.c.version == version
            )
        )
        if snapshot is None:
            # Only possible if the database was edited by hand: an enrolment pins a stored version.
            raise NotFound(f"Version {version} of course {course_id} is not known to the progress service.")
        parsed = CourseVersion.from_snapshot(snapshot)
        self._cache[key] = parsed
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return parsed


# --- courses -------------------------------------------------------------------------------------


async def get_course(session: AsyncSession, course_id: str) -> CourseRow | None:
    row = (await session.execute(select(course).where(course.c.course_id == course_id))).first()
    if row is None:
        return None
    return CourseRow(
        course_id=row.course_id,
        current_version=row.current_version,
        owner_ids=frozenset([*([row.owner_id] if row.owner_id else []), *row.co_owner_ids]),
        archived=row.archived_version is not None and row.archived_version >= row.current_version,
    )


async def store_course_version(session: AsyncSession, snapshot: dict[str, Any], received_at: datetime) -> None:
    """Keep a published version and move the course's current version forward, never back."""
    course_id, version = snapshot["course_id"], int(snapshot["version"])
    await session.execute(
        pg_insert(course_version)
        .values(course_id=course_id, version=version, snapshot=snapshot, received_at=received_at)
        .on_conflict_do_nothing()
    )
    stmt = pg_insert(course).values(
        course_id=course_id,
        current_version=version,
        owner_id=snapshot["owner_id"],
        co_owner_ids=list(snapshot.get("co_owner_ids") or []),
        updated_at=received_at,
    )
    newer = stmt.excluded.current_version >= course.c.current_version
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[course.c.course_id],
            set_={
                "current_version": func.greatest(course.c.current_version, stmt.excluded.current_version),
                # Owners come from the newest version only: a late, older event must not restore a
                # co-owner who was removed since.
                "owner_id": case((newer, stmt.excluded.owner_id), else_=course.c.owner_id),
                "co_owner_ids": case((newer, stmt.excluded.co_owner_ids), else_=course.c.co_owner_ids),
                "updated_at": received_at,
            },
        )
    )


async def archive_course(session: AsyncSession, course_id: str, version: int, archived_at: datetime) -> None:
    stmt = pg_insert(course).values(
        course_id=course_id, archived_version=version, archived_at=archived_at, updated_at=archived_at
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[course.c.course_id],
            set_={
                "archived_version": func.greatest(func.coalesce(course.c.archived_version, 0), version),
                "archived_at": func.coalesce(course.c.archived_at, archived_at),
                "updated_at": archived_at,
            },
        )
    )


# --- enrolments ----------------------------------------------------------------------------------


def _certificate_lateral() -> Any:
    """The newest certificate of an enrolment (by enrolment id, else by course and learner)."""
    return (
        select(
            certificate.c.id.label("cert_id"),
            certificate.c.code.label("cert_code"),
            certificate.c.revoked.label("cert_revoked"),
            certificate.c.issued_at.label("cert_issued_at"),
        )
        .where(
            or_(
                certificate.c.enrollment_id == enrollment.c.id,
                and_(
                    certificate.c.course_id == enrollment.c.course_id,
                    certificate.c.learner_id == enrollment.c.learner_id,
                ),
            )
        )
        .order_by(certificate.c.issued_at.desc().nulls_last(), certificate.c.id)
        .limit(1)
        .lateral("cert")
    )


def _progress_lateral() -> Any:
    """The enrolment's lesson progress as parallel arrays, so one query answers a whole enrolment."""
    lp = lesson_progress.c
    return (
        select(
            func.array_agg(lp.lesson_id).label("lp_lesson_ids"),
            func.array_agg(lp.completed_at).label("lp_completed_at"),
            func.array_agg(lp.attempts).label("lp_attempts"),
            func.array_agg(lp.best_score).label("lp_best_scores"),
        )
        .where(lp.enrollment_id == enrollment.c.id)
        .lateral("lp")
    )


def _enrollment_select() -> Any:
    cert, lp = _certificate_lateral(), _progress_lateral()
    return select(enrollment, cert, lp).select_from(enrollment.outerjoin(cert, true()).outerjoin(lp, true()))


# Built once: statement construction is a noticeable share of the hot path's CPU.
_ENROLLMENTS = _enrollment_select()
_BY_ID = _ENROLLMENTS.where(enrollment.c.id == bindparam("enrollment_id"))
_LOCK = select(enrollment.c.id).where(enrollment.c.id == bindparam("enrollment_id")).with_for_update()

# The hot path (completeLesson) sends its statements straight to asyncpg: SQLAlchemy's per-statement
# work (cache keys, compilation of the multi-row outbox insert, result processing) cost more CPU than
# the rest of the request. The read is the same SELECT as ``_BY_ID``, compiled once here.
_BY_ID_COMPILED = _BY_ID.compile(dialect=asyncpg_dialect.dialect())
_BY_ID_SQL = str(_BY_ID_COMPILED)
_BY_ID_PARAMS = tuple(_BY_ID_COMPILED.positiontup or ())

# Lesson, completion and outbox in one round trip. Data-modifying CTEs always run, referenced or not;
# ``completed`` changes the enrolment only when $4 says this lesson completes the course. The outbox
# rows are the ones ``lms_shared.outbox.add_events_bulk`` writes, in the order given (the relay
# publishes by id), and the NOTIFY wakes the relay at commit.
_RECORD_LESSON_SQL = """
WITH lesson AS (
    INSERT INTO lesson_progress (enrollment_id, lesson_id, completed_at, updated_at)
    VALUES ($1, $2, $3, $3)
    ON CONFLICT (enrollment_id, lesson_id)
    DO UPDATE SET completed_at = coalesce(lesson_progress.completed_at, $3), updated_at = $3
), completed AS (
    UPDATE enrollment SET status = $10, completed_at = $3, score = $5,
        withdrawn_at = NULL
    WHERE id = $1 AND $4::boolean
), staged AS (
    INSERT INTO outbox_message (event_id, subject, payload, headers)
    SELECT e.event_id, e.subject, e.payload, $9::jsonb
    FROM unnest($6::text[], $7::text[], $8::bytea[]) WITH ORDINALITY AS e(event_id, subject, payload, n)
    ORDER BY e.n
)
SELECT pg_notify($11, '')
"""


async def _in_transaction(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, inside the session's transaction.

    SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the session's first statement; a raw
    statement before that would autocommit (and a row lock would not outlive it), so this refuses.
    """
    connection = await session.connection()
    driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        raise RuntimeError("Raw statements need the session's transaction: run a session statement first.")
    return driver


def _to_row(row: Mapping[str, Any] | asyncpg.Record) -> EnrollmentRow:
    summary = None
    if row["cert_id"] is not None:
        summary = CertificateSummary(
            id=row["cert_id"],
            code=row["cert_code"],
            status="REVOKED" if row["cert_revoked"] else "VALID",
            issued_at=row["cert_issued_at"],
        )
    records: tuple[LessonRecord, ...] = ()
    if row["lp_lesson_ids"]:
        records = tuple(
            LessonRecord(*fields)
            for fields in zip(
                row["lp_lesson_ids"], row["lp_completed_at"], row["lp_attempts"], row["lp_best_scores"], strict=True
            )
        )
    return EnrollmentRow(
        id=row["id"],
        course_id=row["course_id"],
        learner_id=row["learner_id"],
        learner_name=row["learner_name"],
        org=row["org"],
        municipality=row["municipality"],
        locale=row["locale"],
        course_version=row["course_version"],
        status=EnrollmentStatus(row["status"]),
        via=row["via"],
        score=row["score"],
        enrolled_at=row["enrolled_at"],
        completed_at=row["completed_at"],
        withdrawn_at=row["withdrawn_at"],
        certificate=summary,
        records=records,
    )


async def get_enrollment(
    session: AsyncSession, enrollment_id: str, *, for_update: bool = False
) -> EnrollmentRow | None:
    """One enrolment with its lesson progress; ``for_update`` locks it until the transaction ends.

    The lock is what serializes concurrent progress on one enrolment (see the service layer). It is
    taken by a statement of its own, before the read: in READ COMMITTED a statement that waited for
    the lock re-checks the locked row but reads everything else (the lesson progress another request
    just committed) from the snapshot it started with, which would hide the other tab's lesson.
    """
    if not for_update:
        row = (await session.execute(_BY_ID, {"enrollment_id": enrollment_id})).first()
        return _to_row(row._mapping) if row is not None else None
    if (await session.execute(_LOCK, {"enrollment_id": enrollment_id})).first() is None:
        return None
    driver = await _in_transaction(session)
    defaults = _BY_ID_COMPILED.params
    params = [enrollment_id if name == "enrollment_id" else defaults[name] for name in _BY_ID_PARAMS]
    record = await driver.fetchrow(_BY_ID_SQL, *params)
    return _to_row(record) if record is not None else None


async def find_enrollment(
    session: AsyncSession, course_id: str, learner_id: str, *, for_update: bool = False
) -> EnrollmentRow | None:
    """The learner's enrolment in a course; ``for_update`` locks it first (see :func:`get_enrollment`)."""
    match = and_(enrollment.c.course_id == course_id, enrollment.c.learner_id == learner_id)
    if for_update and (await session.execute(select(enrollment.c.id).where(match).with_for_update())).first() is None:
        return None
    row = (await session.execute(_ENROLLMENTS.where(match))).first()
    return _to_row(row._mapping) if row is not None else None


async def learner_enrollments(
    session: AsyncSession, learner_id: str, course_ids: Sequence[str] | None = None
) -> list[EnrollmentRow]:
    stmt = _ENROLLMENTS.where(enrollment.c.learner_id == learner_id)
    if course_ids is not None:
        stmt = stmt.where(enrollment.c.course_id.in_(list(course_ids)))
    rows = (await session.execute(stmt.order_by(enrollment.c.enrolled_at.desc()))).all()
    return [_to_row(r._mapping) for r in rows]


async def insert_enrollment(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert unless the learner is already enrolled in the course; True when inserted."""
    result = await session.execute(
        pg_insert(enrollment).values(**values).on_conflict_do_nothing().returning(enrollment.c.id)
    )
    return result.first() is not None


async def insert_cohort(
    session: AsyncSession,
    course_id: str,
    version: int,
    members: Sequence[CohortMember],
    ids: Sequence[str],
    at: datetime,
) -> dict[str, str]:
    """Enrol everyone not yet enrolled; returns {learner id: new enrolment id} for those inserted."""
    if not members:
        return {}
    rows = [
        {
            "id": eid,
            "course_id": course_id,
            "learner_id": m.learner_id,
            "learner_name": m.name,
            "org": m.org,
            "municipality": m.municipality,
            "locale": None,
            "course_version": version,
            "status": EnrollmentStatus.ACTIVE.value,
            "via": "cohort",
            "enrolled_at": at,
        }
        for m, eid in zip(members, ids, strict=True)
    ]
    # Executed as a few multi-row INSERTs (SQLAlchemy's insertmanyvalues), each returning what it inserted.
    result = await session.execute(
        pg_insert(enrollment).on_conflict_do_nothing().returning(enrollment.c.learner_id, enrollment.c.id), rows
    )
    return {r.learner_id: r.id for r in result.all()}


async def set_enrollment_status(
    session: AsyncSession,
    enrollment_id: str,
    status: EnrollmentStatus,
    *,
    completed_at: datetime | None = None,
    withdrawn_at: datetime | None = None,
    score: int | None = None,
) -> None:
    values: dict[str, Any] = {"status": status.value, "withdrawn_at": withdrawn_at}
    if status is EnrollmentStatus.COMPLETED:
        values.update(completed_at=completed_at, score=score)
    await session.execute(update(enrollment).where(enrollment.c.id == enrollment_id).values(**values))


# --- lesson progress -----------------------------------------------------------------------------


async def record_lesson_completed(
    session: AsyncSession,
    enrollment_id: str,
    lesson_id: str,
    at: datetime,
    events: Sequence[Payload],
    *,
    completes: bool = False,
    score: int | None = None,
) -> None:
    """Record the lesson, complete the enrolment (``completes``, with ``score``), stage ``events``.

    One round trip. The enrolment must already be locked in this transaction
    (:func:`get_enrollment` with ``for_update``): the completion decision was taken under that lock.
    """
    driver = await _in_transaction(session)
    envelopes = [e.envelope() for e in events]
    headers = event_headers()
    await driver.execute(
        _RECORD_LESSON_SQL,
        enrollment_id,
        lesson_id,
        at,
        completes,
        score,
        [env.id for env in envelopes],
        [env.subject for env in envelopes],
        [env.to_bytes() for env in envelopes],
        orjson.dumps(headers).decode(),
        EnrollmentStatus.COMPLETED.value,
        NOTIFY_CHANNEL,
    )


async def record_quiz_attempt(
    session: AsyncSession, enrollment_id: str, lesson_id: str, score: int, passed: bool, at: datetime
) -> LessonRecord:
    """Count an attempt, keep the best score, complete the lesson the first time it is passed."""
    completed = at if passed else None
    stmt = pg_insert(lesson_progress).values(
        enrollment_id=enrollment_id, lesson_id=lesson_id, attempts=1, best_score=score, completed_at=completed
    )
    result = await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[lesson_progress.c.enrollment_id, lesson_progress.c.lesson_id],
            set_={
                "attempts": lesson_progress.c.attempts + 1,
                "best_score": func.greatest(func.coalesce(lesson_progress.c.best_score, 0), score),
                "completed_at": func.coalesce(lesson_progress.c.completed_at, completed),
                "updated_at": at,
            },
        ).returning(
            lesson_progress.c.lesson_id,
            lesson_progress.c.completed_at,
            lesson_progress.c.attempts,
            lesson_progress.c.best_score,
        )
    )
    r = result.one()
    return LessonRecord(r.lesson_id, r.completed_at, r.attempts, r.best_score)


# --- certificates --------------------------------------------------------------------------------


async def certificate_issued(
    session: AsyncSession,
    *,
    certificate_id: str,
    code: str,
    course_id: str,
    learner_id: str | None,
    enrollment_id: str | None,
    issued_at: datetime,
) -> None:
    stmt = pg_insert(certificate).values(
        id=certificate_id,
        code=code,
        course_id=course_id,
        learner_id=learner_id,
        enrollment_id=enrollment_id,
        issued_at=issued_at,
    )
    # A revocation may have arrived first: fill in what it lacked and keep ``revoked`` as it is.
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[certificate.c.id],
            set_={
                "issued_at": issued_at,
                "enrollment_id": func.coalesce(certificate.c.enrollment_id, stmt.excluded.enrollment_id),
                "learner_id": func.coalesce(certificate.c.learner_id, stmt.excluded.learner_id),
            },
        )
    )


async def certificate_revoked(
    session: AsyncSession,
    *,
    certificate_id: str,
    code: str,
    course_id: str,
    learner_id: str | None,
    revoked_at: datetime,
) -> None:
    stmt = pg_insert(certificate).values(
        id=certificate_id,
        code=code,
        course_id=course_id,
        learner_id=learner_id,
        revoked=True,
        revoked_at=revoked_at,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[certificate.c.id],
            set_={"revoked": True, "revoked_at": revoked_at},
        )
    )


# --- reports -------------------------------------------------------------------------------------

ENROLLED = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.COMPLETED.value)
UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class GroupCount:
    key: str
    enrolled: int
    completed: int


@dataclass(frozen=True)
class CourseStats:
    enrolled: int
    completed: int
    certificates_issued: int
    by_org: list[GroupCount]
    by_municipality: list[GroupCount]


async def course_stats(session: AsyncSession, course_id: str) -> CourseStats:
    """Counts over current enrolments (withdrawn ones left out) and valid certificates."""
    completed_filter = enrollment.c.status == EnrollmentStatus.COMPLETED.value
    active = and_(enrollment.c.course_id == course_id, enrollment.c.status.in_(ENROLLED))

    async def grouped(column: Any) -> list[GroupCount]:
        key = func.coalesce(column, literal_column(f"'{UNSPECIFIED}'")).label("key")
        rows = await session.execute(
            select(key, func.count().label("enrolled"), func.count().filter(completed_filter).label("completed"))
            .where(active)
            .group_by(key)
            .order_by(func.count().desc(), key)
        )
        return [GroupCount(r.key, r.enrolled, r.completed) for r in rows]

    totals = (
        await session.execute(
            select(func.count().label("enrolled"), func.count().filter(completed_filter).label("completed")).where(
                active
            )
        )
    ).one()
    certificates = await session.scalar(
        select(func.count()).where(
            certificate.c.course_id == course_id, certificate.c.revoked.is_(False), certificate.c.issued_at.isnot(None)
        )
    )
    return CourseStats(
        enrolled=totals.enrolled,
        completed=totals.completed,
        certificates_issued=int(certificates or 0),
        by_org=await grouped(enrollment.c.org),
        by_municipality=await grouped(enrollment.c.municipality),
    )


async def course_enrollments(session: AsyncSession, course_id: str) -> list[EnrollmentRow]:
    stmt = _ENROLLMENTS.where(enrollment.c.course_id == course_id).order_by(enrollment.c.enrolled_at, enrollment.c.id)
    return [_to_row(r._mapping) for r in (await session.execute(stmt)).all()]
