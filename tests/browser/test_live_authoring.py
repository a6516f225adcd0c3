"""Issue 15 in the browser: a trainer writes a live session (in the session's own time zone) and a
feedback survey, sets the registration policy and a participation certificate, and publishes; a
learner elsewhere reads the session's time in Baku's clock and in their own, with a calendar link."""

from __future__ import annotations

from typing import Any

import httpx
import icalendar

from tests.browser.support import Api, assert_accessible, screenshot, sign_in_script, uid, wait_until


def test_trainer_authors_a_forum_day_and_the_learner_sees_it_in_the_session_zone(
    open_page: Any, api: Any, browser: Any, gateway_url: str, people: Any
) -> None:
    trainer: Api = api("trainer")
    title = f"Regional Urban Forum {uid('f')}"
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={"slug": uid("forum"), "titles": [{"lang": "en", "text": title}], "defaultLanguage": "en"},
    )["createCourse"]
    trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Day 1"}]},
    )
    page = open_page("trainer")  # the trainer's browser runs in UTC; the session is announced in Baku
    page.goto(f"/teach/courses/{course['id']}")

    # The live session: the times are typed on Baku's clock, whatever the trainer's own zone.
    page.get_by_role("button", name="Add a lesson").click()
    page.get_by_label("Kind of lesson").select_option("LIVE")
    page.get_by_label("Lesson title · English").fill("Opening plenary")
    page.get_by_label("Time zone of the session").select_option("Asia/Baku")
    page.get_by_label("Starts (Asia/Baku)").fill("2026-05-14T09:00")
    page.get_by_label("Ends (Asia/Baku)").fill("2026-05-14T12:30")
    page.get_by_label("Venue · English").fill("Baku Congress Centre, Hall A")
    page.get_by_label("Online join link (optional)").fill("https://meet.example.org/forum-opening")
    page.get_by_label("Seats", exact=True).fill("300")
    screenshot(page, "live-01-session-form")
    assert_accessible(page, "the live session form")
    page.get_by_role("button", name="Save the lesson").click()
    page.get_by_text("Opening plenary").first.wait_for()

    # The survey: a rating, a free-text and a single-choice question.
    page.get_by_role("button", name="Add a lesson").click()
    page.get_by_label("Kind of lesson").select_option("SURVEY")
    page.get_by_label("Lesson title · English").fill("Feedback")
    page.get_by_label("Question · English").fill("How useful was the day?")
    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Question · English").nth(1).fill("What should we change?")
    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Kind of question").nth(2).select_option("SINGLE_CHOICE")
    page.get_by_label("Question · English").nth(2).fill("Will you come next year?")
    page.get_by_label("Answer 1 · English").fill("Yes")
    page.get_by_label("Answer 2 · English").fill("No")
    screenshot(page, "live-02-survey-form")
    assert_accessible(page, "the survey form")
    page.get_by_role("button", name="Save the lesson").click()
    page.get_by_text("Feedback", exact=True).wait_for()

    # Registration and the certificate kind, in the course settings.
    page.get_by_text("Course details and translations").click()
    page.get_by_label("Certificate", exact=True).select_option("PARTICIPATION")
    page.get_by_label("Seats for the whole course").fill("120")
    page.get_by_label("Registrations wait for approval").check()
    page.get_by_role("button", name="Add a quota").click()
    page.get_by_label("State 1", exact=True).select_option("AZ")
    page.get_by_label("Seats of state 1").fill("50")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved.").wait_for()

    page.get_by_role("button", name="Publish").click()
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_text("Published · v1").wait_for()
    assert not page.js_errors, page.js_errors

    stored = trainer.q(
        """query($id: ID!) { course(id: $id) { certificatePolicy { kind }
             registration { capacity approvalRequired quotas { org seats } }
             modules { lessons { kind live { startsAt endsAt timezone capacity }
               survey { anonymous questions { kind scale options { label } } } } } } }""",
        id=course["id"],
    )["course"]
    assert stored["certificatePolicy"]["kind"] == "PARTICIPATION"
    assert stored["registration"] == {"capacity": 120, "approvalRequired": True, "quotas": [{"org": "AZ", "seats": 50}]}
    live, survey = stored["modules"][0]["lessons"]
    assert live["live"]["startsAt"].startswith("2026-05-14T05:00:00")  # 09:00 in Baku (UTC+4)
    assert live["live"]["endsAt"].startswith("2026-05-14T08:30:00") and live["live"]["capacity"] == 300
    assert [q["kind"] for q in survey["survey"]["questions"]] == ["RATING", "TEXT", "SINGLE_CHOICE"]
    assert survey["survey"]["anonymous"] is True and survey["survey"]["questions"][0]["scale"] == 5

    # A learner in Istanbul (UTC+3) reads Baku's time, and their own.
    learner_api: Api = api("learner")
    wait_until(lambda: learner_api.q("query($id: ID!) { course(id: $id) { version } }", id=course["id"])["course"])
    context = browser.new_context(base_url=gateway_url, locale="en-GB", timezone_id="Europe/Istanbul")
    try:
        context.add_init_script(sign_in_script(people["learner"].token, "en"))
        learner = context.new_page()
        learner.set_default_timeout(20_000)
        learner.goto(f"/courses/{course['id']}")
        when = learner.get_by_test_id("session-when")
        when.wait_for()
        text = when.inner_text()
        assert "14" in text and "2026" in text, text
        assert "09:00–12:30 (Asia/Baku)" in text, text
        assert "your time:" in text and "08:00–11:30 (Europe/Istanbul)" in text, text
        assert "Baku Congress Centre, Hall A" in text, text
        assert "meet.example.org" not in learner.content()  # the join link is not on the public page
        screenshot(learner, "live-03-learner-course-page")
        assert_accessible(learner, "the course page with a live session")
        href = learner.get_by_test_id("add-to-calendar").get_attribute("href")
        assert href and href.endswith(f"/calendar/{course['id']}.ics?lang=en"), href
        feed = httpx.get(href, timeout=30)
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        [event] = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
        assert str(event["SUMMARY"]) == f"Opening plenary · {title}"
        assert event["DTSTART"].params["TZID"] == "Asia/Baku" and event.decoded("DTSTART").hour == 9
    finally:
        context.close()
