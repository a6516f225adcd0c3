"""Check-in and attendance at live sessions (issue 15).

- ``open_check_in``: the course's trainers (owner, co-owners) and admins get a fresh code for a LIVE
  lesson, during the session window only. Every call issues a new code and supersedes the earlier
  ones, which stay accepted for the grace period (the projector page rotates every 30 s). Codes are
  stored hashed in Postgres, so they survive restarts and every instance accepts them.
- ``check_in``: the enrolment's own learner, admitted (ACTIVE, or COMPLETED), in the window, with a
  valid code. Wrong codes are counted per learner and limited (RATE_LIMITED). Idempotent.
- ``mark_attendance``: the course's trainers and admins, present or absent, by learner id.
- Attendance is the completion of a LIVE lesson: the first time a learner is present the lesson is
  completed with ``lesson.completed`` (and ``course.completed`` when it was the last one missing),
  besides ``attendance.recorded``, all staged in the transaction that records the attendance.
- Absent after present: recorded, and the lesson completion withdrawn while the enrolment is not
  COMPLETED; once the course is completed (a certificate may exist) the completion stays.
- ``attendance_list``: trainers, admins, and country admins (their state's learners only).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, DomainError, ErrorCode, Forbidden, NotFound
from lms_shared.events.catalogue import AttendanceRecordedV1, LearnerData
from progress.domain.attendance import (
    LIVE,
    AttendanceRecord,
    AttendanceRow,
    CheckInPolicy,
    LiveWindow,
    Method,
    check_in_close,
    code_digest,
    code_expiry,
    code_matches,
    new_code,
    normalise_code,
)
from progress.domain.model import CourseVersion, EnrollmentStatus, LessonRecord, summarize
from progress.domain.records import Course, Enrollment
from progress.service_layer.access import course_version, is_trainer_of, require_course_admin, visible_enrollment
from progress.service_layer.learning import _completion_events
from progress.service_layer.national import _digest
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork

MAX_MARK = 1000
EXPORT_KIND = "attendance"


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED


@dataclass(frozen=True)
class IssuedCode:
    course_id: str
    lesson_id: str
    code: str
    expires_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class LessonState:
    """The learner's state in one lesson after a check-in or a survey (LessonProgress)."""

    lesson_id: str
    status: str
    completed_at: datetime | None
    best_score: int | None
    attempts: int


def lesson_state(course: CourseVersion, records: Sequence[LessonRecord], lesson_id: str) -> LessonState:
    view = next(v for v in summarize(course, records).lessons if v.lesson_id == lesson_id)
    return LessonState(view.lesson_id, view.status.value, view.completed_at, view.best_score, view.attempts)


async def live_lesson(
    uow: ProgressUnitOfWork, versions: CourseVersionCache, principal: Principal, lesson_id: str
) -> tuple[Course, CourseVersion, LiveWindow]:
    """The course (the caller must train it or be an admin) and the LIVE lesson's session."""
    course_id = await uow.attendance.course_of_lesson(lesson_id)
    course = await uow.courses.get(course_id) if course_id else None
    if course is None or not course.published:
        raise NotFound(f"There is no published lesson with id {lesson_id}.")
    if not is_trainer_of(principal, course):
        raise Forbidden("Only the course's trainers and admins can do this.")
    version = await course_version(uow, versions, course.course_id, course.current_version)
    lesson = version.lesson(lesson_id)
    if lesson.kind != LIVE or lesson.live is None:
        raise BadInput("This lesson is not a live session; check-in and attendance are for LIVE lessons.")
    return course, version, lesson.live


async def open_check_in(
    uow: ProgressUnitOfWork,
    principal: Principal,
    lesson_id: str,
    minutes: int | None,
    versions: CourseVersionCache,
    policy: CheckInPolicy,
) -> IssuedCode:
    course, _, window = await live_lesson(uow, versions, principal, lesson_id)
    now = utcnow()
    window.require_open(now, policy.margin)
    current = await uow.attendance.window_close(course.course_id, lesson_id)
    if minutes is None and current is not None and current <= now and current < window.closes_at(policy.margin):
        # Closed early by an earlier ``minutes``: rotating does not reopen it; passing minutes does.
        raise Conflict("Check-in for this session is closed; open it again with minutes to reopen it.")
    closes_at = check_in_close(now, window, policy, minutes, current)
    if closes_at != current:
        await uow.attendance.set_window_close(course.course_id, lesson_id, closes_at)
    code = new_code()
    expires_at = code_expiry(now, closes_at, policy)
    digest = code_digest(course.course_id, lesson_id, code)
    await uow.attendance.issue_code(course.course_id, lesson_id, digest, principal.sub, now, expires_at)
    await uow.commit()
    return IssuedCode(course.course_id, lesson_id, code, expires_at, closes_at)


