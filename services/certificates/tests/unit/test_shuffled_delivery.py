"""Certificates' event handlers give the same state whatever order, and however often, events arrive.

docs/events.md promises no ordering (a nak'd event is overtaken, two relays publish side by side,
and ``course.published`` and ``course.completed`` come from two services anyway). A realistic
history is delivered in every order hypothesis draws, with duplicates, through the handlers the real
``entrypoints/consumers.py`` wires, on the unit fakes. Events the service sends itself and also
consumes (``auto_issue.requested``) join the stream at a drawn position, as they would on
JetStream, and the certificate workers issue the recorded requests in batches (of two, to mix
courses and versions in one) after a drawn number of deliveries. The final state must equal the
in-order delivery's: the latest version kept, exactly one valid certificate per eligible learner
with the title of the version they completed, none waiting.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates.entrypoints.consumers import build_consumers
from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificatePolicy,
    CourseCompletedV1,
    CoursePublishedV1,
    LearnerData,
    Payload,
)
from lms_shared.events.envelope import Envelope
from tests.support.consumers import wiring

from .fakes import FakeUnitOfWork, fake_ports, issue_auto_requests, make_requests_due

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
Handler = Callable[[Any, Any, Envelope], Awaitable[None]]


def consumed() -> dict[str, tuple[str, type[Payload], Handler]]:
    """event type -> (durable, payload class, handler), exactly as ``build_consumers`` wires them."""
    return wiring(build_consumers, FakeUnitOfWork, ports=PORTS)


PORTS = fake_ports()
CONSUMED = consumed()


def published(course_id: str, version: int, *, auto_issue: bool = True) -> Envelope:
    at = T0 + timedelta(minutes=10 * version)
    return CoursePublishedV1(
        course_id=course_id,
        version=version,
        slug=course_id,
        owner_id="trainer-1",
        default_language="en",
        languages=["en", "kk"],
        titles={"en": f"Housing v{version}", "kk": f"Тұрғын үй v{version}"},
        modules=[],
        certificate_policy=CertificatePolicy(auto_issue=auto_issue),
        published_at=at,
    ).envelope(time=at)


def completed(course_id: str, version: int, learner: str, minutes: int) -> Envelope:
    at = T0 + timedelta(minutes=minutes)
    return CourseCompletedV1(
        enrollment_id=f"enr-{course_id}-{learner}",
        course_id=course_id,
        course_version=version,
        course_titles={"en": f"Housing v{version}", "kk": f"Тұрғын үй v{version}"},
        course_default_language="en",
        learner=LearnerData(id=learner, name=f"Learner {learner}", locale="kk", org="KZ"),
        completed_at=at,
    ).envelope(time=at)


HISTORY = [
    published("housing", 1),
    completed("housing", 1, "l1", 11),
    completed("housing", 1, "l2", 12),
    published("housing", 2),
    completed("housing", 2, "l3", 21),
    completed("housing", 1, "l4", 22),  # started on version 1, finished after version 2 came out
    published("budget", 1, auto_issue=False),
    completed("budget", 1, "l1", 15),  # eligible, issued by hand later: no automatic certificate
]


async def deliver(deliveries: Sequence[Envelope], *, inbox: bool, rng: random.Random | None) -> FakeUnitOfWork:
    """Apply deliveries as ``EventConsumer`` does: parse, one unit of work each, commit with the inbox row.

    Events the service publishes and consumes itself are delivered too: at once when ``rng`` is
    None (in order), else at a position ``rng`` draws among the deliveries still to come.
    """
    uow = FakeUnitOfWork()
    pending = list(deliveries)
    seen: set[tuple[str, str]] = set()
    published_so_far = 0
    while pending:
        envelope = pending.pop(0)
        durable, payload_cls, handler = CONSUMED[envelope.type]
        if inbox and (durable, envelope.id) in seen:
            continue
        async with uow:
            await handler(uow, payload_cls.model_validate(envelope.data), envelope)
            await uow.commit()
        seen.add((durable, envelope.id))
        for staged in uow.tables.events[published_so_far:]:
            own = staged if isinstance(staged, Envelope) else staged.envelope()
            if own.type in CONSUMED:
                at = 0 if rng is None else rng.randint(0, len(pending))
                pending.insert(at, own)
        published_so_far = len(uow.tables.events)
        # The certificate workers issue the recorded requests in batches whenever they get to it:
        # at once in order, else after a drawn number of deliveries (requests pile up meanwhile).
        if rng is None or rng.random() < 0.4:
            await issue_auto_requests(uow.tables, PORTS, limit=2)
    make_requests_due(uow.tables)
    await issue_auto_requests(uow.tables, PORTS, limit=2)
    return uow


def state(uow: FakeUnitOfWork) -> dict[str, Any]:
    t = uow.tables
    return {
        "courses": dict(t.courses),
        "completions": {k: (c["recipient"], c["titles"], c["awaiting"]) for k, c in t.completions.items()},
        "certificates": sorted(
            (r["course_id"], r["learner_id"], str(r["status"]), r["course_title"], r["lang"], r["enrollment_id"])
            for r in t.certificates.values()
        ),
        "announced": Counter((e.course_id, e.person.id) for e in t.events if isinstance(e, CertificateIssuedV1)),
        "waiting_requests": sorted(t.auto_issue_requests),
    }


IN_ORDER = state(asyncio.run(deliver(HISTORY, inbox=True, rng=None)))


def test_the_in_order_result_is_the_expected_one() -> None:
    courses = IN_ORDER["courses"]
    assert courses["housing"].version == 2 and courses["budget"].version == 1
    assert IN_ORDER["certificates"] == [
        ("housing", "l1", "VALID", "Тұрғын үй v1", "kk", "enr-housing-l1"),
        ("housing", "l2", "VALID", "Тұрғын үй v1", "kk", "enr-housing-l2"),
        ("housing", "l3", "VALID", "Тұрғын үй v2", "kk", "enr-housing-l3"),
        ("housing", "l4", "VALID", "Тұрғын үй v1", "kk", "enr-housing-l4"),
    ]
    assert set(IN_ORDER["announced"].values()) == {1}, "one certificate.issued per certificate"
    assert not any(awaiting for _, _, awaiting in IN_ORDER["completions"].values())
    assert len(IN_ORDER["completions"]) == 5


@st.composite
def shuffled_with_duplicates(draw: st.DrawFn) -> list[Envelope]:
    duplicates = draw(st.lists(st.sampled_from(HISTORY), max_size=len(HISTORY)))
    return draw(st.permutations([*HISTORY, *duplicates]))


@settings(max_examples=80, deadline=None)
@given(deliveries=shuffled_with_duplicates(), inbox=st.booleans(), rng=st.randoms(use_true_random=False))
def test_any_order_and_duplicates_give_the_in_order_state(
    deliveries: list[Envelope], inbox: bool, rng: random.Random
) -> None:
    assert state(asyncio.run(deliver(deliveries, inbox=inbox, rng=rng))) == IN_ORDER


# A course whose policy changes between versions: v1 issued by hand, v2 automatically.
POLICY_CHANGE = [
    published("civics", 1, auto_issue=False),
    completed("civics", 1, "l1", 11),  # completed version 1, whose certificates are issued by hand
    published("civics", 2, auto_issue=True),
    completed("civics", 2, "l2", 21),
]


@settings(max_examples=50, deadline=None)
@given(deliveries=st.permutations(POLICY_CHANGE), rng=st.randoms(use_true_random=False))
def test_a_policy_change_applies_by_the_version_each_learner_completed(
    deliveries: list[Envelope], rng: random.Random
) -> None:
    in_order = state(asyncio.run(deliver(POLICY_CHANGE, inbox=True, rng=None)))
    assert [(c[1], c[2]) for c in in_order["certificates"]] == [("l2", "VALID")]
    assert state(asyncio.run(deliver(deliveries, inbox=True, rng=rng))) == in_order


async def test_a_completion_overtaking_its_version_still_gets_its_certificate() -> None:
    v1, l1_done, v2, l2_done = POLICY_CHANGE
    in_order = await deliver([v1, l1_done, v2, l2_done], inbox=True, rng=None)
    overtaken = await deliver([v1, l2_done, v2], inbox=True, rng=None)  # v2 retried (nak'd) behind l2's completion
    certified = {r["learner_id"] for r in in_order.tables.certificates.values()}
    assert certified == {"l2"}
    assert {r["learner_id"] for r in overtaken.tables.certificates.values()} == certified
