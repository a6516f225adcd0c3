"""Lessons and quizzes, and the completion of the course they lead to.

Exactly-once completion rests on one rule: every change to an enrolment's progress first locks the
enrolment row (``get(..., for_update=True)``), then records the lesson, recomputes completion from
what is committed, and moves ACTIVE → COMPLETED at most once, staging ``course.completed`` in the
same unit of work. Two tabs completing the last two lessons at once are serialized by the lock; the
second sees the first's lesson and finds the enrolment already COMPLETED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, DomainError
from lms_shared.events.catalogue import (
    CourseCompletedV1,
    LearnerData,
    LessonCompletedV1,
    Payload,
    QuizAttemptedV1,
)
from progress.domain.attendance import LIVE
from progress.domain.model import (
    QUIZ,
    CourseVersion,
    EnrollmentStatus,
    LessonRecord,
    ProgressView,
    QuizAnswer,
    grade_quiz,
    summarize,
)
from progress.domain.records import Enrollment
from progress.domain.surveys import SURVEY
from progress.service_layer.access import (
    EnrollmentDetails,
    course_version,
    require_own_active,
    visible_enrollment,
)
from progress.service_layer.enrolling import signed_in_name
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork


@dataclass(frozen=True)
class QuizResult:
    score: int
    passed: bool
    attempt: int
    enrollment: EnrollmentDetails
    # Per question, in order: (question id, answered right); never the right options.
    questions: tuple[tuple[str, bool], ...] = ()


def _completion_events(
    principal: Principal,
    row: Enrollment,
    course: CourseVersion,
    lesson_id: str,
    progress: ProgressView,
    at: datetime,
    learner: LearnerData | None = None,
) -> tuple[list[Payload], bool]:
    """``learner``: who completed, when the caller is not the learner (a trainer marking attendance)."""
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
                # The caller is this enrolment's learner (require_own_active): the certificate prints
                # the name their identity provider vouches for in their own token, never what a
                # trainer typed into a cohort list (issue 13, finding 1).
                learner=learner
                or LearnerData(
                    id=row.learner_id,
                    name=signed_in_name(principal),
                    email=principal.email,
                    org=principal.org or row.org,
                    municipality=principal.municipality or row.municipality,
                    locale=row.locale,
                ),
                score=progress.score,
                completed_at=at,
            )
        )
    return events, completes


async def complete_lesson(
    uow: ProgressUnitOfWork, principal: Principal, enrollment_id: str, lesson_id: str, versions: CourseVersionCache
) -> EnrollmentDetails:
    """Mark a non-quiz lesson completed; completes the course when it was the last one missing.

    Idempotent: completing a lesson again answers the same enrolment and emits nothing.
    """
    row = await visible_enrollment(uow, principal, enrollment_id, for_update=True)
    require_own_active(principal, row)
    course = await course_version(uow, versions, row.course_id, row.course_version)
    details, recorded = _record_lesson(uow, principal, row, course, lesson_id)
    if recorded:
        await uow.commit()
    return details


@dataclass(frozen=True)
class LessonRequest:
    """One ``completeLesson`` of a group (``complete_lessons``)."""

    principal: Principal
    enrollment_id: str
    lesson_id: str


class Alone:
    """The answer of ``complete_lessons`` for a request the group leaves to ``complete_lesson``."""


ALONE = Alone()


async def complete_lessons(
    uow: ProgressUnitOfWork, requests: Sequence[LessonRequest], versions: CourseVersionCache
) -> list[EnrollmentDetails | DomainError | Alone]:
    """Several ``complete_lesson`` in one transaction (group commit), each on a different enrolment.

    Per request, in order: its answer, the domain error it gets (nothing of it is written), or
    ``ALONE`` when it is not the common case this handles (an enrolment that is not the caller's
    own, or whose course version is not cached yet): the caller runs those through
    :func:`complete_lesson`, which decides them exactly as before (NOT_FOUND or FORBIDDEN …). The
    same rule as ``complete_lesson``: every enrolment is locked before it is read, the lessons and
    completions are decided under the lock, and one commit writes them all with their events.
    """
    if len({r.enrollment_id for r in requests}) != len(requests):
        raise ValueError("a group holds each enrolment once")
    rows = await uow.enrollments.get_many_for_update([r.enrollment_id for r in requests])
    answers: list[EnrollmentDetails | DomainError | Alone] = []
    recorded = False
    for request in requests:
        row = rows.get(request.enrollment_id)
        course = versions.get(row.course_id, row.course_version) if row is not None else None
        if row is None or course is None or row.learner_id != request.principal.sub:
            answers.append(ALONE)
            continue
        try:
            require_own_active(request.principal, row)
            details, new = _record_lesson(uow, request.principal, row, course, request.lesson_id)
        except DomainError as exc:
            answers.append(exc)
        else:
            answers.append(details)
            recorded = recorded or new
    if recorded:
        await uow.commit()
    return answers


def _record_lesson(
    uow: ProgressUnitOfWork, principal: Principal, row: Enrollment, course: CourseVersion, lesson_id: str
) -> tuple[EnrollmentDetails, bool]:
    """Decide a lesson completion on a locked enrolment and stage its write and events (no commit).

    Also answers whether anything was staged (False: the lesson was completed before)."""
    lesson = course.lesson(lesson_id)
    if lesson.kind == QUIZ:
        raise BadInput("This lesson is a quiz: pass the quiz (submit your answers) to complete it.")
    if lesson.kind == LIVE:
        raise BadInput("This lesson is a live session: check in with the code shown in the room to complete it.")
    if lesson.kind == SURVEY:
        raise BadInput("This lesson is a survey: submit your answers to complete it.")
    records = list(row.records)
    if any(r.lesson_id == lesson_id and r.completed for r in records):
        return EnrollmentDetails(row=row, progress=summarize(course, records)), False
    now = utcnow()
    records = [r for r in records if r.lesson_id != lesson_id] + [LessonRecord(lesson_id, now)]
    progress = summarize(course, records)
    events, completes = _completion_events(principal, row, course, lesson_id, progress, now)
    # The lesson, the completion and the events are written together by the commit, in one statement.
    uow.enrollments.record_lesson_completed(row.id, lesson_id, now, completes=completes, score=progress.score)
    uow.publish(*events)
    row = replace(row, records=tuple(records))
    if completes:
        row = replace(row, status=EnrollmentStatus.COMPLETED, completed_at=now, score=progress.score)
    return EnrollmentDetails(row=row, progress=progress), True


async def submit_quiz(
    uow: ProgressUnitOfWork,
    principal: Principal,
    enrollment_id: str,
    lesson_id: str,
    answers: Sequence[QuizAnswer],
    versions: CourseVersionCache,
    *,
    max_attempts: int,
) -> QuizResult:
    """Grade an attempt from the answer key of the pinned version; passing completes the lesson.

    ``max_attempts`` per quiz and enrolment, 0 for unlimited.
    """
    row = await visible_enrollment(uow, principal, enrollment_id, for_update=True)
    require_own_active(principal, row)
    course = await course_version(uow, versions, row.course_id, row.course_version)
    lesson = course.lesson(lesson_id)
    if lesson.kind != QUIZ or lesson.quiz is None:
        raise BadInput("This lesson is not a quiz; mark it completed instead.")
    records = list(row.records)
    previous = next((r for r in records if r.lesson_id == lesson_id), None)
    if max_attempts and previous is not None and previous.attempts >= max_attempts:
        raise Conflict(f"You have used all {max_attempts} attempts at this quiz.")
    grade = grade_quiz(lesson.quiz, answers)
    now = utcnow()
    record = await uow.enrollments.record_quiz_attempt(row.id, lesson_id, grade.score, grade.passed, now)
    records = [r for r in records if r.lesson_id != lesson_id] + [record]
    row = replace(row, records=tuple(records))
    progress = summarize(course, records)
    uow.publish(
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
    )
    if grade.passed and (previous is None or not previous.completed):
        events, completes = _completion_events(principal, row, course, lesson_id, progress, now)
        if completes:
            await uow.enrollments.set_status(row.id, EnrollmentStatus.COMPLETED, completed_at=now, score=progress.score)
            row = replace(row, status=EnrollmentStatus.COMPLETED, completed_at=now, score=progress.score)
        uow.publish(*events)
    await uow.commit()
    return QuizResult(
        score=grade.score,
        passed=grade.passed,
        attempt=record.attempts,
        enrollment=EnrollmentDetails(row=row, progress=progress),
        questions=grade.questions,
    )