async def check_in(
    uow: ProgressUnitOfWork,
    principal: Principal,
    enrollment_id: str,
    lesson_id: str,
    typed: str,
    versions: CourseVersionCache,
    policy: CheckInPolicy,
) -> LessonState:
    row = await visible_enrollment(uow, principal, enrollment_id, for_update=True)
    if row.learner_id != principal.sub:
        raise Forbidden("Only the learner of this enrolment can check in with it.")
    require_admitted(row)
    course = await course_version(uow, versions, row.course_id, row.course_version)
    lesson = course.lesson(lesson_id)
    if lesson.kind != LIVE or lesson.live is None:
        raise BadInput("This lesson is not a live session; there is nothing to check in to.")
    existing = await uow.attendance.get(row.id, lesson_id)
    if existing is not None and existing.present:
        return lesson_state(course, row.records, lesson_id)
    now = utcnow()
    window_start = now - timedelta(seconds=policy.failure_window_seconds)
    if await uow.attendance.failures_since(principal.sub, window_start) >= policy.max_failures:
        raise RateLimited(
            f"Too many wrong codes; wait {policy.failure_window_seconds // 60} minutes and type the code "
            "shown in the room now, or ask a trainer to mark you present."
        )
    session = await _session_now(uow, versions, row.course_id, lesson_id, lesson.live)
    session.require_open(now, policy.margin)
    code = normalise_code(typed)
    valid = await uow.attendance.valid_codes(row.course_id, lesson_id, now, timedelta(seconds=policy.grace_seconds))
    if not code or not code_matches(code_digest(row.course_id, lesson_id, code), valid):
        await uow.attendance.add_failure(principal.sub, now, window_start)
        await uow.commit()
        raise BadInput("This code is not valid (or no longer valid): type the code shown in the room now.")
    record = AttendanceRecord(row.id, lesson_id, True, Method.CODE, now, now, principal.sub)
    records = await _record_present(uow, principal, row, course, record, learner=None)
    await uow.commit()
    return lesson_state(course, records, lesson_id)


async def _session_now(
    uow: ProgressUnitOfWork, versions: CourseVersionCache, course_id: str, lesson_id: str, pinned: LiveWindow
) -> LiveWindow:
    """The session as the course's current version schedules it (a session moved in a later version is
    checked in to at its new time, by learners of every version); the pinned one if it is gone there."""
    course = await uow.courses.get(course_id)
    if course is None or not course.published:
        return pinned
    current = await course_version(uow, versions, course_id, course.current_version)
    found = next((lesson for lesson in current.lessons if lesson.id == lesson_id), None)
    return found.live if found is not None and found.live is not None else pinned


def require_admitted(row: Enrollment) -> None:
    if row.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED):
        raise Conflict(
            f"This enrolment is {row.status.value}; only learners with a seat (ACTIVE) can attend the session."
        )


async def _record_present(
    uow: ProgressUnitOfWork,
    principal: Principal,
    row: Enrollment,
    course: CourseVersion,
    record: AttendanceRecord,
    learner: LearnerData | None,
) -> tuple[LessonRecord, ...]:
    """Record presence and, the first time, complete the lesson (and the course); the enrolment is locked."""
    await uow.attendance.record(row.course_id, record)
    uow.publish(_recorded(row, record))
    if any(r.lesson_id == record.lesson_id and r.completed for r in row.records):
        return row.records
    at = record.recorded_at
    records = (*(r for r in row.records if r.lesson_id != record.lesson_id), LessonRecord(record.lesson_id, at))
    progress = summarize(course, records)
    events, completes = _completion_events(principal, row, course, record.lesson_id, progress, at, learner)
    await uow.attendance.complete_lesson(row.id, record.lesson_id, at)
    if completes:
        await uow.enrollments.set_status(row.id, EnrollmentStatus.COMPLETED, completed_at=at, score=progress.score)
    uow.publish(*events)
    return records


def _recorded(row: Enrollment, record: AttendanceRecord) -> AttendanceRecordedV1:
    return AttendanceRecordedV1(
        enrollment_id=row.id,
        course_id=row.course_id,
        course_version=row.course_version,
        learner_id=row.learner_id,
        lesson_id=record.lesson_id,
        present=record.present,
        method=record.method.value,
        recorded_by=record.recorded_by,
        recorded_at=record.recorded_at,
    )


