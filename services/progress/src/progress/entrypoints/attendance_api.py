"""Live sessions and surveys (docs/rest-api.md, "Live sessions and surveys"; issue 15): thin routes."""

from __future__ import annotations

import io
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import APIRouter, Response

from lms_shared import csvsafe
from lms_shared.errors import DomainError, Unavailable
from lms_shared.faults import is_transient
from lms_shared.web import OptionalUser
from progress.bootstrap import Container
from progress.domain.attendance import AttendanceRow, CheckInPolicy
from progress.domain.surveys import SurveyAnswer
from progress.entrypoints.deps import ContainerDep, CurrentUser, UowDep, VersionsDep
from progress.entrypoints.schemas import (
    AttendanceExportOut,
    AttendanceList,
    AttendanceMark,
    AttendanceOut,
    CheckInCodeOut,
    CheckInCreate,
    CheckInOpen,
    LessonStateOut,
    LiveSessionList,
    LiveSessionOut,
    SurveyResultList,
    SurveyResultOut,
    SurveySubmissionCreate,
)
from progress.service_layer import attendance, surveys
from progress.service_layer.national import EXPORT_SECONDS

router = APIRouter()
T = TypeVar("T")


async def retryable(work: Awaitable[T]) -> T:
    """A database that is briefly away is 503 UNAVAILABLE (retry), never a 500: during a session
    2,000 phones retry a check-in, and nothing was recorded (the transaction never committed)."""
    try:
        return await work
    except DomainError:
        raise
    except Exception as exc:
        if not is_transient(exc):
            raise
        raise Unavailable("Progress cannot reach its database right now; try again in a few seconds.") from exc


def policy(container: Container) -> CheckInPolicy:
    s = container.settings
    return CheckInPolicy(
        code_seconds=s.checkin_code_seconds,
        grace_seconds=s.checkin_grace_seconds,
        margin_minutes=s.checkin_margin_minutes,
        max_failures=s.checkin_max_failures,
        failure_window_seconds=s.checkin_failure_window_seconds,
    )


@router.post("/v1/check-in-codes", response_model=CheckInCodeOut, status_code=201)
async def open_check_in(body: CheckInOpen, user: CurrentUser, uow: UowDep, container: ContainerDep) -> CheckInCodeOut:
    """openCheckIn: a fresh code for a LIVE lesson (the course's trainers and admins)."""
    issued = await retryable(
        attendance.open_check_in(uow, user, body.lessonId, body.minutes, container.versions, policy(container))
    )
    return CheckInCodeOut(
        courseId=issued.course_id,
        lessonId=issued.lesson_id,
        code=issued.code,
        expiresAt=issued.expires_at,
        closesAt=issued.closes_at,
    )


@router.post("/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/check-in", response_model=LessonStateOut)
async def check_in(
    enrollment_id: str, lesson_id: str, body: CheckInCreate, user: CurrentUser, uow: UowDep, container: ContainerDep
) -> LessonStateOut:
    """checkIn: the enrolment's learner, with the code shown in the room; idempotent."""
    state = await retryable(
        attendance.check_in(uow, user, enrollment_id, lesson_id, body.code, container.versions, policy(container))
    )
    return LessonStateOut.of(state)


@router.post("/v1/attendance", response_model=AttendanceList)
async def mark_attendance(
    body: AttendanceMark, user: CurrentUser, uow: UowDep, versions: VersionsDep
) -> AttendanceList:
    """markAttendance: the course's trainers and admins mark learners present or absent."""
    rows = await retryable(
        attendance.mark_attendance(uow, user, body.lessonId, body.learnerIds, body.present, versions)
    )
    return AttendanceList(nodes=[AttendanceOut.of(r) for r in rows])


