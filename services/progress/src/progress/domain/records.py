"""What the progress service stores about courses, enrolments and certificates, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from progress.domain.model import EnrollmentStatus, LessonRecord


@dataclass(frozen=True)
class Course:
    """What progress knows about a course apart from its versions."""

    course_id: str
    current_version: int
    owner_ids: frozenset[str]
    archived: bool

    @property
    def published(self) -> bool:
        return self.current_version > 0


@dataclass(frozen=True)
class CertificateSummary:
    id: str
    code: str
    status: str
    issued_at: datetime | None


@dataclass(frozen=True)
class Enrollment:
    id: str
    course_id: str
    learner_id: str
    learner_name: str
    org: str | None
    municipality: str | None
    locale: str | None
    course_version: int
    status: EnrollmentStatus
    via: str
    score: int | None
    enrolled_at: datetime
    completed_at: datetime | None
    withdrawn_at: datetime | None
    certificate: CertificateSummary | None
    records: tuple[LessonRecord, ...] = ()
    # Registration (migration 0006): why it was REJECTED; its place in the queue while WAITLISTED
    # (a number from a sequence, the position is counted from it); who approved it (a cohort's
    # enroller counts as approving, so a promotion from the list needs no second approval).
    reason: str | None = None
    queue_seq: int | None = None
    decided_by: str | None = None


@dataclass(frozen=True)
class GroupCount:
    key: str
    enrolled: int
    completed: int


@dataclass(frozen=True)
class CourseStats:
    enrolled: int
    completed: int
    certificates_issued: int
    by_org: list[GroupCount]
    by_municipality: list[GroupCount]
