"""Issue 15 in the browser: the projector's rotating code, checking in from the QR code's URL and by typing
the code on a phone, the trainer's attendance list at 360 px (search, mark absent and present again), and
the feedback survey."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.browser.support import Api, assert_accessible, screenshot, uid, wait_until

ENROL = """mutation($c: ID!) { enroll(courseId: $c) { id } }"""


def _forum(trainer: Api) -> tuple[str, str, str]:
    starts = datetime.now(UTC) - timedelta(minutes=5)
    title = f"Urban Forum {uid('f')}"
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={"slug": uid("forum"), "titles": [{"lang": "en", "text": title}], "defaultLanguage": "en"},
    )["createCourse"]
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Day 1"}]},
    )["addModule"]
    add = """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }"""
    live = {
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Baku",
    }
    session = trainer.q(
        add, m=module["id"], i={"kind": "LIVE", "titles": [{"lang": "en", "text": "Opening plenary"}], "live": live}
    )
    survey = {
        "questions": [
            {"kind": "RATING", "prompts": [{"lang": "en", "text": "How useful was the day?"}]},
            {
                "kind": "SINGLE_CHOICE",
                "prompts": [{"lang": "en", "text": "Would you come again?"}],
                "options": [
                    {"labels": [{"lang": "en", "text": "Yes"}], "correct": False},
                    {"labels": [{"lang": "en", "text": "No"}], "correct": False},
                ],
            },
            {"kind": "TEXT", "prompts": [{"lang": "en", "text": "Anything else?"}]},
        ]
    }
    feedback = trainer.q(
        add, m=module["id"], i={"kind": "SURVEY", "titles": [{"lang": "en", "text": "Feedback"}], "survey": survey}
    )
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])
    return course["id"], session["addLesson"]["id"], feedback["addLesson"]["id"]


def _enrolled(who: Api, course_id: str) -> bool:
    try:
        who.q(ENROL, c=course_id)
        return True
    except AssertionError:
        return False


def test_projector_check_in_attendance_list_and_survey(open_page: Any, api: Any) -> None:
    trainer: Api = api("trainer")
    course_id, session, feedback = _forum(trainer)
    for who in ("learner", "admin"):
        wait_until(lambda who=who: _enrolled(api(who), course_id), timeout=60)

    projector = open_page("trainer")
    projector.goto(f"/teach/courses/{course_id}/sessions/{session}/projector")
    # Generous: the page's first answers wait for the course (and the code) on a loaded machine.
    projector.get_by_role("heading", name="Opening plenary").wait_for(timeout=60_000)
    code = projector.get_by_test_id("checkin-code")
    code.wait_for()
    first = code.inner_text().strip()
    assert len(first) == 6
    assert projector.locator(".projector-code .qr svg").count() == 1
    screenshot(projector, "checkin-01-projector")
    assert_accessible(projector, "the projector page")

    # The learner's phone camera opens the QR code's URL: signed in, they are checked in at once.
    phone = open_page("learner", width=360)
    phone.goto(f"/check-in/{course_id}/{session}?code={first}")
    phone.get_by_test_id("checked-in").get_by_text("You are checked in").wait_for()
    screenshot(phone, "checkin-02-checked-in-360")
    assert_accessible(phone, "the learner's check-in page")

    # Another participant types the code (lower case) on a phone, in Azerbaijani.
    typed = open_page("admin", width=360, lang="az")
    typed.goto(f"/check-in/{course_id}/{session}")
    typed.get_by_label("Zalda göstərilən kod").fill("AAAAAA")
    typed.get_by_role("button", name="Qeydiyyatdan keç").click()
    typed.get_by_role("alert").wait_for()
    typed.get_by_label("Zalda göstərilən kod").fill(first.lower())
    typed.get_by_role("button", name="Qeydiyyatdan keç").click()
    typed.get_by_test_id("checked-in").wait_for()

    # The trainer's attendance list on a phone: search, mark absent, and present again.
    listing = open_page("trainer", width=360)
    listing.goto(f"/teach/courses/{course_id}/sessions/{session}/attendance")
    listing.get_by_text("Present: 2 of 2").wait_for()
    listing.get_by_label("Search by name, state or municipality").fill("elif")
    rows = listing.get_by_test_id("attendance").locator("li")
    wait_until(lambda: rows.count() == 1)
    rows.first.get_by_text("Checked in with the code").wait_for()
    listing.get_by_role("button", name="Mark absent — Elif Yılmaz").click()
    listing.get_by_text("Present: 1 of 2").wait_for()
    assert rows.first.get_attribute("data-present") == "false"
    listing.get_by_role("button", name="Mark present — Elif Yılmaz").click()
    listing.get_by_text("Present: 2 of 2").wait_for()
    rows.first.get_by_text("Marked present by a trainer").wait_for()
    assert listing.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways scrolling"
    screenshot(listing, "checkin-03-attendance-360")
    assert_accessible(listing, "the attendance list")

    # The survey form.
    form = open_page("learner", width=360)
    form.goto(f"/courses/{course_id}/survey/{feedback}")
    form.get_by_text("This survey is anonymous").wait_for()
    form.get_by_role("radiogroup", name="How useful was the day?").get_by_label("4").check()
    form.get_by_label("Yes").check()
    form.get_by_label("Anything else?").fill("Çox faydalı idi")
    form.get_by_role("button", name="Send answers").click()
    form.get_by_test_id("survey-done").wait_for()
    assert_accessible(form, "the survey form")
    results = trainer.q(
        """query($c: ID!, $s: ID!) { course(id: $c) { surveyResults(lessonId: $s) { responses } } }""",
        c=course_id,
        s=feedback,
    )["course"]["surveyResults"]
    assert [r["responses"] for r in results] == [1, 1, 1]
    for page in (projector, phone, typed, listing, form):
        assert not page.js_errors, page.js_errors
