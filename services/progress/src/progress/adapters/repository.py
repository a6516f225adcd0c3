"""Every SQL statement of the progress service: the repositories of its unit of work.

SQLAlchemy Core throughout, and on the hot path (``completeLesson``) statements sent to asyncpg
directly: that path runs a handful of statements and SQLAlchemy's per-statement work was a large
share of its CPU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy import (
    String,
    and_,
    any_,
    bindparam,
    case,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.events.envelope import Envelope
from lms_shared.outbox import NOTIFY_CHANNEL, event_headers
from progress.adapters.orm import (
    certificate,
    course,
    course_version,
    enrollment,
    learner,
    lesson_progress,
    report_cell,
    report_cell_delta,
    report_enrollment,
    report_export,
    report_learner,
    report_learner_delta,
)
from progress.domain.model import CohortMember, CourseVersion, EnrollmentStatus, LessonRecord
from progress.domain.national import Dimension, LearnerCursor, LearnerEntry, ReportQuery, ReportRow
from progress.domain.records import CertificateSummary, Course, CourseStats, Enrollment, GroupCount

# --- statements built once -----------------------------------------------------------------------


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

# A group of completions (entrypoints/completions.py) locks its enrolments with one statement, in id
# order (two groups sharing enrolments queue instead of deadlocking), then reads them with another.
_LOCK_MANY = (
    select(enrollment.c.id)
    .where(enrollment.c.id == any_(bindparam("enrollment_ids", type_=ARRAY(String))))
    .order_by(enrollment.c.id)
    .with_for_update()
)
_BY_IDS = _ENROLLMENTS.where(enrollment.c.id == any_(bindparam("enrollment_ids", type_=ARRAY(String))))
_BY_IDS_COMPILED = _BY_IDS.compile(dialect=asyncpg_dialect.dialect())
_BY_IDS_SQL = str(_BY_IDS_COMPILED)
_BY_IDS_PARAMS = tuple(_BY_IDS_COMPILED.positiontup or ())

# Lessons, completions and outbox in one round trip, for one completion or a group of them (one row
# per enrolment: a group never holds an enrolment twice). Data-modifying CTEs always run, referenced
# or not; ``completed`` changes only the enrolments whose lesson completes their course. The outbox
# rows are the ones ``lms_shared.outbox.add_events_bulk`` writes, in the order given (the relay
# publishes by id), and the one NOTIFY wakes the relay at commit.
_RECORD_LESSON_SQL = """
WITH lesson AS (
    INSERT INTO lesson_progress (enrollment_id, lesson_id, completed_at, updated_at)
    SELECT l.enrollment_id, l.lesson_id, l.at, l.at
    FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS l(enrollment_id, lesson_id, at)
    ON CONFLICT (enrollment_id, lesson_id)
    DO UPDATE SET completed_at = coalesce(lesson_progress.completed_at, excluded.completed_at),
        updated_at = excluded.updated_at
), completed AS (
    UPDATE enrollment SET status = $10, completed_at = c.at, score = c.score, withdrawn_at = NULL
    FROM unnest($1::text[], $3::timestamptz[], $4::boolean[], $5::int[]) AS c(id, at, completes, score)
    WHERE enrollment.id = c.id AND c.completes
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


def _to_enrollment(row: Mapping[str, Any] | asyncpg.Record) -> Enrollment:
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
    return Enrollment(
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
        reason=row["reason"],
        queue_seq=row["queue_seq"],
        decided_by=row["decided_by"],
    )


# --- courses -------------------------------------------------------------------------------------


class SqlAlchemyCourseRepository:
    """Implements ``service_layer.ports.CourseRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, course_id: str) -> Course | None:
        row = (await self._session.execute(select(course).where(course.c.course_id == course_id))).first()
        if row is None:
            return None
        return Course(
            course_id=row.course_id,
            current_version=row.current_version,
            owner_ids=frozenset([*([row.owner_id] if row.owner_id else []), *row.co_owner_ids]),
            archived=row.archived_version is not None and row.archived_version >= row.current_version,
        )

    async def get_version(self, course_id: str, version: int) -> CourseVersion | None:
        snapshot = await self._session.scalar(
            select(course_version.c.snapshot).where(
                course_version.c.course_id == course_id, course_version.c.version == version
            )
        )
        return CourseVersion.from_snapshot(snapshot) if snapshot is not None else None

    async def store_version(self, snapshot: Mapping[str, Any], received_at: datetime) -> None:
        course_id, version = snapshot["course_id"], int(snapshot["version"])
        await self._session.execute(
            pg_insert(course_version)
            .values(course_id=course_id, version=version, snapshot=dict(snapshot), received_at=received_at)
            .on_conflict_do_nothing()
        )
        stmt = pg_insert(course).values(
            course_id=course_id,
            current_version=version,
            owner_id=snapshot["owner_id"],
            co_owner_ids=list(snapshot.get("co_owner_ids") or []),
            owner_revision=int(snapshot.get("owner_revision") or 0),
            updated_at=received_at,
        )
        # Owners come from the highest ownership revision seen (course.owners_changed included), and
        # for one revision from the newest version: a late or older event must not restore a
        # co-owner who was removed since.
        newer = or_(
            stmt.excluded.owner_revision > course.c.owner_revision,
            and_(
                stmt.excluded.owner_revision == course.c.owner_revision,
                stmt.excluded.current_version >= course.c.current_version,
            ),
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[course.c.course_id],
                set_={
                    "current_version": func.greatest(course.c.current_version, stmt.excluded.current_version),
                    "owner_id": case((newer, stmt.excluded.owner_id), else_=course.c.owner_id),
                    "co_owner_ids": case((newer, stmt.excluded.co_owner_ids), else_=course.c.co_owner_ids),
                    "owner_revision": func.greatest(course.c.owner_revision, stmt.excluded.owner_revision),
                    # The newest change's time, whatever order the events came in.
                    "updated_at": func.greatest(course.c.updated_at, stmt.excluded.updated_at),
                },
            )
        )

    async def update_owners(
        self, course_id: str, owner_id: str, co_owner_ids: Sequence[str], revision: int, changed_at: datetime
    ) -> bool:
        """Apply ``course.owners_changed`` unless a newer ownership revision is known; returns whether
        it was applied. A course not published yet gets a row (current version 0) that keeps them."""
        stmt = pg_insert(course).values(
            course_id=course_id,
            owner_id=owner_id,
            co_owner_ids=list(co_owner_ids),
            owner_revision=revision,
            updated_at=changed_at,
        )
        result = await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[course.c.course_id],
                set_={
                    "owner_id": stmt.excluded.owner_id,
                    "co_owner_ids": stmt.excluded.co_owner_ids,
                    "owner_revision": stmt.excluded.owner_revision,
                    "updated_at": func.greatest(course.c.updated_at, stmt.excluded.updated_at),
                },
                where=course.c.owner_revision < stmt.excluded.owner_revision,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def archive(self, course_id: str, version: int, archived_at: datetime) -> None:
        stmt = pg_insert(course).values(
            course_id=course_id, archived_version=version, archived_at=archived_at, updated_at=archived_at
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[course.c.course_id],
                set_={
                    "archived_version": func.greatest(func.coalesce(course.c.archived_version, 0), version),
                    "archived_at": func.coalesce(course.c.archived_at, archived_at),
                    "updated_at": func.greatest(course.c.updated_at, stmt.excluded.updated_at),
                },
            )
        )


# --- enrolments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingLesson:
    """A lesson completion waiting for the commit, which writes it with the staged events."""

    enrollment_id: str
    lesson_id: str
    at: datetime
    completes: bool
    score: int | None


class SqlAlchemyEnrollmentRepository:
    """Implements ``service_layer.ports.EnrollmentRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._pending_lessons: list[PendingLesson] = []

    async def get(self, enrollment_id: str, *, for_update: bool = False) -> Enrollment | None:
        """See the port. The lock is taken by a statement of its own, before the read.

        In READ COMMITTED a statement that waited for the lock re-checks the locked row but reads
        everything else (the lesson progress another request just committed) from the snapshot it
        started with, which would hide the other tab's lesson.
        """
        if not for_update:
            row = (await self._session.execute(_BY_ID, {"enrollment_id": enrollment_id})).first()
            return _to_enrollment(row._mapping) if row is not None else None
        if (await self._session.execute(_LOCK, {"enrollment_id": enrollment_id})).first() is None:
            return None
        driver = await _in_transaction(self._session)
        defaults = _BY_ID_COMPILED.params
        params = [enrollment_id if name == "enrollment_id" else defaults[name] for name in _BY_ID_PARAMS]
        record = await driver.fetchrow(_BY_ID_SQL, *params)
        return _to_enrollment(record) if record is not None else None

    async def get_many_for_update(self, enrollment_ids: Sequence[str]) -> dict[str, Enrollment]:
        """See the port: one statement locks them all (in id order), the next reads them (see :meth:`get`)."""
        if not enrollment_ids:
            return {}
        locked = (await self._session.execute(_LOCK_MANY, {"enrollment_ids": list(enrollment_ids)})).all()
        if not locked:
            return {}
        driver = await _in_transaction(self._session)
        defaults = _BY_IDS_COMPILED.params
        ids = [r.id for r in locked]
        params = [ids if name == "enrollment_ids" else defaults[name] for name in _BY_IDS_PARAMS]
        return {r["id"]: _to_enrollment(r) for r in await driver.fetch(_BY_IDS_SQL, *params)}

    async def find(self, course_id: str, learner_id: str, *, for_update: bool = False) -> Enrollment | None:
        """The learner's enrolment in a course; ``for_update`` locks it first (see :meth:`get`)."""
        match = and_(enrollment.c.course_id == course_id, enrollment.c.learner_id == learner_id)
        if (
            for_update
            and (await self._session.execute(select(enrollment.c.id).where(match).with_for_update())).first() is None
        ):
            return None
        row = (await self._session.execute(_ENROLLMENTS.where(match))).first()
        return _to_enrollment(row._mapping) if row is not None else None

    async def for_learner(self, learner_id: str, course_ids: Sequence[str] | None = None) -> list[Enrollment]:
        stmt = _ENROLLMENTS.where(enrollment.c.learner_id == learner_id)
        if course_ids is not None:
            stmt = stmt.where(enrollment.c.course_id.in_(list(course_ids)))
        rows = (await self._session.execute(stmt.order_by(enrollment.c.enrolled_at.desc()))).all()
        return [_to_enrollment(r._mapping) for r in rows]

    async def for_course(self, course_id: str, *, org: str | None = None) -> list[Enrollment]:
        stmt = _ENROLLMENTS.where(enrollment.c.course_id == course_id)
        if org is not None:
            stmt = stmt.where(enrollment.c.org == org)
        stmt = stmt.order_by(enrollment.c.enrolled_at, enrollment.c.id)
        return [_to_enrollment(r._mapping) for r in (await self._session.execute(stmt)).all()]

    async def signed_in_orgs(self, learner_ids: Sequence[str]) -> dict[str, str | None]:
        if not learner_ids:
            return {}
        e = enrollment.c
        rows = await self._session.execute(
            select(e.learner_id, e.org)
            .where(e.learner_id.in_(list(learner_ids)), e.via == "self")
            .distinct(e.learner_id)
            .order_by(e.learner_id, e.enrolled_at.desc())
        )
        return {r.learner_id: r.org for r in rows}

    async def add(self, new: Enrollment) -> bool:
        result = await self._session.execute(
            pg_insert(enrollment)
            .values(
                id=new.id,
                course_id=new.course_id,
                learner_id=new.learner_id,
                learner_name=new.learner_name,
                org=new.org,
                municipality=new.municipality,
                locale=new.locale,
                course_version=new.course_version,
                status=new.status.value,
                via=new.via,
                enrolled_at=new.enrolled_at,
                queue_seq=new.queue_seq,
                decided_by=new.decided_by,
            )
            .on_conflict_do_nothing()
            .returning(enrollment.c.id)
        )
        return result.first() is not None

    async def add_cohort(
        self,
        course_id: str,
        version: int,
        members: Sequence[CohortMember],
        ids: Sequence[str],
        at: datetime,
        *,
        statuses: Sequence[EnrollmentStatus] | None = None,
        queue: Sequence[int | None] | None = None,
        decided_by: str | None = None,
    ) -> dict[str, str]:
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
                "status": (statuses[i] if statuses else EnrollmentStatus.ACTIVE).value,
                "via": "cohort",
                "enrolled_at": at,
                "queue_seq": queue[i] if queue else None,
                "decided_by": decided_by,
            }
            for i, (m, eid) in enumerate(zip(members, ids, strict=True))
        ]
        # Executed as a few multi-row INSERTs (SQLAlchemy's insertmanyvalues), each returning what it inserted.
        result = await self._session.execute(
            pg_insert(enrollment).on_conflict_do_nothing().returning(enrollment.c.learner_id, enrollment.c.id), rows
        )
        return {r.learner_id: r.id for r in result.all()}

    async def set_status(
        self,
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
        await self._session.execute(update(enrollment).where(enrollment.c.id == enrollment_id).values(**values))

    def record_lesson_completed(
        self, enrollment_id: str, lesson_id: str, at: datetime, *, completes: bool, score: int | None
    ) -> None:
        if any(p.enrollment_id == enrollment_id for p in self._pending_lessons):
            raise RuntimeError("One lesson completion per enrolment and unit of work: commit the previous one first.")
        self._pending_lessons.append(PendingLesson(enrollment_id, lesson_id, at, completes, score))

    def take_pending_lessons(self) -> list[PendingLesson]:
        """The lesson completions :meth:`record_lesson_completed` left for the commit (for the uow)."""
        pending, self._pending_lessons = self._pending_lessons, []
        return pending

    async def write_lessons(self, lessons: Sequence[PendingLesson], envelopes: Sequence[Envelope]) -> None:
        """Lessons, completions and outbox rows (with the relay's NOTIFY) in one round trip."""
        driver = await _in_transaction(self._session)
        await driver.execute(
            _RECORD_LESSON_SQL,
            [lesson.enrollment_id for lesson in lessons],
            [lesson.lesson_id for lesson in lessons],
            [lesson.at for lesson in lessons],
            [lesson.completes for lesson in lessons],
            [lesson.score for lesson in lessons],
            [env.id for env in envelopes],
            [env.subject for env in envelopes],
            [env.to_bytes() for env in envelopes],
            orjson.dumps(event_headers()).decode(),
            EnrollmentStatus.COMPLETED.value,
            NOTIFY_CHANNEL,
        )

    async def record_quiz_attempt(
        self, enrollment_id: str, lesson_id: str, score: int, passed: bool, at: datetime
    ) -> LessonRecord:
        completed = at if passed else None
        stmt = pg_insert(lesson_progress).values(
            enrollment_id=enrollment_id, lesson_id=lesson_id, attempts=1, best_score=score, completed_at=completed
        )
        result = await self._session.execute(
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


class SqlAlchemyCertificateRepository:
    """Implements ``service_layer.ports.CertificateRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def issued(
        self,
        *,
        certificate_id: str,
        code: str,
        course_id: str,
        learner_id: str | None,
        enrollment_id: str | None,
        issued_at: datetime,
        org: str | None = None,
        municipality: str | None = None,
    ) -> None:
        stmt = pg_insert(certificate).values(
            id=certificate_id,
            code=code,
            course_id=course_id,
            learner_id=learner_id,
            enrollment_id=enrollment_id,
            issued_at=issued_at,
            org=org,
            municipality=municipality,
        )
        # A revocation may have arrived first: fill in what it lacked and keep ``revoked`` as it is.
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[certificate.c.id],
                set_={
                    "issued_at": issued_at,
                    "enrollment_id": func.coalesce(certificate.c.enrollment_id, stmt.excluded.enrollment_id),
                    "learner_id": func.coalesce(certificate.c.learner_id, stmt.excluded.learner_id),
                    "org": func.coalesce(certificate.c.org, stmt.excluded.org),
                    "municipality": func.coalesce(certificate.c.municipality, stmt.excluded.municipality),
                },
            )
        )

    async def revoked(
        self, *, certificate_id: str, code: str, course_id: str, learner_id: str | None, revoked_at: datetime
    ) -> None:
        stmt = pg_insert(certificate).values(
            id=certificate_id,
            code=code,
            course_id=course_id,
            learner_id=learner_id,
            revoked=True,
            revoked_at=revoked_at,
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[certificate.c.id],
                set_={"revoked": True, "revoked_at": revoked_at},
            )
        )


# --- reports -------------------------------------------------------------------------------------

ENROLLED = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.COMPLETED.value)
UNSPECIFIED = "unspecified"


class SqlAlchemyReportRepository:
    """Implements ``service_layer.ports.ReportRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def course_stats(self, course_id: str, *, org: str | None = None) -> CourseStats:
        completed_filter = enrollment.c.status == EnrollmentStatus.COMPLETED.value
        active = and_(enrollment.c.course_id == course_id, enrollment.c.status.in_(ENROLLED))
        if org is not None:  # a country admin's figures: their state's enrolments only
            active = and_(active, enrollment.c.org == org)

        async def grouped(column: Any) -> list[GroupCount]:
            key = func.coalesce(column, literal_column(f"'{UNSPECIFIED}'")).label("key")
            rows = await self._session.execute(
                select(key, func.count().label("enrolled"), func.count().filter(completed_filter).label("completed"))
                .where(active)
                .group_by(key)
                .order_by(func.count().desc(), key)
            )
            return [GroupCount(r.key, r.enrolled, r.completed) for r in rows]

        totals = (
            await self._session.execute(
                select(func.count().label("enrolled"), func.count().filter(completed_filter).label("completed")).where(
                    active
                )
            )
        ).one()
        valid = and_(
            certificate.c.course_id == course_id,
            certificate.c.revoked.is_(False),
            certificate.c.issued_at.isnot(None),
        )
        if org is not None:  # the holder's state, from certificate.issued
            valid = and_(valid, certificate.c.org == org)
        certificates = await self._session.scalar(select(func.count()).where(valid))
        return CourseStats(
            enrolled=totals.enrolled,
            completed=totals.completed,
            certificates_issued=int(certificates or 0),
            by_org=await grouped(enrollment.c.org),
            by_municipality=await grouped(enrollment.c.municipality),
        )


# --- national reports and the learner directory ----------------------------------------------------

_DIMENSION_COLUMN = {
    Dimension.ORG: "org",
    Dimension.MUNICIPALITY: "municipality",
    Dimension.COURSE: "course_id",
    Dimension.MONTH: "month",
}
_CELL_KEYS = ("course_id", "month", "org", "municipality")
# ``report_learner.month`` of the all-time rows (migration 0004), written as SQL: a bound
# date(1, 1, 1) does not reach the server as 0001-01-01 through asyncpg.
ALL_MONTHS: Any = literal_column("DATE '0001-01-01'")
_LEARNER_KEYS = ("org", "month", "municipality", "learner_id")


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _trains(sub: str) -> Any:
    """The courses ``sub`` owns or co-owns (progress's copy of the owners)."""
    return select(course.c.course_id).where(or_(course.c.owner_id == sub, course.c.co_owner_ids.any(sub)))


class SqlAlchemyNationalRepository:
    """Implements ``service_layer.ports.NationalRepository``: the projections and their reads."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # projections (written by the progress-reports consumer; the triggers of migration 0004 roll up)

    async def enrollment_seen(
        self,
        *,
        enrollment_id: str,
        course_id: str,
        learner_id: str,
        org: str | None = None,
        municipality: str | None = None,
        enrolled_at: datetime | None = None,
        created_seen_at: datetime | None = None,
        withdrawn_seen_at: datetime | None = None,
        completed_at: datetime | None = None,
    ) -> None:
        t = report_enrollment
        stmt = pg_insert(t).values(
            enrollment_id=enrollment_id,
            course_id=course_id,
            learner_id=learner_id,
            org=org,
            municipality=municipality,
            enrolled_at=enrolled_at,
            created_seen_at=created_seen_at,
            withdrawn_seen_at=withdrawn_seen_at,
            completed_at=completed_at,
        )
        x = stmt.excluded
        # Every column merges the same way whatever the order the events come in (least/greatest
        # ignore NULLs), so a duplicate or a late event changes nothing it should not.
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.c.enrollment_id],
                set_={
                    "org": func.coalesce(t.c.org, x.org),
                    "municipality": func.coalesce(t.c.municipality, x.municipality),
                    "enrolled_at": func.least(t.c.enrolled_at, x.enrolled_at),
                    "created_seen_at": func.greatest(t.c.created_seen_at, x.created_seen_at),
                    "withdrawn_seen_at": func.greatest(t.c.withdrawn_seen_at, x.withdrawn_seen_at),
                    "completed_at": func.least(t.c.completed_at, x.completed_at),
                },
            )
        )

    async def learner_seen(
        self,
        *,
        learner_id: str,
        active_at: datetime,
        name: str | None = None,
        name_key: str | None = None,
        org: str | None = None,
        municipality: str | None = None,
    ) -> None:
        """The learner's latest activity; with a name, also their name and state as of ``active_at``."""
        t = learner
        if name is None:
            # Activity may arrive before the enrolment that names the learner: keep it on a row that
            # any named event overrides (named_at = -infinity) and that the directory does not list.
            placeholder = pg_insert(t).values(
                learner_id=learner_id,
                name=learner_id,
                name_key="",
                named_at=literal_column("'-infinity'::timestamptz"),
                last_active_at=active_at,
            )
            await self._session.execute(
                placeholder.on_conflict_do_update(
                    index_elements=[t.c.learner_id],
                    set_={"last_active_at": func.greatest(t.c.last_active_at, placeholder.excluded.last_active_at)},
                )
            )
            return
        stmt = pg_insert(t).values(
            learner_id=learner_id,
            name=name,
            name_key=name_key or "",
            org=org,
            municipality=municipality,
            named_at=active_at,
            last_active_at=active_at,
        )
        x = stmt.excluded
        newer = x.named_at > t.c.named_at
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.c.learner_id],
                set_={
                    "name": case((newer, x.name), else_=t.c.name),
                    "name_key": case((newer, x.name_key), else_=t.c.name_key),
                    "org": case((newer, x.org), else_=t.c.org),
                    "municipality": case((newer, x.municipality), else_=t.c.municipality),
                    "named_at": func.greatest(t.c.named_at, x.named_at),
                    "last_active_at": func.greatest(t.c.last_active_at, x.last_active_at),
                },
            )
        )

    # the report

    async def _pending(self, delta: Any) -> bool:
        return bool(await self._session.scalar(select(literal_column("1")).select_from(delta).limit(1)))

    async def _cells(self) -> Any:
        """The cells, plus the deltas not folded yet (usually none: then the table itself)."""
        if not await self._pending(report_cell_delta):
            return report_cell
        cols = [*_CELL_KEYS, "enrolled", "completed", "certificates"]
        both = union_all(
            select(*[report_cell.c[c] for c in cols]), select(*[report_cell_delta.c[c] for c in cols])
        ).subquery("cells_and_deltas")
        return both

    async def _people(self) -> Any:
        """``report_learner`` with the deltas not folded yet added in (summed per key)."""
        if not await self._pending(report_learner_delta):
            return report_learner
        both = union_all(
            select(*[report_learner.c[c] for c in (*_LEARNER_KEYS, "enrollments")]),
            select(*[report_learner_delta.c[c] for c in (*_LEARNER_KEYS, "enrollments")]),
        ).subquery("people_and_deltas")
        keys = [both.c[k] for k in _LEARNER_KEYS]
        return select(*keys, func.sum(both.c.enrollments).label("enrollments")).group_by(*keys).subquery("people")

    async def fold(self, batch: int) -> int:
        """Move up to ``batch`` deltas of each rollup into it (migration 0004, ``report_fold``)."""
        return int(await self._session.scalar(select(func.report_fold(batch))) or 0)

    async def report(self, query: ReportQuery) -> tuple[list[ReportRow], ReportRow]:
        dims = query.group_by
        src = await self._cells()
        cell = src.c

        def cell_filters() -> list[Any]:
            f: list[Any] = []
            if query.org is not None:
                f.append(cell.org == query.org)
            if query.course_id is not None:
                f.append(cell.course_id == query.course_id)
            if query.from_month is not None:
                f.append(cell.month >= query.from_month)
            if query.to_month is not None:
                f.append(cell.month <= query.to_month)
            return f

        sums = (
            func.coalesce(func.sum(cell.enrolled), 0).label("enrolled"),
            func.coalesce(func.sum(cell.completed), 0).label("completed"),
            func.coalesce(func.sum(cell.certificates), 0).label("certificates"),
        )
        group = [cell[_DIMENSION_COLUMN[d]] for d in dims]
        counted = (
            select(*[c.label(d.value) for c, d in zip(group, dims, strict=True)], *sums)
            .select_from(src)
            .where(*cell_filters())
            .group_by(*group)
            .having(func.sum(cell.enrolled) + func.sum(cell.completed) + func.sum(cell.certificates) > 0)
        )
        count_rows = (await self._session.execute(counted)).all() if dims else []
        total = (await self._session.execute(select(*sums).select_from(src).where(*cell_filters()))).one()

        per_row_learners: dict[tuple[Any, ...], int] = {}
        if dims and not query.course_fixed_per_row:
            per_row_learners = await self._distinct_learners(query, dims)
        rows = []
        for r in count_rows:
            key = tuple(getattr(r, d.value) for d in dims)
            values = dict(zip([d.value for d in dims], key, strict=True))
            rows.append(
                ReportRow(
                    org=_blank_to_none(values.get("ORG")),
                    municipality=_blank_to_none(values.get("MUNICIPALITY")),
                    course_id=values.get("COURSE"),
                    month=values.get("MONTH"),
                    enrolled=int(r.enrolled),
                    completed=int(r.completed),
                    certificates=int(r.certificates),
                    learners=int(r.enrolled) if query.course_fixed_per_row else per_row_learners.get(key, 0),
                )
            )
        if query.course_id is not None:
            total_learners = int(total.enrolled)
        else:
            total_learners = (await self._distinct_learners(query, ())).get((), 0)
        totals = ReportRow(
            org=query.org,
            municipality=None,
            course_id=query.course_id,
            month=None,
            enrolled=int(total.enrolled),
            completed=int(total.completed),
            certificates=int(total.certificates),
            learners=total_learners,
        )
        return rows, totals

    async def _distinct_learners(self, query: ReportQuery, dims: Sequence[Dimension]) -> dict[tuple[Any, ...], int]:
        """Distinct learners per group, over rows that span several courses (exact, never summed)."""
        src = await self._people()
        rl = src.c
        f: list[Any] = [rl.enrollments > 0]
        if query.org is not None:
            f.append(rl.org == query.org)
        if query.from_month is None and query.to_month is None and Dimension.MONTH not in dims:
            f.append(rl.month == ALL_MONTHS)  # one row per learner (and state, municipality)
        else:
            f.append(rl.month > ALL_MONTHS)
            if query.from_month is not None:
                f.append(rl.month >= query.from_month)
            if query.to_month is not None:
                f.append(rl.month <= query.to_month)
        cols = [rl[_DIMENSION_COLUMN[d]] for d in dims]
        people = select(*cols, rl.learner_id).select_from(src).where(*f).distinct().subquery()
        pcols = [people.c[c.name] for c in cols]
        # Grouped by state and/or month, the learners come out of ix_report_learner_month /
        # ix_report_learner_org_month already in order, and a streaming DISTINCT beats the hash the
        # planner prefers by three to four times at 400,000 rows (bench/bench_reports.py). The
        # setting lasts for this statement only (SET LOCAL, then back), in a read-only transaction.
        streamed = src is report_learner and set(dims) <= {Dimension.ORG, Dimension.MONTH}
        if streamed:
            await self._session.execute(text("SET LOCAL enable_hashagg = off"))
        result = await self._session.execute(
            select(*pcols, func.count().label("n")).select_from(people).group_by(*pcols)
        )
        counts = {tuple(r[:-1]): int(r[-1]) for r in result.all()}
        if streamed:
            await self._session.execute(text("SET LOCAL enable_hashagg = on"))
        return counts

    async def course_titles(self, course_ids: Sequence[str]) -> dict[str, tuple[dict[str, str], str | None]]:
        """Each course's titles and default language, from its current version."""
        if not course_ids:
            return {}
        cv = course_version.c
        rows = await self._session.execute(
            select(course.c.course_id, cv.snapshot["titles"], cv.snapshot["default_language"].astext)
            .join(course_version, and_(cv.course_id == course.c.course_id, cv.version == course.c.current_version))
            .where(course.c.course_id.in_(list(course_ids)))
        )
        return {r[0]: (dict(r[1] or {}), r[2]) for r in rows.all()}

    # the learner directory

    async def learners(
        self,
        *,
        org: str | None,
        municipality: str | None,
        words: Sequence[str],
        trainer: str | None,
        after: LearnerCursor | None,
        limit: int,
    ) -> tuple[list[LearnerEntry], int]:
        t = learner.c
        f: list[Any] = [t.named_at > literal_column("'-infinity'::timestamptz")]
        if org is not None:
            f.append(t.org == org)
        if municipality is not None:
            f.append(t.municipality == municipality)
        for w in words:
            escaped = w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            f.append(t.name_key.like(f"%{escaped}%", escape="\\"))
        if trainer is not None:
            f.append(
                select(enrollment.c.id)
                .where(enrollment.c.learner_id == t.learner_id, enrollment.c.course_id.in_(_trains(trainer)))
                .exists()
            )
        total = int(await self._session.scalar(select(func.count()).select_from(learner).where(*f)) or 0)
        page = select(learner).where(*f)
        if after is not None:
            page = page.where(func.row(t.name_key, t.learner_id) > func.row(after.name_key, after.learner_id))
        rows = (await self._session.execute(page.order_by(t.name_key, t.learner_id).limit(limit))).all()
        return [
            LearnerEntry(r.learner_id, r.name, r.name_key, r.org, r.municipality, r.last_active_at) for r in rows
        ], total

    async def enrollments_of(self, learner_ids: Sequence[str], trainer: str | None) -> list[Enrollment]:
        if not learner_ids:
            return []
        stmt = _ENROLLMENTS.where(enrollment.c.learner_id.in_(list(learner_ids)))
        if trainer is not None:
            stmt = stmt.where(enrollment.c.course_id.in_(_trains(trainer)))
        rows = (await self._session.execute(stmt.order_by(enrollment.c.enrolled_at.desc(), enrollment.c.id))).all()
        return [_to_enrollment(r._mapping) for r in rows]

    async def certificate_ids_of(self, learner_ids: Sequence[str], trainer: str | None) -> dict[str, list[str]]:
        if not learner_ids:
            return {}
        c = certificate.c
        stmt = select(c.learner_id, c.id).where(c.learner_id.in_(list(learner_ids)), c.issued_at.isnot(None))
        if trainer is not None:
            stmt = stmt.where(c.course_id.in_(_trains(trainer)))
        out: dict[str, list[str]] = {}
        for r in (await self._session.execute(stmt.order_by(c.issued_at.desc(), c.id))).all():
            out.setdefault(r.learner_id, []).append(r.id)
        return out

    # CSV links

    async def add_export(
        self, token_sha256: str, params: Mapping[str, Any], created_by: str, expires_at: datetime, now: datetime
    ) -> None:
        # Expired links are deleted as new ones are made: the table holds minutes of links, not years.
        await self._session.execute(delete(report_export).where(report_export.c.expires_at < now))
        await self._session.execute(
            pg_insert(report_export).values(
                token_sha256=token_sha256, params=dict(params), created_by=created_by, expires_at=expires_at
            )
        )

    async def get_export(self, token_sha256: str, now: datetime) -> dict[str, Any] | None:
        params = await self._session.scalar(
            select(report_export.c.params).where(
                report_export.c.token_sha256 == token_sha256, report_export.c.expires_at > now
            )
        )
        return dict(params) if params is not None else None
