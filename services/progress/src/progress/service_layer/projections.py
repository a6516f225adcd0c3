"""Event handlers that keep progress's local copies: published courses and issued certificates.

Each runs inside the consumer's transaction, after the inbox recorded the event id, so a redelivered
event is skipped before it gets here. Every handler is also safe to apply twice and in any order.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CoursePublishedV1,
)
from lms_shared.events.envelope import Envelope
from progress.adapters import repository as repo


async def course_published(session: AsyncSession, event: CoursePublishedV1, envelope: Envelope) -> None:
    """Store the new version with its answer keys; it becomes current unless a newer one is known."""
    await repo.store_course_version(session, event.model_dump(mode="json"), envelope.time)


async def course_archived(session: AsyncSession, event: CourseArchivedV1, envelope: Envelope) -> None:
    """Close the course to new enrolments; enrolled learners carry on."""
    await repo.archive_course(session, event.course_id, event.version, event.archived_at)


async def certificate_issued(session: AsyncSession, event: CertificateIssuedV1, envelope: Envelope) -> None:
    """Attach the certificate to the learner's enrolment (answered by Enrollment.certificate)."""
    await repo.certificate_issued(
        session,
        certificate_id=event.certificate_id,
        code=event.code,
        course_id=event.course_id,
        learner_id=event.learner_id,
        enrollment_id=event.enrollment_id,
        issued_at=event.issued_at,
    )


async def certificate_revoked(session: AsyncSession, event: CertificateRevokedV1, envelope: Envelope) -> None:
    """Mark the certificate revoked, even if its issuance has not arrived yet."""
    await repo.certificate_revoked(
        session,
        certificate_id=event.certificate_id,
        code=event.code,
        course_id=event.course_id,
        learner_id=event.learner_id,
        revoked_at=event.revoked_at,
    )
