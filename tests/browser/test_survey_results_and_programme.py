"""Issue 15 in the browser: a survey's results for the trainer (counts, mean, charts with their data tables,
the text answers; an anonymous survey with too few respondents shows counts only) and the event page's
programme by day (headings per day in the session's zone, sessions in time order, venue and join link)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.browser.support import Api, assert_accessible, screenshot, uid, wait_until

ENROL = """mutation($c: ID!) { enroll(courseId: $c) { id } }"""
ADD = """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }"""
SUBMIT = """mutation($e: ID!, $l: ID!, $a: [SurveyAnswerInput!]!) {
  submitSurvey(enrollmentId: $e, lessonId: $l, answers: $a) { status } }"""


def _en(text: str) -> list[dict[str, str]]:
    return [{"lang": "en", "text": text}]


def _survey(anonymous: bool) -> dict[str, Any]:
    return {
        "anonymous": anonymous,
        "questions": [
            {"kind": "RATING", "prompts": _en("How useful was the forum?"), "scale": 5},
            {
                "kind": "SINGLE_CHOICE",
                "prompts": _en("Would you come again?"),
                "options": [
                    {"labels": _en("Yes"), "correct": False},
                    {"labels": _en("No"), "correct": False},
                    {"labels": _en("Maybe"), "correct": False},
                ],
            },
            {"kind": "TEXT", "prompts": _en("Anything else?")},
        ],
    }


def _forum(trainer: Api) -> tuple[str, str, str]:
    """A two-day forum in Baku: the second day's session is added first (the programme sorts by time), and
    it starts at 02:00 Baku time, which is still the first day in UTC (the day is the session zone's)."""
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={"slug": uid("forum"), "titles": _en(f"Two-day forum {uid('p')}"), "defaultLanguage": "en"},
    )["createCourse"]
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": _en("Programme")},
    )["addModule"]
    day_two = {
        "startsAt": "2027-05-14T02:00:00+04:00",
        "endsAt": "2027-05-14T03:30:00+04:00",
        "timezone": "Asia/Baku",
        "onlineUrl": "https://meet.example.org/night-session",
    }
    trainer.q(ADD, m=module["id"], i={"kind": "LIVE", "titles": _en("Night session"), "live": day_two})
    day_one = {
        "startsAt": "2027-05-13T09:00:00+04:00",
        "endsAt": "2027-05-13T10:30:00+04:00",
        "timezone": "Asia/Baku",
        "venues": _en("Congress Hall A"),
    }
    trainer.q(ADD, m=module["id"], i={"kind": "LIVE", "titles": _en("Opening plenary"), "live": day_one})
    named = trainer.q(ADD, m=module["id"], i={"kind": "SURVEY", "titles": _en("Feedback"), "survey": _survey(False)})
    anonymous = trainer.q(
        ADD, m=module["id"], i={"kind": "SURVEY", "titles": _en("Anonymous feedback"), "survey": _survey(True)}
    )
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])
    return course["id"], named["addLesson"]["id"], anonymous["addLesson"]["id"]


def _enrol(who: Api, course_id: str) -> str:
    found: dict[str, str] = {}

    def attempt() -> bool:
        try:
            found["id"] = who.q(ENROL, c=course_id)["enroll"]["id"]
            return True
        except AssertionError:
            return False

    wait_until(attempt, timeout=60)
    return found["id"]


def _questions(who: Api, course_id: str, lesson_id: str) -> tuple[str, str, list[str], str]:
    course = who.q(
        """query($c: ID!) {
          course(id: $c) { modules { lessons { id survey { questions { id options { id } } } } } } }""",
        c=course_id,
    )["course"]
    lesson = next(x for m in course["modules"] for x in m["lessons"] if x["id"] == lesson_id)
    rating, choice, text = lesson["survey"]["questions"]
    return rating["id"], choice["id"], [o["id"] for o in choice["options"]], text["id"]


def _answer(
    who: Api, enrollment: str, lesson: str, ids: tuple[str, str, list[str], str], rating: int, option: int, text: str
) -> None:
    rating_q, choice_q, options, text_q = ids
    who.q(
        SUBMIT,
        e=enrollment,
        l=lesson,
        a=[
            {"questionId": rating_q, "rating": rating},
            {"questionId": choice_q, "optionIds": [options[option]]},
            {"questionId": text_q, "text": text},
        ],
    )


def _row(row: Any) -> list[str]:
    return [row.locator("th").inner_text().strip(), row.locator("td").inner_text().strip()]


