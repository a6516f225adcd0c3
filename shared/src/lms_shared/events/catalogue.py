"""The event catalogue: one frozen, typed, documented payload class per event type.

Rules (see docs/events.md): the major version is in the type name; within a major only additive,
optional changes are allowed, announced by bumping ``MINOR``. ``tests/contract/test_event_schemas.py``
compares each payload's JSON Schema with the snapshot in ``schemas/`` and fails on an incompatible
change. Consumers ignore fields they do not know.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


# --- shared parts --------------------------------------------------------------------------------


class LearnerData(BaseModel):
    """A person as their identity provider describes them, nested in every event that names a learner.

    ``id`` is the token's ``sub``; it is absent only for certificate recipients who never signed in
    (workshop participants from a CSV). ``name`` is what a certificate prints.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str | None = None
    name: str
    email: str | None = None
    org: str | None = None
    municipality: str | None = None
    locale: str | None = None
    # IANA zone (the token's ``zoneinfo`` claim), when the identity provider gives one.
    zoneinfo: str | None = None


# Flat fields of minor version 0 and the LearnerData field each mirrors.
_FLAT_LEARNER_FIELDS = {
    "learner_id": "id",
    "learner_name": "name",
    "org": "org",
    "municipality": "municipality",
    "locale": "locale",
}


def _flat_learner_fields_stay_required(schema: dict[str, Any]) -> None:
    """The flat fields have Python defaults (producers may omit them) but are always on the wire."""
    props = schema.get("properties", {})
    required = schema.setdefault("required", [])
    for name in ("learner_id", "learner_name"):
        if props.get(name, {}).get("type") == "string" and name not in required:
            props[name].pop("default", None)
            required.append(name)


class WithLearner(Payload):
    """A payload that names a learner: nested in ``learner`` since minor 1, flat before.

    Either form is accepted and the other filled in, so producers pass ``learner=`` only, consumers
    read ``event.person`` only, and an event of minor 0 still parses. The flat fields stay until the
    next major version (docs/events.md). They default to None only so that a producer may leave them
    out; the validator always fills them, and the JSON Schema keeps them required.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", json_schema_extra=_flat_learner_fields_stay_required)
    MINOR: ClassVar[int] = 1
    learner: LearnerData | None = None

    @model_validator(mode="before")
    @classmethod
    def _learner_both_ways(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        flat = {f: n for f, n in _FLAT_LEARNER_FIELDS.items() if f in cls.model_fields}
        nested = data.get("learner")
        if nested is not None:
            facts = nested.model_dump() if isinstance(nested, LearnerData) else dict(nested)
            return {**{f: facts.get(n) for f, n in flat.items()}, **data}
        if data.get("learner_name") is not None:
            facts = {n: data.get(f) for f, n in flat.items()}
            return {**data, "learner": facts}
        raise ValueError("the learner is missing: give 'learner' (or, minor 0, 'learner_name')")

    @property
    def person(self) -> LearnerData:
        """The learner, whichever minor version the event was written in (always set after parsing)."""
        assert self.learner is not None
        return self.learner


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


class LiveSessionSnapshot(BaseModel):
    """A scheduled session of a ``LIVE`` lesson (a forum day, a workshop, a webinar).

    ``starts_at``/``ends_at`` are aware UTC instants; ``timezone`` is the IANA zone it is announced in.
    ``online_url`` is the join link: consumers show it only to ACTIVE learners, trainers and admins.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venues: Localized = Field(default_factory=dict)
    online_url: str | None = None
    capacity: int | None = Field(default=None, ge=1)


class SurveyOptionSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    labels: Localized = Field(default_factory=dict)


class SurveyQuestionSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    kind: Literal["RATING", "TEXT", "SINGLE_CHOICE"]
    prompts: Localized = Field(default_factory=dict)
    scale: int | None = Field(default=None, ge=2, le=10)
    options: list[SurveyOptionSnapshot] = Field(default_factory=list)


class SurveySnapshot(BaseModel):
    """A feedback form of a ``SURVEY`` lesson; anonymous surveys never link an answer to a learner."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    anonymous: bool = True
    questions: list[SurveyQuestionSnapshot]


class LessonSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    position: int
    # LIVE and SURVEY: course.published minor 2.
    kind: Literal["TEXT", "VIDEO", "DOCUMENT", "QUIZ", "LIVE", "SURVEY"]
    titles: Localized
    required: bool = True
    duration_minutes: int | None = None
    material_id: str | None = None
    quiz: QuizKey | None = None
    live: LiveSessionSnapshot | None = None
    survey: SurveySnapshot | None = None


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
    # Minor 2: a certificate of completion, or of participation in an event (LIVE sessions).
    kind: Literal["COMPLETION", "PARTICIPATION"] = "COMPLETION"


class RegistrationPolicySnapshot(BaseModel):
    """Who gets a seat: capacity, per-state quotas, approval, a closing date and a waiting list.

    The defaults are the first release's behaviour: unlimited seats, no approval, never closes.
    ``quotas`` maps a member state's ``org`` code to the seats reserved for it.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    capacity: int | None = Field(default=None, ge=1)
    approval_required: bool = False
    quotas: dict[str, int] = Field(default_factory=dict)
    closes_at: datetime | None = None
    waitlist: bool = True


