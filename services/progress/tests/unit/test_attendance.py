"""Check-in, attendance and surveys on fakes (issue 15): codes, windows, completion, anonymity."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Conflict, DomainError, Forbidden
from lms_shared.events.catalogue import AttendanceRecordedV1, CourseCompletedV1, LessonCompletedV1
from progress.domain.attendance import (
    CODE_ALPHABET,
    CheckInPolicy,
    Method,
    code_digest,
    code_matches,
    new_code,
    normalise_code,
)
from progress.domain.model import CourseVersion, EnrollmentStatus
from progress.domain.surveys import MIN_RESPONDENTS, StoredAnswer, Survey, SurveyAnswer, aggregate, validate_answers
from progress.service_layer import attendance, enrolling, learning, surveys
from services.progress.tests.unit.fakes import FakeUnitOfWork, FakeVersionCache

pytestmark = pytest.mark.unit

TRAINER = Principal(sub="t1", name="Aynur Trainer", roles=frozenset({Role.TRAINER}))
STRANGER_TRAINER = Principal(sub="t9", name="Other Trainer", roles=frozenset({Role.TRAINER}))
LEARNER = Principal(sub="l1", name="Leyla Məmmədova", roles=frozenset({Role.LEARNER}), org="AZ", municipality="Gəncə")
OTHER = Principal(sub="l2", name="Nurlan Əliyev", roles=frozenset({Role.LEARNER}), org="KZ")
START = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
POLICY = CheckInPolicy(code_seconds=90, grace_seconds=60, margin_minutes=30, max_failures=3, failure_window_seconds=600)
SURVEY = {
    "anonymous": True,
    "questions": [
        {"id": "r", "kind": "RATING", "scale": 5},
        {"id": "c", "kind": "SINGLE_CHOICE", "options": [{"id": "yes"}, {"id": "no"}]},
        {"id": "t", "kind": "TEXT"},
    ],
}


def snapshot(*, anonymous: bool = True) -> dict[str, Any]:
    live = {
        "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Baku",
    }
    return {
        "course_id": "c1",
        "version": 1,
        "owner_id": "t1",
        "co_owner_ids": [],
        "default_language": "az",
        "titles": {"az": "Forum"},
        "modules": [
            {
                "id": "m1",
                "position": 1,
                "titles": {"az": "Gün 1"},
                "lessons": [
                    {"id": "day1", "position": 1, "kind": "LIVE", "titles": {"az": "Açılış"}, "live": live},
                    {
                        "id": "feedback",
                        "position": 2,
                        "kind": "SURVEY",
                        "titles": {"az": "Rəy"},
                        "survey": {**SURVEY, "anonymous": anonymous},
                    },
                ],
            }
        ],
    }


async def forum(*, anonymous: bool = True) -> tuple[FakeUnitOfWork, FakeVersionCache, str]:
    uow, versions = FakeUnitOfWork(), FakeVersionCache()
    uow.courses.publish(CourseVersion.from_snapshot(snapshot(anonymous=anonymous)))
    uow.attendance.lesson_courses.update({"day1": "c1", "feedback": "c1"})
    details, _ = await enrolling.enroll(uow, LEARNER, "c1", versions)
    return uow, versions, details.row.id


class Clock:
    """The service layer's ``utcnow``, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def shift(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(START)
    monkeypatch.setattr(attendance, "utcnow", lambda: c.now)
    monkeypatch.setattr(surveys, "utcnow", lambda: c.now)
    return c


# --- codes ---------------------------------------------------------------------------------------


def test_codes_use_the_unambiguous_alphabet_and_compare_by_digest() -> None:
    code = new_code()
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set("0O1IL2Z5S8B") & set(CODE_ALPHABET)
    assert normalise_code(f" {code[:3].lower()}-{code[3:]} ") == code
    digest = code_digest("c1", "day1", code)
    assert code_matches(digest, ["x" * 64, digest])
    assert not code_matches(code_digest("c1", "day2", code), [digest]), "a code opens its own session only"


async def test_each_call_rotates_the_code_and_the_previous_one_has_a_grace_period(clock: Clock) -> None:
    uow, versions, eid = await forum()
    first = await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    clock.shift(30)
    second = await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    assert first.code != second.code
    clock.shift(59)  # 59 s after the newer code: the first is still accepted
    state = await attendance.check_in(uow, LEARNER, eid, "day1", first.code, versions, POLICY)
    assert state.status == "COMPLETED"


async def test_a_superseded_code_stops_after_the_grace_period(clock: Clock) -> None:
    uow, versions, eid = await forum()
    first = await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    clock.shift(10)
    await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    clock.shift(61)
    with pytest.raises(BadInput, match="not valid"):
        await attendance.check_in(uow, LEARNER, eid, "day1", first.code, versions, POLICY)


