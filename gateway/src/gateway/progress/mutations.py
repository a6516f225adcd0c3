"""Progress mutations: enrol, complete lessons, take quizzes, enrol cohorts."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.certificates.types import BulkFailure
from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.progress.types import CohortEnrollmentResult, Enrollment, QuizResult
from gateway.types import input_json
from lms_shared.errors import BadInput

MAX_COHORT = 5000


@strawberry.input(description="The options chosen for one question.")
class QuizAnswerInput:
    questionId: strawberry.ID = strawberry.field(description="The question.")
    optionIds: list[strawberry.ID] = strawberry.field(description="The chosen options.")


@strawberry.input(description="A learner to enrol in a cohort.")
class CohortMemberInput:
    learnerId: strawberry.ID = strawberry.field(description="The learner's user id.")
    name: str = strawberry.field(description="Full name, as it will be printed on the certificate.")
    org: str | None = strawberry.field(default=strawberry.UNSET, description="Member state, ISO 3166 alpha-2.")
    municipality: str | None = strawberry.field(default=strawberry.UNSET, description="Municipality.")


async def _call(info: Info, method: str, path: str, body: Any = None) -> Any:
    ctx = ctx_of(info)
    return await ctx.state.clients.progress.request(method, path, token=ctx.token, json=body)


async def enroll(info: Info, courseId: strawberry.ID) -> Enrollment:
    """Enrol the viewer in the latest published version of a course."""
    result: Enrollment = await _call(info, "POST", "/v1/enrollments", {"courseId": str(courseId)})
    return result


async def enroll_cohort(
    info: Info, courseId: strawberry.ID, members: list[CohortMemberInput]
) -> CohortEnrollmentResult:
    """Enrol many learners at once (e.g. a national training wave); already enrolled ones are counted."""
    if not members:
        raise BadInput("'members' is empty; list at least one learner.")
    if len(members) > MAX_COHORT:
        raise BadInput(f"A cohort is limited to {MAX_COHORT} members per call; split the list.")
    body = {"members": [{k: v for k, v in input_json(m).items() if v is not None} for m in members]}
    result: CohortEnrollmentResult = await _call(info, "POST", f"/v1/courses/{seg(courseId)}/cohort", body)
    result_failures: list[BulkFailure] = result.get("failures") or []  # type: ignore[attr-defined]
    result["failures"] = result_failures  # type: ignore[index]
    return result


async def complete_lesson(info: Info, enrollmentId: strawberry.ID, lessonId: strawberry.ID) -> Enrollment:
    """Mark a lesson completed; completing the last required one completes the course."""
    path = f"/v1/enrollments/{seg(enrollmentId)}/lessons/{seg(lessonId)}/complete"
    result: Enrollment = await _call(info, "POST", path)
    return result


async def submit_quiz(
    info: Info, enrollmentId: strawberry.ID, lessonId: strawberry.ID, answers: list[QuizAnswerInput]
) -> QuizResult:
    """Score one attempt at a quiz lesson."""
    body = {"answers": input_json(answers)}
    path = f"/v1/enrollments/{seg(enrollmentId)}/quizzes/{seg(lessonId)}/attempts"
    result: QuizResult = await _call(info, "POST", path, body)
    return result


# --- registration (issue 15) -------------------------------------------------------------------------


async def approve_enrollment(info: Info, id: strawberry.ID) -> Enrollment:
    """PENDING → ACTIVE (trainers of the course, admins, the learner's country admin)."""
    result: Enrollment = await _call(info, "POST", f"/v1/enrollments/{seg(id)}/approve")
    return result


async def reject_enrollment(info: Info, id: strawberry.ID, reason: str) -> Enrollment:
    """PENDING or WAITLISTED → REJECTED, with the reason the learner will read."""
    if not reason.strip():
        raise BadInput("A rejection needs a reason: say why, the learner will read it.")
    result: Enrollment = await _call(info, "POST", f"/v1/enrollments/{seg(id)}/reject", {"reason": reason})
    return result


async def withdraw(info: Info, enrollmentId: strawberry.ID) -> Enrollment:
    """The learner leaves (or is withdrawn by a trainer, an admin, their country admin); frees the seat."""
    result: Enrollment = await _call(info, "POST", f"/v1/enrollments/{seg(enrollmentId)}/withdraw")
    return result