async def mark_attendance(
    uow: ProgressUnitOfWork,
    principal: Principal,
    lesson_id: str,
    learner_ids: Sequence[str],
    present: bool,
    versions: CourseVersionCache,
) -> list[AttendanceRow]:
    """Mark learners present or absent by hand; unknown or unadmitted learners are BAD_USER_INPUT."""
    ids = list(dict.fromkeys(i.strip() for i in learner_ids if i and i.strip()))
    if not ids:
        raise BadInput("learnerIds is empty; list at least one learner.")
    if len(ids) > MAX_MARK:
        raise BadInput(f"Mark at most {MAX_MARK} learners per call; split the list.")
    course, _, _ = await live_lesson(uow, versions, principal, lesson_id)
    now = utcnow()
    for learner_id in sorted(ids):  # one lock order, so two trainers marking overlapping lists never deadlock
        row = await uow.enrollments.find(course.course_id, learner_id, for_update=True)
        if row is None:
            raise BadInput(f"Learner {learner_id} is not enrolled in this course.")
        require_admitted(row)
        pinned = await course_version(uow, versions, row.course_id, row.course_version)
        if lesson_id not in {lesson.id for lesson in pinned.lessons}:
            raise BadInput(
                f"Learner {learner_id} follows version {row.course_version} of the course, which has no such session."
            )
        existing = await uow.attendance.get(row.id, lesson_id)
        if existing is not None and existing.present == present:
            continue  # nothing changes: recorded once
        record = AttendanceRecord(
            row.id,
            lesson_id,
            present,
            Method.TRAINER,
            existing.checked_in_at if existing is not None and present else (now if present else None),
            now,
            principal.sub,
        )
        if present:
            learner = LearnerData(
                id=row.learner_id,
                name=row.learner_name,
                org=row.org,
                municipality=row.municipality,
                locale=row.locale,
            )
            await _record_present(uow, principal, row, pinned, record, learner)
            continue
        await uow.attendance.record(row.course_id, record)
        uow.publish(_recorded(row, record))
        if row.status is EnrollmentStatus.ACTIVE:
            # Absent: the session no longer counts towards completion, unless the course is already
            # completed (then a certificate may exist, and completion stays as it was).
            await uow.attendance.withdraw_lesson(row.id, lesson_id, now)
    await uow.commit()
    wanted = set(ids)
    return [
        r for r in await uow.attendance.attendance_list(course.course_id, lesson_id, None) if r.learner_id in wanted
    ]


async def attendance_list(
    uow: ProgressUnitOfWork, principal: Principal, course_id: str, lesson_id: str, versions: CourseVersionCache
) -> list[AttendanceRow]:
    """Every admitted learner, present or not; a country admin sees their own state's learners only."""
    course, scope = await require_course_admin(uow, principal, course_id)
    version = await course_version(uow, versions, course.course_id, course.current_version)
    lesson = version.lesson(lesson_id)
    if lesson.kind != LIVE:
        raise BadInput("This lesson is not a live session; attendance is kept for LIVE lessons.")
    return await uow.attendance.attendance_list(course.course_id, lesson_id, scope)


@dataclass(frozen=True)
class LiveInfo:
    lesson_id: str
    attended: int
    online_url: str | None


async def live_sessions(
    uow: ProgressUnitOfWork, principal: Principal | None, course_id: str, versions: CourseVersionCache
) -> list[LiveInfo]:
    """Each LIVE lesson of the current version: how many attended (anyone may know the count) and
    the join link, for admitted learners, the course's trainers and admins only."""
    course = await uow.courses.get(course_id)
    if course is None or not course.published:
        return []
    version = await course_version(uow, versions, course.course_id, course.current_version)
    lessons = [lesson for lesson in version.lessons if lesson.kind == LIVE and lesson.live is not None]
    if not lessons:
        return []
    counts = await uow.attendance.present_count(course_id, [lesson.id for lesson in lessons])
    may_join = False
    if principal is not None:
        if is_trainer_of(principal, course):
            may_join = True
        else:
            row = await uow.enrollments.find(course_id, principal.sub)
            may_join = row is not None and row.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
    return [
        LiveInfo(
            lesson.id,
            counts.get(lesson.id, 0),
            lesson.live.online_url if may_join and lesson.live is not None else None,
        )
        for lesson in lessons
    ]


async def create_attendance_export(
    uow: ProgressUnitOfWork,
    principal: Principal,
    course_id: str,
    lesson_id: str,
    versions: CourseVersionCache,
    seconds: int,
) -> tuple[str, datetime]:
    """A short-lived CSV link (the national reports' export mechanism), bound to the caller's scope."""
    course, scope = await require_course_admin(uow, principal, course_id)
    version = await course_version(uow, versions, course.course_id, course.current_version)
    if version.lesson(lesson_id).kind != LIVE:
        raise BadInput("This lesson is not a live session; attendance is kept for LIVE lessons.")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    params = {"kind": EXPORT_KIND, "courseId": course.course_id, "lessonId": lesson_id, "org": scope}
    await uow.national.add_export(_digest(token), params, principal.sub, expires, now)
    await uow.commit()
    return token, expires


async def attendance_export(uow: ProgressUnitOfWork, token: str) -> list[AttendanceRow] | None:
    """The rows of an attendance CSV link; None when the token is not an attendance export."""
    if not 20 <= len(token) <= 100:
        return None
    params = await uow.national.get_export(_digest(token), utcnow())
    if params is None or params.get("kind") != EXPORT_KIND:
        return None
    org = params.get("org")
    return await uow.attendance.attendance_list(str(params["courseId"]), str(params["lessonId"]), org or None)
