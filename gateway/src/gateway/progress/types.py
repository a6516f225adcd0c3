"""Enrolments and progress, backed by the progress service's JSON."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.certificates.types import BulkFailure, Certificate
from gateway.context import Info, ctx_of
from gateway.courses.types import Course
from gateway.types import DateTime, EnrollmentStatus, Json, LessonStatus
from lms_shared.errors import NotFound


@strawberry.type(description="A learner's state in one lesson.")
class LessonProgress:
    lessonId: strawberry.ID = strawberry.field(description="The lesson.")
    status: LessonStatus = strawberry.field(description="Not started, in progress or completed.")
    completedAt: DateTime | None = strawberry.field(description="When the lesson was completed.")
    bestScore: int | None = strawberry.field(description="Best quiz score (0..100), for quiz lessons.")
    attempts: int = strawberry.field(description="Quiz attempts so far.")


async def enrollment_course(root: strawberry.Parent[Json], info: Info) -> Course:
    """The course exactly at the version the learner enrolled in."""
    course: Any = await ctx_of(info).loaders.course_version(str(root["courseId"]), int(root["courseVersion"]))
    if course is None:
        raise NotFound("The course of this enrolment is no longer available.")
    result: Course = course
    return result


async def enrollment_certificate(root: strawberry.Parent[Json], info: Info) -> Certificate | None:
    """The full certificate of a completed enrolment, from one listing per request."""
    summary = root.get("certificate")
    if not summary or not summary.get("id"):
        return None
    cert: Any = await ctx_of(info).loaders.certificate(str(summary["id"]))
    return cert


def enrollment_lessons(root: strawberry.Parent[Json]) -> list[LessonProgress]:
    """Progress per lesson of the pinned version."""
    lessons: list[LessonProgress] = root.get("lessons") or []
    return lessons


@strawberry.type(description="A learner's enrolment in a course, pinned to the version they enrolled in.")
class Enrollment:
    id: strawberry.ID = strawberry.field(description="Enrolment id.")
    course: Course = strawberry.field(resolver=enrollment_course, description="The course at courseVersion.")
    learnerId: strawberry.ID = strawberry.field(description="The learner.")
    courseVersion: int = strawberry.field(description="The published version the learner follows.")
    status: EnrollmentStatus = strawberry.field(
        description="Active, completed or withdrawn; registering may also answer pending, waitlisted or rejected."
    )
    progressPercent: float = strawberry.field(description="0..100")
    enrolledAt: DateTime = strawberry.field(description="When the learner enrolled.")
    completedAt: DateTime | None = strawberry.field(description="When every completion rule was met.")
    lessons: list[LessonProgress] = strawberry.field(
        resolver=enrollment_lessons, description="Progress in each lesson of the version."
    )
    resumeLessonId: strawberry.ID | None = strawberry.field(
        description="The first required lesson not yet completed, for 'resume'."
    )
    certificate: Certificate | None = strawberry.field(
        resolver=enrollment_certificate, description="The certificate earned, once issued."
    )
    reason: str | None = strawberry.field(description="Why a registration was REJECTED.")
    waitlistPosition: int | None = strawberry.field(
        description="Position on the waiting list while WAITLISTED (1 = next)."
    )
    learnerName: str = strawberry.field(description="The learner's name, as it will be printed on the certificate.")
    org: str | None = strawberry.field(description="The learner's member state, ISO 3166 alpha-2.")
    municipality: str | None = strawberry.field(description="The learner's municipality.")


@strawberry.type(description="Addition: whether one question of an attempt was answered right (never which option is).")
class QuestionResult:
    questionId: strawberry.ID = strawberry.field(description="The question.")
    correct: bool = strawberry.field(description="Whether exactly its right options were chosen.")


def quiz_result_questions(root: strawberry.Parent[Json]) -> list[QuestionResult]:
    """Per question, in the quiz's order (empty for an attempt graded before the field existed)."""
    questions: list[QuestionResult] = root.get("questions") or []
    return questions


@strawberry.type(description="The outcome of one quiz attempt.")
class QuizResult:
    score: int = strawberry.field(description="Score of this attempt, 0..100.")
    passed: bool = strawberry.field(description="Whether the score reached the pass score.")
    attempt: int = strawberry.field(description="Which attempt this was, from 1.")
    enrollment: Enrollment = strawberry.field(description="The enrolment after this attempt.")
    questions: list[QuestionResult] = strawberry.field(
        resolver=quiz_result_questions,
        description="Addition: per question, in the quiz's order, whether the learner's answer was right. "
        "It never says which option is right.",
    )


@strawberry.type(description="Addition: where one member of a cohort stands after enrolling it.")
class CohortRegistration:
    learnerId: strawberry.ID = strawberry.field(description="The member.")
    enrollmentId: strawberry.ID = strawberry.field(description="Their enrolment (new or existing).")
    status: EnrollmentStatus = strawberry.field(description="ACTIVE, PENDING, WAITLISTED, …")
    waitlistPosition: int | None = strawberry.field(description="Position on the waiting list while WAITLISTED.")


@strawberry.type(description="What enrolling a cohort did.")
class CohortEnrollmentResult:
    enrolled: int = strawberry.field(description="Members newly enrolled.")
    alreadyEnrolled: int = strawberry.field(description="Members who were already enrolled.")
    failures: list[BulkFailure] = strawberry.field(description="Members who could not be enrolled, and why.")
    active: int = strawberry.field(description="Addition: listed members who now hold an ACTIVE seat.")
    pending: int = strawberry.field(description="Addition: listed members whose registration waits for approval.")
    waitlisted: int = strawberry.field(description="Addition: listed members on the waiting list.")
    registrations: list[CohortRegistration] = strawberry.field(
        description="Addition: every listed member who is enrolled, with their status and waiting-list position."
    )
