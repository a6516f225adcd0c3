"""The progress use cases on fakes (cosmicpython style): what they store, what they announce, who may."""

from __future__ import annotations

from typing import Any

import pytest

from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CourseCompletedV1,
    CoursePublishedV1,
    EnrollmentCreatedV1,
    EnrollmentWithdrawnV1,
    LearnerData,
    LessonCompletedV1,
    QuizAttemptedV1,
    RegistrationChangedV1,
)
from progress.domain.model import CourseVersion, EnrollmentStatus, QuizAnswer
from progress.service_layer import enrolling, events, learning, reports
from services.progress.tests.unit.fakes import FakeUnitOfWork, FakeVersionCache

pytestmark = pytest.mark.unit

TRAINER = Principal(sub="t1", name="Aynur Trainer", roles=frozenset({Role.TRAINER}))
ADMIN = Principal(sub="a1", name="Admin", roles=frozenset({Role.ADMIN}))
LEARNER = Principal(
    sub="l1",
    name="Leyla Məmmədova",
    roles=frozenset({Role.LEARNER}),
    org="AZ-EDU",
    municipality="Gəncə",
    locale="az",
    email="leyla@example.org",
)
OTHER = Principal(sub="l2", name="Other Learner", roles=frozenset({Role.LEARNER}))

QUIZ = {
    "pass_score": 50,
    "questions": [
        {"id": "q1", "multiple": False, "options": [{"id": "yes", "correct": True}, {"id": "no", "correct": False}]}
    ],
}


def snapshot(*, quiz: bool = False, version: int = 1) -> dict[str, Any]:
    lessons: list[dict[str, Any]] = [
        {"id": "l1", "position": 1, "kind": "TEXT", "titles": {"az": "Giriş"}, "required": True},
        {"id": "l2", "position": 2, "kind": "VIDEO", "titles": {"az": "Video"}, "required": True},
    ]
    if quiz:
        lessons.append(
            {"id": "quiz", "position": 3, "kind": "QUIZ", "titles": {"az": "Test"}, "required": True, "quiz": QUIZ}
        )
    return {
        "course_id": "c1",
        "version": version,
        "owner_id": "t1",
        "co_owner_ids": [],
        "default_language": "az",
        "titles": {"az": "Büdcə savadı"},
        "modules": [{"id": "m1", "position": 1, "titles": {"az": "Modul"}, "lessons": lessons}],
    }


def published(*, quiz: bool = False, archived: bool = False) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.courses.publish(CourseVersion.from_snapshot(snapshot(quiz=quiz)), archived=archived)
    return uow


async def enrolled(uow: FakeUnitOfWork, versions: FakeVersionCache, who: Principal = LEARNER) -> str:
    details, created = await enrolling.enroll(uow, who, "c1", versions)
    assert created
    return details.row.id


# --- enrolment -----------------------------------------------------------------------------------


async def test_enrolling_pins_the_current_version_and_announces_the_learner_from_the_token() -> None:
    uow, versions = published(), FakeVersionCache()
    details, created = await enrolling.enroll(uow, LEARNER, "c1", versions)
    assert created and uow.committed
    stored = uow.enrollments.rows[details.row.id]
    assert (stored.learner_id, stored.course_version, stored.status) == ("l1", 1, EnrollmentStatus.ACTIVE)
    assert (stored.org, stored.municipality, stored.locale) == ("AZ-EDU", "Gəncə", "az")
    # Registration (issue 15): every status change is announced, and "has a seat" as before.
    [registered, event] = uow.events
    assert isinstance(registered, RegistrationChangedV1)
    assert (registered.status, registered.cause, registered.previous_status) == ("ACTIVE", "registered", None)
    assert isinstance(event, EnrollmentCreatedV1)
    assert event.via == "self" and event.enrollment_id == details.row.id
    assert event.person == LEARNER.as_learner()
    # Minor version 0's flat fields are still on the wire, filled from the nested learner.
    assert (event.learner_id, event.learner_name, event.org) == ("l1", "Leyla Məmmədova", "AZ-EDU")
    assert details.progress.resume_lesson_id == "l1"


async def test_enrolling_again_answers_the_same_enrolment_and_announces_nothing() -> None:
    uow, versions = published(), FakeVersionCache()
    first = await enrolled(uow, versions)
    details, created = await enrolling.enroll(uow, LEARNER, "c1", versions)
    assert not created and details.row.id == first
    assert len(uow.committed_of(EnrollmentCreatedV1)) == 1