async def test_check_in_opens_only_in_the_session_window(clock: Clock) -> None:
    uow, versions, _ = await forum()
    clock.shift(-31 * 60)
    with pytest.raises(Conflict, match="opens at"):
        await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    clock.shift((31 + 120 + 31) * 60)
    with pytest.raises(Conflict, match="over"):
        await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)


async def test_minutes_close_check_in_early_and_rotation_does_not_reopen_it(clock: Clock) -> None:
    uow, versions, eid = await forum()
    issued = await attendance.open_check_in(uow, TRAINER, "day1", 1, versions, POLICY)
    assert issued.closes_at == START + timedelta(minutes=1)
    assert issued.expires_at == START + timedelta(minutes=1)
    clock.shift(61)
    with pytest.raises(Conflict, match="closed"):
        await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    with pytest.raises(BadInput, match="not valid"):
        await attendance.check_in(uow, LEARNER, eid, "day1", issued.code, versions, POLICY)


async def test_only_the_course_trainers_and_admins_open_check_in(clock: Clock) -> None:
    uow, versions, _ = await forum()
    for who in (STRANGER_TRAINER, LEARNER):
        with pytest.raises(Forbidden):
            await attendance.open_check_in(uow, who, "day1", None, versions, POLICY)


async def test_wrong_codes_are_limited_per_learner(clock: Clock) -> None:
    uow, versions, eid = await forum()
    issued = await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    for _ in range(POLICY.max_failures):
        with pytest.raises(BadInput):
            await attendance.check_in(uow, LEARNER, eid, "day1", "AAAAAA", versions, POLICY)
    with pytest.raises(DomainError, match="Too many wrong codes") as refused:
        await attendance.check_in(uow, LEARNER, eid, "day1", issued.code, versions, POLICY)
    assert refused.value.code == "RATE_LIMITED"


async def test_checking_in_completes_the_lesson_once_with_its_events(clock: Clock) -> None:
    uow, versions, eid = await forum()
    issued = await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    first = await attendance.check_in(uow, LEARNER, eid, "day1", issued.code, versions, POLICY)
    again = await attendance.check_in(uow, LEARNER, eid, "day1", issued.code, versions, POLICY)
    assert first == again and first.status == "COMPLETED"
    recorded = uow.committed_of(AttendanceRecordedV1)
    assert [(e.present, e.method) for e in recorded] == [(True, "CODE")]
    assert [e.lesson_id for e in uow.committed_of(LessonCompletedV1)] == ["day1"]
    assert uow.attendance.rows[(eid, "day1")].method is Method.CODE


async def test_another_learner_cannot_check_in_with_an_enrolment_that_is_not_theirs(clock: Clock) -> None:
    uow, versions, eid = await forum()
    issued = await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    with pytest.raises(DomainError) as refused:
        await attendance.check_in(uow, OTHER, eid, "day1", issued.code, versions, POLICY)
    assert refused.value.code in ("NOT_FOUND", "FORBIDDEN")


async def test_a_session_moved_in_a_later_version_is_checked_in_to_at_its_new_time(clock: Clock) -> None:
    uow, versions, eid = await forum()  # the learner follows version 1: the session at START
    moved = snapshot()
    later = START + timedelta(days=1)
    moved["version"] = 2
    moved["modules"][0]["lessons"][0]["live"] = {
        "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Baku",
    }
    uow.courses.publish(CourseVersion.from_snapshot(moved))
    clock.shift(24 * 3600)
    issued = await attendance.open_check_in(uow, TRAINER, "day1", None, versions, POLICY)
    state = await attendance.check_in(uow, LEARNER, eid, "day1", issued.code, versions, POLICY)
    assert state.status == "COMPLETED"


async def test_complete_lesson_refuses_live_and_survey_lessons(clock: Clock) -> None:
    uow, versions, eid = await forum()
    with pytest.raises(BadInput, match="check in"):
        await learning.complete_lesson(uow, LEARNER, eid, "day1", versions)
    with pytest.raises(BadInput, match="survey"):
        await learning.complete_lesson(uow, LEARNER, eid, "feedback", versions)


# --- marking by hand -----------------------------------------------------------------------------


async def test_absent_after_present_withdraws_the_lesson_while_the_course_is_not_completed(clock: Clock) -> None:
    uow, versions, eid = await forum()
    rows = await attendance.mark_attendance(uow, TRAINER, "day1", ["l1"], True, versions)
    assert [(r.present, r.method) for r in rows] == [(True, Method.TRAINER)]
    assert any(r.lesson_id == "day1" and r.completed for r in uow.enrollments.rows[eid].records)
    rows = await attendance.mark_attendance(uow, TRAINER, "day1", ["l1"], False, versions)
    assert [r.present for r in rows] == [False]
    assert not any(r.lesson_id == "day1" and r.completed for r in uow.enrollments.rows[eid].records)
    assert [e.present for e in uow.committed_of(AttendanceRecordedV1)] == [True, False]


