"""Issue 15's rules, without I/O: sessions, surveys, registration policy, the snapshot, the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
from pydantic import ValidationError

from courses.domain import live as rules
from courses.domain.calendar import course_calendar, session_uid
from courses.domain.live import (
    CertificateKind,
    LiveSession,
    RegistrationPolicy,
    Survey,
    SurveyOption,
    SurveyQuestion,
    SurveyQuestionKind,
)
from courses.domain.model import Course, CourseStatus, Lesson, LessonKind, Module
from courses.domain.snapshot import from_snapshot, published_event, to_snapshot
from courses.service_layer import commands as cmd

pytestmark = pytest.mark.unit

START = datetime(2026, 5, 14, 5, 0, tzinfo=UTC)
SESSION: dict[str, Any] = {
    "startsAt": "2026-05-14T09:00:00+04:00",
    "endsAt": "2026-05-14T12:00:00+04:00",
    "timezone": "Asia/Baku",
}


def _error(model: type[cmd.Command], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return str(info.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"endsAt": "2026-05-14T09:00:00+04:00"}, "endsAt must be later than startsAt"),
        ({"endsAt": "2026-07-14T09:00:00+04:00"}, "at most 31 days"),
        ({"timezone": "Asia/Atlantis"}, "not a time zone zoneinfo knows"),
        ({"timezone": "+04:00"}, "not an IANA time zone"),
        ({"timezone": "../../etc/passwd"}, "not an IANA time zone"),
        ({"startsAt": "2026-05-14T09:00:00"}, "needs a time zone offset"),
        ({"onlineUrl": "javascript:alert(1)"}, "must start with https://"),
        ({"onlineUrl": "https://user:pw@meet.example.org/x"}, "user name or password"),
        ({"onlineUrl": "https:///nohost"}, "has no host name"),
        ({"onlineUrl": "https://meet.example.org/a b"}, "spaces"),
        ({"capacity": 0}, "at least 1"),
    ],
)
def test_a_bad_session_says_what_is_wrong(change: dict[str, Any], message: str) -> None:
    assert message in _error(cmd.LiveSessionInput, {**SESSION, **change})


def test_a_session_is_stored_as_utc_instants() -> None:
    s = cmd.LiveSessionInput.model_validate({**SESSION, "onlineUrl": " https://meet.example.org/x "})
    assert s.starts_at == START and s.starts_at.tzinfo is UTC
    assert s.online_url == "https://meet.example.org/x"


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"kind": "RATING", "prompts": [{"lang": "en", "text": "Rate"}], "scale": 11}, "outside"),
        ({"kind": "RATING", "prompts": [{"lang": "en", "text": "Rate"}], "scale": 1}, "outside"),
        (
            {"kind": "TEXT", "prompts": [{"lang": "en", "text": "Say"}], "scale": 5},
            "only RATING questions have a scale",
        ),
        (
            {
                "kind": "SINGLE_CHOICE",
                "prompts": [{"lang": "en", "text": "Pick"}],
                "options": [{"labels": [{"lang": "en", "text": "A"}]}],
            },
            "at least two options",
        ),
        (
            {
                "kind": "TEXT",
                "prompts": [{"lang": "en", "text": "Say"}],
                "options": [{"labels": [{"lang": "en", "text": "A"}]}],
            },
            "only SINGLE_CHOICE questions have options",
        ),
        ({"kind": "TEXT", "prompts": []}, "at least 1 item"),
    ],
)
def test_a_bad_survey_question_says_what_is_wrong(question: dict[str, Any], message: str) -> None:
    assert message in _error(cmd.SurveyInput, {"questions": [question]})


def test_a_survey_needs_questions_and_defaults_to_anonymous() -> None:
    assert "at least one question" in _error(cmd.SurveyInput, {"questions": []})
    survey = cmd.SurveyInput.model_validate(
        {"questions": [{"kind": "RATING", "prompts": [{"lang": "en", "text": "R"}]}]}
    )
    assert survey.anonymous is True


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"capacity": 5, "quotas": [{"org": "AZ", "seats": 3}, {"org": "TR", "seats": 3}]}, "reserve 6 seats"),
        ({"quotas": [{"org": "az", "seats": 3}]}, "not a member-state code"),
        ({"quotas": [{"org": "AZE", "seats": 3}]}, "not a member-state code"),
        ({"quotas": [{"org": "AZ", "seats": 0}]}, "greater than or equal to 1"),
        ({"quotas": [{"org": "KZ", "seats": 1}, {"org": "KZ", "seats": 1}]}, "two quotas"),
    ],
)
def test_a_bad_registration_policy_says_what_is_wrong(policy: dict[str, Any], message: str) -> None:
    assert message in _error(cmd.RegistrationPolicyInput, policy)


def test_quotas_may_fill_the_capacity_exactly_and_unlimited_has_no_sum() -> None:
    cmd.RegistrationPolicyInput.model_validate(
        {"capacity": 6, "quotas": [{"org": "AZ", "seats": 3}, {"org": "TR", "seats": 3}]}
    )
    cmd.RegistrationPolicyInput.model_validate({"quotas": [{"org": "AZ", "seats": 3000}]})


@pytest.mark.parametrize("days", [0, 366, -1])
def test_inactivity_reminder_days_are_1_to_365(days: int) -> None:
    assert "1..365" in _error(cmd.UpdateCourse, {"inactivityReminderDays": days})


def _forum(start: datetime = START, *, version: int = 1) -> Course:
    session = LiveSession(
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        timezone="Asia/Baku",
        venues={"az": "Bakı, Zal A", "en": "Baku, Hall A"},
        online_url="https://meet.example.org/secret-room",
        capacity=200,
    )
    survey = Survey(
        questions=[
            SurveyQuestion("q1", SurveyQuestionKind.RATING, {"az": "Qiymət"}, scale=5),
            SurveyQuestion(
                "q2",
                SurveyQuestionKind.SINGLE_CHOICE,
                {"az": "Seçim"},
                options=[SurveyOption("o1", {"az": "Bəli"}), SurveyOption("o2", {"az": "Xeyr"})],
            ),
        ]
    )
    lessons = [
        Lesson(
            id="l-live",
            module_id="m1",
            position=1,
            kind=LessonKind.LIVE,
            titles={"az": "Açılış", "en": "Opening"},
            live=session,
        ),
        Lesson(id="l-survey", module_id="m1", position=2, kind=LessonKind.SURVEY, titles={"az": "Rəy"}, survey=survey),
    ]
    return Course(
        id="c1",
        slug="forum",
        owner_id="t1",
        default_language="az",
        titles={"az": "Forum", "en": "Forum EN"},
        modules=[Module(id="m1", position=1, titles={"az": "Gün 1"}, lessons=lessons)],
        registration=RegistrationPolicy(capacity=100, approval_required=True, quotas={"AZ": 40}),
        certificate_kind=CertificateKind.PARTICIPATION,
        inactivity_reminder_days=7,
        version=version,
        status=CourseStatus.PUBLISHED,
        published_at=START - timedelta(days=30),
    )


def test_a_forum_survives_the_snapshot_and_fills_course_published() -> None:
    course = _forum()
    assert course.publish_problems() == []
    frozen = from_snapshot(to_snapshot(course), version=1, status=CourseStatus.PUBLISHED, published_at=START)
    assert frozen.modules[0].lessons[0].live == course.modules[0].lessons[0].live
    assert frozen.modules[0].lessons[1].survey == course.modules[0].lessons[1].survey
    assert frozen.registration == course.registration and frozen.certificate_kind is CertificateKind.PARTICIPATION
    event = published_event(course, 1, START)
    live, survey = event.modules[0].lessons
    assert live.live is not None and live.live.starts_at == START and live.live.capacity == 200
    assert survey.survey is not None and [q.id for q in survey.survey.questions] == ["q1", "q2"]
    assert "answers" not in survey.survey.model_dump_json()
    assert event.registration.quotas == {"AZ": 40} and event.registration.approval_required
    assert event.certificate_policy.kind == "PARTICIPATION" and event.inactivity_reminder_days == 7


def test_lessons_without_their_session_or_questions_cannot_be_published() -> None:
    course = _forum()
    course.modules[0].lessons[0].live = None
    course.modules[0].lessons[1].survey = Survey(questions=[])
    problems = " ".join(course.publish_problems())
    assert "a LIVE lesson needs its session" in problems
    assert "add at least one question to the survey" in problems


def test_the_calendar_has_one_event_per_session_in_its_zone_without_the_join_link() -> None:
    ics = course_calendar(_forum(), "en")
    assert b"secret-room" not in ics
    cal = icalendar.Calendar.from_ical(ics)
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == session_uid("l-live")
    assert event["DTSTART"].params["TZID"] == "Asia/Baku" and event.decoded("DTSTART").hour == 9
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=3)
    assert str(event["SUMMARY"]) == "Opening · Forum EN" and str(event["LOCATION"]) == "Baku, Hall A"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Baku"]
    # Kazakh is missing: the default language (az) is the fallback.
    [kk] = icalendar.Calendar.from_ical(course_calendar(_forum(), "kk")).walk("VEVENT")
    assert str(kk["SUMMARY"]) == "Açılış · Forum" and str(kk["LOCATION"]) == "Bakı, Zal A"


def test_a_moved_session_keeps_its_uid_with_a_higher_sequence() -> None:
    [before] = icalendar.Calendar.from_ical(course_calendar(_forum(version=1), None)).walk("VEVENT")
    moved = _forum(START + timedelta(days=1), version=2)
    [after] = icalendar.Calendar.from_ical(course_calendar(moved, None)).walk("VEVENT")
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") - before.decoded("DTSTART") == timedelta(days=1)


def test_zones_the_web_client_offers_are_all_valid() -> None:
    zones = rules.known_timezones()
    assert "Asia/Baku" in zones and "Asia/Almaty" in zones and "Europe/Istanbul" in zones
    for zone in zones[:50]:
        assert rules.check_timezone(zone) == zone
