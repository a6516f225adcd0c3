"""The learner: find a course, enrol, study, pass the quiz, download the certificate."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.support import assert_accessible, publish_course, screenshot, uid, wait_until


def test_learner_enrols_studies_passes_the_quiz_and_downloads_the_certificate(
    open_page: Any, api: Any, gateway_url: str
) -> None:
    title = f"Participatory budgeting {uid('pb')}"
    course = publish_course(api("trainer"), title, learner=api("learner"))
    page = open_page("learner")

    # Catalogue: search narrows the list to our course.
    page.goto("/")
    page.get_by_label("Search").fill(title)
    card = page.get_by_role("link", name=title)
    card.wait_for()
    screenshot(page, "learner-01-catalogue")
    assert_accessible(page, "the catalogue")
    card.click()

    # Course page: enrol, then start.
    page.get_by_role("heading", level=1, name=title).wait_for()
    enrol = page.get_by_role("button", name="Enrol in this course")
    # Progress may need a moment to consume course.published; the button says what failed, so retry.
    wait_until(lambda: _try_enrol(page, enrol), timeout=30, interval=1)
    page.get_by_role("link", name="Start the course").wait_for()
    screenshot(page, "learner-02-course")
    assert_accessible(page, "the course page")
    page.get_by_role("link", name="Start the course").click()

    # Lesson 1: sanitized Markdown, then mark it complete; the player moves to the quiz.
    page.get_by_role("heading", level=1, name="What is a participatory budget?").wait_for()
    assert page.locator(".prose strong").inner_text() == "propose"
    assert page.evaluate("window.hacked") is None, "a <script> in lesson Markdown must not run"
    screenshot(page, "learner-03-lesson")
    assert_accessible(page, "the lesson player")
    page.get_by_role("button", name="Mark as completed").click()

    # "Continue where I stopped": from the course page straight back to the first unfinished lesson.
    page.get_by_role("heading", level=1, name="Check your understanding").wait_for()
    page.get_by_role("navigation", name="Course outline").get_by_role("link", name=title).click()
    page.get_by_role("link", name="Continue where I stopped").click()

    # Quiz: a wrong answer first (immediate result), then the right one.
    page.get_by_role("heading", level=1, name="Check your understanding").wait_for()
    page.get_by_label("Only the mayor").check()
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_text("Not passed yet.").wait_for()
    page.get_by_label("Citizens").check()
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_text("Passed.").wait_for()
    page.get_by_text("You have completed this course.").wait_for()
    screenshot(page, "learner-04-quiz-passed")
    assert_accessible(page, "the quiz")

    # My learning: the course at 100 %.
    page.get_by_role("link", name="My learning").click()
    bar = page.get_by_role("progressbar", name=f"Progress in {title}")
    bar.wait_for()
    assert bar.get_attribute("aria-valuenow") == "100"
    screenshot(page, "learner-05-my-learning")
    assert_accessible(page, "my learning")

    # My certificates: appears once the certificate service has issued it; the PDF downloads.
    page.get_by_role("link", name="My certificates").click()
    card = page.locator(".certificate-card", has_text=title)
    wait_until(lambda: _reload_until_visible(page, card), timeout=60, interval=2)
    pdf = card.get_by_role("link", name="Download PDF")
    wait_until(lambda: _reload_until_visible(page, pdf), timeout=60, interval=2)
    href = pdf.get_attribute("href")
    assert href
    body = httpx.get(href, timeout=30).content
    assert body[:5] == b"%PDF-", "the certificate link must download a PDF"
    link = card.get_by_role("textbox", name="Verification link").input_value()
    assert "/verify/" in link
    assert card.locator(".qr svg").count() == 1, "the QR code is drawn"
    screenshot(page, "learner-06-certificates")
    assert_accessible(page, "my certificates")

    # The same pages on a 360 px phone: nothing scrolls sideways.
    page.set_viewport_size({"width": 360, "height": 780})
    for path, name in (("/certificates", "certificates"), ("/", "catalogue"), (f"/courses/{course.id}", "course")):
        page.goto(path)
        page.locator("h1").wait_for()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{name} scrolls sideways at 360 px"
        screenshot(page, f"learner-07-{name}-360px")
    assert not page.js_errors, page.js_errors


def _try_enrol(page: Any, button: Any) -> bool:
    if page.get_by_role("link", name="Start the course").is_visible():
        return True
    if button.is_visible() and button.is_enabled():
        button.click()
        page.wait_for_timeout(800)
    return page.get_by_role("link", name="Start the course").is_visible()


def _reload_until_visible(page: Any, locator: Any) -> bool:
    if locator.count() and locator.first.is_visible():
        return True
    page.reload()
    page.wait_for_load_state("networkidle")
    return bool(locator.count()) and locator.first.is_visible()
