"""Helpers for the browser tests: GraphQL set-up calls, screenshots, accessibility checks."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.graphql import SyncGraphQLClient

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "gateway" / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def Api(url: str, token: str | None) -> SyncGraphQLClient:
    """GraphQL calls for test set-up (the browser does the part under test)."""
    return SyncGraphQLClient(url, token)


@dataclass(frozen=True)
class Person:
    sub: str
    name: str
    roles: list[str]
    org: str
    municipality: str
    locale: str
    token: str

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.sub,
            "name": self.name,
            "roles": self.roles,
            "org": self.org,
            "municipality": self.municipality,
            "locale": self.locale,
        }


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page; the file name says which test and step it comes from."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Any, what: str) -> None:
    """axe-core on the current page: no serious or critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated rather than injected as a <script>: the web client's CSP refuses inline scripts.
        page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"accessibility problems on {what}:\n  " + "\n  ".join(bad)


def wait_until(predicate: Callable[[], Any], timeout: float = 30, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def uid(prefix: str) -> str:
    return f"{prefix}-{time.time_ns() % 10**10:010d}"


@dataclass(frozen=True)
class PublishedCourse:
    id: str
    title: str
    text_lesson_id: str
    quiz_lesson_id: str


def publish_course(trainer: Api, title: str, learner: Api | None = None) -> PublishedCourse:
    """A published course with one reading and one quiz (correct answer: "Citizens"), as set-up."""
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={
            "slug": uid("browser"),
            "titles": [{"lang": "en", "text": title}, {"lang": "az", "text": f"{title} (az)"}],
            "summaries": [{"lang": "en", "text": "How residents decide on part of the city budget."}],
            "defaultLanguage": "en",
            "topics": ["participatory-budgeting"],
            "autoIssueCertificate": True,
        },
    )["createCourse"]
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Introduction"}]},
    )["addModule"]
    text = trainer.q(
        """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
        m=module["id"],
        i={
            "kind": "TEXT",
            "titles": [{"lang": "en", "text": "What is a participatory budget?"}],
            "bodies": [
                {
                    "lang": "en",
                    "text": "# Participatory budgeting\n\nResidents **propose** and vote.\n\n"
                    "<script>window.hacked = true</script>",
                }
            ],
            "durationMinutes": 10,
        },
    )["addLesson"]
    quiz = trainer.q(
        """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
        m=module["id"],
        i={
            "kind": "QUIZ",
            "titles": [{"lang": "en", "text": "Check your understanding"}],
            "quiz": {
                "passScore": 100,
                "questions": [
                    {
                        "prompts": [{"lang": "en", "text": "Who proposes projects?"}],
                        "options": [
                            {"labels": [{"lang": "en", "text": "Citizens"}], "correct": True},
                            {"labels": [{"lang": "en", "text": "Only the mayor"}], "correct": False},
                        ],
                    }
                ],
            },
        },
    )["addLesson"]
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])
    if learner is not None:
        # The progress service learns about the course from course.published; wait until it has.
        wait_until(lambda: _course_visible(learner, course["id"]), timeout=30)
    return PublishedCourse(course["id"], title, text["id"], quiz["id"])


def _course_visible(api: Api, course_id: str) -> bool:
    try:
        return (
            api.q("""query($id: ID!) { course(id: $id) { status } }""", id=course_id)["course"]["status"] == "PUBLISHED"
        )
    except AssertionError:
        return False


def complete_course(learner: Api, course: PublishedCourse, enrollment_id: str) -> None:
    """Finish a :func:`publish_course` course as the learner: read the text, pass the quiz ("Citizens")."""
    learner.q(
        """mutation($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }""",
        e=enrollment_id,
        l=course.text_lesson_id,
    )
    quiz = learner.q(
        """query($id: ID!) { course(id: $id) { modules { lessons { id quiz { questions { id
             options { id label(lang: "en") } } } } } } }""",
        id=course.id,
    )["course"]["modules"][0]["lessons"][1]["quiz"]
    question = quiz["questions"][0]
    right = next(o["id"] for o in question["options"] if o["label"] == "Citizens")
    learner.q(
        """mutation($e: ID!, $l: ID!, $a: [QuizAnswerInput!]!) { submitQuiz(enrollmentId: $e, lessonId: $l,
             answers: $a) { passed } }""",
        e=enrollment_id,
        l=course.quiz_lesson_id,
        a=[{"questionId": question["id"], "optionIds": [right]}],
    )


def letters_tag() -> str:
    """Letters only, so a Turkic-aware search sees one plain word."""
    return "".join(secrets.choice("bcdfghjkmnpqrstvwxz") for _ in range(8))


def enrol(learner: Api, course_id: str) -> str:
    def attempt() -> str | None:
        try:
            return str(learner.q("""mutation($c: ID!) { enroll(courseId: $c) { id } }""", c=course_id)["enroll"]["id"])
        except AssertionError:
            return None  # the progress service has not learnt about the course yet

    return str(wait_until(attempt, timeout=60, interval=1))


def sign_in_script(token: str | None, lang: str | None = "en") -> str:
    """An init script that signs a page in the way the sign-in page does (the token in sessionStorage)
    and picks its language, before any of the page's scripts run. Top-level documents only: a PDF shown
    in a frame (blob:) has no storage to write to."""
    parts = []
    if token:
        parts.append(f"sessionStorage.setItem('kentbilim.token', {json.dumps(token)});")
    if lang:
        parts.append(f"localStorage.setItem('kentbilim.lang', {json.dumps(lang)});")
    return f"if (window === window.top) {{{''.join(parts)}}}" if parts else ""
