"""Group commit of lesson completions (learning.complete_lessons, entrypoints/completions.py) on fakes.

A group shares one transaction, so the questions are the ones of exactly-once: a member that fails
must neither fail nor lose the others, a group that fails must lose nobody, nothing is answered
before it is committed, and an enrolment is never twice in one group.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import pytest

from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, NotFound
from lms_shared.events.catalogue import CourseCompletedV1, LessonCompletedV1
from progress.domain.model import EnrollmentStatus
from progress.entrypoints.completions import CompletionGroups
from progress.service_layer import enrolling, learning
from services.progress.tests.unit.fakes import FakeUnitOfWork, FakeVersionCache
from services.progress.tests.unit.test_handlers import published

pytestmark = pytest.mark.unit


def learner(n: int) -> Principal:
    return Principal(sub=f"l{n}", name=f"Learner {n}", roles=frozenset({Role.LEARNER}), org="AZ")


class SharedUow:
    """``container.uow`` over one fake database: each ``async with`` is a unit of work on it, and
    leaving it without a commit drops what it staged (the fakes never suspend, so units of work
    running "at once" do not interleave)."""

    def __init__(self, uow: FakeUnitOfWork, *, fail_groups: int = 0) -> None:
        self.uow = uow
        self.fail_groups = fail_groups
        self.failed = 0
        commit = uow.commit

        async def commit_or_fail() -> None:
            if len(uow.enrollments.pending_lessons) > 1 and self.failed < self.fail_groups:
                self.failed += 1
                raise ConnectionError("the database went away mid-group")
            await commit()

        uow.commit = commit_or_fail  # type: ignore[method-assign]

    def __call__(self) -> SharedUow:
        return self

    async def __aenter__(self) -> FakeUnitOfWork:
        return self.uow

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.uow.rollback()


async def cohort(n: int) -> tuple[FakeUnitOfWork, FakeVersionCache, list[tuple[Principal, str]]]:
    """``n`` learners enrolled in the two-lesson course c1, the version cached as after a first use."""
    uow, versions = published(), FakeVersionCache()
    people = []
    for i in range(n):
        who = learner(i)
        details, _ = await enrolling.enroll(uow, who, "c1", versions)
        people.append((who, details.row.id))
    return uow, versions, people


async def test_a_group_completes_each_member_with_its_own_events_in_one_commit() -> None:
    uow, versions, people = await cohort(3)
    for who, eid in people:
        await learning.complete_lesson(uow, who, eid, "l1", versions)
    commits = uow.commits
    answers = await learning.complete_lessons(
        uow, [learning.LessonRequest(who, eid, "l2") for who, eid in people], versions
    )
    assert uow.commits == commits + 1
    assert [a.row.status for a in answers if not isinstance(a, Exception | learning.Alone)] == [
        EnrollmentStatus.COMPLETED
    ] * 3
    assert sorted(e.enrollment_id for e in uow.committed_of(CourseCompletedV1)) == sorted(eid for _, eid in people)
    assert {e.person.id for e in uow.committed_of(CourseCompletedV1)} == {"l0", "l1", "l2"}
    assert all(uow.enrollments.rows[eid].status is EnrollmentStatus.COMPLETED for _, eid in people)


async def test_a_refused_member_writes_nothing_and_the_others_commit() -> None:
    uow, versions, people = await cohort(3)
    await learning.complete_lesson(uow, *people[0], "l1", versions)  # caches the version
    (a, ea), (b, eb), (c, ec) = people
    answers = await learning.complete_lessons(
        uow,
        [
            learning.LessonRequest(a, ea, "l2"),
            learning.LessonRequest(b, eb, "no-such-lesson"),
            learning.LessonRequest(c, ec, "l1"),
        ],
        versions,
    )
    assert isinstance(answers[1], NotFound)
    assert not uow.enrollments.rows[eb].records
    assert uow.enrollments.rows[ea].status is EnrollmentStatus.COMPLETED
    assert [r.lesson_id for r in uow.enrollments.rows[ec].records] == ["l1"]
    assert {e.enrollment_id for e in uow.committed_of(LessonCompletedV1)} == {ea, ec}


async def test_members_the_group_does_not_decide_are_left_to_the_single_path() -> None:
    uow, versions, people = await cohort(2)
    await learning.complete_lesson(uow, *people[0], "l1", versions)
    (a, ea), (b, eb) = people
    answers = await learning.complete_lessons(
        uow,
        [learning.LessonRequest(a, eb, "l1"), learning.LessonRequest(b, "nobody", "l1")],
        versions,
    )
    assert answers == [learning.ALONE, learning.ALONE]
    assert not uow.enrollments.rows[eb].records
    with pytest.raises(ValueError, match="once"):
        await learning.complete_lessons(
            uow, [learning.LessonRequest(a, ea, "l1"), learning.LessonRequest(a, ea, "l2")], versions
        )


async def completing_at_once(groups: CompletionGroups, requests: list[tuple[Principal, str, str]]) -> list[Any]:
    return await asyncio.gather(*(groups.complete(*r) for r in requests), return_exceptions=True)


async def test_completions_arriving_together_are_committed_in_groups_exactly_once() -> None:
    uow, versions, people = await cohort(20)
    groups = CompletionGroups(SharedUow(uow), versions, max_group=8, max_groups=2)
    first = await completing_at_once(groups, [(who, eid, "l1") for who, eid in people])
    last = await completing_at_once(groups, [(who, eid, "l2") for who, eid in people])
    assert groups.groups >= 2  # the first ones run alone, the ones that queued meanwhile together
    assert all(d.row.status is EnrollmentStatus.ACTIVE for d in first)
    assert all(d.row.status is EnrollmentStatus.COMPLETED for d in last)
    assert sorted(e.enrollment_id for e in uow.committed_of(CourseCompletedV1)) == sorted(eid for _, eid in people)
    assert len(uow.committed_of(LessonCompletedV1)) == 40


async def test_one_failing_member_fails_only_itself() -> None:
    uow, versions, people = await cohort(6)
    groups = CompletionGroups(SharedUow(uow), versions, max_group=8, max_groups=1)
    await completing_at_once(groups, [(who, eid, "l1") for who, eid in people])
    intruder = learner(99)  # someone else's enrolment: decided alone, exactly as the route always did
    requests = [(who, eid, "l2") for who, eid in people[:3]]
    requests += [(people[3][0], people[3][1], "no-such-lesson"), (intruder, people[4][1], "l2")]
    requests += [(who, eid, "l2") for who, eid in people[5:]]
    answers = await completing_at_once(groups, requests)
    assert isinstance(answers[3], NotFound) and "not part of" in answers[3].message
    assert isinstance(answers[4], NotFound) and "not yours" in answers[4].message
    done = [answers[i] for i in (0, 1, 2, 5)]
    assert all(d.row.status is EnrollmentStatus.COMPLETED for d in done)
    completed = {e.enrollment_id for e in uow.committed_of(CourseCompletedV1)}
    assert completed == {people[i][1] for i in (0, 1, 2, 5)}
    assert groups.groups >= 1


async def test_a_group_whose_transaction_fails_loses_nobody_each_member_runs_alone() -> None:
    uow, versions, people = await cohort(10)
    shared = SharedUow(uow, fail_groups=100)  # every group's commit fails: only the single path commits
    groups = CompletionGroups(shared, versions, max_group=8, max_groups=1)
    await completing_at_once(groups, [(who, eid, "l1") for who, eid in people])
    answers = await completing_at_once(groups, [(who, eid, "l2") for who, eid in people])
    assert shared.failed >= 1 and groups.groups == 0
    assert all(d.row.status is EnrollmentStatus.COMPLETED for d in answers)
    assert sorted(e.enrollment_id for e in uow.committed_of(CourseCompletedV1)) == sorted(eid for _, eid in people)
    assert len(uow.committed_of(LessonCompletedV1)) == 20


async def test_an_enrolment_is_never_twice_in_a_group_and_two_tabs_complete_once() -> None:
    uow, versions, people = await cohort(3)
    groups = CompletionGroups(SharedUow(uow), versions, max_group=8, max_groups=1)
    (who, eid) = people[0]
    await groups.complete(who, eid, "l1")
    # Two tabs finishing the last lesson, and a third the lesson before, with others queued around.
    requests = [(people[1][0], people[1][1], "l1"), (who, eid, "l2"), (who, eid, "l2"), (who, eid, "l1")]
    requests += [(people[2][0], people[2][1], "l1")]
    answers = await completing_at_once(groups, requests)
    assert all(not isinstance(a, Exception) for a in answers)
    # The first ran alone; of the four that queued, one group took one request per enrolment, and the
    # two left for the same enrolment ran after it, one at a time.
    assert groups.groups == 1
    assert answers[1].row.status is EnrollmentStatus.COMPLETED and answers[2].row.status is EnrollmentStatus.COMPLETED
    assert [e.enrollment_id for e in uow.committed_of(CourseCompletedV1)] == [eid]
    assert [e.lesson_id for e in uow.committed_of(LessonCompletedV1) if e.enrollment_id == eid] == ["l1", "l2"]


async def test_nothing_is_answered_before_its_group_commits() -> None:
    """A group cut off before its commit (the process stopping) answers nobody with a success."""
    uow, versions, people = await cohort(4)
    await learning.complete_lesson(uow, *people[0], "l1", versions)
    gate = asyncio.Event()
    commit = uow.commit

    async def stalled_commit() -> None:
        await gate.wait()  # never set: the group is cancelled while it commits
        await commit()

    groups = CompletionGroups(SharedUow(uow), versions, max_group=8, max_groups=1)
    uow.commit = stalled_commit  # type: ignore[method-assign]
    calls = [asyncio.ensure_future(groups.complete(who, eid, "l2")) for who, eid in people]
    await asyncio.sleep(0.01)
    assert not any(c.done() for c in calls)
    cut = 0
    while not all(c.done() for c in calls):  # the first runs alone, then the three that queued as a group
        for task in list(groups._running):
            task.cancel()
            cut += 1
        await asyncio.sleep(0.01)
    answers = await asyncio.gather(*calls, return_exceptions=True)
    assert cut == 2 and all(isinstance(a, RuntimeError) for a in answers)
    assert [e.lesson_id for e in uow.committed_of(LessonCompletedV1)] == ["l1"]  # the one before
    assert not uow.committed_of(CourseCompletedV1)
    assert not any(uow.enrollments.rows[eid].records for _, eid in people[1:])


async def test_a_quiz_lesson_in_a_group_is_refused_as_alone() -> None:
    uow, versions = published(quiz=True), FakeVersionCache()
    who = learner(1)
    details, _ = await enrolling.enroll(uow, who, "c1", versions)
    other = learner(2)
    other_details, _ = await enrolling.enroll(uow, other, "c1", versions)
    await learning.complete_lesson(uow, who, details.row.id, "l1", versions)
    answers = await learning.complete_lessons(
        uow,
        [
            learning.LessonRequest(who, details.row.id, "quiz"),
            learning.LessonRequest(other, other_details.row.id, "l1"),
        ],
        versions,
    )
    assert isinstance(answers[0], BadInput)
    assert [r.lesson_id for r in uow.enrollments.rows[other_details.row.id].records] == ["l1"]
