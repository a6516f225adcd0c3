"""Events the progress service listens to: each payload type mapped to a ``service_layer.events`` handler."""

from __future__ import annotations

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CourseCompletedV1,
    CourseOwnersChangedV1,
    CoursePublishedV1,
    EnrollmentCreatedV1,
    EnrollmentWithdrawnV1,
    LessonCompletedV1,
    QuizAttemptedV1,
)
from lms_shared.inbox import EventConsumer
from progress.bootstrap import Container
from progress.service_layer import events

COURSES_CONSUMER = "progress-courses"
CERTIFICATES_CONSUMER = "progress-certificates"
# progress's own enrolment events, read back for the national reports and the learner directory.
REPORTS_CONSUMER = "progress-reports"


def build_consumers(container: Container) -> list[EventConsumer]:
    """One consumer per upstream service (so a backlog of certificates never delays a new course), and one
    for the report projections, so a cohort of 10,000 never delays either."""
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
        EventConsumer(
            js,
            container.uow,
            container.inbox,
            REPORTS_CONSUMER,
            {
                EnrollmentCreatedV1: events.on_enrollment_created,
                EnrollmentWithdrawnV1: events.on_enrollment_withdrawn,
                CourseCompletedV1: events.on_course_completed,
                LessonCompletedV1: events.on_lesson_completed,
                QuizAttemptedV1: events.on_quiz_attempted,
            },
            max_deliveries=max_deliveries,
        ),
    ]