@router.get("/v1/courses/{course_id}/lessons/{lesson_id}/attendance", response_model=AttendanceList)
async def attendance_list(
    course_id: str, lesson_id: str, user: CurrentUser, uow: UowDep, versions: VersionsDep
) -> AttendanceList:
    """Course.attendance: every admitted learner (country admins: their state's), present or not."""
    rows = await attendance.attendance_list(uow, user, course_id, lesson_id, versions)
    return AttendanceList(nodes=[AttendanceOut.of(r) for r in rows])


@router.post(
    "/v1/courses/{course_id}/lessons/{lesson_id}/attendance/exports",
    response_model=AttendanceExportOut,
    status_code=201,
)
async def create_attendance_export(
    course_id: str, lesson_id: str, user: CurrentUser, uow: UowDep, versions: VersionsDep
) -> AttendanceExportOut:
    """A link valid for a few minutes to the attendance list as CSV (the report exports' mechanism)."""
    token, expires = await attendance.create_attendance_export(
        uow, user, course_id, lesson_id, versions, EXPORT_SECONDS
    )
    return AttendanceExportOut(token=token, path=f"/v1/reports/national/exports/{token}.csv", expiresAt=expires)


@router.get("/v1/courses/{course_id}/live", response_model=LiveSessionList)
async def live_sessions(course_id: str, user: OptionalUser, uow: UowDep, versions: VersionsDep) -> LiveSessionList:
    """LiveSession.attended (anyone) and onlineUrl (admitted learners, the course's trainers, admins)."""
    infos = await attendance.live_sessions(uow, user, course_id, versions)
    return LiveSessionList(
        nodes=[LiveSessionOut(lessonId=i.lesson_id, attended=i.attended, onlineUrl=i.online_url) for i in infos]
    )


@router.post("/v1/enrollments/{enrollment_id}/surveys/{lesson_id}/submissions", response_model=LessonStateOut)
async def submit_survey(
    enrollment_id: str,
    lesson_id: str,
    body: SurveySubmissionCreate,
    user: CurrentUser,
    uow: UowDep,
    versions: VersionsDep,
) -> LessonStateOut:
    """submitSurvey: the enrolment's learner, once; completes the SURVEY lesson."""
    answers = [
        SurveyAnswer(a.questionId, rating=a.rating, text=a.text, option_ids=tuple(a.optionIds or ()))
        for a in body.answers
    ]
    state = await retryable(surveys.submit_survey(uow, user, enrollment_id, lesson_id, answers, versions))
    return LessonStateOut.of(state)


@router.get("/v1/courses/{course_id}/lessons/{lesson_id}/survey-results", response_model=SurveyResultList)
async def survey_results(
    course_id: str, lesson_id: str, user: CurrentUser, uow: UowDep, versions: VersionsDep
) -> SurveyResultList:
    """Course.surveyResults: aggregated; country admins: their state's respondents only."""
    results = await surveys.survey_results(uow, user, course_id, lesson_id, versions)
    return SurveyResultList(
        nodes=[
            SurveyResultOut(
                questionId=r.question_id,
                responses=r.responses,
                mean=r.mean,
                distribution=list(r.distribution) if r.distribution is not None else None,
                optionCounts=list(r.option_counts) if r.option_counts is not None else None,
                texts=list(r.texts) if r.texts is not None else None,
            )
            for r in results
        ]
    )


ATTENDANCE_COLUMNS = ("learnerId", "learnerName", "org", "municipality", "present", "checkedInAt", "method")


def attendance_csv(rows: list[AttendanceRow]) -> Response:
    """The attendance list as CSV: UTF-8 with a BOM, every text cell neutralised against formulas."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer, lineterminator="\r\n")
    writer.writerow(ATTENDANCE_COLUMNS)
    for r in rows:
        writer.writerow(
            (
                r.learner_id,
                r.learner_name,
                r.org or "",
                r.municipality or "",
                "yes" if r.present else "no",
                r.checked_in_at.isoformat() if r.checked_in_at else "",
                r.method.value if r.method else "",
            )
        )
    return Response(
        content=buffer.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="attendance.csv"', "Cache-Control": "no-store"},
    )