async def test_enrolling_in_an_unknown_or_archived_course_is_refused_and_commits_nothing() -> None:
    with pytest.raises(NotFound):
        await enrolling.enroll(FakeUnitOfWork(), LEARNER, "c1", FakeVersionCache())
    uow = published(archived=True)
    with pytest.raises(Conflict):
        await enrolling.enroll(uow, LEARNER, "c1", FakeVersionCache())
    assert not uow.committed and not uow.enrollments.rows and not uow.staged


async def test_a_token_with_an_oversized_name_cannot_enrol() -> None:
    uow = published()
    with pytest.raises(BadInput):
        await enrolling.enroll(
            uow, Principal(sub="l9", name="x" * 301, roles=frozenset({Role.LEARNER})), "c1", FakeVersionCache()
        )
    assert not uow.enrollments.rows


async def test_withdrawing_and_enrolling_again_reactivates_the_same_enrolment_with_its_progress() -> None:
    uow, versions = published(), FakeVersionCache()
    eid = await enrolled(uow, versions)
    await learning.complete_lesson(uow, LEARNER, eid, "l1", versions)
    withdrawn = await enrolling.withdraw(uow, LEARNER, eid, versions)
    assert withdrawn.row.status is EnrollmentStatus.WITHDRAWN
    details, created = await enrolling.enroll(uow, LEARNER, "c1", versions)
    assert created and details.row.id == eid and details.row.status is EnrollmentStatus.ACTIVE
    assert [v.lesson_id for v in details.progress.lessons if v.completed_at] == ["l1"]
    assert [e.enrollment_id for e in uow.committed_of(EnrollmentCreatedV1)] == [eid, eid]
    # Courses hears of the withdrawal (it stops the learner's material downloads), once.
    [gone] = uow.committed_of(EnrollmentWithdrawnV1)
    assert (gone.enrollment_id, gone.course_id, gone.learner_id) == (eid, "c1", "l1")


async def test_only_the_learner_trainers_and_admins_see_an_enrolment() -> None:
    uow, versions = published(), FakeVersionCache()
    eid = await enrolled(uow, versions)
    for who in (LEARNER, TRAINER, ADMIN):
        assert (await enrolling.get_enrollment(uow, who, eid, versions)).row.id == eid
    with pytest.raises(NotFound):
        await enrolling.get_enrollment(uow, OTHER, eid, versions)
    with pytest.raises(NotFound):
        await enrolling.withdraw(uow, OTHER, eid, versions)


# --- cohort --------------------------------------------------------------------------------------


async def test_a_cohort_is_enrolled_once_with_one_event_per_new_member() -> None:
    uow = published()
    members = [
        {"learnerId": "m1", "name": "Aigerim", "org": "KZ-EDU", "municipality": "Almaty"},
        {"learnerId": "m2", "name": "Bolat"},
        {"learnerId": "m1", "name": "Aigerim again"},
        {"learnerId": "m3", "name": "  "},
    ]
    result = await enrolling.enroll_cohort(uow, TRAINER, "c1", members)
    assert (result.enrolled, result.already_enrolled) == (2, 0)
    assert {(f.recipient, f.reason.split()[0]) for f in result.failures} == {("m1", "listed"), ("m3", "name")}
    announced = {e.person.id: e for e in uow.committed_of(EnrollmentCreatedV1)}
    assert set(announced) == {"m1", "m2"}
    assert announced["m1"].person == LearnerData(id="m1", name="Aigerim", org="KZ-EDU", municipality="Almaty")
    assert all(e.via == "cohort" for e in announced.values())

    again = await enrolling.enroll_cohort(uow, TRAINER, "c1", members[:2])
    assert (again.enrolled, again.already_enrolled) == (0, 2)
    assert len(uow.committed_of(EnrollmentCreatedV1)) == 2


async def test_only_the_courses_trainers_and_admins_enrol_a_cohort() -> None:
    uow = published()
    with pytest.raises(Forbidden):
        await enrolling.enroll_cohort(uow, LEARNER, "c1", [{"learnerId": "m1", "name": "A"}])
    with pytest.raises(Forbidden):
        await enrolling.enroll_cohort(
            uow, Principal(sub="t9", name="Other trainer", roles=frozenset({Role.TRAINER})), "c1", []
        )
    assert not uow.committed and not uow.enrollments.rows
    assert (await enrolling.enroll_cohort(uow, ADMIN, "c1", [{"learnerId": "m1", "name": "A"}])).enrolled == 1


# --- lessons, quizzes, completion ----------------------------------------------------------------


