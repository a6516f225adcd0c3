"""Request and response bodies of the progress REST API (camelCase, GraphQL field names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from progress.domain.records import CourseStats
from progress.service_layer.access import EnrollmentDetails
from progress.service_layer.enrolling import CohortResult
from progress.service_layer.learning import QuizResult


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EnrollmentCreate(_In):
    courseId: str = Field(min_length=1, max_length=64)


class QuizAnswerIn(_In):
    questionId: str = Field(min_length=1, max_length=64)
    optionIds: list[str] = Field(max_length=50)


class QuizAttemptCreate(_In):
    answers: list[QuizAnswerIn] = Field(max_length=500)


class CohortEnrollmentCreate(BaseModel):
    # Members are screened one by one (blank fields become per-member failures, not a 422 for the
    # whole list), so they are taken as plain objects here.
    members: list[dict[str, Any]]


class CertificateOut(BaseModel):
    id: str
    code: str
    status: str
    issuedAt: datetime | None


class LessonProgressOut(BaseModel):
    lessonId: str
    status: str
    completedAt: datetime | None
    bestScore: int | None
    attempts: int


class EnrollmentOut(BaseModel):
    id: str
    courseId: str
    learnerId: str
    learnerName: str
    org: str | None
    municipality: str | None
    courseVersion: int
    status: str
    progressPercent: float
    score: int | None
    enrolledAt: datetime
    completedAt: datetime | None
    withdrawnAt: datetime | None
    lessons: list[LessonProgressOut]
    resumeLessonId: str | None
    certificate: CertificateOut | None

    @classmethod
    def of(cls, details: EnrollmentDetails) -> EnrollmentOut:
        row, progress = details.row, details.progress
        cert = row.certificate
        return cls(
            id=row.id,
            courseId=row.course_id,
            learnerId=row.learner_id,
            learnerName=row.learner_name,
            org=row.org,
            municipality=row.municipality,
            courseVersion=row.course_version,
            status=row.status.value,
            progressPercent=progress.progress_percent,
            score=row.score if row.score is not None else progress.score,
            enrolledAt=row.enrolled_at,
            completedAt=row.completed_at,
            withdrawnAt=row.withdrawn_at,
            lessons=[
                LessonProgressOut(
                    lessonId=v.lesson_id,
                    status=v.status.value,
                    completedAt=v.completed_at,
                    bestScore=v.best_score,
                    attempts=v.attempts,
                )
                for v in progress.lessons
            ],
            resumeLessonId=progress.resume_lesson_id,
            certificate=CertificateOut(id=cert.id, code=cert.code, status=cert.status, issuedAt=cert.issued_at)
            if cert
            else None,
        )


class EnrollmentList(BaseModel):
    nodes: list[EnrollmentOut]


class QuizResultOut(BaseModel):
    score: int
    passed: bool
    attempt: int
    enrollment: EnrollmentOut

    @classmethod
    def of(cls, result: QuizResult) -> QuizResultOut:
        return cls(
            score=result.score,
            passed=result.passed,
            attempt=result.attempt,
            enrollment=EnrollmentOut.of(result.enrollment),
        )


class BulkFailureOut(BaseModel):
    recipient: str
    reason: str


class CohortEnrollmentResultOut(BaseModel):
    enrolled: int
    alreadyEnrolled: int
    failures: list[BulkFailureOut]

    @classmethod
    def of(cls, result: CohortResult) -> CohortEnrollmentResultOut:
        return cls(
            enrolled=result.enrolled,
            alreadyEnrolled=result.already_enrolled,
            failures=[BulkFailureOut(recipient=f.recipient, reason=f.reason) for f in result.failures],
        )


class GroupCountOut(BaseModel):
    key: str
    enrolled: int
    completed: int


class CourseStatsOut(BaseModel):
    courseId: str
    enrolled: int
    completed: int
    certificatesIssued: int
    byOrg: list[GroupCountOut]
    byMunicipality: list[GroupCountOut]

    @classmethod
    def of(cls, course_id: str, stats: CourseStats) -> CourseStatsOut:
        return cls(
            courseId=course_id,
            enrolled=stats.enrolled,
            completed=stats.completed,
            certificatesIssued=stats.certificates_issued,
            byOrg=[GroupCountOut(key=g.key, enrolled=g.enrolled, completed=g.completed) for g in stats.by_org],
            byMunicipality=[
                GroupCountOut(key=g.key, enrolled=g.enrolled, completed=g.completed) for g in stats.by_municipality
            ],
        )
