"""The event catalogue: one frozen, typed, documented payload class per event type.

Rules (see docs/events.md): the major version is in the type name; within a major only additive,
optional changes are allowed, announced by bumping ``MINOR``. ``tests/contract/test_event_schemas.py``
compares each payload's JSON Schema with the snapshot in ``schemas/`` and fails on an incompatible
change. Consumers ignore fields they do not know.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from lms_shared.events.envelope import Envelope


class Payload(BaseModel):
    """Base of every event payload."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    TYPE: ClassVar[str]
    MINOR: ClassVar[int] = 0
    SOURCE: ClassVar[str]

    def subject_key(self) -> str:
        raise NotImplementedError

    def envelope(self, **overrides: Any) -> Envelope:
        """Wrap this payload in a fresh envelope (new id, now)."""
        return Envelope(
            type=self.TYPE,
            minor_version=self.MINOR,
            source=self.SOURCE,
            subject_key=self.subject_key(),
            data=self.model_dump(mode="json"),
            **overrides,
        )


Localized = dict[str, str]
"""Text per language code (``{"az": "…", "kk": "…"}``)."""


# --- courses -------------------------------------------------------------------------------------


class QuizOptionKey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    correct: bool
    labels: Localized = Field(default_factory=dict)


class QuizQuestionKey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    multiple: bool
    prompts: Localized = Field(default_factory=dict)
    options: list[QuizOptionKey]


class QuizKey(BaseModel):
    """A quiz with its answer key: this never leaves the services except in ``course.published``."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    pass_score: int = Field(ge=0, le=100)
    questions: list[QuizQuestionKey]


class LessonSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    position: int
    kind: Literal["TEXT", "VIDEO", "DOCUMENT", "QUIZ"]
    titles: Localized
    required: bool = True
    duration_minutes: int | None = None
    material_id: str | None = None
    quiz: QuizKey | None = None


class ModuleSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    position: int
    titles: Localized
    lessons: list[LessonSnapshot]


class CertificatePolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    auto_issue: bool = True
    template_id: str | None = None


class CompletionRule(BaseModel):
    """Completed when every required lesson is completed and every required quiz passed."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    kind: Literal["all_required"] = "all_required"


class CoursePublishedV1(Payload):
    """A new immutable version of a course: everything consumers need to work without calling back."""

    TYPE: ClassVar[str] = "lms.courses.course.published.v1"
    SOURCE: ClassVar[str] = "courses"
    course_id: str
    version: int = Field(ge=1)
    slug: str
    owner_id: str
    co_owner_ids: list[str] = Field(default_factory=list)
    default_language: str
    languages: list[str]
    titles: Localized
    summaries: Localized = Field(default_factory=dict)
    topics: list[str] = Field(default_factory=list)
    modules: list[ModuleSnapshot]
    completion_rule: CompletionRule = Field(default_factory=CompletionRule)
    certificate_policy: CertificatePolicy = Field(default_factory=CertificatePolicy)
    published_at: datetime

    def subject_key(self) -> str:
        return self.course_id


class CourseArchivedV1(Payload):
    """The course takes no new enrolments; enrolled learners carry on."""

    TYPE: ClassVar[str] = "lms.courses.course.archived.v1"
    SOURCE: ClassVar[str] = "courses"
    course_id: str
    version: int
    archived_at: datetime

    def subject_key(self) -> str:
        return self.course_id


# --- progress ------------------------------------------------------------------------------------


class EnrollmentCreatedV1(Payload):
    """A learner enrolled, by themself or in a cohort, pinned to one course version."""

    TYPE: ClassVar[str] = "lms.progress.enrollment.created.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    course_version: int
    learner_id: str
    learner_name: str
    org: str | None = None
    municipality: str | None = None
    via: Literal["self", "cohort"] = "self"
    enrolled_at: datetime

    def subject_key(self) -> str:
        return self.enrollment_id


class LessonCompletedV1(Payload):
    TYPE: ClassVar[str] = "lms.progress.lesson.completed.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    course_version: int
    learner_id: str
    lesson_id: str
    progress_percent: float
    completed_at: datetime

    def subject_key(self) -> str:
        return self.enrollment_id


class QuizAttemptedV1(Payload):
    TYPE: ClassVar[str] = "lms.progress.quiz.attempted.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    learner_id: str
    lesson_id: str
    attempt: int
    score: int
    passed: bool
    attempted_at: datetime

    def subject_key(self) -> str:
        return self.enrollment_id


class CourseCompletedV1(Payload):
    """Every completion rule met: all the certificates service needs to issue without calling back."""

    TYPE: ClassVar[str] = "lms.progress.course.completed.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    course_version: int
    course_titles: Localized
    course_default_language: str
    learner_id: str
    learner_name: str
    org: str | None = None
    municipality: str | None = None
    locale: str | None = None
    score: int | None = None
    completed_at: datetime

    def subject_key(self) -> str:
        return self.enrollment_id


# --- certificates --------------------------------------------------------------------------------


class CertificateIssuedV1(Payload):
    TYPE: ClassVar[str] = "lms.certificates.certificate.issued.v1"
    SOURCE: ClassVar[str] = "certificates"
    certificate_id: str
    code: str
    course_id: str
    course_version: int | None = None
    learner_id: str | None = None
    learner_name: str
    enrollment_id: str | None = None
    bulk_job_id: str | None = None
    issued_at: datetime

    def subject_key(self) -> str:
        return self.certificate_id


class CertificateRevokedV1(Payload):
    TYPE: ClassVar[str] = "lms.certificates.certificate.revoked.v1"
    SOURCE: ClassVar[str] = "certificates"
    certificate_id: str
    code: str
    course_id: str
    learner_id: str | None = None
    reason: str
    revoked_at: datetime

    def subject_key(self) -> str:
        return self.certificate_id


class BulkProgressV1(Payload):
    """Counts of a bulk-issue job, throttled (at most a few per second per job), and once at the end."""

    TYPE: ClassVar[str] = "lms.certificates.bulk.progress.v1"
    SOURCE: ClassVar[str] = "certificates"
    job_id: str
    course_id: str
    status: Literal["QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]
    total: int
    issued: int
    skipped: int
    failed: int
    updated_at: datetime

    def subject_key(self) -> str:
        return self.job_id


CATALOGUE: dict[str, type[Payload]] = {
    p.TYPE: p
    for p in (
        CoursePublishedV1,
        CourseArchivedV1,
        EnrollmentCreatedV1,
        LessonCompletedV1,
        QuizAttemptedV1,
        CourseCompletedV1,
        CertificateIssuedV1,
        CertificateRevokedV1,
        BulkProgressV1,
    )
}


def parse_payload(envelope: Envelope) -> Payload:
    """The typed payload of an envelope; raises KeyError for a type not in the catalogue."""
    return CATALOGUE[envelope.type].model_validate(envelope.data)
