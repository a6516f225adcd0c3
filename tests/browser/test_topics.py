"""Issue 18, item 8: topics are a small translated vocabulary, and older tags map onto it.

Chips used to show raw tags (``digital-services``, ``municipal-finance``) in every language, and the
"Urban governance" filter missed a course tagged ``governance``. The vocabulary lives in the courses
service (courses.domain.topics, which the catalogue filter uses); the web client carries a copy in
gateway/web/src/topics.ts, which the first test keeps identical.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from courses.domain import topics as vocabulary
from tests.browser.support import Api, uid, wait_until

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "gateway" / "web" / "src" / "i18n"
CLIENT = ROOT / "gateway" / "web" / "src" / "topics.ts"


def _messages(lang: str) -> dict[str, str]:
    return json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))


def test_the_client_vocabulary_is_the_service_vocabulary() -> None:
    source = CLIENT.read_text(encoding="utf-8")
    topics = re.search(r"export const TOPICS = (\[.*?\]) as const;", source)
    aliases = re.search(r"export const TOPIC_ALIASES: Record<string, string> = (\{.*?\});", source)
    assert topics and aliases, "gateway/web/src/topics.ts lost its one-line TOPICS / TOPIC_ALIASES tables"
    assert tuple(json.loads(topics.group(1))) == vocabulary.TOPICS
    assert json.loads(aliases.group(1)) == vocabulary.ALIASES
    assert set(vocabulary.ALIASES.values()) <= set(vocabulary.TOPICS)
    for lang in ("en", "az", "kk", "ky", "uz", "tr", "ru"):
        msgs = _messages(lang)
        missing = [t for t in vocabulary.TOPICS if not msgs.get(f"topic.{t}")]
        assert not missing, (lang, missing)


def _published_course(trainer: Api, learner: Api, title: str, tags: list[str]) -> str:
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={
            "slug": uid("topics"),
            "titles": [{"lang": "en", "text": title}, {"lang": "az", "text": title}],
            "summaries": [{"lang": "en", "text": "Who decides, and how."}],
            "defaultLanguage": "en",
            "topics": tags,
        },
    )["createCourse"]
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Introduction"}]},
    )["addModule"]
    trainer.q(
        """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
        m=module["id"],
        i={"kind": "TEXT", "titles": [{"lang": "en", "text": "Read"}], "bodies": [{"lang": "en", "text": "Text."}]},
    )
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])
    wait_until(
        lambda: (
            learner.q("""query($id: ID!) { course(id: $id) { status } }""", id=course["id"])["course"]["status"]
            == "PUBLISHED"
        )
    )
    return str(course["id"])


@pytest.mark.parametrize("lang", ["az", "en"])
def test_chips_are_translated_and_the_topic_filter_finds_older_tags(open_page: Any, api: Any, lang: str) -> None:
    title = f"Who runs the city {uid('t')}"
    course_id = _published_course(
        api("trainer"), api("learner"), title, ["governance", "digital-services", "municipal-finance"]
    )
    msgs = _messages(lang)
    page = open_page("learner", lang=lang)
    page.goto("/")
    page.locator("#catalogue-search").fill(title)
    card = page.locator(".course-card", has=page.locator(f'a[href="/courses/{course_id}"]'))
    card.wait_for()
    chips = [c.strip() for c in card.locator(".tag").all_inner_texts()]
    assert chips == [
        msgs["topic.urban-governance"],
        msgs["topic.digital-services"],
        msgs["topic.municipal-finance"],
    ], chips
    # The "Urban governance" filter finds the course tagged `governance`.
    page.locator("#catalogue-topic").select_option("urban-governance")
    assert page.locator("#catalogue-topic option:checked").inner_text() == msgs["topic.urban-governance"]
    page.wait_for_timeout(500)
    card.wait_for()
    # Another topic does not.
    page.locator("#catalogue-topic").select_option("housing")
    card.wait_for(state="detached")
    # The course page shows the same translated chips.
    page.goto(f"/courses/{course_id}")
    page.locator(".tags .tag", has_text=msgs["topic.digital-services"]).wait_for()
    assert "digital-services" not in page.locator(".tags").inner_text()
    assert not page.js_errors, page.js_errors
