"""The notifications handlers give the same result whatever order, and however often, events arrive.

docs/events.md promises no ordering. A realistic history of the events notifications consumes is
delivered in every order hypothesis draws, with duplicates (and without the inbox, as after a
pruned inbox row), through the handlers ``entrypoints/consumers.py`` wires, on the unit fakes; the
notifications stored, the reminders still to send and the projections must equal the in-order run's.

One documented exception: ``COURSE_UPDATED`` goes to the learners the service knows as ACTIVE
when it applies the new version (an enrolment it learns of later is pinned to a version it cannot
tell apart), so it is left out of the comparison; it is never doubled.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope
from notifications.domain.model import Links
from notifications.entrypoints.consumers import build_consumers
from services.notifications.tests.unit.fakes import FakeUnitOfWork
from services.notifications.tests.unit.support import (
    SESSION_AT,
    T0,
    bulk,
    course_published,
    enrolled,
    issued,
    lesson_done,
    registration,
    revoked,
    withdrawn,
)
from tests.support.consumers import wiring

pytestmark = pytest.mark.unit

Handler = Callable[[Any, Any, Envelope], Awaitable[None]]
CONSUMED = {
    t: (durable, handler)
    for t, (durable, _, handler) in wiring(build_consumers, FakeUnitOfWork, links=Links("https://x")).items()
}


def history() -> list[tuple[Payload, Envelope]]:
    payloads: list[Payload] = [
        course_published(version=1, inactivity_days=7),
        enrolled("l1", "e1", zoneinfo="Asia/Tashkent"),
        enrolled("l2", "e2", via="cohort", at=T0 + timedelta(minutes=1)),
        lesson_done("l1", "e1", at=T0 + timedelta(hours=2)),
        registration("registered", "PENDING", sub="l3", enrollment_id="e3", at=T0 + timedelta(minutes=2)),
        registration("approved", "ACTIVE", sub="l3", enrollment_id="e3", at=T0 + timedelta(minutes=3)),
        withdrawn("l2", "e2", at=T0 + timedelta(hours=3)),
        # The session moves a day later in version 2.
        course_published(version=2, session_at=SESSION_AT + timedelta(days=1), inactivity_days=7, minutes=300),
        issued("l1", "cert-1"),
        revoked("l1", "cert-1"),
        bulk("RUNNING"),
        bulk("COMPLETED"),
    ]
    return [(p, p.envelope()) for p in payloads]


HISTORY = history()


async def deliver(deliveries: Sequence[tuple[Payload, Envelope]], *, inbox: bool) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    seen: set[tuple[str, str]] = set()
    for payload, envelope in deliveries:
        durable, handler = CONSUMED[envelope.type]
        if inbox and (durable, envelope.id) in seen:
            continue
        async with uow:
            await handler(uow, payload, envelope)
            await uow.commit()
        seen.add((durable, envelope.id))
    return uow


def state(uow: FakeUnitOfWork) -> dict[str, Any]:
    notes = uow.notifications.rows.values()
    assert len(uow.notifications.rows) == len(uow.notifications.keys)  # one per thing that happened
    assert len(uow.emails.rows) == len({d.notification_id for d in uow.emails.rows.values()})
    return {
        "notifications": sorted(
            (n.recipient_id, str(n.kind), next(k for k, v in uow.notifications.keys.items() if v == n.id))
            for n in notes
            if str(n.kind) != "COURSE_UPDATED"
        ),
        "pending_reminders": sorted((p.key, p.fingerprint, p.due_at) for p in uow.schedules.by_status("PENDING")),
        "enrollments": {k: (e.status, e.last_activity_at) for k, e in uow.enrollments.rows.items()},
        "people": {k: (p.email, p.zoneinfo) for k, p in uow.people.rows.items()},
        "emails": sorted(
            (d.recipient_id, str(uow.notifications.rows[d.notification_id].kind))
            for d in uow.emails.rows.values()
            if str(uow.notifications.rows[d.notification_id].kind) != "COURSE_UPDATED"
        ),
    }


IN_ORDER = state(asyncio.run(deliver(HISTORY, inbox=True)))


def test_the_in_order_result_is_the_expected_one() -> None:
    kinds = Counter((r, k) for r, k, _ in IN_ORDER["notifications"])
    assert kinds == Counter(
        {
            ("l1", "CERTIFICATE_ISSUED"): 1,
            ("l1", "CERTIFICATE_REVOKED"): 1,
            ("l2", "ENROLLED"): 1,
            ("l3", "REGISTRATION_APPROVED"): 1,
            ("admin1", "BULK_JOB_FINISHED"): 1,
        }
    )
    # l1 and l3 are ACTIVE: two session reminders (at the moved time) and one inactivity reminder each.
    keys = [k for k, _, _ in IN_ORDER["pending_reminders"]]
    assert len(keys) == 6 and not any("l2" in k or "e2" in k for k in keys)
    moved = (SESSION_AT + timedelta(days=1)).isoformat()
    assert all(f == moved for k, f, _ in IN_ORDER["pending_reminders"] if k.startswith("session:"))
    assert IN_ORDER["enrollments"]["e2"][0] == "WITHDRAWN"
    assert IN_ORDER["people"]["l1"] == ("l1@example.org", "Asia/Tashkent")


@st.composite
def shuffled_with_duplicates(draw: st.DrawFn) -> list[tuple[Payload, Envelope]]:
    duplicates = draw(st.lists(st.sampled_from(HISTORY), max_size=len(HISTORY)))
    return draw(st.permutations([*HISTORY, *duplicates]))


@settings(max_examples=150, deadline=None)
@given(deliveries=shuffled_with_duplicates(), inbox=st.booleans())
def test_any_order_and_duplicates_give_the_in_order_result(
    deliveries: list[tuple[Payload, Envelope]], inbox: bool
) -> None:
    assert state(asyncio.run(deliver(deliveries, inbox=inbox))) == IN_ORDER
