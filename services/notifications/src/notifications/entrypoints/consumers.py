"""Events the notifications service listens to: each payload type mapped to a ``service_layer.events`` handler."""

from __future__ import annotations

import functools

from lms_shared.events.catalogue import (
    BulkProgressV1,
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseCompletedV1,
    CoursePublishedV1,
    EnrollmentCreatedV1,
    EnrollmentWithdrawnV1,
    LearnerErasedV1,
    LessonCompletedV1,
    RegistrationChangedV1,
)
from lms_shared.inbox import EventConsumer
from notifications.bootstrap import Container
from notifications.service_layer import events

COURSES_CONSUMER = "notifications-courses"
PROGRESS_CONSUMER = "notifications-progress"
CERTIFICATES_CONSUMER = "notifications-certificates"
DURABLES = (COURSES_CONSUMER, PROGRESS_CONSUMER, CERTIFICATES_CONSUMER)


def build_consumers(container: Container) -> list[EventConsumer]:
    """One consumer per upstream service, so that a bulk job's 10,000 certificates never delay a
    registration decision or a course update."""
    js = container.runtime.js
    assert js is not None, "build the container first"
    max_deliveries = container.settings.max_deliveries
    links = container.links
    return [
        EventConsumer(
            js,
            container.uow,
            container.inbox,
            COURSES_CONSUMER,
            {CoursePublishedV1: events.on_course_published},
            max_deliveries=max_deliveries,
        ),
        EventConsumer(
            js,
            container.uow,
            container.inbox,
            PROGRESS_CONSUMER,
            {
                EnrollmentCreatedV1: events.on_enrollment_created,
                EnrollmentWithdrawnV1: events.on_enrollment_withdrawn,
                RegistrationChangedV1: events.on_registration_changed,
                LessonCompletedV1: events.on_lesson_completed,
                CourseCompletedV1: events.on_course_completed,
                LearnerErasedV1: events.on_learner_erased,
            },
            max_deliveries=max_deliveries,
        ),
        EventConsumer(
            js,
            container.uow,
            container.inbox,
            CERTIFICATES_CONSUMER,
            {
                CertificateIssuedV1: functools.partial(events.on_certificate_issued, links=links),
                CertificateRevokedV1: functools.partial(events.on_certificate_revoked, links=links),
                BulkProgressV1: events.on_bulk_progress,
            },
            max_deliveries=max_deliveries,
        ),
    ]
