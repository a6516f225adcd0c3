"""Handlers of consumed events: ``async def on_<event>(uow, event, envelope)``; the consumer commits.

Every handler is idempotent and order-independent: a notification is stored once per dedupe key
(the thing that happened), the enrolment projection keeps the latest status by its own timestamp,
and reminders are re-planned from whatever is known, whichever of course and enrolment came first.
Handlers that plan a course's reminders hold the course's lock first (``courses.lock``): a version
and an enrolment applied at the same moment by two consumers would otherwise each miss the other.
"""

from __future__ import annotations

from datetime import datetime

from lms_shared.db import utcnow
from lms_shared.events.catalogue import (
    BulkProgressV1,
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseCompletedV1,
    CoursePublishedV1,
    EnrollmentCreatedV1,
    EnrollmentWithdrawnV1,
    LearnerData,
    LearnerErasedV1,
    LessonCompletedV1,
    RegistrationChangedV1,
)
from lms_shared.events.envelope import Envelope
from notifications.domain.model import Links, NotificationDraft, NotificationKind
from notifications.domain.reminders import CourseRecord, EnrollmentRecord, LiveSession, plan
from notifications.service_layer import notifying, people
from notifications.service_layer.people import from_event
from notifications.service_layer.unit_of_work import NotificationsUnitOfWork

TERMINAL_BULK = ("COMPLETED", "FAILED", "CANCELLED")
REGISTRATION_KINDS = {
    "approved": NotificationKind.REGISTRATION_APPROVED,
    "rejected": NotificationKind.REGISTRATION_REJECTED,
    "promoted": NotificationKind.WAITLIST_PROMOTED,
}


async def _learn(uow: NotificationsUnitOfWork, learner: LearnerData, at: datetime) -> None:
    person = from_event(learner)
    if person is not None:
        await people.learn(uow, person, at)


async def _replan(uow: NotificationsUnitOfWork, enrollment: EnrollmentRecord) -> None:
    """The enrolment's reminders as they should be now (none unless ACTIVE and the course is known)."""
    course = await uow.courses.get(enrollment.course_id)
    await uow.schedules.sync(enrollment.enrollment_id, plan(enrollment, course) if course else [])


def course_record(event: CoursePublishedV1) -> CourseRecord:
    sessions = [
        LiveSession(
            lesson_id=lesson.id,
            titles=dict(lesson.titles),
            starts_at=lesson.live.starts_at,
            ends_at=lesson.live.ends_at,
            timezone=lesson.live.timezone,
            venues=dict(lesson.live.venues),
            online_url=lesson.live.online_url,
        )
        for module in event.modules
        for lesson in module.lessons
        if lesson.kind == "LIVE" and lesson.live is not None
    ]
    return CourseRecord(
        course_id=event.course_id,
        version=event.version,
        titles=dict(event.titles),
        default_language=event.default_language,
        inactivity_reminder_days=event.inactivity_reminder_days,
        sessions=sessions,
    )


async def on_course_published(uow: NotificationsUnitOfWork, event: CoursePublishedV1, envelope: Envelope) -> None:
    """A newer version: re-plan every ACTIVE learner's reminders (a moved session is rescheduled) and,
    from version 2 on, tell the learners of earlier versions that the course was updated."""
    course = course_record(event)
    await uow.courses.lock(event.course_id)
    before = await uow.courses.store(course, event.published_at)
    if before is not None and before >= event.version:
        return  # an older (or the same) version arriving late changes nothing
    active = await uow.enrollments.active_for_course(event.course_id)
    for enrollment in active:
        await uow.schedules.sync(enrollment.enrollment_id, plan(enrollment, course))
    if event.version > 1:
        await notifying.store(
            uow,
            [
                NotificationDraft(
                    recipient_id=e.learner_id,
                    kind=NotificationKind.COURSE_UPDATED,
                    dedupe_key=f"course-updated:{event.course_id}:{event.version}:{e.learner_id}",
                    params={"version": event.version},
                    url=Links.course_path(event.course_id),
                    course_id=event.course_id,
                    created_at=event.published_at,
                )
                for e in active
                if e.course_version < event.version
            ],
            utcnow(),
        )


async def on_enrollment_created(uow: NotificationsUnitOfWork, event: EnrollmentCreatedV1, envelope: Envelope) -> None:
    await _learn(uow, event.person, event.enrolled_at)
    await uow.courses.lock(event.course_id)
    enrollment = await uow.enrollments.apply_status(
        event.enrollment_id, event.course_id, event.learner_id, event.course_version, "ACTIVE", event.enrolled_at
    )
    await _replan(uow, enrollment)
    if event.via == "cohort":
        await notifying.store(
            uow,
            [
                NotificationDraft(
                    recipient_id=event.learner_id,
                    kind=NotificationKind.ENROLLED,
                    dedupe_key=f"enrolled:{event.enrollment_id}:{event.enrolled_at.isoformat()}",
                    url=Links.course_path(event.course_id),
                    course_id=event.course_id,
                    created_at=event.enrolled_at,
                )
            ],
            utcnow(),
        )


