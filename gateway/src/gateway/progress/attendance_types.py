"""Check-in, attendance and survey results (issue 15): types, and the Course fields that read them.

The gateway refuses only callers who can never see them (no upstream call: null); the progress
service decides which course and, for country admins, which state's learners.
"""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.types import DateTime, Json
from lms_shared.auth import Role
from lms_shared.errors import DomainError, ErrorCode


@strawberry.type(
    description="Shown in the room (as a QR code) by a trainer; learners check in with it during the session."
)
class CheckInCode:
    code: str = strawberry.field(description="The code to type (6 characters, no look-alike letters or digits).")
    url: str = strawberry.field(description="The URL the QR code encodes; opening it signed in checks the learner in.")
    expiresAt: DateTime = strawberry.field(
        description="When this code stops being accepted (rotate before: a newer code ends it after a grace period)."
    )
    closesAt: DateTime = strawberry.field(description="Addition: when the session's check-in closes.")


@strawberry.type(description="One admitted learner's attendance at a live session.")
class Attendance:
    learnerId: strawberry.ID = strawberry.field(description="The learner.")
    learnerName: str = strawberry.field(description="The learner's name, as enrolled.")
    org: str | None = strawberry.field(description="Member state, ISO 3166 alpha-2.")
    municipality: str | None = strawberry.field(description="Municipality.")
    present: bool = strawberry.field(description="Whether the learner checked in or was marked present.")
    checkedInAt: DateTime | None = strawberry.field(description="When the learner was recorded present.")
    method: str | None = strawberry.field(description="CODE (the learner checked in) or TRAINER (marked by a trainer).")


@strawberry.type(description="Aggregated, never per learner when the survey is anonymous.")
class SurveyResult:
    questionId: strawberry.ID = strawberry.field(description="The question.")
    responses: int = strawberry.field(description="Answers to this question.")
    mean: float | None = strawberry.field(description="RATING: the mean rating.")
    distribution: list[int] | None = strawberry.field(description="RATING: the count per value 1..scale.")
    optionCounts: list[int] | None = strawberry.field(
        description="SINGLE_CHOICE: count per option id, in option order."
    )
    texts: list[str] | None = strawberry.field(
        description="TEXT: the answers (anonymous surveys: without names, shuffled). Anonymous surveys with fewer"
        " than 3 respondents in the viewer's scope show the counts only."
    )


def may_read_course_figures(info: Info, root: Json) -> bool:
    """The course's trainers, admins and country admins (whom progress limits to their state)."""
    p = ctx_of(info).principal
    if p is None:
        return False
    owners = {str(root.get("ownerId")), *(str(i) for i in root.get("coOwnerIds") or [])}
    return p.is_admin or p.is_country_admin or (Role.TRAINER in p.roles and p.sub in owners)


async def _progress(info: Info, method: str, path: str) -> Any:
    """Progress's answer, or None when progress refuses the viewer (a co-owner removed since the
    published version listed them): these fields are null for whoever may not read them."""
    ctx = ctx_of(info)
    try:
        return await ctx.state.clients.progress.request(method, path, token=ctx.token)
    except DomainError as exc:
        if exc.code is ErrorCode.FORBIDDEN:
            return None
        raise


async def course_attendance(
    root: strawberry.Parent[Json], info: Info, lessonId: strawberry.ID
) -> list[Attendance] | None:
    """Every admitted learner of the session, present or not (country admins: their state's learners)."""
    if not may_read_course_figures(info, root):
        return None
    body = await _progress(info, "GET", f"/v1/courses/{seg(root['id'])}/lessons/{seg(lessonId)}/attendance")
    if body is None:
        return None
    rows: list[Attendance] = body.get("nodes") or []
    return rows


async def course_survey_results(
    root: strawberry.Parent[Json], info: Info, lessonId: strawberry.ID
) -> list[SurveyResult] | None:
    """Aggregated answers of a SURVEY lesson (country admins: their state's respondents only)."""
    if not may_read_course_figures(info, root):
        return None
    body = await _progress(info, "GET", f"/v1/courses/{seg(root['id'])}/lessons/{seg(lessonId)}/survey-results")
    if body is None:
        return None
    rows: list[SurveyResult] = body.get("nodes") or []
    return rows


async def course_attendance_csv_url(root: strawberry.Parent[Json], info: Info, lessonId: strawberry.ID) -> str | None:
    """A link valid for a few minutes to the attendance list as CSV (made only when asked for)."""
    if not may_read_course_figures(info, root):
        return None
    body = await _progress(info, "POST", f"/v1/courses/{seg(root['id'])}/lessons/{seg(lessonId)}/attendance/exports")
    if body is None:
        return None
    base = ctx_of(info).state.settings.public_url.rstrip("/")
    return f"{base}/exports/{body['token']}.csv"
