"""The events the courses service consumes give the same state whatever order, and however often, they come.

Courses learns from ``enrollment.created`` (and ``enrollment.withdrawn``) who may download a
course's materials. docs/events.md promises no ordering, so a realistic history (learners enrolling
in two courses and two versions, one learner in both, a withdrawal, a come-back) is delivered in
every order hypothesis draws, with duplicates, through the handlers ``entrypoints/consumers.py``
wires, on the unit fakes; the result must equal the in-order one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courses.entrypoints.consumers import build_consumers
from lms_shared.events.catalogue import EnrollmentCreatedV1, EnrollmentWithdrawnV1, LearnerData, Payload
from lms_shared.events.envelope import Envelope
from tests.support.consumers import wiring

from .fakes import FakeUnitOfWork

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def consumed() -> dict[str, tuple[str, Any]]:
    """event type -> (durable, handler), exactly as ``entrypoints/consumers.py`` wires them."""
    return {t: (durable, handler) for t, (durable, _, handler) in wiring(build_consumers, FakeUnitOfWork).items()}


CONSUMED = consumed()


def enrolled(n: int, course_id: str, version: int, learner_id: str) -> tuple[EnrollmentCreatedV1, Envelope]:
    at = T0 + timedelta(minutes=n)
    event = EnrollmentCreatedV1.model_validate(
        {
            "enrollment_id": f"enr-{n}",
            "course_id": course_id,
            "course_version": version,
            "learner": LearnerData(id=learner_id, name=f"Learner {n}"),
            "via": "cohort" if n % 2 else "self",
            "enrolled_at": at,
        }
    )
    return event, event.envelope(time=at)


HISTORY = [
    enrolled(1, "budget", 1, "l1"),
    enrolled(2, "budget", 1, "l2"),
    enrolled(3, "budget", 2, "l3"),  # enrolled after version 2 was published
    enrolled(4, "housing", 1, "l1"),
    enrolled(5, "housing", 1, "l2"),
]


async def deliver(deliveries: Sequence[tuple[Payload, Envelope]], *, inbox: bool) -> FakeUnitOfWork:
    """One unit of work per delivery, committed with its inbox row, as ``EventConsumer`` does."""
    uow = FakeUnitOfWork()
    seen: set[tuple[str, str]] = set()
    for event, envelope in deliveries:
        durable, handler = CONSUMED[envelope.type]
        if inbox and (durable, envelope.id) in seen:
            continue
        async with uow:
            await handler(uow, event, envelope)
            await uow.commit()
        seen.add((durable, envelope.id))
    return uow


async def access(uow: FakeUnitOfWork) -> dict[str, Any]:
    return {
        "rows": dict(uow.enrollments.rows),
        "may_download": {
            (c, lid)
            for c in ("budget", "housing")
            for lid in ("l1", "l2", "l3")
            if await uow.enrollments.is_enrolled(c, lid)
        },
    }


IN_ORDER = asyncio.run(access(asyncio.run(deliver(HISTORY, inbox=True))))


def test_the_in_order_result_is_the_expected_one() -> None:
    assert IN_ORDER["may_download"] == {
        ("budget", "l1"),
        ("budget", "l2"),
        ("budget", "l3"),
        ("housing", "l1"),
        ("housing", "l2"),
    }
    assert IN_ORDER["rows"]["enr-3"] == ("budget", 2, "l3", T0 + timedelta(minutes=3))
    assert set(IN_ORDER["rows"]) == {"enr-1", "enr-2", "enr-3", "enr-4", "enr-5"}


@st.composite
def shuffled_with_duplicates(draw: st.DrawFn) -> list[tuple[EnrollmentCreatedV1, Envelope]]:
    duplicates = draw(st.lists(st.sampled_from(HISTORY), max_size=len(HISTORY)))
    return draw(st.permutations([*HISTORY, *duplicates]))


@settings(max_examples=60, deadline=None)
@given(deliveries=shuffled_with_duplicates(), inbox=st.booleans())
def test_any_order_and_duplicates_give_the_in_order_state(
    deliveries: list[tuple[EnrollmentCreatedV1, Envelope]], inbox: bool
) -> None:
    async def run() -> dict[str, Any]:
        return await access(await deliver(deliveries, inbox=inbox))

    assert asyncio.run(run()) == IN_ORDER


def withdrew(of: tuple[EnrollmentCreatedV1, Envelope], minutes: int) -> tuple[EnrollmentWithdrawnV1, Envelope]:
    created = of[0]
    at = T0 + timedelta(minutes=minutes)
    event = EnrollmentWithdrawnV1(
        enrollment_id=created.enrollment_id,
        course_id=created.course_id,
        course_version=created.course_version,
        learner_id=created.learner_id,
        withdrawn_at=at,
    )
    return event, event.envelope(time=at)


def came_back(of: tuple[EnrollmentCreatedV1, Envelope], minutes: int) -> tuple[EnrollmentCreatedV1, Envelope]:
    """Enrolling again re-announces ``enrollment.created`` with the same enrolment id, later."""
    created = of[0]
    at = T0 + timedelta(minutes=minutes)
    event = created.model_copy(update={"enrolled_at": at})
    return event, event.envelope(time=at)


WITH_WITHDRAWALS: list[tuple[Payload, Envelope]] = [
    *HISTORY,
    withdrew(HISTORY[1], 30),  # l2 leaves budget ...
    came_back(HISTORY[1], 40),  # ... and comes back
    withdrew(HISTORY[3], 35),  # l1 leaves housing for good
]


@st.composite
def shuffled_withdrawals(draw: st.DrawFn) -> list[tuple[Payload, Envelope]]:
    duplicates = draw(st.lists(st.sampled_from(WITH_WITHDRAWALS), max_size=len(WITH_WITHDRAWALS)))
    return draw(st.permutations([*WITH_WITHDRAWALS, *duplicates]))


@settings(max_examples=60, deadline=None)
@given(deliveries=shuffled_withdrawals(), inbox=st.booleans())
def test_withdrawals_in_any_order_give_the_in_order_state(
    deliveries: list[tuple[Payload, Envelope]], inbox: bool
) -> None:
    async def run(history: Sequence[tuple[Payload, Envelope]], inbox: bool) -> dict[str, Any]:
        return await access(await deliver(history, inbox=inbox))

    in_order = asyncio.run(run(WITH_WITHDRAWALS, True))
    assert in_order["may_download"] == {("budget", "l1"), ("budget", "l2"), ("budget", "l3"), ("housing", "l2")}
    assert asyncio.run(run(deliveries, inbox)) == in_order


@settings(max_examples=60, deadline=None)
@given(deliveries=shuffled_withdrawals(), inbox=st.booleans())
def test_who_may_download_after_withdrawals_does_not_depend_on_order(
    deliveries: list[tuple[Payload, Envelope]], inbox: bool
) -> None:
    async def run(history: Sequence[tuple[Payload, Envelope]], inbox: bool) -> Any:
        return (await access(await deliver(history, inbox=inbox)))["may_download"]

    assert asyncio.run(run(deliveries, inbox)) == asyncio.run(run(WITH_WITHDRAWALS, True))
