"""SQL of live sessions and surveys (issue 15): check-in codes, attendance, survey submissions and answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, literal, or_, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from progress.adapters.orm import (
    attendance,
    check_in_code,
    check_in_failure,
    check_in_window,
    course_version,
    enrollment,
    lesson_progress,
    survey_answer,
    survey_ballot,
    survey_submission,
)
from progress.domain.attendance import AttendanceRecord, AttendanceRow, Method
from progress.domain.model import EnrollmentStatus
from progress.domain.surveys import StoredAnswer

# Enrolments whose learner has a seat: the attendance list and the survey scope count only these.
ADMITTED = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.COMPLETED.value)


class SqlAlchemyAttendanceRepository:
    """Implements ``service_layer.ports.AttendanceRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def course_of_lesson(self, lesson_id: str) -> str | None:
        """The course whose published versions hold this lesson (GIN containment, newest first)."""
        doc = {"modules": [{"lessons": [{"id": lesson_id}]}]}
        return await self._session.scalar(
            select(course_version.c.course_id)
            .where(course_version.c.snapshot.contains(doc))
            .order_by(course_version.c.received_at.desc())
            .limit(1)
        )

    async def window_close(self, course_id: str, lesson_id: str) -> datetime | None:
        w = check_in_window.c
        return await self._session.scalar(select(w.closes_at).where(w.course_id == course_id, w.lesson_id == lesson_id))

    async def set_window_close(self, course_id: str, lesson_id: str, closes_at: datetime) -> None:
        stmt = pg_insert(check_in_window).values(course_id=course_id, lesson_id=lesson_id, closes_at=closes_at)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[check_in_window.c.course_id, check_in_window.c.lesson_id],
                set_={"closes_at": stmt.excluded.closes_at},
            )
        )

    async def issue_code(
        self, course_id: str, lesson_id: str, digest: str, issued_by: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store a new code; every earlier code of the session is superseded now (grace starts)."""
        c = check_in_code.c
        session = and_(c.course_id == course_id, c.lesson_id == lesson_id)
        # Codes expired a while ago are pruned as new ones are made: the table holds minutes of codes.
        await self._session.execute(delete(check_in_code).where(session, c.expires_at < now - timedelta(hours=1)))
        await self._session.execute(
            update(check_in_code).where(session, c.superseded_at.is_(None)).values(superseded_at=now)
        )
        await self._session.execute(
            pg_insert(check_in_code)
            .values(
                code_sha256=digest,
                course_id=course_id,
                lesson_id=lesson_id,
                issued_by=issued_by,
                issued_at=now,
                expires_at=expires_at,
            )
            .on_conflict_do_nothing()
        )

    async def valid_codes(self, course_id: str, lesson_id: str, now: datetime, grace: timedelta) -> list[str]:
        c = check_in_code.c
        rows = await self._session.scalars(
            select(c.code_sha256).where(
                c.course_id == course_id,
                c.lesson_id == lesson_id,
                c.expires_at > now,
                or_(c.superseded_at.is_(None), c.superseded_at > now - grace),
            )
        )
        return list(rows)

    async def failures_since(self, learner_id: str, since: datetime) -> int:
        f = check_in_failure.c
        count = await self._session.scalar(select(func.count()).where(f.learner_id == learner_id, f.failed_at > since))
        return int(count or 0)

    async def add_failure(self, learner_id: str, at: datetime, prune_before: datetime) -> None:
        f = check_in_failure.c
        await self._session.execute(
            delete(check_in_failure).where(f.learner_id == learner_id, f.failed_at < prune_before)
        )
        await self._session.execute(pg_insert(check_in_failure).values(learner_id=learner_id, failed_at=at))

    async def get(self, enrollment_id: str, lesson_id: str) -> AttendanceRecord | None:
        a = attendance.c
        row = (
            await self._session.execute(
                select(attendance).where(a.enrollment_id == enrollment_id, a.lesson_id == lesson_id)
            )
        ).first()
        if row is None:
            return None
        return AttendanceRecord(
            enrollment_id=row.enrollment_id,
            lesson_id=row.lesson_id,
            present=row.present,
            method=Method(row.method),
            checked_in_at=row.checked_in_at,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
        )

    async def record(self, course_id: str, record: AttendanceRecord) -> None:
        values = {
            "enrollment_id": record.enrollment_id,
            "lesson_id": record.lesson_id,
            "course_id": course_id,
            "present": record.present,
            "method": record.method.value,
            "checked_in_at": record.checked_in_at,
            "recorded_at": record.recorded_at,
            "recorded_by": record.recorded_by,
        }
        stmt = pg_insert(attendance).values(**values)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[attendance.c.enrollment_id, attendance.c.lesson_id],
                set_={k: stmt.excluded[k] for k in values if k not in ("enrollment_id", "lesson_id")},
            )
        )

    async def present_count(self, course_id: str, lesson_ids: Sequence[str]) -> dict[str, int]:
        a = attendance.c
        rows = await self._session.execute(
            select(a.lesson_id, func.count())
            .where(a.course_id == course_id, a.lesson_id.in_(list(lesson_ids)), a.present.is_(True))
            .group_by(a.lesson_id)
        )
        return {r[0]: int(r[1]) for r in rows}

    async def attendance_list(self, course_id: str, lesson_id: str, org: str | None) -> list[AttendanceRow]:
        e, a = enrollment.c, attendance.c
        stmt = (
            select(
                e.id,
                e.learner_id,
                e.learner_name,
                e.org,
                e.municipality,
                a.present,
                a.checked_in_at,
                a.method,
            )
            .select_from(enrollment.outerjoin(attendance, and_(a.enrollment_id == e.id, a.lesson_id == lesson_id)))
            .where(e.course_id == course_id, e.status.in_(ADMITTED))
            .order_by(e.learner_name, e.id)
        )
        if org is not None:
            stmt = stmt.where(e.org == org)
        return [
            AttendanceRow(
                enrollment_id=r.id,
                learner_id=r.learner_id,
                learner_name=r.learner_name,
                org=r.org,
                municipality=r.municipality,
                present=bool(r.present),
                checked_in_at=r.checked_in_at,
                method=Method(r.method) if r.method else None,
            )
            for r in await self._session.execute(stmt)
        ]

    async def complete_lesson(self, enrollment_id: str, lesson_id: str, at: datetime) -> None:
        """The lesson completed (kept when it already was); the enrolment is locked by the caller."""
        stmt = pg_insert(lesson_progress).values(
            enrollment_id=enrollment_id, lesson_id=lesson_id, completed_at=at, updated_at=at
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[lesson_progress.c.enrollment_id, lesson_progress.c.lesson_id],
                set_={
                    "completed_at": func.coalesce(lesson_progress.c.completed_at, at),
                    "updated_at": at,
                },
            )
        )

    async def withdraw_lesson(self, enrollment_id: str, lesson_id: str, at: datetime) -> None:
        lp = lesson_progress.c
        await self._session.execute(
            update(lesson_progress)
            .where(lp.enrollment_id == enrollment_id, lp.lesson_id == lesson_id)
            .values(completed_at=None, updated_at=at)
        )


class SqlAlchemySurveyRepository:
    """Implements ``service_layer.ports.SurveyRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_submission(self, enrollment_id: str, lesson_id: str, course_id: str, org: str | None) -> bool:
        result = await self._session.execute(
            pg_insert(survey_submission)
            .values(enrollment_id=enrollment_id, lesson_id=lesson_id, course_id=course_id, org=org)
            .on_conflict_do_nothing()
            .returning(survey_submission.c.enrollment_id)
        )
        return result.first() is not None

    async def add_answers(
        self,
        course_id: str,
        lesson_id: str,
        org: str | None,
        answers: Sequence[StoredAnswer],
        *,
        enrollment_id: str | None,
    ) -> None:
        """Anonymous (``enrollment_id`` None): into the ballot box, with random ids and no link; else
        straight into the answers with the enrolment."""
        if not answers:
            return
        rows = [
            {
                "id": str(uuid.uuid4()),
                "course_id": course_id,
                "lesson_id": lesson_id,
                "question_id": a.question_id,
                "org": org,
                "rating": a.rating,
                "option_id": a.option_id,
                "text": a.text,
            }
            for a in answers
        ]
        if enrollment_id is None:
            await self._session.execute(pg_insert(survey_ballot), rows)
        else:
            await self._session.execute(pg_insert(survey_answer), [{**r, "enrollment_id": enrollment_id} for r in rows])

    async def answers(self, course_id: str, lesson_id: str, org: str | None) -> list[StoredAnswer]:
        """Every answer, mixed or still in the ballot box, of the respondents of ``org`` (None: all)."""
        parts = []
        for t in (survey_answer, survey_ballot):
            stmt = select(t.c.question_id, t.c.rating, t.c.option_id, t.c.text).where(
                t.c.course_id == course_id, t.c.lesson_id == lesson_id
            )
            if org is not None:
                stmt = stmt.where(t.c.org == org)
            parts.append(stmt)
        rows = await self._session.execute(union_all(*parts))
        return [StoredAnswer(r.question_id, rating=r.rating, option_id=r.option_id, text=r.text) for r in rows]

    async def respondents(self, course_id: str, lesson_id: str, org: str | None) -> int:
        s = survey_submission.c
        stmt = select(func.count()).where(s.course_id == course_id, s.lesson_id == lesson_id)
        if org is not None:
            stmt = stmt.where(s.org == org)
        return int(await self._session.scalar(stmt) or 0)

    async def mix(self, min_respondents: int) -> int:
        """Move the ballots of every survey whose box holds answers of at least ``min_respondents``
        submissions into the answers, in random order, in this transaction; how many were moved."""
        b = survey_ballot.c
        per_question = (
            select(b.course_id, b.lesson_id, func.count().label("n"))
            .group_by(b.course_id, b.lesson_id, b.question_id)
            .subquery()
        )
        ready = (
            select(per_question.c.course_id, per_question.c.lesson_id)
            .group_by(per_question.c.course_id, per_question.c.lesson_id)
            .having(func.max(per_question.c.n) >= min_respondents)
        )
        moved = 0
        for course_id, lesson_id in (await self._session.execute(ready)).all():
            box = and_(b.course_id == course_id, b.lesson_id == lesson_id)
            taken = (
                delete(survey_ballot)
                .where(box)
                .returning(b.id, b.course_id, b.lesson_id, b.question_id, b.org, b.rating, b.option_id, b.text)
                .cte("taken")
            )
            t = taken.c
            insert = pg_insert(survey_answer).from_select(
                ["id", "course_id", "lesson_id", "question_id", "org", "enrollment_id", "rating", "option_id", "text"],
                select(
                    func.gen_random_uuid().cast(survey_answer.c.id.type),
                    t.course_id,
                    t.lesson_id,
                    t.question_id,
                    t.org,
                    literal(None, survey_answer.c.enrollment_id.type),
                    t.rating,
                    t.option_id,
                    t.text,
                ).order_by(func.random()),
            )
            result = await self._session.execute(insert)
            moved += int(getattr(result, "rowcount", 0) or 0)
        return moved
