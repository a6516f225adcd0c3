"""Request and response bodies of the progress REST API (camelCase, GraphQL field names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from progress.domain.national import Report, ReportRow
from progress.domain.records import CourseStats
from progress.service_layer.access import EnrollmentDetails
from progress.service_layer.enrolling import CohortResult
from progress.service_layer.learning import QuizResult
from progress.service_layer.national import LearnerCard, LearnerPage


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


# --- national reports and the learner directory ----------------------------------------------------


class ReportRowOut(BaseModel):
    org: str | None
    municipality: str | None
    courseId: str | None
    courseTitle: str | None
    month: str | None
    enrolled: int
    completed: int
    certificates: int
    learners: int

    @classmethod
    def of(cls, r: ReportRow) -> ReportRowOut:
        return cls(
            org=r.org,
            municipality=r.municipality,
            courseId=r.course_id,
            courseTitle=r.course_title,
            month=r.month.strftime("%Y-%m") if r.month else None,
            enrolled=r.enrolled,
            completed=r.completed,
            certificates=r.certificates,
            learners=r.learners,
        )


class ReportOut(BaseModel):
    groupBy: list[str]
    rows: list[ReportRowOut]
    totals: ReportRowOut

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        return cls(
            groupBy=[d.value for d in report.query.group_by],
            rows=[ReportRowOut.of(r) for r in report.rows],
            totals=ReportRowOut.of(report.totals),
        )


class ReportExportCreate(_In):
    groupBy: list[str] = Field(max_length=4)
    org: str | None = Field(default=None, max_length=64)
    courseId: str | None = Field(default=None, max_length=64)
    # "from" is a Python keyword: the JSON key is still "from".
    start: datetime | None = Field(default=None, alias="from")
    end: datetime | None = Field(default=None, alias="to")
    lang: str | None = Field(default=None, max_length=16)


class ReportExportOut(BaseModel):
    token: str
    path: str
    expiresAt: datetime


class LearnerOut(BaseModel):
    id: str
    name: str
    org: str | None
    municipality: str | None
    lastActiveAt: datetime | None
    enrollments: list[EnrollmentOut]
    certificateIds: list[str]

    @classmethod
    def of(cls, card: LearnerCard) -> LearnerOut:
        e = card.entry
        return cls(
            id=e.learner_id,
            name=e.name,
            org=e.org,
            municipality=e.municipality,
            lastActiveAt=e.last_active_at,
            enrollments=[EnrollmentOut.of(d) for d in card.enrollments],
            certificateIds=card.certificate_ids,
        )


class PageInfoOut(BaseModel):
    endCursor: str | None
    hasNextPage: bool


class LearnerPageOut(BaseModel):
    nodes: list[LearnerOut]
    pageInfo: PageInfoOut
    totalCount: int

    @classmethod
    def of(cls, page: LearnerPage) -> LearnerPageOut:
        return cls(
            nodes=[LearnerOut.of(c) for c in page.nodes],
            pageInfo=PageInfoOut(endCursor=page.end_cursor, hasNextPage=page.has_next_page),
            totalCount=page.total_count,
        )
