"""The durable JetStream consumers of the progress service."""

from __future__ import annotations

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CoursePublishedV1,
)
from lms_shared.inbox import EventConsumer
from progress.adapters.orm import inbox
from progress.service_layer import projections

COURSES_CONSUMER = "progress-courses"
CERTIFICATES_CONSUMER = "progress-certificates"


def build_consumers(
    js: JetStreamContext, sessions: async_sessionmaker[AsyncSession], max_deliveries: int
) -> list[EventConsumer]:
    """One consumer per upstream service, so a backlog of certificates never delays a new course."""
    return [
        EventConsumer(
            js,
            sessions,
            inbox,
            COURSES_CONSUMER,
            {CoursePublishedV1: projections.course_published, CourseArchivedV1: projections.course_archived},
            max_deliveries=max_deliveries,
        ),
        EventConsumer(
            js,
            sessions,
            inbox,
            CERTIFICATES_CONSUMER,
            {
                CertificateIssuedV1: projections.certificate_issued,
                CertificateRevokedV1: projections.certificate_revoked,
            },
            max_deliveries=max_deliveries,
        ),
    ]
