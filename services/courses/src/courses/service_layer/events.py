"""Handlers of the events the courses service consumes; ``EventConsumer`` commits after each returns."""

from __future__ import annotations

from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.events.catalogue import EnrollmentCreatedV1, EnrollmentWithdrawnV1
from lms_shared.events.envelope import Envelope
from lms_shared.logging import get_logger

log = get_logger(__name__)


async def on_enrollment_created(uow: CoursesUnitOfWork, event: EnrollmentCreatedV1, envelope: Envelope) -> None:
    """Remember that a learner is enrolled, so they may download the course's materials."""
    learner_id = event.person.id
    if learner_id is None:  # only certificate recipients without an account lack one; they cannot sign in
        log.warning("enrollment.without_learner_id", enrollment_id=event.enrollment_id, event_id=envelope.id)
        return
    # A come-back is re-announced with the same enrollment id: it re-activates a withdrawn enrolment.
    await uow.enrollments.add(
        event.enrollment_id,
        event.course_id,
        event.course_version,
        learner_id,
        event.enrolled_at,
        changed_at=envelope.time,
    )


async def on_enrollment_withdrawn(uow: CoursesUnitOfWork, event: EnrollmentWithdrawnV1, envelope: Envelope) -> None:
    """A withdrawn learner may no longer download the course's materials (until they enrol again)."""
    await uow.enrollments.withdraw(
        event.enrollment_id,
        event.course_id,
        event.course_version,
        event.learner_id,
        event.withdrawn_at,
        changed_at=envelope.time,
    )
