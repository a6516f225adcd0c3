"""Events the courses service listens to: each payload type mapped to a ``service_layer.events`` handler."""

from __future__ import annotations

from courses.bootstrap import Container
from courses.service_layer import events
from lms_shared.events.catalogue import EnrollmentCreatedV1, EnrollmentWithdrawnV1
from lms_shared.inbox import EventConsumer

ENROLLMENTS_DURABLE = "courses-enrollments"


def build_consumers(container: Container) -> list[EventConsumer]:
    js = container.runtime.js
    assert js is not None, "build the container first"
    return [
        EventConsumer(
            js,
            container.uow,
            container.inbox,
            ENROLLMENTS_DURABLE,
            {
                EnrollmentCreatedV1: events.on_enrollment_created,
                EnrollmentWithdrawnV1: events.on_enrollment_withdrawn,
            },
            max_deliveries=container.settings.max_deliveries,
        )
    ]
