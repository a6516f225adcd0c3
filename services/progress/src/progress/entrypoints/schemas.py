"""Request and response bodies of the progress REST API (camelCase, GraphQL field names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from progress.domain.model import EnrollmentStatus
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
    # Registration (issue 15): why it was REJECTED; the waiting-list position while WAITLISTED.
    reason: str | None = None
    waitlistPosition: int | None = None

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
            reason=row.reason,
            waitlistPosition=details.waitlist_position,
        )


class EnrollmentList(BaseModel):
    nodes: list[EnrollmentOut]


class QuestionResultOut(BaseModel):
    """Whether the learner answered one question right (never which option is right)."""

    questionId: str
    correct: bool


class QuizResultOut(BaseModel):
    score: int
    passed: bool
    attempt: int
    enrollment: EnrollmentOut
    # Addition (issue 18): per question, in the quiz's order. Absent from responses stored before it.
    questions: list[QuestionResultOut] = []

    @classmethod
    def of(cls, result: QuizResult) -> QuizResultOut:
        return cls(
            score=result.score,
            passed=result.passed,
            attempt=result.attempt,
            enrollment=EnrollmentOut.of(result.enrollment),
            questions=[QuestionResultOut(questionId=q, correct=ok) for q, ok in result.questions],
        )


class BulkFailureOut(BaseModel):
    recipient: str
    reason: str


class CohortRegistrationOut(BaseModel):
    learnerId: str
    enrollmentId: str
    status: str
    waitlistPosition: int | None


class CohortEnrollmentResultOut(BaseModel):
    enrolled: int
    alreadyEnrolled: int
    failures: list[BulkFailureOut]
    # Registration (issue 15): where each member stands now, and the counts per status.
    active: int = 0
    pending: int = 0
    waitlisted: int = 0
    registrations: list[CohortRegistrationOut] = Field(default_factory=list)

    @classmethod
    def of(cls, result: CohortResult) -> CohortEnrollmentResultOut:
        return cls(
            enrolled=result.enrolled,
            alreadyEnrolled=result.already_enrolled,
            failures=[BulkFailureOut(recipient=f.recipient, reason=f.reason) for f in result.failures],
            active=result.count(EnrollmentStatus.ACTIVE),
            pending=result.count(EnrollmentStatus.PENDING),
            waitlisted=result.count(EnrollmentStatus.WAITLISTED),
            registrations=[
                CohortRegistrationOut(
                    learnerId=o.learner_id,
                    enrollmentId=o.enrollment_id,
                    status=o.status.value,
                    waitlistPosition=o.waitlist_position,
                )
                for o in result.outcomes
            ],
        )


class RejectionCreate(_In):
    # Checked by the handler (required, trimmed, at most 500 characters) with a message of its own.
    reason: str = Field(max_length=5000)


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


# --- live sessions and surveys (issue 15) ---------------------------------------------------------


class CheckInOpen(_In):
    lessonId: str = Field(min_length=1, max_length=64)
    minutes: int | None = Field(default=None, ge=1, le=1440)


class CheckInCodeOut(BaseModel):
    courseId: str
    lessonId: str
    code: str
    expiresAt: datetime
    closesAt: datetime


class CheckInCreate(_In):
    code: str = Field(min_length=1, max_length=32)


class AttendanceMark(_In):
    lessonId: str = Field(min_length=1, max_length=64)
    learnerIds: list[str] = Field(min_length=1, max_length=1000)
    present: bool


class AttendanceOut(BaseModel):
    learnerId: str
    learnerName: str
    org: str | None
    municipality: str | None
    present: bool
    checkedInAt: datetime | None
    method: str | None
    enrollmentId: str

    @classmethod
    def of(cls, row: Any) -> AttendanceOut:
        return cls(
            learnerId=row.learner_id,
            learnerName=row.learner_name,
            org=row.org,
            municipality=row.municipality,
            present=row.present,
            checkedInAt=row.checked_in_at,
            method=row.method.value if row.method else None,
            enrollmentId=row.enrollment_id,
        )


class AttendanceList(BaseModel):
    nodes: list[AttendanceOut]


class LessonStateOut(BaseModel):
    lessonId: str
    status: str
    completedAt: datetime | None
    bestScore: int | None
    attempts: int

    @classmethod
    def of(cls, state: Any) -> LessonStateOut:
        return cls(
            lessonId=state.lesson_id,
            status=state.status,
            completedAt=state.completed_at,
            bestScore=state.best_score,
            attempts=state.attempts,
        )


class LiveSessionOut(BaseModel):
    lessonId: str
    attended: int
    onlineUrl: str | None


class LiveSessionList(BaseModel):
    nodes: list[LiveSessionOut]


class SurveyAnswerIn(_In):
    questionId: str = Field(min_length=1, max_length=64)
    rating: int | None = None
    text: str | None = Field(default=None, max_length=10_000)
    optionIds: list[str] | None = Field(default=None, max_length=50)


class SurveySubmissionCreate(_In):
    answers: list[SurveyAnswerIn] = Field(max_length=200)


class SurveyResultOut(BaseModel):
    questionId: str
    responses: int
    mean: float | None
    distribution: list[int] | None
    optionCounts: list[int] | None
    texts: list[str] | None


class SurveyResultList(BaseModel):
    nodes: list[SurveyResultOut]


class AttendanceExportOut(BaseModel):
    token: str
    path: str
    expiresAt: datetime
