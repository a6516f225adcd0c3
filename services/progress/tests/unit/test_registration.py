"""Registration (issue 15) with fakes: seats, approval, quotas, the waiting list, who decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import EnrollmentCreatedV1, EnrollmentWithdrawnV1, RegistrationChangedV1
from progress.domain.model import CourseVersion, EnrollmentStatus
from progress.domain.registration import RegistrationPolicy, Seats, register
from progress.service_layer import enrolling, registration
from services.progress.tests.unit.fakes import FakeUnitOfWork, FakeVersionCache
from services.progress.tests.unit.test_handlers import snapshot

pytestmark = pytest.mark.unit

TRAINER = Principal(sub="t1", name="Aynur Trainer", roles=frozenset({Role.TRAINER}))
STRANGER_TRAINER = Principal(sub="t9", name="Other Trainer", roles=frozenset({Role.TRAINER}))
ADMIN = Principal(sub="a1", name="Admin", roles=frozenset({Role.ADMIN}))
CA_AZ = Principal(sub="ca-az", name="Nigar", roles=frozenset({Role.COUNTRY_ADMIN}), org="AZ")
CA_KZ = Principal(sub="ca-kz", name="Dana", roles=frozenset({Role.COUNTRY_ADMIN}), org="KZ")
S = EnrollmentStatus


def learner(n: int, org: str | None = "AZ") -> Principal:
    return Principal(sub=f"l{n}", name=f"Learner {n}", roles=frozenset({Role.LEARNER}), org=org)


def course(**policy: object) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.courses.publish(CourseVersion.from_snapshot(snapshot()))
    uow.registrations.policies["c1"] = RegistrationPolicy.from_snapshot(policy)
    return uow


async def enrol(uow: FakeUnitOfWork, who: Principal) -> tuple[str, EnrollmentStatus, int | None]:
    d, _ = await enrolling.enroll(uow, who, "c1", FakeVersionCache())
    return d.row.id, d.row.status, d.waitlist_position


def changes(uow: FakeUnitOfWork) -> list[tuple[str, str, str]]:
    return [(e.enrollment_id, e.status, e.cause) for e in uow.committed_of(RegistrationChangedV1)]


def test_quotas_reserve_and_cap_a_state_and_the_rest_share_the_open_seats() -> None:
    policy = RegistrationPolicy.from_snapshot({"capacity": 4, "quotas": {"az": 2, "KZ": 1}})
    seats = Seats.count(policy, {})
    got = [register(seats, org, approved=False) for org in ["AZ", "AZ", "AZ", "KZ", "KZ", None, "TR"]]
    # AZ has 2 seats, KZ 1, the open pool 4 - 3 = 1 (for TR and learners without a state).
    assert got == [S.ACTIVE, S.ACTIVE, S.WAITLISTED, S.ACTIVE, S.WAITLISTED, S.ACTIVE, S.WAITLISTED]
    no_list = Seats.count(RegistrationPolicy(capacity=1, waitlist=False), {"": 1})
    assert register(no_list, None, approved=False) is None


async def test_seats_then_waiting_list_with_positions_and_promotion_on_withdrawal() -> None:
    uow = course(capacity=2)
    a, b, c, d = [await enrol(uow, learner(i)) for i in range(1, 5)]
    assert [x[1:] for x in (a, b, c, d)] == [(S.ACTIVE, None), (S.ACTIVE, None), (S.WAITLISTED, 1), (S.WAITLISTED, 2)]
    created = [e.enrollment_id for e in uow.committed_of(EnrollmentCreatedV1)]
    assert created == [a[0], b[0]], "enrollment.created means a seat: not for the waiting list"
    assert [ch[1:] for ch in changes(uow)] == [("ACTIVE", "registered")] * 2 + [("WAITLISTED", "registered")] * 2

    await registration.withdraw(uow, learner(1), a[0], FakeVersionCache())
    assert uow.enrollments.rows[c[0]].status is S.ACTIVE, "the first on the list got the freed seat"
    assert (await enrolling.get_enrollment(uow, learner(4), d[0], FakeVersionCache())).waitlist_position == 1
    assert changes(uow)[-2:] == [(a[0], "WITHDRAWN", "withdrawn"), (c[0], "ACTIVE", "promoted")]
    assert [e.enrollment_id for e in uow.committed_of(EnrollmentCreatedV1)][-1] == c[0]
    assert [e.enrollment_id for e in uow.committed_of(EnrollmentWithdrawnV1)] == [a[0]]

    # Leaving the waiting list frees no seat: only registration.changed.
    before = len(uow.committed_of(EnrollmentWithdrawnV1))
    await registration.withdraw(uow, learner(4), d[0], FakeVersionCache())
    assert len(uow.committed_of(EnrollmentWithdrawnV1)) == before
    assert changes(uow)[-1] == (d[0], "WITHDRAWN", "withdrawn")


async def test_pending_holds_a_seat_and_approval_rejection_and_promotion_to_pending() -> None:
    uow = course(capacity=1, approval_required=True)
    first, _, _ = await enrol(uow, learner(1))
    second, status, position = await enrol(uow, learner(2))
    assert uow.enrollments.rows[first].status is S.PENDING
    assert (status, position) == (S.WAITLISTED, 1), "PENDING holds the only seat"
    assert uow.committed_of(EnrollmentCreatedV1) == []
    with pytest.raises(Forbidden):
        await registration.approve(uow, learner(1), first, FakeVersionCache())

    done = await registration.approve(uow, TRAINER, first, FakeVersionCache())
    assert done.row.status is S.ACTIVE
    assert [e.enrollment_id for e in uow.committed_of(EnrollmentCreatedV1)] == [first]
    with pytest.raises(Conflict, match="already approved"):
        await registration.approve(uow, TRAINER, first, FakeVersionCache())
    assert len(uow.committed_of(EnrollmentCreatedV1)) == 1, "a second approval announces nothing"

    # The approved learner leaves: the next one is promoted to PENDING (approval is still required).
    await registration.withdraw(uow, learner(1), first, FakeVersionCache())
    assert uow.enrollments.rows[second].status is S.PENDING
    with pytest.raises(BadInput, match="reason"):
        await registration.reject(uow, TRAINER, second, "   ", FakeVersionCache())
    with pytest.raises(BadInput, match="500"):
        await registration.reject(uow, TRAINER, second, "x" * 501, FakeVersionCache())
    rejected = await registration.reject(uow, CA_AZ, second, " Not a municipal official. ", FakeVersionCache())
    assert (rejected.row.status, rejected.row.reason) == (S.REJECTED, "Not a municipal official.")
    last = uow.committed_of(RegistrationChangedV1)[-1]
    assert (last.cause, last.reason, last.decided_by) == ("rejected", "Not a municipal official.", "ca-az")
    # Enrolling again after a rejection answers the rejection, unchanged.
    assert (await enrol(uow, learner(2)))[1] is S.REJECTED


async def test_who_decides_a_registration() -> None:
    uow = course(approval_required=True)
    az, _, _ = await enrol(uow, learner(1, "AZ"))
    with pytest.raises(Forbidden, match="KZ's learners only"):
        await registration.approve(uow, CA_KZ, az, FakeVersionCache())
    with pytest.raises(NotFound):
        await registration.approve(uow, STRANGER_TRAINER, az, FakeVersionCache())
    with pytest.raises(NotFound):
        await registration.approve(uow, learner(7), az, FakeVersionCache())
    assert uow.enrollments.rows[az].status is S.PENDING
    assert [d.row.id for d in await registration.pending_enrollments(uow, CA_AZ, None, FakeVersionCache())] == [az]
    assert await registration.pending_enrollments(uow, CA_KZ, None, FakeVersionCache()) == []
    assert await registration.pending_enrollments(uow, STRANGER_TRAINER, None, FakeVersionCache()) == []
    assert len(await registration.pending_enrollments(uow, TRAINER, "c1", FakeVersionCache())) == 1
    with pytest.raises(Forbidden):
        await registration.pending_enrollments(uow, learner(1), None, FakeVersionCache())
    assert (await registration.approve(uow, CA_AZ, az, FakeVersionCache())).row.status is S.ACTIVE


async def test_quota_promotion_is_first_come_first_served_per_state() -> None:
    uow = course(capacity=2, quotas={"AZ": 1, "KZ": 1})
    az1, _, _ = await enrol(uow, learner(1, "AZ"))
    az2, st_az2, pos_az2 = await enrol(uow, learner(2, "AZ"))
    kz1, _, _ = await enrol(uow, learner(3, "KZ"))
    kz2, st_kz2, pos_kz2 = await enrol(uow, learner(4, "KZ"))
    assert (st_az2, pos_az2, st_kz2, pos_kz2) == (S.WAITLISTED, 1, S.WAITLISTED, 1), "positions are per state"
    # A KZ seat frees: the KZ learner waiting gets it, although the AZ learner waited longer.
    await registration.withdraw(uow, learner(3, "KZ"), kz1, FakeVersionCache())
    assert (uow.enrollments.rows[kz2].status, uow.enrollments.rows[az2].status) == (S.ACTIVE, S.WAITLISTED)
    assert uow.enrollments.rows[az1].status is S.ACTIVE


async def test_closed_or_full_without_a_list_is_refused_and_a_lesson_needs_a_seat() -> None:
    closed = course(closes_at=(datetime.now(UTC) - timedelta(minutes=1)).isoformat())
    with pytest.raises(Conflict, match="closed"):
        await enrol(closed, learner(1))
    full = course(capacity=1, waitlist=False)
    await enrol(full, learner(1))
    with pytest.raises(Conflict, match="full"):
        await enrol(full, learner(2))
    waiting = course(capacity=1)
    await enrol(waiting, learner(1))
    eid, status, _ = await enrol(waiting, learner(2))
    assert status is S.WAITLISTED
    from progress.service_layer import learning

    with pytest.raises(Conflict, match="waiting list"):
        await learning.complete_lesson(waiting, learner(2), eid, "l1", FakeVersionCache())


async def test_a_cohort_takes_seats_in_list_order_and_reports_each_member() -> None:
    uow = course(capacity=2, approval_required=True)
    self_registered, _, _ = await enrol(uow, learner(1))  # PENDING, holds a seat
    members = [{"learnerId": "l1", "name": "Learner 1"}] + [
        {"learnerId": f"m{i}", "name": f"Member {i}", "org": "AZ"} for i in range(3)
    ]
    result = await enrolling.enroll_cohort(uow, TRAINER, "c1", members)
    by = {o.learner_id: (o.status, o.waitlist_position) for o in result.outcomes}
    # Enrolled by a trainer: approved at once; one seat left, then the waiting list.
    assert by == {
        "l1": (S.PENDING, None),
        "m0": (S.ACTIVE, None),
        "m1": (S.WAITLISTED, 1),
        "m2": (S.WAITLISTED, 2),
    }
    assert (result.enrolled, result.already_enrolled) == (3, 1)
    assert (result.count(S.ACTIVE), result.count(S.PENDING), result.count(S.WAITLISTED)) == (1, 1, 2)
    # The self-registered learner is rejected: the cohort's first waiting member is promoted to
    # ACTIVE (the trainer's cohort counts as their approval), not to PENDING.
    await registration.reject(uow, TRAINER, self_registered, "Duplicate registration.", FakeVersionCache())
    m1 = next(r for r in uow.enrollments.rows.values() if r.learner_id == "m1")
    assert m1.status is S.ACTIVE
    again = await enrolling.enroll_cohort(uow, TRAINER, "c1", members[1:])
    assert (again.enrolled, again.already_enrolled) == (0, 3)


async def test_a_new_version_with_more_seats_promotes_in_any_order_of_the_versions() -> None:
    """course.published runs the promotion walk; a late older version changes nothing (shuffled delivery)."""
    from lms_shared.events.catalogue import CoursePublishedV1
    from progress.service_layer import events

    def published_event(version: int, capacity: int) -> CoursePublishedV1:
        return CoursePublishedV1.model_validate(
            {
                **snapshot(version=version),
                "slug": "c1",
                "languages": ["az"],
                "published_at": datetime.now(UTC),
                "registration": {"capacity": capacity},
            }
        )

    for order in ([1, 2], [2, 1]):
        uow = FakeUnitOfWork()
        first = published_event(order[0], 1 if order[0] == 1 else 3)
        await events.on_course_published(uow, first, first.envelope())
        ids = [(await enrol(uow, learner(i)))[0] for i in range(1, 5)]
        second = published_event(order[1], 1 if order[1] == 1 else 3)
        await events.on_course_published(uow, second, second.envelope())
        await uow.commit()
        statuses = [uow.enrollments.rows[i].status for i in ids]
        assert statuses == [S.ACTIVE, S.ACTIVE, S.ACTIVE, S.WAITLISTED], order
