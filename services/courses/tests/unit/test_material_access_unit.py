"""Issue 13, finding 9, on the fakes: withdrawals and come-backs in any order, and the pinned version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from courses.entrypoints.consumers import build_consumers
from lms_shared.events.catalogue import EnrollmentCreatedV1, EnrollmentWithdrawnV1, LearnerData
from lms_shared.events.envelope import Envelope
from tests.support.consumers import wiring

from .fakes import FakeUnitOfWork

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def created(minutes: int) -> tuple[EnrollmentCreatedV1, Envelope]:
    event = EnrollmentCreatedV1(
        enrollment_id="e-1",
        course_id="c-1",
        course_version=1,
        learner=LearnerData(id="l-1", name="Aizhan"),
        enrolled_at=T0,
    )
    return event, event.envelope(time=T0 + timedelta(minutes=minutes))


def withdrawn(minutes: int) -> tuple[EnrollmentWithdrawnV1, Envelope]:
    at = T0 + timedelta(minutes=minutes)
    event = EnrollmentWithdrawnV1(
        enrollment_id="e-1", course_id="c-1", course_version=1, learner_id="l-1", withdrawn_at=at
    )
    return event, event.envelope(time=at)


def consumed() -> dict[str, tuple[str, Any]]:
    """event type -> (durable, handler), exactly as ``entrypoints/consumers.py`` wires them."""
    return {t: (durable, handler) for t, (durable, _, handler) in wiring(build_consumers, FakeUnitOfWork).items()}


CONSUMED = consumed()


def test_the_withdrawal_is_consumed_on_the_enrolments_durable() -> None:
    assert CONSUMED[EnrollmentWithdrawnV1.TYPE][0] == CONSUMED[EnrollmentCreatedV1.TYPE][0]


@pytest.mark.parametrize(
    ("history", "active"),
    [
        ([created(0), withdrawn(1)], False),
        ([withdrawn(1), created(0)], False),  # the creation arrives late: the withdrawal stands
        ([created(0), withdrawn(1), created(2)], True),  # came back
        ([created(2), withdrawn(1), created(0)], True),  # the come-back arrived first
        ([withdrawn(1), created(2)], True),
    ],
)
async def test_the_latest_enrolment_event_wins_whatever_the_delivery_order(
    history: list[tuple[EnrollmentCreatedV1 | EnrollmentWithdrawnV1, Envelope]], active: bool
) -> None:
    uow = FakeUnitOfWork()
    for event, envelope in history:
        _, handler = CONSUMED[envelope.type]
        await handler(uow, event, envelope)
    assert await uow.enrollments.is_enrolled("c-1", "l-1") is active
    assert await uow.enrollments.pinned_versions("c-1", "l-1") == ([1] if active else [])