class CompletionRule(BaseModel):
    """Completed when every required lesson is completed and every required quiz passed."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    kind: Literal["all_required"] = "all_required"


class CoursePublishedV1(Payload):
    """A new immutable version of a course: everything consumers need to work without calling back."""

    TYPE: ClassVar[str] = "lms.courses.course.published.v1"
    MINOR: ClassVar[int] = 2
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
    # Minor 1: the course's ownership revision when it was published (see CourseOwnersChangedV1); 0
    # from producers of minor 0. Consumers keep the owners of the highest revision they have seen.
    owner_revision: int = Field(default=0, ge=0)
    # Minor 2: live sessions and surveys in lessons, the registration policy, the certificate kind.
    registration: RegistrationPolicySnapshot = Field(default_factory=RegistrationPolicySnapshot)
    # Days without progress in an ACTIVE enrolment after which the learner is reminded; None = off.
    inactivity_reminder_days: int | None = Field(default=None, ge=1, le=365)

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


class CourseOwnersChangedV1(Payload):
    """The course's owner or co-owners changed: who may see its reports and certificates, at once.

    ``revision`` counts the course's ownership changes and only grows; a consumer applies an event
    only when its revision is newer than the one it holds (course.published carries it too, as
    ``owner_revision``), so a late, older event never restores a removed co-owner.
    """

    TYPE: ClassVar[str] = "lms.courses.course.owners_changed.v1"
    SOURCE: ClassVar[str] = "courses"
    course_id: str
    owner_id: str
    co_owner_ids: list[str] = Field(default_factory=list)
    revision: int = Field(ge=1)
    changed_at: datetime

    def subject_key(self) -> str:
        return self.course_id


# --- progress ------------------------------------------------------------------------------------


class EnrollmentCreatedV1(WithLearner):
    """A learner enrolled, by themself or in a cohort, pinned to one course version."""

    TYPE: ClassVar[str] = "lms.progress.enrollment.created.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    course_version: int
    learner_id: str = Field(default=None)  # type: ignore[assignment]  # filled by the validator
    learner_name: str = Field(default=None)  # type: ignore[assignment]  # filled by the validator
    org: str | None = None
    municipality: str | None = None
    via: Literal["self", "cohort"] = "self"
    enrolled_at: datetime

    def subject_key(self) -> str:
        return self.enrollment_id


class EnrollmentWithdrawnV1(Payload):
    """A learner withdrew (or was withdrawn) from a course; enrolling again re-announces ``enrollment.created``."""

    TYPE: ClassVar[str] = "lms.progress.enrollment.withdrawn.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    course_version: int
    learner_id: str
    withdrawn_at: datetime

    def subject_key(self) -> str:
        return self.enrollment_id


class RegistrationChangedV1(WithLearner):
    """A registration moved: registered, approved, rejected, promoted from the waiting list, withdrawn.

    Emitted for every status change of an enrolment (the first one with ``cause="registered"``).
    ``enrollment.created`` still means "has a seat": it is emitted when the status becomes ACTIVE
    (at once, on approval or on promotion), so consumers of the first release need no change.
    ``waitlist_position`` is the position at this change; later moves up the list are not announced.
    """

    TYPE: ClassVar[str] = "lms.progress.registration.changed.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    course_version: int
    learner_id: str = Field(default=None)  # type: ignore[assignment]  # filled by the validator
    learner_name: str = Field(default=None)  # type: ignore[assignment]  # filled by the validator
    org: str | None = None
    municipality: str | None = None
    status: Literal["ACTIVE", "PENDING", "WAITLISTED", "REJECTED", "WITHDRAWN"]
    previous_status: Literal["ACTIVE", "PENDING", "WAITLISTED", "REJECTED", "WITHDRAWN"] | None = None
    cause: Literal["registered", "approved", "rejected", "promoted", "withdrawn"]
    via: Literal["self", "cohort"] = "self"
    waitlist_position: int | None = Field(default=None, ge=1)
    reason: str | None = None
    decided_by: str | None = None
    changed_at: datetime

    def subject_key(self) -> str:
        return self.enrollment_id


class AttendanceRecordedV1(Payload):
    """A learner was recorded present (checked in with the code, or marked by a trainer) or absent.

    Attendance is the completion of a ``LIVE`` lesson: the first time a learner is present, progress
    also emits ``lesson.completed`` (and ``course.completed`` when it was the last required lesson).
    Certificates learn attendance from ``course.completed`` only; this event is the audit trail for
    reports and notifications.
    """

    TYPE: ClassVar[str] = "lms.progress.attendance.recorded.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    course_version: int
    learner_id: str
    lesson_id: str
    present: bool
    method: Literal["CODE", "TRAINER"]
    recorded_by: str
    recorded_at: datetime

    def subject_key(self) -> str:
        return f"{self.enrollment_id}:{self.lesson_id}"


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


class CourseCompletedV1(WithLearner):
    """Every completion rule met: all the certificates service needs to issue without calling back."""

    TYPE: ClassVar[str] = "lms.progress.course.completed.v1"
    SOURCE: ClassVar[str] = "progress"
    enrollment_id: str
    course_id: str
    course_version: int
    course_titles: Localized
    course_default_language: str
    learner_id: str = Field(default=None)  # type: ignore[assignment]  # filled by the validator
    learner_name: str = Field(default=None)  # type: ignore[assignment]  # filled by the validator
    org: str | None = None
    municipality: str | None = None
    locale: str | None = None
    score: int | None = None
    completed_at: datetime

    def subject_key(self) -> str:
        return self.enrollment_id


class LearnerErasedV1(Payload):
    """A learner's name and contact data erased on request (issue 14): every service pseudonymises them.

    Published once by progress, which records the request (``erased_learner``) in the same
    transaction. Consumers replace the name with ``pseudonym`` wherever they keep it, drop contact
    data, and keep a tombstone so that a late or redelivered event never writes the name back.
    The ``learner_id`` (the token's ``sub``) stays as the pseudonymous key of the rows.
    """

    TYPE: ClassVar[str] = "lms.progress.learner.erased.v1"
    SOURCE: ClassVar[str] = "progress"
    learner_id: str
    pseudonym: str
    org: str | None = None
    reason: str | None = None
    requested_by: str
    erased_at: datetime

    def subject_key(self) -> str:
        return self.learner_id


# --- certificates --------------------------------------------------------------------------------


class CertificateIssuedV1(WithLearner):
    TYPE: ClassVar[str] = "lms.certificates.certificate.issued.v1"
    SOURCE: ClassVar[str] = "certificates"
    certificate_id: str
    code: str
    course_id: str
    course_version: int | None = None
    learner_id: str | None = None
    learner_name: str = Field(default=None)  # type: ignore[assignment]  # filled by the validator
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
    MINOR: ClassVar[int] = 1
    SOURCE: ClassVar[str] = "certificates"
    job_id: str
    course_id: str
    status: Literal["QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]
    total: int
    issued: int
    skipped: int
    failed: int
    updated_at: datetime
    refused: int = 0
    """Rows refused before issuing (invalid input); ``issued + skipped + refused + failed == total`` at the end."""
    # Minor 1: who started the job (their ``sub``), so that they hear when it ends.
    requested_by: str | None = None

    def subject_key(self) -> str:
        return self.job_id


class AutoIssueRequestedV1(Payload):
    """Certificates to itself: issue one waiting completion, in a transaction of its own.

    Staged by ``course.published`` for each completion that was waiting for the course, so that one
    name the font cannot print (or one S3 error) costs only that recipient, never the course.
    Private to the certificates service: no other service consumes it.
    """

    TYPE: ClassVar[str] = "lms.certificates.auto_issue.requested.v1"
    SOURCE: ClassVar[str] = "certificates"
    course_id: str
    course_version: int | None = None
    course_titles: Localized = Field(default_factory=dict)
    learner: LearnerData
    enrollment_id: str | None = None
    requested_at: datetime

    def subject_key(self) -> str:
        return f"{self.course_id}:{self.learner.id or self.enrollment_id or self.learner.name}"


# --- notifications -------------------------------------------------------------------------------


class NotificationCreatedV1(Payload):
    """A notification was stored for a person: the gateway pushes it to their open subscriptions.

    It carries no text (the gateway reads the notification, rendered in the viewer's language, from
    the notifications service with the viewer's own token), so nothing personal travels on the bus.
    """

    TYPE: ClassVar[str] = "lms.notifications.notification.created.v1"
    SOURCE: ClassVar[str] = "notifications"
    notification_id: str
    recipient_id: str
    kind: str
    created_at: datetime

    def subject_key(self) -> str:
        return self.recipient_id


CATALOGUE: dict[str, type[Payload]] = {
    p.TYPE: p
    for p in (
        CoursePublishedV1,
        CourseArchivedV1,
        CourseOwnersChangedV1,
        EnrollmentCreatedV1,
        EnrollmentWithdrawnV1,
        RegistrationChangedV1,
        AttendanceRecordedV1,
        LessonCompletedV1,
        QuizAttemptedV1,
        CourseCompletedV1,
        LearnerErasedV1,
        CertificateIssuedV1,
        CertificateRevokedV1,
        BulkProgressV1,
        AutoIssueRequestedV1,
        NotificationCreatedV1,
    )
}


def parse_payload(envelope: Envelope) -> Payload:
    """The typed payload of an envelope; raises KeyError for a type not in the catalogue."""
    return CATALOGUE[envelope.type].model_validate(envelope.data)
