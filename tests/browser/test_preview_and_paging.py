"""Issue 18, item 12 (remaining bullets): a PDF lesson previews inline, and the catalogue pages.

- A document lesson whose material is a PDF shows it inline: a frame of the object store's presigned
  URL (the gateway's CSP admits the store in frame-src; no violation), with a link that opens it in a new
  tab with a fresh URL.
- The catalogue no longer loads every course at once: 24 a page, cursor paging with "Load more", which
  keeps the keyboard on the first new course.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.csp_support import settled, watch_csp
from tests.browser.support import Api, screenshot, uid, wait_until
from tests.browser.test_fresh_links import _document_course, _is_storage
from tests.browser.test_trainer_journey import PDF

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"
PAGE = 24


def _messages(lang: str) -> dict[str, str]:
    return json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["az", "en"])
def test_a_pdf_lesson_previews_inline(open_page: Any, api: Any, gateway_url: str, lang: str) -> None:
    course_id, lesson_id = _document_course(api("trainer"), api("learner"), "A guide.")
    msgs = _messages(lang)
    page = open_page("learner", lang=lang)
    violations = watch_csp(page.context)
    page.goto(f"/courses/{course_id}/lessons/{lesson_id}")
    frame = page.locator("figure.pdf-preview iframe")
    frame.wait_for()
    assert frame.get_attribute("title") == msgs["lesson.pdfPreview"].format(name="budget-guide.pdf")
    src = frame.get_attribute("src")
    assert src and _is_storage(src, gateway_url)
    box = frame.bounding_box()
    assert box and box["height"] >= 300 and box["width"] >= 400, box
    fetched = httpx.get(src, timeout=30)
    assert fetched.status_code == 200 and fetched.content == PDF
    assert fetched.headers["content-type"].startswith("application/pdf")
    # The fallback link opens a fresh URL in a new tab.
    link = page.get_by_role("link", name=msgs["lesson.pdfOpen"].format(name="budget-guide.pdf"))
    page.wait_for_timeout(1100)  # a presigned URL carries its signing second: a fresh one differs
    with page.context.expect_event(
        "request", predicate=lambda r: _is_storage(r.url, gateway_url) and r.url != src, timeout=20_000
    ) as opened:
        link.click()
    assert httpx.get(opened.value.url, timeout=30).content == PDF
    screenshot(page, f"pdf-preview-{lang}")
    assert settled(page, violations) == [], violations
    assert not page.js_errors, page.js_errors


@pytest.fixture(scope="module")
def many_courses(api: Any) -> tuple[str, int]:
    """PAGE + 2 published courses whose titles share one search word."""
    trainer: Api = api("trainer")
    word = uid("paging").replace("-", "")
    total = PAGE + 2
    for n in range(total):
        course = trainer.q(
            """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
            i={
                "slug": uid(f"paging-{n}"),
                "titles": [{"lang": "en", "text": f"{word} course {n:02d}"}],
                "defaultLanguage": "en",
            },
        )["createCourse"]
        module = trainer.q(
            """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
            c=course["id"],
            i={"titles": [{"lang": "en", "text": "M"}]},
        )["addModule"]
        trainer.q(
            """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
            m=module["id"],
            i={"kind": "TEXT", "titles": [{"lang": "en", "text": "L"}], "bodies": [{"lang": "en", "text": "T"}]},
        )
        trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])
    anonymous = api(None)
    wait_until(
        lambda: (
            anonymous.q(
                """query($s: String) { courses(status: PUBLISHED, search: $s, first: 1) { totalCount } }""", s=word
            )["courses"]["totalCount"]
            == total
        ),
        timeout=60,
    )
    return word, total


@pytest.mark.parametrize("lang", ["az", "en"])
def test_the_catalogue_pages_with_load_more(open_page: Any, many_courses: tuple[str, int], lang: str) -> None:
    word, total = many_courses
    msgs = _messages(lang)
    page = open_page(None, lang=lang)
    page.goto("/")
    page.locator("#catalogue-search").fill(word)
    cards = page.locator(".course-card")
    button = page.get_by_role("button", name=msgs["catalogue.loadMore"].format(shown=PAGE, total=total))
    button.wait_for()
    assert cards.count() == PAGE
    button.click()
    wait_until(lambda: cards.count() == total, timeout=20)
    assert page.get_by_role("button", name=msgs["catalogue.loadMore"].split(" ")[0]).count() == 0
    titles = cards.locator(".card-title").all_inner_texts()
    assert len(set(titles)) == total, "a course shown twice across pages"
    # The keyboard goes on from the first new course.
    wait_until(lambda: page.evaluate("document.activeElement.textContent") == titles[PAGE], timeout=5)
    screenshot(page, f"catalogue-paging-{lang}")
    assert not page.js_errors, page.js_errors