async def on_enrollment_withdrawn(
    uow: NotificationsUnitOfWork, event: EnrollmentWithdrawnV1, envelope: Envelope
) -> None:
    await uow.courses.lock(event.course_id)
    enrollment = await uow.enrollments.apply_status(
        event.enrollment_id, event.course_id, event.learner_id, event.course_version, "WITHDRAWN", event.withdrawn_at
    )
    await _replan(uow, enrollment)


async def on_registration_changed(
    uow: NotificationsUnitOfWork, event: RegistrationChangedV1, envelope: Envelope
) -> None:
    await _learn(uow, event.person, event.changed_at)
    await uow.courses.lock(event.course_id)
    enrollment = await uow.enrollments.apply_status(
        event.enrollment_id, event.course_id, event.learner_id, event.course_version, event.status, event.changed_at
    )
    await _replan(uow, enrollment)
    kind = REGISTRATION_KINDS.get(event.cause)
    if kind is None:
        return
    await notifying.store(
        uow,
        [
            NotificationDraft(
                recipient_id=event.learner_id,
                kind=kind,
                dedupe_key=f"registration:{event.enrollment_id}:{event.cause}:{event.changed_at.isoformat()}",
                params={"reason": event.reason} if event.reason else {},
                url=Links.course_path(event.course_id),
                course_id=event.course_id,
                created_at=event.changed_at,
            )
        ],
        utcnow(),
    )


async def on_lesson_completed(uow: NotificationsUnitOfWork, event: LessonCompletedV1, envelope: Envelope) -> None:
    await uow.courses.lock(event.course_id)
    enrollment = await uow.enrollments.touch(
        event.enrollment_id, event.course_id, event.learner_id, event.course_version, event.completed_at
    )
    await _replan(uow, enrollment)


async def on_course_completed(uow: NotificationsUnitOfWork, event: CourseCompletedV1, envelope: Envelope) -> None:
    await _learn(uow, event.person, event.completed_at)
    await uow.courses.lock(event.course_id)
    enrollment = await uow.enrollments.apply_status(
        event.enrollment_id, event.course_id, event.learner_id, event.course_version, "COMPLETED", event.completed_at
    )
    await _replan(uow, enrollment)


async def on_learner_erased(uow: NotificationsUnitOfWork, event: LearnerErasedV1, envelope: Envelope) -> None:
    await uow.people.erase(event.learner_id, event.pseudonym, event.erased_at)
    await uow.emails.drop_pending_for(event.learner_id, "the learner's data was erased")


async def on_certificate_issued(
    uow: NotificationsUnitOfWork, event: CertificateIssuedV1, envelope: Envelope, *, links: Links
) -> None:
    await _learn(uow, event.person, event.issued_at)
    recipient = event.person.id
    if not recipient:
        return  # issued to someone who never signed in: no in-app inbox to put it in
    await notifying.store(
        uow,
        [
            NotificationDraft(
                recipient_id=recipient,
                kind=NotificationKind.CERTIFICATE_ISSUED,
                dedupe_key=f"certificate-issued:{event.certificate_id}",
                params={
                    "code": event.code,
                    "certificate_id": event.certificate_id,
                    "verify_url": links.absolute(Links.verify_path(event.code)),
                    "pdf_url": links.absolute(Links.CERTIFICATES),
                },
                url=Links.verify_path(event.code),
                course_id=event.course_id,
                created_at=event.issued_at,
            )
        ],
        utcnow(),
    )


async def on_certificate_revoked(
    uow: NotificationsUnitOfWork, event: CertificateRevokedV1, envelope: Envelope, *, links: Links
) -> None:
    if not event.learner_id:
        return
    await notifying.store(
        uow,
        [
            NotificationDraft(
                recipient_id=event.learner_id,
                kind=NotificationKind.CERTIFICATE_REVOKED,
                dedupe_key=f"certificate-revoked:{event.certificate_id}",
                params={
                    "code": event.code,
                    "certificate_id": event.certificate_id,
                    "reason": event.reason,
                    "verify_url": links.absolute(Links.verify_path(event.code)),
                },
                url=Links.verify_path(event.code),
                course_id=event.course_id,
                created_at=event.revoked_at,
            )
        ],
        utcnow(),
    )


async def on_bulk_progress(uow: NotificationsUnitOfWork, event: BulkProgressV1, envelope: Envelope) -> None:
    if event.status not in TERMINAL_BULK or not event.requested_by:
        return
    await notifying.store(
        uow,
        [
            NotificationDraft(
                recipient_id=event.requested_by,
                kind=NotificationKind.BULK_JOB_FINISHED,
                dedupe_key=f"bulk-finished:{event.job_id}",
                params={
                    "job_id": event.job_id,
                    "status": event.status,
                    "total": event.total,
                    "issued": event.issued,
                    "skipped": event.skipped,
                    "refused": event.refused,
                    "failed": event.failed,
                },
                url=Links.ADMIN_BULK,
                course_id=event.course_id,
                created_at=event.updated_at,
            )
        ],
        utcnow(),
    )