async def test_once_the_course_is_completed_marking_absent_keeps_the_completion(clock: Clock) -> None:
    uow, versions, eid = await forum()
    await attendance.mark_attendance(uow, TRAINER, "day1", ["l1"], True, versions)
    answers = [SurveyAnswer("r", rating=4)]
    await surveys.submit_survey(uow, LEARNER, eid, "feedback", answers, versions)
    assert uow.enrollments.rows[eid].status is EnrollmentStatus.COMPLETED
    [completed] = uow.committed_of(CourseCompletedV1)
    assert completed.learner.name == "Leyla Məmmədova"
    await attendance.mark_attendance(uow, TRAINER, "day1", ["l1"], False, versions)
    assert any(r.lesson_id == "day1" and r.completed for r in uow.enrollments.rows[eid].records)
    assert uow.enrollments.rows[eid].status is EnrollmentStatus.COMPLETED


async def test_marking_an_unknown_learner_is_bad_input(clock: Clock) -> None:
    uow, versions, _ = await forum()
    with pytest.raises(BadInput, match="not enrolled"):
        await attendance.mark_attendance(uow, TRAINER, "day1", ["nobody"], True, versions)


# --- surveys -------------------------------------------------------------------------------------


def test_answers_are_validated_against_their_question() -> None:
    survey = Survey.from_snapshot(SURVEY)
    for bad, message in [
        ([SurveyAnswer("r", rating=6)], "between 1 and 5"),
        ([SurveyAnswer("r", text="x")], "rating"),
        ([SurveyAnswer("c", option_ids=("maybe",))], "not an option"),
        ([SurveyAnswer("c", option_ids=("yes", "no"))], "exactly one"),
        ([SurveyAnswer("t", text="x" * 2001)], "longer than"),
        ([SurveyAnswer("zz", rating=1)], "not part of this survey"),
        ([SurveyAnswer("r", rating=1), SurveyAnswer("r", rating=2)], "more than once"),
        ([], "at least one"),
    ]:
        with pytest.raises(BadInput, match=message):
            validate_answers(survey, bad)


def test_results_aggregate_and_are_suppressed_below_the_threshold() -> None:
    survey = Survey.from_snapshot(SURVEY)
    answers = [StoredAnswer("r", rating=5), StoredAnswer("r", rating=3), StoredAnswer("r", rating=5)]
    answers += [StoredAnswer("c", option_id="no"), StoredAnswer("t", text="a"), StoredAnswer("t", text="b")]
    r, c, t = aggregate(survey, answers, respondents=MIN_RESPONDENTS, rng=random.Random(1))
    assert (r.responses, r.mean, r.distribution) == (3, 4.33, (0, 0, 1, 0, 2))
    assert c.option_counts == (0, 1)
    assert sorted(t.texts or ()) == ["a", "b"]
    hidden = aggregate(survey, answers, respondents=MIN_RESPONDENTS - 1)
    assert all(q.mean is None and q.texts is None and q.option_counts is None for q in hidden)
    assert [q.responses for q in hidden] == [3, 1, 2]


async def test_an_anonymous_survey_stores_answers_without_the_learner_and_completes_once(clock: Clock) -> None:
    uow, versions, eid = await forum()
    answers = [SurveyAnswer("r", rating=4), SurveyAnswer("t", text="Çox faydalı idi")]
    state = await surveys.submit_survey(uow, LEARNER, eid, "feedback", answers, versions)
    again = await surveys.submit_survey(uow, LEARNER, eid, "feedback", [SurveyAnswer("r", rating=1)], versions)
    assert state.status == again.status == "COMPLETED"
    assert [r["enrollment_id"] for r in uow.surveys.ballots] == [None, None]
    assert uow.surveys.answers_rows == [] and len(uow.surveys.ballots) == 2, "the second submission adds nothing"
    assert [e.lesson_id for e in uow.committed_of(LessonCompletedV1)] == ["feedback"]


async def test_a_named_survey_keeps_the_enrolment_with_the_answers(clock: Clock) -> None:
    uow, versions, eid = await forum(anonymous=False)
    await surveys.submit_survey(uow, LEARNER, eid, "feedback", [SurveyAnswer("r", rating=4)], versions)
    assert [r["enrollment_id"] for r in uow.surveys.answers_rows] == [eid]
