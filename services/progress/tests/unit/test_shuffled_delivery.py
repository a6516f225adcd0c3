"""Progress's event handlers give the same state whatever order, and however often, events arrive.

docs/events.md promises no ordering: a nak'd event is overtaken by the ones after it, and two relay
replicas publish side by side. So a realistic history of the events progress consumes is delivered
in every order hypothesis draws, with some events delivered twice, through the handlers that
``entrypoints/consumers.py`` wires (``service_layer/events.py``) on the unit fakes, and the result
must equal the in-order delivery's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CoursePublishedV1,
    LearnerData,
    Payload,
)
from lms_shared.events.envelope import Envelope
from progress.domain.model import CourseVersion
from progress.domain.records import Course
from progress.entrypoints.consumers import build_consumers
from services.progress.tests.unit.fakes import FakeUnitOfWork
from tests.support.consumers import wiring

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

Handler = Callable[[Any, Any, Envelope], Awaitable[None]]


def consumed() -> dict[str, tuple[str, Handler]]:
    """event type -> (durable, handler), exactly as ``entrypoints/consumers.py`` wires them."""
    return {t: (durable, handler) for t, (durable, _, handler) in wiring(build_consumers, FakeUnitOfWork).items()}


CONSUMED = consumed()


def course_published(course_id: str, version: int, co_owners: list[str], minutes: int) -> CoursePublishedV1:
    lessons = [
        {"id": f"{course_id}-l{n}", "position": n, "kind": "TEXT", "titles": {"az": f"Dərs {n}"}}
        for n in range(1, version + 1)  # every version adds a lesson: the versions really differ
    ]
    return CoursePublishedV1.model_validate(
        {
            "course_id": course_id,
            "version": version,
            "slug": course_id,
            "owner_id": "trainer-owner",
            "co_owner_ids": co_owners,
            "default_language": "az",
            "languages": ["az"],
            "titles": {"az": f"Büdcə v{version}"},
            "modules": [{"id": f"{course_id}-m1", "position": 1, "titles": {"az": "Giriş"}, "lessons": lessons}],
            "published_at": T0 + timedelta(minutes=minutes),
        }
    )


def issued(cert: str, learner: str, minutes: int) -> CertificateIssuedV1:
    return CertificateIssuedV1(
        certificate_id=cert,
        code=f"KB-{cert.upper()}",
        course_id="budget",
        course_version=2,
        learner=LearnerData(id=learner, name=f"Learner {learner}"),
        enrollment_id=f"enr-{learner}",
        issued_at=T0 + timedelta(minutes=minutes),
    )


def revoked(cert: str, learner: str, minutes: int) -> CertificateRevokedV1:
    return CertificateRevokedV1(
        certificate_id=cert,
        code=f"KB-{cert.upper()}",
        course_id="budget",
        learner_id=learner,
        reason="Issued by mistake",
        revoked_at=T0 + timedelta(minutes=minutes),
    )


def history() -> list[tuple[Payload, Envelope]]:
    """In the order the producers committed it; each event has its one envelope (one id)."""
    payloads: list[Payload] = [
        # "budget": three versions (a co-owner added in v2, removed in v3), then archived.
        course_published("budget", 1, ["trainer-a"], 0),
        course_published("budget", 2, ["trainer-a", "trainer-b"], 10),
        issued("cert-1", "l1", 20),
        issued("cert-2", "l2", 21),
        course_published("budget", 3, ["trainer-b"], 30),
        revoked("cert-2", "l2", 40),
        issued("cert-3", "l2", 41),  # re-issued after the revocation
        CourseArchivedV1(course_id="budget", version=3, archived_at=T0 + timedelta(minutes=50)),
        # "housing": one version, archived at once; "civics": published only.
        course_published("housing", 1, [], 5),
        CourseArchivedV1(course_id="housing", version=1, archived_at=T0 + timedelta(minutes=6)),
        course_published("civics", 1, [], 7),
    ]
    # The envelope's time is the commit time, which the handlers store (received_at, updated_at).
    times = ("published_at", "archived_at", "issued_at", "revoked_at")
    return [(p, p.envelope(time=next(getattr(p, t) for t in times if hasattr(p, t)))) for p in payloads]


HISTORY = history()


async def deliver(deliveries: Sequence[tuple[Payload, Envelope]], *, inbox: bool) -> FakeUnitOfWork:
    """Apply deliveries as ``EventConsumer`` does: one unit of work each, committed with its inbox row.

    Without ``inbox`` a duplicate reaches the handler again (the inbox row pruned, a replay), so the
    handlers themselves must be idempotent.
    """
    uow = FakeUnitOfWork()
    seen: set[tuple[str, str]] = set()
    for payload, envelope in deliveries:
        durable, handler = CONSUMED[envelope.type]
        if inbox and (durable, envelope.id) in seen:
            continue
        await handler(uow, payload, envelope)
        await uow.commit()
        seen.add((durable, envelope.id))
    return uow


def state(uow: FakeUnitOfWork) -> dict[str, Any]:
    return {
        "courses": dict(uow.courses.courses),
        "versions": sorted(uow.courses.versions),
        "certificates": {k: dict(v) for k, v in uow.certificates.rows.items()},
    }


IN_ORDER = state(asyncio.run(deliver(HISTORY, inbox=True)))


def test_the_in_order_result_is_the_expected_one() -> None:
    """The reference the shuffled runs are compared with is itself right."""
    courses = IN_ORDER["courses"]
    assert courses["budget"] == Course("budget", 3, frozenset({"trainer-owner", "trainer-b"}), archived=True)
    assert courses["housing"] == Course("housing", 1, frozenset({"trainer-owner"}), archived=True)
    assert courses["civics"] == Course("civics", 1, frozenset({"trainer-owner"}), archived=False)
    assert IN_ORDER["versions"] == [("budget", 1), ("budget", 2), ("budget", 3), ("civics", 1), ("housing", 1)]
    certs = IN_ORDER["certificates"]
    assert {k: (v["revoked"], v["enrollment_id"], v["issued_at"] is not None) for k, v in certs.items()} == {
        "cert-1": (False, "enr-l1", True),
        "cert-2": (True, "enr-l2", True),
        "cert-3": (False, "enr-l2", True),
    }


@st.composite
def shuffled_with_duplicates(draw: st.DrawFn) -> list[tuple[Payload, Envelope]]:
    duplicates = draw(st.lists(st.sampled_from(HISTORY), max_size=len(HISTORY)))
    return draw(st.permutations([*HISTORY, *duplicates]))


@settings(max_examples=100, deadline=None)
@given(deliveries=shuffled_with_duplicates(), inbox=st.booleans())
def test_any_order_and_duplicates_give_the_in_order_state(
    deliveries: list[tuple[Payload, Envelope]], inbox: bool
) -> None:
    assert state(asyncio.run(deliver(deliveries, inbox=inbox))) == IN_ORDER


@pytest.mark.parametrize(
    "order",
    [
        # The cases named in docs/events.md, spelled out so a failure reads plainly.
        pytest.param(["archived", "v1", "v3", "v2"], id="archived-then-old-versions"),
        pytest.param(["v3", "v2", "v1", "archived"], id="newest-first"),
        pytest.param(["archived", "v3", "v1"], id="archived-before-its-version"),
    ],
)
async def test_an_archived_course_is_not_reopened_by_a_late_older_version(order: list[str]) -> None:
    by_name = {"v1": HISTORY[0], "v2": HISTORY[1], "v3": HISTORY[4], "archived": HISTORY[7]}
    uow = await deliver([by_name[n] for n in order], inbox=True)
    course = await uow.courses.get("budget")
    assert course is not None and course.archived and course.current_version == 3
    version = await uow.courses.get_version("budget", 3)
    assert isinstance(version, CourseVersion) and len(version.lessons) == 3


async def test_a_revocation_before_its_issuance_ends_revoked() -> None:
    revocation, issuance = HISTORY[5], HISTORY[3]
    uow = await deliver([revocation, issuance, revocation], inbox=False)
    row = uow.certificates.rows["cert-2"]
    assert row["revoked"] is True and row["issued_at"] == T0 + timedelta(minutes=21)
    assert row["enrollment_id"] == "enr-l2"
