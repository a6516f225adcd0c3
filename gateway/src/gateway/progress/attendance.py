"""Check-in, attendance and surveys (issue 15): the mutations, over the progress service."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.progress.attendance_types import Attendance, CheckInCode
from gateway.progress.types import LessonProgress
from lms_shared.errors import BadInput

MAX_MARK = 1000


@strawberry.input(
    description="One answer of a survey: rating for RATING, text for TEXT, one option id for SINGLE_CHOICE."
)
class SurveyAnswerInput:
    questionId: strawberry.ID = strawberry.field(description="The question.")
    rating: int | None = strawberry.field(default=strawberry.UNSET, description="RATING: 1..scale.")
    text: str | None = strawberry.field(
        default=None, description="TEXT: the written answer (at most 2,000 characters)."
    )
    optionIds: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="SINGLE_CHOICE: the chosen option (exactly one)."
    )


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


async def _call(info: Info, method: str, path: str, body: Any = None) -> Any:
    ctx = ctx_of(info)
    return await ctx.state.clients.progress.request(method, path, token=ctx.token, json=body)


def check_in_url(public_url: str, course_id: str, lesson_id: str, code: str) -> str:
    """The web client's check-in route: opened signed in (a phone's camera on the QR code), it checks in."""
    base = public_url.rstrip("/")
    return f"{base}/check-in/{quote(course_id, safe='')}/{quote(lesson_id, safe='')}?{urlencode({'code': code})}"


async def open_check_in(info: Info, lessonId: strawberry.ID, minutes: int | None = None) -> CheckInCode:
    """Trainers of the course and admins: a fresh code for the session (rotate it every 30 s or so)."""
    if minutes is not None and not 1 <= minutes <= 1440:
        raise BadInput("minutes must be between 1 and 1440.")
    seg(lessonId)
    body: dict[str, Any] = await _call(
        info, "POST", "/v1/check-in-codes", {"lessonId": str(lessonId), "minutes": minutes}
    )
    settings = ctx_of(info).state.settings
    result: Any = {**body, "url": check_in_url(settings.public_url, body["courseId"], body["lessonId"], body["code"])}
    return result


async def check_in(info: Info, enrollmentId: strawberry.ID, lessonId: strawberry.ID, code: str) -> LessonProgress:
    """The learner, during the session window, with the code shown in the room."""
    if not code.strip() or len(code) > 32:
        raise BadInput("Type the code shown in the room (6 characters).")
    path = f"/v1/enrollments/{seg(enrollmentId)}/lessons/{seg(lessonId)}/check-in"
    result: LessonProgress = await _call(info, "POST", path, {"code": code})
    return result


async def mark_attendance(
    info: Info, lessonId: strawberry.ID, learnerIds: list[strawberry.ID], present: bool
) -> list[Attendance]:
    """Trainers of the course and admins: mark learners present or absent after the fact."""
    if not learnerIds:
        raise BadInput("learnerIds is empty; list at least one learner.")
    if len(learnerIds) > MAX_MARK:
        raise BadInput(f"Mark at most {MAX_MARK} learners per call; split the list.")
    seg(lessonId)
    body = {"lessonId": str(lessonId), "learnerIds": [str(i) for i in learnerIds], "present": present}
    result: dict[str, Any] = await _call(info, "POST", "/v1/attendance", body)
    rows: list[Attendance] = result.get("nodes") or []
    return rows


async def submit_survey(
    info: Info, enrollmentId: strawberry.ID, lessonId: strawberry.ID, answers: list[SurveyAnswerInput]
) -> LessonProgress:
    """The learner answers a SURVEY lesson once; it completes the lesson."""
    body = {
        "answers": [
            {
                "questionId": str(a.questionId),
                "rating": _given(a.rating),
                "text": _given(a.text),
                "optionIds": [str(o) for o in options] if (options := _given(a.optionIds)) is not None else None,
            }
            for a in answers
        ]
    }
    path = f"/v1/enrollments/{seg(enrollmentId)}/surveys/{seg(lessonId)}/submissions"
    result: LessonProgress = await _call(info, "POST", path, body)
    return result
