"""Events and principals for the notifications unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lms_shared.auth import Principal, Role
from lms_shared.events.catalogue import (
    BulkProgressV1,
    CertificateIssuedV1,
    CertificateRevokedV1,
    CoursePublishedV1,
    EnrollmentCreatedV1,
    EnrollmentWithdrawnV1,
    LearnerData,
    LessonCompletedV1,
    RegistrationChangedV1,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SESSION_AT = T0 + timedelta(days=3)


def learner(sub: str = "l1", **facts: Any) -> LearnerData:
    return LearnerData(
        id=sub, name=facts.pop("name", "Aygün Məmmədova"), email=facts.pop("email", f"{sub}@example.org"), **facts
    )


def principal(sub: str = "l1", **facts: Any) -> Principal:
    return Principal(sub=sub, name=facts.pop("name", sub), roles=frozenset({Role.LEARNER}), **facts)


def course_published(
    course_id: str = "c1",
    version: int = 1,
    *,
    session_at: datetime | None = SESSION_AT,
    inactivity_days: int | None = None,
    minutes: int = 0,
) -> CoursePublishedV1:
    lessons: list[dict[str, Any]] = [{"id": "l-text", "position": 1, "kind": "TEXT", "titles": {"en": "Intro"}}]
    if session_at is not None:
        lessons.append(
            {
                "id": "l-live",
                "position": 2,
                "kind": "LIVE",
                "titles": {"en": "Forum day", "az": "Forum günü"},
                "live": {
                    "starts_at": session_at.isoformat(),
                    "ends_at": (session_at + timedelta(hours=2)).isoformat(),
                    "timezone": "Asia/Baku",
                    "venues": {"en": "Hall A", "az": "A zalı"},
                    "online_url": "https://meet.example.org/forum",
                },
            }
        )
    return CoursePublishedV1.model_validate(
        {
            "course_id": course_id,
            "version": version,
            "slug": course_id,
            "owner_id": "t1",
            "default_language": "az",
            "languages": ["az", "en"],
            "titles": {"az": "Bələdiyyə idarəçiliyi", "en": "Municipal management", "ru": "Муниципальное управление"},
            "modules": [{"id": "m1", "position": 1, "titles": {"en": "M"}, "lessons": lessons}],
            "published_at": (T0 + timedelta(minutes=minutes)).isoformat(),
            "inactivity_reminder_days": inactivity_days,
        }
    )


def enrolled(
    sub: str = "l1", enrollment_id: str = "e1", *, via: str = "self", version: int = 1, at: datetime = T0, **facts: Any
) -> EnrollmentCreatedV1:
    return EnrollmentCreatedV1(
        enrollment_id=enrollment_id,
        course_id="c1",
        course_version=version,
        learner=learner(sub, **facts),
        via=via,
        enrolled_at=at,
    )


def withdrawn(
    sub: str = "l1", enrollment_id: str = "e1", at: datetime = T0 + timedelta(hours=1)
) -> EnrollmentWithdrawnV1:
    return EnrollmentWithdrawnV1(
        enrollment_id=enrollment_id, course_id="c1", course_version=1, learner_id=sub, withdrawn_at=at
    )


def lesson_done(sub: str = "l1", enrollment_id: str = "e1", at: datetime = T0) -> LessonCompletedV1:
    return LessonCompletedV1(
        enrollment_id=enrollment_id,
        course_id="c1",
        course_version=1,
        learner_id=sub,
        lesson_id="l-text",
        progress_percent=50.0,
        completed_at=at,
    )


def registration(
    cause: str, status: str, *, sub: str = "l1", reason: str | None = None, at: datetime = T0, enrollment_id: str = "e1"
) -> RegistrationChangedV1:
    return RegistrationChangedV1(
        enrollment_id=enrollment_id,
        course_id="c1",
        course_version=1,
        learner=learner(sub),
        status=status,
        cause=cause,
        reason=reason,
        changed_at=at,
    )


def issued(sub: str | None = "l1", certificate_id: str = "cert1", **facts: Any) -> CertificateIssuedV1:
    data = LearnerData(id=sub, name="Aygün Məmmədova", email=facts.pop("email", f"{sub}@example.org"), **facts)
    return CertificateIssuedV1(
        certificate_id=certificate_id, code=f"KB-{certificate_id}", course_id="c1", learner=data, issued_at=T0
    )


def revoked(sub: str = "l1", certificate_id: str = "cert1") -> CertificateRevokedV1:
    return CertificateRevokedV1(
        certificate_id=certificate_id,
        code=f"KB-{certificate_id}",
        course_id="c1",
        learner_id=sub,
        reason="Issued in error",
        revoked_at=T0 + timedelta(days=1),
    )


def bulk(status: str, requested_by: str | None = "admin1") -> BulkProgressV1:
    return BulkProgressV1(
        job_id="job1",
        course_id="c1",
        status=status,
        total=10,
        issued=8,
        skipped=1,
        failed=1,
        updated_at=T0,
        requested_by=requested_by,
    )
