"""Issue 15 through the gateway on the real stack: a trainer authors a live session and a survey with
a registration policy and a participation certificate; learners and calendar apps read what was
published, and the public feed at Course.calendarUrl parses back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import icalendar
import pytest

from tests.support.graphql import GraphQLError

from .support import MODULE, PUBLISH, uid

pytestmark = pytest.mark.integration

T = [{"lang": "az", "text": "Regional Şəhər Forumu"}, {"lang": "en", "text": "Regional Urban Forum"}]
CREATE = """mutation($input: CreateCourseInput!){ createCourse(input:$input){
  id registration { capacity approvalRequired waitlist quotas { org seats } closesAt }
  certificatePolicy { kind autoIssue } inactivityReminderDays } }"""
UPDATE = """mutation($id:ID!,$input: UpdateCourseInput!){ updateCourse(id:$id, input:$input){
  id registration { capacity quotas { org seats } } certificatePolicy { kind } inactivityReminderDays } }"""
LESSON = """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){
  id kind live { startsAt endsAt timezone venue(lang:"en") editorOnlineUrl hasOnlineUrl capacity }
  survey { anonymous questions { id kind prompt(lang:"en") scale options { id label(lang:"en") } } } } }"""
UPDATE_LESSON = """mutation($id:ID!,$i:UpdateLessonInput!){ updateLesson(id:$id, input:$i){
  id live { startsAt } survey { questions { id prompt } } } }"""
COURSE = """query($id:ID!){ course(id:$id){ id version calendarUrl registration { capacity approvalRequired }
  certificatePolicy { kind } modules { lessons { id kind live { startsAt timezone venue hasOnlineUrl editorOnlineUrl }
  survey { anonymous questions { id kind scale options { id label } } } } } } }"""
SESSION: dict[str, Any] = {
    "startsAt": "2026-05-14T09:00:00+04:00",
    "endsAt": "2026-05-14T12:00:00+04:00",
    "timezone": "Asia/Baku",
    "venues": [{"lang": "az", "text": "Bakı Konqres Mərkəzi"}, {"lang": "en", "text": "Baku Congress Centre"}],
    "onlineUrl": "https://meet.example.org/forum",
    "capacity": 250,
}
SURVEY: dict[str, Any] = {
    "questions": [
        {"kind": "RATING", "prompts": [{"lang": "en", "text": "Rate the day"}], "scale": 7},
        {"kind": "TEXT", "prompts": [{"lang": "en", "text": "Comments"}]},
        {
            "kind": "SINGLE_CHOICE",
            "prompts": [{"lang": "en", "text": "Again?"}],
            "options": [
                {"labels": [{"lang": "en", "text": "Yes"}], "correct": False},
                {"labels": [{"lang": "en", "text": "No"}], "correct": False},
            ],
        },
    ]
}


async def test_a_trainer_authors_a_forum_and_everyone_reads_what_was_published(
    client_for: Any, gateway_url: str
) -> None:
    trainer = client_for(uid("trainer"), ["trainer"])
    learner = client_for(uid("learner"), ["learner"], org="AZ")
    anonymous = client_for()
    created = (
        await trainer.q(
            CREATE,
            input={
                "slug": uid("forum"),
                "titles": T,
                "defaultLanguage": "az",
                "registration": {"capacity": 300, "approvalRequired": True, "quotas": [{"org": "AZ", "seats": 100}]},
                "certificateKind": "PARTICIPATION",
            },
        )
    )["createCourse"]
    cid = created["id"]
    assert created["registration"] == {
        "capacity": 300,
        "approvalRequired": True,
        "waitlist": True,
        "quotas": [{"org": "AZ", "seats": 100}],
        "closesAt": None,
    }
    assert created["certificatePolicy"] == {"kind": "PARTICIPATION", "autoIssue": True}
    assert created["inactivityReminderDays"] is None
    updated = (await trainer.q(UPDATE, id=cid, input={"inactivityReminderDays": 10}))["updateCourse"]
    assert updated["inactivityReminderDays"] == 10 and updated["certificatePolicy"]["kind"] == "PARTICIPATION"

    module = (await trainer.q(MODULE, c=cid, i={"titles": [{"lang": "az", "text": "Gün 1"}]}))["addModule"]
    live = (
        await trainer.q(
            LESSON,
            m=module["id"],
            i={
                "kind": "LIVE",
                "titles": [{"lang": "az", "text": "Açılış"}, {"lang": "en", "text": "Opening"}],
                "live": SESSION,
            },
        )
    )["addLesson"]
    assert live["kind"] == "LIVE"
    assert live["live"]["timezone"] == "Asia/Baku" and live["live"]["venue"] == "Baku Congress Centre"
    assert datetime.fromisoformat(live["live"]["startsAt"]) == datetime(2026, 5, 14, 5, 0, tzinfo=UTC)
    assert live["live"]["editorOnlineUrl"] == SESSION["onlineUrl"] and live["live"]["capacity"] == 250
    survey = (
        await trainer.q(
            LESSON, m=module["id"], i={"kind": "SURVEY", "titles": [{"lang": "az", "text": "Rəy"}], "survey": SURVEY}
        )
    )["addLesson"]
    questions = survey["survey"]["questions"]
    assert survey["survey"]["anonymous"] is True
    assert [(q["kind"], q["scale"]) for q in questions] == [("RATING", 7), ("TEXT", None), ("SINGLE_CHOICE", None)]
    assert questions[0]["options"] is None and [o["label"] for o in questions[2]["options"]] == ["Yes", "No"]

    # An edit keeps the ids of the questions it sends back (and of unchanged ones).
    edit = {"questions": [{**SURVEY["questions"][0], "id": questions[0]["id"]}, SURVEY["questions"][1]]}
    edited = (await trainer.q(UPDATE_LESSON, id=survey["id"], i={"survey": edit}))["updateLesson"]
    assert [q["id"] for q in edited["survey"]["questions"]] == [questions[0]["id"], questions[1]["id"]]

    one = """query($c:ID!,$l:ID!){ course(id:$c){ lesson(id:$l){ id survey { questions { prompts { lang text }
      options { labels { lang text } } } } } } }"""
    detail = (await trainer.q(one, c=cid, l=survey["id"]))["course"]["lesson"]
    assert detail["id"] == survey["id"] and detail["survey"]["questions"][0]["prompts"] == [
        {"lang": "en", "text": "Rate the day"}
    ]
    assert (await trainer.q(one, c=cid, l="no-such-lesson"))["course"]["lesson"] is None

    with pytest.raises(GraphQLError) as bad:
        await trainer.q(UPDATE_LESSON, id=live["id"], i={"live": {**SESSION, "endsAt": "2026-05-14T08:00:00+04:00"}})
    assert bad.value.codes == {"BAD_USER_INPUT"} and "endsAt must be later than startsAt" in str(bad.value)

    await trainer.q(PUBLISH, id=cid)
    seen = (await learner.q(COURSE, id=cid))["course"]
    assert seen["version"] == 1 and seen["calendarUrl"] == f"{gateway_url}/calendar/{cid}.ics"
    assert seen["registration"] == {"capacity": 300, "approvalRequired": True}
    assert seen["certificatePolicy"]["kind"] == "PARTICIPATION"
    session = seen["modules"][0]["lessons"][0]["live"]
    assert session["hasOnlineUrl"] is True and session["editorOnlineUrl"] is None  # never from courses to learners
    assert session["venue"] == "Bakı Konqres Mərkəzi"  # the default language (az)
    assert [q["kind"] for q in seen["modules"][0]["lessons"][1]["survey"]["questions"]] == ["RATING", "TEXT"]
    assert (await anonymous.q(COURSE, id=cid))["course"]["calendarUrl"] == seen["calendarUrl"]

    async with httpx.AsyncClient(timeout=30) as http:
        r = await http.get(seen["calendarUrl"], params={"lang": "en"})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "text/calendar; charset=utf-8"
        assert "max-age" in r.headers["cache-control"]
        assert b"meet.example.org" not in r.content
        [event] = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Opening · Regional Urban Forum"
        assert event["DTSTART"].params["TZID"] == "Asia/Baku"
        assert event.decoded("DTSTART") == datetime(2026, 5, 14, 5, 0, tzinfo=UTC)
        missing = await http.get(f"{gateway_url}/calendar/{uid('nope')}.ics")
        assert missing.status_code == 404
