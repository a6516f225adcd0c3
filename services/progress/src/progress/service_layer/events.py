"""Handlers of consumed events, keeping progress's local copies: published courses, issued certificates.

``lms_shared.inbox.EventConsumer`` calls each inside a unit of work, after recording the event id in
``processed_event`` there, and commits when it returns; a redelivered event is skipped before it gets
here. Every handler is also safe to apply twice and in any order.
"""

from __future__ import annotations

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CourseOwnersChangedV1,
    CoursePublishedV1,
)
from lms_shared.events.envelope import Envelope
from progress.service_layer.unit_of_work import ProgressUnitOfWork


async def on_course_published(uow: ProgressUnitOfWork, event: CoursePublishedV1, envelope: Envelope) -> None:
    """Store the new version with its answer keys; it becomes current unless a newer one is known."""
    await uow.courses.store_version(event.model_dump(mode="json"), envelope.time)


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
