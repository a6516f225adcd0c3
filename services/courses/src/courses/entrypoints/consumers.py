"""Events the courses service listens to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from courses.adapters import repository as repo
from courses.adapters.orm import processed_event
from lms_shared.events.catalogue import EnrollmentCreatedV1
from lms_shared.events.envelope import Envelope
from lms_shared.inbox import EventConsumer
from lms_shared.runtime import Runtime

ENROLLMENTS_DURABLE = "courses-enrollments"


async def on_enrollment_created(session: AsyncSession, event: EnrollmentCreatedV1, _: Envelope) -> None:
    """Remember that a learner is enrolled, so they may download the course's materials."""
    await repo.record_enrollment(
        session, event.enrollment_id, event.course_id, event.course_version, event.learner_id, event.enrolled_at
    )


def enrollment_consumer(runtime: Runtime) -> EventConsumer:
    assert runtime.js is not None, "start the runtime first"
    return EventConsumer(
        runtime.js,
        runtime.sessions,
        processed_event,
        ENROLLMENTS_DURABLE,
        {EnrollmentCreatedV1: on_enrollment_created},
        max_deliveries=runtime.settings.max_deliveries,
    )