async def test_the_last_lesson_completes_the_course_and_stages_exactly_one_course_completed() -> None:
    uow, versions = published(), FakeVersionCache()
    eid = await enrolled(uow, versions)

    first = await learning.complete_lesson(uow, LEARNER, eid, "l1", versions)
    assert first.row.status is EnrollmentStatus.ACTIVE and first.progress.progress_percent == 50
    assert not uow.committed_of(CourseCompletedV1)

    last = await learning.complete_lesson(uow, LEARNER, eid, "l2", versions)
    assert last.row.status is EnrollmentStatus.COMPLETED and last.progress.progress_percent == 100
    assert uow.enrollments.rows[eid].status is EnrollmentStatus.COMPLETED
    [completed] = uow.committed_of(CourseCompletedV1)
    assert completed.enrollment_id == eid and completed.course_titles == {"az": "Büdcə savadı"}
    assert completed.person == LearnerData(
        id="l1", name="Leyla Məmmədova", email="leyla@example.org", org="AZ-EDU", municipality="Gəncə", locale="az"
    )
    assert [e.lesson_id for e in uow.committed_of(LessonCompletedV1)] == ["l1", "l2"]

    # Completing a lesson again (a second tab, a retry) answers the same and emits nothing.
    again = await learning.complete_lesson(uow, LEARNER, eid, "l2", versions)
    assert again.row.status is EnrollmentStatus.COMPLETED
    assert len(uow.committed_of(CourseCompletedV1)) == 1 and len(uow.committed_of(LessonCompletedV1)) == 2


async def test_completion_is_decided_under_the_enrolment_lock_and_written_by_the_commit() -> None:
    uow, versions = published(), FakeVersionCache()
    eid = await enrolled(uow, versions)
    await learning.complete_lesson(uow, LEARNER, eid, "l1", versions)
    assert uow.enrollments.locked[-1] == eid
    assert uow.enrollments.pending_lessons == [] and uow.enrollments.rows[eid].records[0].lesson_id == "l1"


async def test_only_the_enrolments_learner_records_progress() -> None:
    uow, versions = published(), FakeVersionCache()
    eid = await enrolled(uow, versions)
    commits = uow.commits
    with pytest.raises(Forbidden):
        await learning.complete_lesson(uow, TRAINER, eid, "l1", versions)
    with pytest.raises(NotFound):
        await learning.complete_lesson(uow, OTHER, eid, "l1", versions)
    await enrolling.withdraw(uow, LEARNER, eid, versions)
    with pytest.raises(Conflict):
        await learning.complete_lesson(uow, LEARNER, eid, "l1", versions)
    assert uow.commits == commits + 1  # the withdrawal only
    assert not uow.committed_of(LessonCompletedV1)


async def test_a_quiz_lesson_is_completed_by_passing_it_which_can_complete_the_course() -> None:
    uow, versions = published(quiz=True), FakeVersionCache()
    eid = await enrolled(uow, versions)
    with pytest.raises(BadInput):
        await learning.complete_lesson(uow, LEARNER, eid, "quiz", versions)
    for lesson in ("l1", "l2"):
        await learning.complete_lesson(uow, LEARNER, eid, lesson, versions)

    failed = await learning.submit_quiz(
        uow, LEARNER, eid, "quiz", [QuizAnswer("q1", ("no",))], versions, max_attempts=3
    )
    assert (failed.score, failed.passed, failed.attempt) == (0, False, 1)
    assert failed.enrollment.row.status is EnrollmentStatus.ACTIVE and not uow.committed_of(CourseCompletedV1)

    passed = await learning.submit_quiz(
        uow, LEARNER, eid, "quiz", [QuizAnswer("q1", ("yes",))], versions, max_attempts=3
    )
    assert (passed.score, passed.passed, passed.attempt) == (100, True, 2)
    assert passed.enrollment.row.status is EnrollmentStatus.COMPLETED
    [completed] = uow.committed_of(CourseCompletedV1)
    assert completed.score == 100 and completed.person.email == "leyla@example.org"
    assert [(e.attempt, e.passed) for e in uow.committed_of(QuizAttemptedV1)] == [(1, False), (2, True)]

    # Passing again counts the attempt but completes nothing twice.
    await learning.submit_quiz(uow, LEARNER, eid, "quiz", [QuizAnswer("q1", ("yes",))], versions, max_attempts=3)
    assert len(uow.committed_of(CourseCompletedV1)) == 1
    with pytest.raises(Conflict):
        await learning.submit_quiz(uow, LEARNER, eid, "quiz", [QuizAnswer("q1", ("yes",))], versions, max_attempts=3)


async def test_a_course_version_is_read_once_then_served_from_the_cache() -> None:
    uow, versions = published(), FakeVersionCache()
    eid = await enrolled(uow, versions)
    await enrolling.get_enrollment(uow, LEARNER, eid, versions)
    await learning.complete_lesson(uow, LEARNER, eid, "l1", versions)
    assert uow.courses.version_reads == 1 and versions.get("c1", 1) is not None


