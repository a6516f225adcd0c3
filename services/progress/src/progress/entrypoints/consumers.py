"""Events the progress service listens to: each payload type mapped to a ``service_layer.events`` handler."""

from __future__ import annotations

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CourseOwnersChangedV1,
    CoursePublishedV1,
)
from lms_shared.inbox import EventConsumer
from progress.bootstrap import Container
from progress.service_layer import events

COURSES_CONSUMER = "progress-courses"
CERTIFICATES_CONSUMER = "progress-certificates"


def build_consumers(container: Container) -> list[EventConsumer]:
    """One consumer per upstream service, so a backlog of certificates never delays a new course."""
    js = container.runtime.js
    assert js is not None, "build the container first"
    max_deliveries = container.settings.max_deliveries
    return [
        EventConsumer(
            js,
            container.uow,
            container.inbox,
            COURSES_CONSUMER,
            {
                CoursePublishedV1: events.on_course_published,
                CourseArchivedV1: events.on_course_archived,
                CourseOwnersChangedV1: events.on_course_owners_changed,
            },
            max_deliveries=max_deliveries,
        ),
        EventConsumer(
            js,
            container.uow,
            container.inbox,
            CERTIFICATES_CONSUMER,
            {
                CertificateIssuedV1: events.on_certificate_issued,
                CertificateRevokedV1: events.on_certificate_revoked,
            },
            max_deliveries=max_deliveries,
        ),
    ]
