"""Use cases of the progress service: each runs inside one transaction the caller opened.

Exactly-once completion rests on one rule: every change to an enrolment's progress first locks the
enrolment row (``SELECT … FOR UPDATE``), then records the lesson, recomputes completion from what is
committed, and moves ACTIVE → COMPLETED at most once, staging ``course.completed`` in the outbox of
that same transaction. Two tabs completing the last two lessons at once are serialized by the lock;
the second sees the first's lesson and finds the enrolment already COMPLETED.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import (
    CourseCompletedV1,
    EnrollmentCreatedV1,
    LessonCompletedV1,
    Payload,
    QuizAttemptedV1,
)
from lms_shared.outbox import add_events_bulk
from progress.adapters import repository as repo
from progress.adapters.orm import outbox
from progress.adapters.repository import CourseCatalog, CourseRow, EnrollmentRow
from progress.domain.model import (
    QUIZ,
    CohortFailure,
    CourseVersion,
    EnrollmentStatus,
    LessonRecord,
    ProgressView,
    QuizAnswer,
    grade_quiz,
    oversized_field,
    screen_cohort,
    summarize,
)


@dataclass(frozen=True)
class EnrollmentDetails:
    """An enrolment with its progress worked out, as the API answers it."""

    row: EnrollmentRow
    progress: ProgressView


@dataclass(frozen=True)
class QuizResult:
    score: int
    passed: bool
    attempt: int
    enrollment: EnrollmentDetails


@dataclass(frozen=True)
class CohortResult:
    enrolled: int
    already_enrolled: int
    failures: list[CohortFailure]


async def _details(session: AsyncSession, catalog: CourseCatalog, row: EnrollmentRow) -> EnrollmentDetails:
    course = await catalog.version(session, row.course_id, row.course_version)
    return EnrollmentDetails(row=row, progress=summarize(course, row.records))


def _is_trainer_of(principal: Principal, course: CourseRow | None) -> bool:
    return principal.is_admin or (course is not None and principal.sub in course.owner_ids)


async def _require_trainer_of(session: AsyncSession, principal: Principal, course_id: str) -> CourseRow:
    course = await repo.get_course(session, course_id)
    if course is None or not course.published:
        if principal.is_admin:
            raise NotFound(f"Course {course_id} has not been published (or progress has not heard of it yet).")
        raise Forbidden("Only the course's trainers and admins can do this.")
    if not _is_trainer_of(principal, course):
        raise Forbidden("Only the course's trainers and admins can do this.")
    return course


async def _visible_enrollment(
    session: AsyncSession, principal: Principal, enrollment_id: str, *, for_update: bool = False
) -> EnrollmentRow:
    """The enrolment if the caller may see it: its learner, the course's trainers, admins.

    Others get NOT_FOUND, so enrolment ids do not reveal who studies what.
    """
    row = await repo.get_enrollment(session, enrollment_id, for_update=for_update)
    if row is not None and (
        row.learner_id == principal.sub or _is_trainer_of(principal, await repo.get_course(session, row.course_id))
    ):
        return row
    raise NotFound(f"Enrolment {enrollment_id} does not exist or is not yours.")


def _require_own_active(principal: Principal, row: EnrollmentRow) -> None:
    if row.learner_id != principal.sub:
        raise Forbidden("Only the learner of this enrolment can record progress in it.")
    if row.status is EnrollmentStatus.WITHDRAWN:
        raise Conflict("This enrolment was withdrawn; enrol in the course again to continue.")


def _created_event(row: EnrollmentRow) -> EnrollmentCreatedV1:
    return EnrollmentCreatedV1(
        enrollment_id=row.id,
        course_id=row.course_id,
        course_version=row.course_version,
        learner_id=row.learner_id,
        learner_name=row.learner_name,
        org=row.org,
        municipality=row.municipality,
        via="cohort" if row.via == "cohort" else "self",
        enrolled_at=row.enrolled_at,
    )


# --- enrolment -----------------------------------------------------------------------------------


async def enroll(
    session: AsyncSession, catalog: CourseCatalog, principal: Principal, course_id: str
) -> tuple[EnrollmentDetails, bool]:
    """Enrol the caller in the course's current version; returns the enrolment and whether it is new.

    Enrolling again returns the existing enrolment unchanged. A withdrawn enrolment is re-activated
    on the version it was pinned to, with its progress kept.
    """
    too_long = oversized_field(
        {
            "learnerId": principal.sub,
            "name": principal.name,
            "org": principal.org,
            "municipality": principal.municipality,
        }
    )
    if too_long is not None:
        raise BadInput(f"Your sign-in token cannot be used to enrol: {too_long}")
    existing = await repo.find_enrollment(session, course_id, principal.sub, for_update=True)
    course = await repo.get_course(session, course_id)
    if existing is not None and existing.status is not EnrollmentStatus.WITHDRAWN:
        return await _details(session, catalog, existing), False
    if course is None or not course.published:
        raise NotFound(
            f"Course {course_id} is not published, or its publication has not reached the progress service "
            "yet; if it was just published, try again in a few seconds."
        )
    if course.archived:
        raise Conflict("This course is archived and takes no new enrolments.")
    now = utcnow()
    if existing is not None:
        await repo.set_enrollment_status(session, existing.id, EnrollmentStatus.ACTIVE)
        row = replace(existing, status=EnrollmentStatus.ACTIVE, withdrawn_at=None)
        await add_events_bulk(session, outbox, [_created_event(row)])
        return await _details(session, catalog, row), True
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "course_id": course_id,
        "learner_id": principal.sub,
        "learner_name": principal.name,
        "org": principal.org,
        "municipality": principal.municipality,
        # Only a hint for the certificate's language: an implausible value is dropped, not refused.
        "locale": principal.locale if principal.locale and len(principal.locale) <= 16 else None,
        "course_version": course.current_version,
        "status": EnrollmentStatus.ACTIVE.value,
        "via": "self",
        "enrolled_at": now,
    }
    if not await repo.insert_enrollment(session, values):
        # A concurrent request of the same learner won the race: answer with its enrolment.
        raced = await repo.find_enrollment(session, course_id, principal.sub)
        if raced is None:  # pragma: no cover - the unique constraint guarantees it exists
            raise Conflict("Enrolment is in progress in another request; try again.")
        return await _details(session, catalog, raced), False
    row = EnrollmentRow(
        id=values["id"],
        course_id=course_id,
        learner_id=principal.sub,
        learner_name=principal.name,
        org=principal.org,
        municipality=principal.municipality,
        locale=values["locale"],
        course_version=course.current_version,
        status=EnrollmentStatus.ACTIVE,
        via="self",
        score=None,
        enrolled_at=now,
        completed_at=None,
        withdrawn_at=None,
        certificate=None,
    )
    await add_events_bulk(session, outbox, [_created_event(row)])
    return await _details(session, catalog, row), True


async def enroll_cohort(
    session: AsyncSession, principal: Principal, course_id: str, members: Sequence[Mapping[str, Any]]
) -> CohortResult:
    """Enrol a list of learners (up to 10,000) in one transaction; re-running it changes nothing."""
    course = await _require_trainer_of(session, principal, course_id)
    accepted, failures = screen_cohort(members)
    if course.archived:
        raise Conflict("This course is archived and takes no new enrolments.")
    now = utcnow()
    ids = [str(uuid.uuid4()) for _ in accepted]
    inserted = await repo.insert_cohort(session, course_id, course.current_version, accepted, ids, now)
    events: list[Payload] = [
        EnrollmentCreatedV1(
            enrollment_id=inserted[m.learner_id],
            course_id=course_id,
            course_version=course.current_version,
            learner_id=m.learner_id,
            learner_name=m.name,
            org=m.org,
            municipality=m.municipality,
            via="cohort",
            enrolled_at=now,
        )
        for m in accepted
        if m.learner_id in inserted
    ]
    await add_events_bulk(session, outbox, events)
    return CohortResult(enrolled=len(inserted), already_enrolled=len(accepted) - len(inserted), failures=failures)


async def get_enrollment(
    session: AsyncSession, catalog: CourseCatalog, principal: Principal, enrollment_id: str
) -> EnrollmentDetails:
    return await _details(session, catalog, await _visible_enrollment(session, principal, enrollment_id))


async def my_enrollments(
    session: AsyncSession, catalog: CourseCatalog, principal: Principal, course_ids: Sequence[str] | None
) -> list[EnrollmentDetails]:
    rows = await repo.learner_enrollments(session, principal.sub, course_ids)
    return [await _details(session, catalog, r) for r in rows]


async def withdraw(
    session: AsyncSession, catalog: CourseCatalog, principal: Principal, enrollment_id: str
) -> EnrollmentDetails:
    """Withdraw an active enrolment (its progress is kept should the learner come back)."""
    row = await _visible_enrollment(session, principal, enrollment_id, for_update=True)
    if row.status is EnrollmentStatus.COMPLETED:
        raise Conflict("This enrolment is completed; a completed course cannot be withdrawn from.")
    if row.status is EnrollmentStatus.ACTIVE:
        now = utcnow()
        await repo.set_enrollment_status(session, row.id, EnrollmentStatus.WITHDRAWN, withdrawn_at=now)
        row = replace(row, status=EnrollmentStatus.WITHDRAWN, withdrawn_at=now)
    return await _details(session, catalog, row)


# --- lessons and quizzes -------------------------------------------------------------------------


def _completion_events(
    row: EnrollmentRow, course: CourseVersion, lesson_id: str, progress: ProgressView, at: datetime
) -> tuple[list[Payload], bool]:
    events: list[Payload] = [
        LessonCompletedV1(
            enrollment_id=row.id,
            course_id=row.course_id,
            course_version=row.course_version,
            learner_id=row.learner_id,
            lesson_id=lesson_id,
            progress_percent=progress.progress_percent,
            completed_at=at,
        )
    ]
    completes = progress.complete and row.status is EnrollmentStatus.ACTIVE
    if completes:
        events.append(
            CourseCompletedV1(
                enrollment_id=row.id,
                course_id=row.course_id,
                course_version=row.course_version,
                course_titles=dict(course.titles),
                course_default_language=course.default_language,
                learner_id=row.learner_id,
                learner_name=row.learner_name,
                org=row.org,
                municipality=row.municipality,
                locale=row.locale,
                score=progress.score,
                completed_at=at,
            )
        )
    return events, completes


async def _apply_completion(
    session: AsyncSession,
    row: EnrollmentRow,
    course: CourseVersion,
    lesson_id: str,
    records: list[LessonRecord],
    at: datetime,
) -> tuple[EnrollmentRow, ProgressView, list[Payload]]:
    progress = summarize(course, records)
    events, completes = _completion_events(row, course, lesson_id, progress, at)
    if completes:
        await repo.set_enrollment_status(
            session, row.id, EnrollmentStatus.COMPLETED, completed_at=at, score=progress.score
        )
        row = replace(row, status=EnrollmentStatus.COMPLETED, completed_at=at, score=progress.score)
    return row, progress, events


async def complete_lesson(
    session: AsyncSession, catalog: CourseCatalog, principal: Principal, enrollment_id: str, lesson_id: str
) -> EnrollmentDetails:
    """Mark a non-quiz lesson completed; completes the course when it was the last one missing.

    Idempotent: completing a lesson again answers the same enrolment and emits nothing.
    """
    row = await _visible_enrollment(session, principal, enrollment_id, for_update=True)
    _require_own_active(principal, row)
    course = await catalog.version(session, row.course_id, row.course_version)
    lesson = course.lesson(lesson_id)
    if lesson.kind == QUIZ:
        raise BadInput("This lesson is a quiz: pass the quiz (submit your answers) to complete it.")
    records = list(row.records)
    if any(r.lesson_id == lesson_id and r.completed for r in records):
        return EnrollmentDetails(row=row, progress=summarize(course, records))
    now = utcnow()
    records = [r for r in records if r.lesson_id != lesson_id] + [LessonRecord(lesson_id, now)]
    progress = summarize(course, records)
    events, completes = _completion_events(row, course, lesson_id, progress, now)
    # Lesson, completion and events in one statement: this is the platform's hottest write.
    await repo.record_lesson_completed(
        session, row.id, lesson_id, now, events, completes=completes, score=progress.score
    )
    row = replace(row, records=tuple(records))
    if completes:
        row = replace(row, status=EnrollmentStatus.COMPLETED, completed_at=now, score=progress.score)
    return EnrollmentDetails(row=row, progress=progress)


async def submit_quiz(
    session: AsyncSession,
    catalog: CourseCatalog,
    principal: Principal,
    enrollment_id: str,
    lesson_id: str,
    answers: Sequence[QuizAnswer],
    max_attempts: int,
) -> QuizResult:
    """Grade an attempt from the answer key of the pinned version; passing completes the lesson."""
    row = await _visible_enrollment(session, principal, enrollment_id, for_update=True)
    _require_own_active(principal, row)
    course = await catalog.version(session, row.course_id, row.course_version)
    lesson = course.lesson(lesson_id)
    if lesson.kind != QUIZ or lesson.quiz is None:
        raise BadInput("This lesson is not a quiz; mark it completed instead.")
    records = list(row.records)
    previous = next((r for r in records if r.lesson_id == lesson_id), None)
    if max_attempts and previous is not None and previous.attempts >= max_attempts:
        raise Conflict(f"You have used all {max_attempts} attempts at this quiz.")
    grade = grade_quiz(lesson.quiz, answers)
    now = utcnow()
    record = await repo.record_quiz_attempt(session, row.id, lesson_id, grade.score, grade.passed, now)
    records = [r for r in records if r.lesson_id != lesson_id] + [record]
    row = replace(row, records=tuple(records))
    events: list[Payload] = [
        QuizAttemptedV1(
            enrollment_id=row.id,
            course_id=row.course_id,
            learner_id=row.learner_id,
            lesson_id=lesson_id,
            attempt=record.attempts,
            score=grade.score,
            passed=grade.passed,
            attempted_at=now,
        )
    ]
    first_pass = grade.passed and (previous is None or not previous.completed)
    if first_pass:
        row, progress, completion = await _apply_completion(session, row, course, lesson_id, records, now)
        events += completion
    else:
        progress = summarize(course, records)
    await add_events_bulk(session, outbox, events)
    return QuizResult(
        score=grade.score,
        passed=grade.passed,
        attempt=record.attempts,
        enrollment=EnrollmentDetails(row=row, progress=progress),
    )


# --- reports -------------------------------------------------------------------------------------


async def course_stats(session: AsyncSession, principal: Principal, course_id: str) -> repo.CourseStats:
    await _require_trainer_of(session, principal, course_id)
    return await repo.course_stats(session, course_id)


async def course_report(
    session: AsyncSession, catalog: CourseCatalog, principal: Principal, course_id: str
) -> list[EnrollmentDetails]:
    """Every enrolment of the course (withdrawn ones included) with its progress, for the CSV export."""
    await _require_trainer_of(session, principal, course_id)
    rows = await repo.course_enrollments(session, course_id)
    return [await _details(session, catalog, r) for r in rows]