# --- reports -------------------------------------------------------------------------------------


async def test_reports_are_for_the_courses_trainers_and_admins() -> None:
    uow, versions = published(), FakeVersionCache()
    await enrolled(uow, versions)
    assert (await reports.course_stats(uow, TRAINER, "c1")).enrolled == 1
    assert [d.row.learner_id for d in await reports.course_report(uow, ADMIN, "c1", versions)] == ["l1"]
    with pytest.raises(Forbidden):
        await reports.course_stats(uow, LEARNER, "c1")
    with pytest.raises(NotFound):
        await reports.course_report(uow, ADMIN, "unknown", versions)


# --- consumed events -----------------------------------------------------------------------------


async def test_a_published_course_can_be_enrolled_in_and_an_issued_certificate_is_kept_by_learner() -> None:
    uow = FakeUnitOfWork()
    event = CoursePublishedV1.model_validate(
        {**snapshot(), "slug": "budce", "languages": ["az"], "published_at": "2026-12-01T09:00:00Z"}
    )
    await events.on_course_published(uow, event, event.envelope())
    assert (await uow.courses.get("c1")) is not None
    details, _ = await enrolling.enroll(uow, LEARNER, "c1", FakeVersionCache())

    issued = CertificateIssuedV1(
        certificate_id="cert-1",
        code="KB-1",
        course_id="c1",
        learner=LearnerData(id="l1", name="Leyla Məmmədova"),
        enrollment_id=details.row.id,
        issued_at="2026-12-01T10:00:00Z",
    )
    await events.on_certificate_issued(uow, issued, issued.envelope())
    assert uow.certificates.rows["cert-1"]["learner_id"] == "l1"


# --- nobody certifies themselves (issue 13, finding 1) ------------------------------------------------


async def test_a_trainer_cannot_enrol_in_their_own_course_alone_or_in_a_cohort() -> None:
    uow, versions = published(), FakeVersionCache()
    with pytest.raises(Forbidden, match="trainers cannot enrol in their own course"):
        await enrolling.enroll(uow, TRAINER, "c1", versions)
    members = [{"learnerId": "t1", "name": "Dr. Jane Smith"}, {"learnerId": "m1", "name": "Aigerim"}]
    result = await enrolling.enroll_cohort(uow, TRAINER, "c1", members)
    assert result.enrolled == 1
    assert [(f.recipient, "self-certification" in f.reason) for f in result.failures] == [("t1", True)]
    assert {r.learner_id for r in uow.enrollments.rows.values()} == {"m1"}
    # An admin enrolling themselves through a cohort list is refused too; by `enroll` they may.
    by_admin = await enrolling.enroll_cohort(uow, ADMIN, "c1", [{"learnerId": "a1", "name": "Admin"}])
    assert by_admin.enrolled == 0 and by_admin.failures[0].recipient == "a1"


async def test_the_certificate_name_is_the_learners_own_token_name_not_the_cohort_input() -> None:
    uow, versions = published(), FakeVersionCache()
    # A trainer enrols a real learner first, under a wrong name.
    await enrolling.enroll_cohort(uow, TRAINER, "c1", [{"learnerId": "l1", "name": "Dr. Jane Smith", "org": "KZ"}])
    (row,) = uow.enrollments.rows.values()
    await learning.complete_lesson(uow, LEARNER, row.id, "l1", versions)
    await learning.complete_lesson(uow, LEARNER, row.id, "l2", versions)
    [completed] = uow.committed_of(CourseCompletedV1)
    assert completed.person.name == "Leyla Məmmədova" and completed.person.org == "AZ-EDU"


async def test_names_that_would_show_differently_from_their_print_are_refused_at_the_edge() -> None:
    uow, versions = published(), FakeVersionCache()
    tricked = Principal(sub="l7", name="Leyla \u202eavodəmməM", roles=frozenset({Role.LEARNER}))
    with pytest.raises(BadInput, match="text-direction control character"):
        await enrolling.enroll(uow, tricked, "c1", versions)
    members = [{"learnerId": "m1", "name": "Ai\u200bgerim"}, {"learnerId": "m2", "name": " Aigerim  Bek "}]
    result = await enrolling.enroll_cohort(uow, TRAINER, "c1", members)
    assert result.enrolled == 1 and result.failures[0].recipient == "m1"
    assert "invisible" in result.failures[0].reason
    assert [r.learner_name for r in uow.enrollments.rows.values()] == ["Aigerim Bek"]
