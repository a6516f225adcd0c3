"""Issue 15 on the real servers: LIVE and SURVEY lessons, the registration policy and certificate kind
in drafts, versions and course.published, and the public calendar feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import icalendar
import pytest

from lms_shared.events.catalogue import CoursePublishedV1

from .conftest import new_course, texts
from .events import events_for

pytestmark = pytest.mark.integration

SESSION: dict[str, Any] = {
    "startsAt": "2026-05-14T09:00:00+04:00",
    "endsAt": "2026-05-14T12:30:00+04:00",
    "timezone": "Asia/Baku",
    "venues": texts(az="Bakı Konqres Mərkəzi, Zal A", en="Baku Congress Centre, Hall A"),
    "onlineUrl": "https://meet.example.org/forum-day-1",
    "capacity": 300,
}
SURVEY: dict[str, Any] = {
    "questions": [
        {"kind": "RATING", "prompts": texts(az="Sessiyanı qiymətləndirin", en="Rate the session")},
        {"kind": "TEXT", "prompts": texts(az="Nə yaxşı idi?", en="What went well?")},
        {
            "kind": "SINGLE_CHOICE",
            "prompts": texts(az="Yenə gələrsiniz?", en="Would you come again?"),
            "options": [
                {"labels": texts(az="Bəli", en="Yes"), "correct": False},
                {"labels": texts(az="Xeyr", en="No"), "correct": False},
            ],
        },
    ]
}


async def _forum(trainer: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    course = await new_course(trainer, az="Regional Şəhər Forumu", en="Regional Urban Forum")
    cid = course["id"]
    policy = {
        "registration": {"capacity": 100, "approvalRequired": True, "quotas": [{"org": "AZ", "seats": 40}]},
        "certificateKind": "PARTICIPATION",
        "inactivityReminderDays": 14,
    }
    await trainer.ok("PATCH", f"/v1/courses/{cid}", json=policy)
    module = await trainer.ok("POST", f"/v1/courses/{cid}/modules", json={"titles": texts(az="Gün 1", en="Day 1")})
    live = await trainer.ok(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "LIVE", "titles": texts(az="Açılış", en="Opening"), "live": SESSION},
    )
    survey = await trainer.ok(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "SURVEY", "titles": texts(az="Rəy", en="Feedback"), "survey": SURVEY},
    )
    return course, module, live, survey


async def test_a_forum_is_authored_published_and_announced(people: Any, env: dict[str, str]) -> None:
    trainer, learner = people("trainer"), people("learner")
    course, _, live, survey = await _forum(trainer)
    cid = course["id"]
    assert live["courseId"] == cid
    assert live["live"]["timezone"] == "Asia/Baku"
    assert live["live"]["startsAt"] == "2026-05-14T05:00:00+00:00"  # stored as the UTC instant
    assert live["live"]["onlineUrl"] == SESSION["onlineUrl"]  # the editor sees the link
    kinds = [q["kind"] for q in survey["survey"]["questions"]]
    assert kinds == ["RATING", "TEXT", "SINGLE_CHOICE"] and survey["survey"]["anonymous"] is True
    assert survey["survey"]["questions"][0]["scale"] == 5
    assert all(q["id"] for q in survey["survey"]["questions"])

    draft = await trainer.ok("GET", f"/v1/courses/{cid}")
    assert draft["registration"] == {
        "capacity": 100,
        "approvalRequired": True,
        "quotas": [{"org": "AZ", "seats": 40}],
        "closesAt": None,
        "waitlist": True,
    }
    assert draft["certificatePolicy"]["kind"] == "PARTICIPATION" and draft["inactivityReminderDays"] == 14

    published = await trainer.ok("POST", f"/v1/courses/{cid}/publish")
    assert published["version"] == 1

    # A learner reads the published version: the session, but never the join link.
    seen = await learner.ok("GET", f"/v1/courses/{cid}")
    session = seen["modules"][0]["lessons"][0]["live"]
    assert session["onlineUrl"] is None and session["hasOnlineUrl"] is True
    assert seen["registration"]["capacity"] == 100 and seen["certificatePolicy"]["kind"] == "PARTICIPATION"
    # Nor does the trainer's view of a frozen version carry it (the gateway caches and shares those).
    frozen = await trainer.ok("GET", f"/v1/courses/{cid}", params={"version": 1})
    assert frozen["modules"][0]["lessons"][0]["live"]["onlineUrl"] is None

    [event] = await events_for(env["LMS_NATS_URL"], CoursePublishedV1.TYPE, cid)
    payload = CoursePublishedV1.model_validate(event.data)
    assert event.minor_version == 2
    lessons = payload.modules[0].lessons
    assert lessons[0].kind == "LIVE" and lessons[0].live is not None
    assert lessons[0].live.starts_at == datetime(2026, 5, 14, 5, 0, tzinfo=UTC)
    assert lessons[0].live.online_url == SESSION["onlineUrl"] and lessons[0].live.capacity == 300
    assert lessons[1].survey is not None and [q.kind for q in lessons[1].survey.questions] == kinds
    assert payload.registration.capacity == 100 and payload.registration.quotas == {"AZ": 40}
    assert payload.registration.approval_required is True
    assert payload.certificate_policy.kind == "PARTICIPATION" and payload.inactivity_reminder_days == 14


async def test_moving_a_session_is_a_new_version_and_keeps_the_calendar_uid(people: Any, courses_url: str) -> None:
    trainer = people("trainer")
    course, _, live, _ = await _forum(trainer)
    cid = course["id"]
    await trainer.ok("POST", f"/v1/courses/{cid}/publish")
    async with httpx.AsyncClient(base_url=courses_url, timeout=30) as anonymous:
        r = await anonymous.get(f"/v1/courses/{cid}/calendar.ics", params={"lang": "en"})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "text/calendar; charset=utf-8"
        assert "max-age" in r.headers["cache-control"]
        assert b"meet.example.org" not in r.content  # the public feed never holds the join link
        [first] = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
        assert str(first["SUMMARY"]) == "Opening · Regional Urban Forum"
        assert str(first["LOCATION"]) == "Baku Congress Centre, Hall A"
        assert first.decoded("DTSTART").tzinfo is not None
        assert first["DTSTART"].params["TZID"] == "Asia/Baku"
        assert first.decoded("DTSTART").hour == 9  # announced in Baku's time
        assert first.decoded("DTSTART") == datetime(2026, 5, 14, 5, 0, tzinfo=UTC)
        assert b"BEGIN:VTIMEZONE" in r.content and b"TZID:Asia/Baku" in r.content

        # The session moves a day later: edit the draft, publish again.
        moved = {**SESSION, "startsAt": "2026-05-15T10:00:00+04:00", "endsAt": "2026-05-15T13:00:00+04:00"}
        await trainer.ok("PATCH", f"/v1/lessons/{live['id']}", json={"live": moved})
        # The feed shows what is published: still the old time until the new version.
        still = icalendar.Calendar.from_ical((await anonymous.get(f"/v1/courses/{cid}/calendar.ics")).content)
        assert still.walk("VEVENT")[0].decoded("DTSTART") == datetime(2026, 5, 14, 5, 0, tzinfo=UTC)
        await trainer.ok("POST", f"/v1/courses/{cid}/publish")
        again = await anonymous.get(f"/v1/courses/{cid}/calendar.ics", params={"lang": "az"})
        [second] = icalendar.Calendar.from_ical(again.content).walk("VEVENT")
        assert str(second["UID"]) == str(first["UID"])
        assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
        assert second.decoded("DTSTART") == datetime(2026, 5, 15, 6, 0, tzinfo=UTC)
        assert str(second["SUMMARY"]) == "Açılış · Regional Şəhər Forumu"  # lang=az

        # Drafts have no public feed.
        draft_only = await new_course(trainer)
        assert (await anonymous.get(f"/v1/courses/{draft_only['id']}/calendar.ics")).status_code == 404


async def test_survey_ids_stay_stable_across_edits(people: Any) -> None:
    trainer = people("trainer")
    _, _, _, survey = await _forum(trainer)
    before = survey["survey"]["questions"]
    # The trainer sends the form back with the rating question's id, the text question unchanged
    # (no id: matched by its texts), and a new question.
    edited = {
        "anonymous": False,
        "questions": [
            {"id": before[0]["id"], "kind": "RATING", "prompts": texts(en="Rate the day"), "scale": 10},
            SURVEY["questions"][1],
            {"kind": "TEXT", "prompts": texts(en="Anything else?")},
        ],
    }
    after = (await trainer.ok("PATCH", f"/v1/lessons/{survey['id']}", json={"survey": edited}))["survey"]
    assert after["anonymous"] is False
    assert after["questions"][0]["id"] == before[0]["id"] and after["questions"][0]["scale"] == 10
    assert after["questions"][1]["id"] == before[1]["id"]
    assert after["questions"][2]["id"] not in {q["id"] for q in before}

    bad = await trainer.call(
        "PATCH",
        f"/v1/lessons/{survey['id']}",
        json={"survey": {"questions": [{"id": "made-up", "kind": "TEXT", "prompts": texts(en="?")}]}},
    )
    assert bad.status_code == 422 and "not a question of this survey" in bad.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"live": {**SESSION, "endsAt": "2026-05-14T08:00:00+04:00"}}, "endsAt must be later than startsAt"),
        ({"live": {**SESSION, "timezone": "Mars/Olympus"}}, "not a time zone"),
        ({"live": {**SESSION, "startsAt": "2026-05-14T09:00:00"}}, "needs a time zone offset"),
        ({"live": {**SESSION, "onlineUrl": "http://meet.example.org/x"}}, "https://"),
        ({"live": {**SESSION, "onlineUrl": "https://" + "a" * 2100 + ".org"}}, "the limit is 2,000"),
        ({"live": {**SESSION, "capacity": 0}}, "at least 1"),
    ],
)
async def test_a_bad_session_is_refused_with_a_clear_message(people: Any, body: dict[str, Any], message: str) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    module = await trainer.ok("POST", f"/v1/courses/{course['id']}/modules", json={"titles": texts(az="Gün")})
    r = await trainer.call(
        "POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "LIVE", "titles": texts(az="X"), **body}
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "BAD_USER_INPUT" and message in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("registration", "message"),
    [
        ({"capacity": 10, "quotas": [{"org": "AZ", "seats": 6}, {"org": "KZ", "seats": 5}]}, "more than the course's"),
        ({"quotas": [{"org": "Azerbaijan", "seats": 6}]}, "not a member-state code"),
        ({"quotas": [{"org": "AZ", "seats": 1}, {"org": "AZ", "seats": 2}]}, "two quotas"),
        ({"capacity": 0}, "at least 1"),
        ({"closesAt": "2026-05-01T00:00:00"}, "needs a time zone offset"),
    ],
)
async def test_a_bad_registration_policy_is_refused(people: Any, registration: dict[str, Any], message: str) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    r = await trainer.call("PATCH", f"/v1/courses/{course['id']}", json={"registration": registration})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "BAD_USER_INPUT" and message in r.json()["error"]["message"]


async def test_kinds_and_contents_must_match_and_publishing_needs_them(people: Any) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    cid = course["id"]
    module = await trainer.ok("POST", f"/v1/courses/{cid}/modules", json={"titles": texts(az="Gün")})
    r = await trainer.call(
        "POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "TEXT", "titles": texts(az="X"), "live": SESSION}
    )
    assert r.status_code == 422 and "Only LIVE lessons have a session" in r.json()["error"]["message"]
    r = await trainer.call(
        "POST",
        f"/v1/modules/{module['id']}/lessons",
        json={"kind": "SURVEY", "titles": texts(az="Rəy"), "survey": {"questions": []}},
    )
    assert r.status_code == 422 and "at least one question" in r.json()["error"]["message"]
    await trainer.ok("POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "LIVE", "titles": texts(az="A")})
    await trainer.ok("POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "SURVEY", "titles": texts(az="B")})
    r = await trainer.call("POST", f"/v1/courses/{cid}/publish")
    assert r.status_code == 422
    problems = r.json()["error"]["details"]["problems"]
    assert any("a LIVE lesson needs its session" in p for p in problems)
    assert any("add at least one question to the survey" in p for p in problems)