def test_survey_results_and_programme_by_day(open_page: Any, api: Any, gateway_url: str, token_for: Any) -> None:
    trainer: Api = api("trainer")
    course_id, named, anonymous = _forum(trainer)

    # Three learners answer the named survey: ratings 5, 4, 4 (mean 4.33), choices Yes, Yes, No.
    answers = [(5, 0, "Very well organised"), (4, 0, "More breaks, please"), (4, 1, "Çox faydalı idi")]
    ids: tuple[str, str, list[str], str] | None = None
    for i, (rating, option, text) in enumerate(answers):
        sub = f"learner-{uuid.uuid4().hex[:8]}"
        token = token_for(sub, f"Participant {i + 1}", ["learner"], org="AZ", municipality="Baku", locale="en")
        who = Api(gateway_url, token)
        enrollment = _enrol(who, course_id)
        ids = ids or _questions(who, course_id, named)
        _answer(who, enrollment, named, ids, rating, option, text)
    # One learner answers the anonymous survey: too few respondents, the server shows counts only.
    learner: Api = api("learner")
    own = _enrol(learner, course_id)
    _answer(learner, own, anonymous, _questions(learner, course_id, anonymous), 2, 2, "Quiet")

    # The trainer's results page, in Azerbaijani, reached from the editor's link.
    page = open_page("trainer", width=360, lang="az")
    page.goto(f"/teach/courses/{course_id}")
    page.get_by_role("link", name="Sorğunun nəticələri: Feedback", exact=True).click()
    page.get_by_role("heading", name="Nəticələr: Feedback").wait_for(timeout=60_000)
    results = page.get_by_test_id("survey-result")
    wait_until(lambda: results.count() == 3)
    rating_card, choice_card, text_card = results.nth(0), results.nth(1), results.nth(2)
    assert rating_card.get_by_test_id("survey-responses").inner_text() == "3 cavab"
    assert rating_card.get_by_test_id("survey-mean").inner_text() == "Orta qiymət: 4,33 / 5"
    # The chart's text alternative: one row per rating 1..5.
    rows = rating_card.get_by_role("table").locator("tbody tr")
    assert [_row(rows.nth(i)) for i in range(rows.count())] == [
        ["1", "0"],
        ["2", "0"],
        ["3", "0"],
        ["4", "2"],
        ["5", "1"],
    ]
    assert rating_card.locator("canvas").count() == 1
    options = choice_card.get_by_role("table").locator("tbody tr")
    assert [_row(options.nth(i)) for i in range(options.count())] == [
        ["Yes", "2"],
        ["No", "1"],
        ["Maybe", "0"],
    ]
    texts = text_card.get_by_test_id("survey-texts").locator("li").all_inner_texts()
    assert sorted(texts) == sorted(a[2] for a in answers)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways scrolling"
    screenshot(page, "survey-results-01-az-360")
    assert_accessible(page, "the survey results page")

    # The anonymous survey: a note that it never shows who answered, and counts only (1 < 3 respondents).
    page.goto(f"/teach/courses/{course_id}/surveys/{anonymous}")
    page.get_by_test_id("survey-anonymous-note").wait_for(timeout=60_000)
    assert page.get_by_test_id("survey-suppressed").count() == 3
    assert page.get_by_test_id("survey-mean").count() == 0
    assert page.get_by_test_id("survey-texts").count() == 0
    assert page.get_by_test_id("survey-responses").all_inner_texts() == ["1 cavab"] * 3

    # The learner's event page, in English: a heading per day (in Baku time), the sessions in order.
    course_page = open_page("learner", width=360, lang="en")
    course_page.goto(f"/courses/{course_id}")
    programme = course_page.get_by_test_id("programme")
    programme.wait_for(timeout=60_000)
    days = programme.get_by_test_id("programme-day")
    assert days.count() == 2
    assert days.nth(0).locator("h3").inner_text().startswith("Thursday, May 13, 2027")
    assert days.nth(1).locator("h3").inner_text().startswith("Friday, May 14, 2027")
    first = days.nth(0).get_by_test_id("programme-session")
    assert first.count() == 1
    assert "09:00–10:30" in first.inner_text()
    assert "Opening plenary" in first.inner_text()
    assert "Congress Hall A" in first.inner_text()
    second = days.nth(1).get_by_test_id("programme-session")
    assert "02:00–03:30" in second.inner_text()
    join = second.get_by_role("link", name="Join online")
    assert join.get_attribute("href") == "https://meet.example.org/night-session"
    assert course_page.get_by_test_id("add-to-calendar").count() == 1
    assert course_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(course_page, "programme-01-en-360")
    assert_accessible(course_page, "the event page with its programme")
    for p in (page, course_page):
        assert not p.js_errors, p.js_errors
