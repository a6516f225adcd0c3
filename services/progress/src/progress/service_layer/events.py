"""Handlers of consumed events, keeping progress's local copies: published courses, issued certificates.

``lms_shared.inbox.EventConsumer`` calls each inside a unit of work, after recording the event id in
``processed_event`` there, and commits when it returns; a redelivered event is skipped before it gets
here. Every handler is also safe to apply twice and in any order.
"""

from __future__ import annotations

from datetime import datetime

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CourseCompletedV1,
    CourseOwnersChangedV1,
    CoursePublishedV1,
    EnrollmentCreatedV1,
    EnrollmentWithdrawnV1,
    LearnerData,
    LessonCompletedV1,
    QuizAttemptedV1,
)
from lms_shared.events.envelope import Envelope
from lms_shared.text import name_search_key
from progress.service_layer import erasure, registration
from progress.service_layer.unit_of_work import ProgressUnitOfWork


async def on_course_published(uow: ProgressUnitOfWork, event: CoursePublishedV1, envelope: Envelope) -> None:
    """Store the new version with its answer keys; it becomes current unless a newer one is known.

    Its registration policy may give those on the waiting list seats (more capacity, a quota
    raised, no limit any more): they are promoted in the same transaction.
    """
    await uow.courses.store_version(event.model_dump(mode="json"), envelope.time)
    await registration.fill_course(uow, event.course_id)


async def on_course_owners_changed(uow: ProgressUnitOfWork, event: CourseOwnersChangedV1, envelope: Envelope) -> None:
    """A co-owner added or removed: reports and cohorts follow at once, not at the next publish.

    Applied only when its revision is newer than the owners progress holds, whatever order this and
    ``course.published`` arrive in.
    """
    await uow.courses.update_owners(
        event.course_id, event.owner_id, list(event.co_owner_ids), event.revision, event.changed_at
    )


async def on_course_archived(uow: ProgressUnitOfWork, event: CourseArchivedV1, envelope: Envelope) -> None:
    """Close the course to new enrolments; enrolled learners carry on."""
    await uow.courses.archive(event.course_id, event.version, event.archived_at)


async def on_certificate_issued(uow: ProgressUnitOfWork, event: CertificateIssuedV1, envelope: Envelope) -> None:
    """Attach the certificate to the learner's enrolment (answered by Enrollment.certificate)."""
    await uow.certificates.issued(
        certificate_id=event.certificate_id,
        code=event.code,
        course_id=event.course_id,
        learner_id=event.person.id,
        enrollment_id=event.enrollment_id,
        issued_at=event.issued_at,
        org=event.person.org,
        municipality=event.person.municipality,
    )


async def on_certificate_revoked(uow: ProgressUnitOfWork, event: CertificateRevokedV1, envelope: Envelope) -> None:
    """Mark the certificate revoked, even if its issuance has not arrived yet."""
    await uow.certificates.revoked(
        certificate_id=event.certificate_id,
        code=event.code,
        course_id=event.course_id,
        learner_id=event.learner_id,
        revoked_at=event.revoked_at,
    )


# --- the national-report and learner-directory projections (consumer progress-reports) -------------
# progress reads its own enrolment events back, like any other consumer, so the projections are
# built from the events alone and catch up after NATS or this consumer was down. Each handler merges
# (least / greatest / newest-wins) and the rollups follow by trigger: duplicates and any order give
# the same counts (tests/integration/test_national.py).


async def _named_learner_seen(
    uow: ProgressUnitOfWork, learner_id: str, person: LearnerData, active_at: datetime
) -> None:
    """The directory row of a learner an event names, with their search key; an erased learner
    keeps their pseudonym whatever a late or redelivered event says."""
    name = await erasure.recorded_name(uow, learner_id, person.name)
    await uow.national.learner_seen(
        learner_id=learner_id,
        active_at=active_at,
        name=name,
        name_key=name_search_key(name),
        org=person.org,
        municipality=person.municipality,
    )


async def on_enrollment_created(uow: ProgressUnitOfWork, event: EnrollmentCreatedV1, envelope: Envelope) -> None:
    person = event.person
    await uow.national.enrollment_seen(
        enrollment_id=event.enrollment_id,
        course_id=event.course_id,
        learner_id=event.learner_id,
        org=person.org,
        municipality=person.municipality,
        enrolled_at=event.enrolled_at,
        created_seen_at=envelope.time,
    )
    await _named_learner_seen(uow, event.learner_id, person, envelope.time)


async def on_enrollment_withdrawn(uow: ProgressUnitOfWork, event: EnrollmentWithdrawnV1, envelope: Envelope) -> None:
    await uow.national.enrollment_seen(
        enrollment_id=event.enrollment_id,
        course_id=event.course_id,
        learner_id=event.learner_id,
        withdrawn_seen_at=envelope.time,
    )


async def on_course_completed(uow: ProgressUnitOfWork, event: CourseCompletedV1, envelope: Envelope) -> None:
    person = event.person
    await uow.national.enrollment_seen(
        enrollment_id=event.enrollment_id,
        course_id=event.course_id,
        learner_id=event.learner_id,
        org=person.org,
        municipality=person.municipality,
        completed_at=event.completed_at,
    )
    await _named_learner_seen(uow, event.learner_id, person, event.completed_at)


async def on_lesson_completed(uow: ProgressUnitOfWork, event: LessonCompletedV1, envelope: Envelope) -> None:
    """Activity only: the directory's lastActiveAt."""
    await uow.national.learner_seen(learner_id=event.learner_id, active_at=event.completed_at)


async def on_quiz_attempted(uow: ProgressUnitOfWork, event: QuizAttemptedV1, envelope: Envelope) -> None:
    await uow.national.learner_seen(learner_id=event.learner_id, active_at=event.attempted_at)
