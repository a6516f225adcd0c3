"""Issue 18, item 11 (second bullet): a failed attempt says which questions were answered wrongly.

The learner answers question 1 right and question 2 wrong. The page says, per question and in the page
language, whether the answer was right, and lists the questions to look at again; it never reveals the
right option: the API answers only ``questions { questionId correct }`` (no option ids), and no option
in the page is marked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import Api, screenshot, uid, wait_until

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"


def _messages(lang: str) -> dict[str, str]:
    return json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))


def _two_question_quiz(trainer: Api, learner: Api) -> tuple[str, str]:
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={"slug": uid("quiz-fb"), "titles": [{"lang": "en", "text": "Quiz feedback"}], "defaultLanguage": "en"},
    )["createCourse"]
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Check"}]},
    )["addModule"]

    def question(prompt: str, right: str, wrong: str) -> dict[str, Any]:
        return {
            "prompts": [{"lang": "en", "text": prompt}],
            "options": [
                {"labels": [{"lang": "en", "text": right}], "correct": True},
                {"labels": [{"lang": "en", "text": wrong}], "correct": False},
            ],
        }

    quiz = trainer.q(
        """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
        m=module["id"],
        i={
            "kind": "QUIZ",
            "titles": [{"lang": "en", "text": "Check your understanding"}],
            "quiz": {
                "passScore": 100,
                "questions": [
                    question("Who proposes projects?", "Citizens", "Only the mayor"),
                    question("Who votes on them?", "Residents", "The council alone"),
                ],
            },
        },
    )["addLesson"]
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])

    def enrolled() -> bool:
        try:
            learner.q("""mutation($c: ID!) { enroll(courseId: $c) { id } }""", c=course["id"])
            return True
        except AssertionError:
            return False

    wait_until(enrolled, timeout=60, interval=1)
    return str(course["id"]), str(quiz["id"])


@pytest.mark.parametrize("lang", ["az", "en"])
def test_a_failed_attempt_says_per_question_whether_it_was_right(open_page: Any, api: Any, lang: str) -> None:
    course_id, quiz_id = _two_question_quiz(api("trainer"), api("learner"))
    msgs = _messages(lang)
    page = open_page("learner", lang=lang)
    page.goto(f"/courses/{course_id}/lessons/{quiz_id}")
    questions = page.locator("fieldset.question")
    questions.nth(1).wait_for()
    questions.nth(0).get_by_label("Citizens").check()
    questions.nth(1).get_by_label("The council alone").check()
    with page.expect_response(lambda r: "/graphql" in r.url and "submitQuiz" in (r.request.post_data or "")) as sent:
        page.get_by_role("button", name=msgs["quiz.submit"]).click()
    body = sent.value.json()["data"]["submitQuiz"]
    assert [q["correct"] for q in body["questions"]] == [True, False]
    assert set(body["questions"][0]) == {"questionId", "correct"}

    status = page.locator(".quiz [role=status]")
    status.wait_for()
    assert msgs["quiz.failed"] in status.inner_text()
    assert msgs["quiz.review"].format(list="2") in status.inner_text()
    first = questions.nth(0).locator(".question-verdict")
    second = questions.nth(1).locator(".question-verdict")
    assert msgs["quiz.answerRight"] in first.inner_text()
    assert msgs["quiz.answerWrong"] in second.inner_text()
    # The verdict is the fieldset's description for screen readers.
    assert questions.nth(1).get_attribute("aria-describedby") == second.get_attribute("id")
    # Nothing marks the right option of the wrongly answered question.
    right_option = questions.nth(1).locator("label.option", has_text="Residents")
    wrong_option = questions.nth(1).locator("label.option", has_text="The council alone")
    assert right_option.get_attribute("class") == wrong_option.get_attribute("class") == "option"
    assert "Residents" not in second.inner_text()
    screenshot(page, f"quiz-feedback-{lang}")

    # Changing the answer clears that question's verdict (it is no longer the graded answer).
    questions.nth(1).get_by_label("Residents").check()
    assert questions.nth(1).locator(".question-verdict").count() == 0
    assert not page.js_errors, page.js_errors
