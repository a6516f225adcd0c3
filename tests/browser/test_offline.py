"""The web client installed and used offline (issue 18, "installable and light"), in Chromium.

Against the real stack, with the production build's service worker: a learner opens a lesson online,
the connection drops, the page is reloaded and still shows the lesson (the shell from the service
worker's cache, the lesson from the copy kept on the device); they complete it offline; when the
connection returns the completion is sent, and the server has it exactly once — one completeLesson
request reaches it, and a reload sends nothing more. A completion the server refuses for good (the
enrolment was withdrawn meanwhile) is not retried forever: the learner is told why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.support import enrol, letters_tag, publish_course, screenshot, sign_in_script, uid, wait_until

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"
KEPT = """() => indexedDB.databases().then((dbs) => dbs.some((d) => d.name === "kentbilim-offline"))"""
LESSONS = """query($id: ID!) { course(id: $id) { enrollment { status lessons { lessonId status } } } }"""


def catalogue(lang: str) -> dict[str, str]:
    return dict(json.loads((CATALOGUES / f"{lang}.json").read_text()))


@pytest.fixture
def offline_page(browser: Any, gateway_url: str) -> Any:
    """``offline_page(token, lang)``: a signed-in page whose service worker may run, recording every
    completeLesson request that got an answer from the server."""
    contexts: list[Any] = []

    def make(token: str, lang: str) -> Any:
        context = browser.new_context(
            base_url=gateway_url, viewport={"width": 390, "height": 844}, locale="en-GB", service_workers="allow"
        )
        contexts.append(context)
        context.add_init_script(sign_in_script(token, lang))
        page = context.new_page()
        page.set_default_timeout(30_000)
        answered: list[str] = []

        def finished(request: Any) -> None:
            if request.url.endswith("/graphql") and "completeLesson" in (request.post_data or ""):
                response = request.response()
                if response is not None and response.status == 200:
                    answered.append(request.headers.get("idempotency-key", ""))

        page.on("requestfinished", finished)
        page.completions_answered = answered
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.js_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def lesson_status(learner: Any, course_id: str, lesson_id: str) -> str | None:
    enrollment = learner.q(LESSONS, id=course_id)["course"]["enrollment"]
    return next((row["status"] for row in enrollment["lessons"] if row["lessonId"] == lesson_id), None)


def open_lesson_online(page: Any, course_id: str, lesson_id: str) -> None:
    """Open the lesson, and wait until the service worker controls the page and the copy is kept."""
    page.goto(f"/courses/{course_id}/lessons/{lesson_id}")
    page.get_by_role("heading", name="What is a participatory budget?", level=1).wait_for()
    # Polled from here: wait_for_function would evaluate in the page, which its CSP (no 'unsafe-eval') refuses.
    controlled = "!!(navigator.serviceWorker && navigator.serviceWorker.controller)"
    wait_until(lambda: page.evaluate(controlled), timeout=60, interval=0.2)
    wait_until(lambda: page.evaluate(KEPT), timeout=20, interval=0.2)


@pytest.mark.parametrize("lang", ["en", "az"])
def test_a_lesson_opened_online_is_read_and_completed_offline_and_sent_once(
    offline_page: Any, person: Any, api: Any, gateway_url: str, lang: str
) -> None:
    t = catalogue(lang)
    course = publish_course(api("trainer"), f"Offline budgeting {uid('off')}", learner=api("learner"))
    token, learner = person(f"Aynur Quliyeva {letters_tag()}", "AZ", "Quba", locale=lang)
    enrollment = enrol(learner, course.id)

    page = offline_page(token, lang)
    open_lesson_online(page, course.id, course.text_lesson_id)

    # Installable: the page links a manifest with the icons a browser needs to install the app.
    href = page.evaluate("document.querySelector('link[rel=manifest]').getAttribute('href')")
    manifest = httpx.get(gateway_url + href)
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    sizes = {icon["sizes"] for icon in manifest.json()["icons"]}
    assert {"192x192", "512x512"} <= sizes and manifest.json()["start_url"] == "/"

    # Offline, the page is reloaded: the shell comes from the service worker, the lesson from the device.
    page.context.set_offline(True)
    page.reload()
    page.get_by_role("heading", name="What is a participatory budget?", level=1).wait_for()
    page.get_by_text("Residents propose and vote.").wait_for()
    page.locator(".offline-copy").wait_for()
    assert page.locator(".offline-banner").inner_text() == t["offline.banner"]
    screenshot(page, f"offline-lesson-{lang}")

    # Completed offline: kept on the device, shown as such, not on the server yet.
    page.get_by_role("button", name=t["lesson.markComplete"]).click()
    pending = page.locator(".offline-pending")
    pending.wait_for()
    assert t["offline.pending_one"].replace("{count}", "1") in pending.inner_text()
    assert page.completions_answered == []
    assert lesson_status(learner, course.id, course.text_lesson_id) != "COMPLETED"
    page.goto(f"/courses/{course.id}/lessons/{course.text_lesson_id}")  # opened again, still offline
    page.locator(".offline-queued").wait_for()
    assert t["offline.queuedBadge"] in page.locator(".offline-queued").inner_text()

    # The connection returns: the completion goes out by itself, once, and the page shows the server's state.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as the browser does when the link returns
    wait_until(lambda: page.locator(".offline-pending").count() == 0, timeout=60, interval=0.3)
    wait_until(lambda: lesson_status(learner, course.id, course.text_lesson_id) == "COMPLETED", timeout=30)
    page.get_by_text(t["lessonStatus.COMPLETED"], exact=True).first.wait_for()
    assert len(page.completions_answered) == 1 and page.completions_answered[0].startswith("offline-")

    # Nothing is sent again: not on a reload, not when the connection flaps.
    page.reload()
    page.get_by_role("heading", name="What is a participatory budget?", level=1).wait_for()
    page.context.set_offline(True)
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(1500)
    assert len(page.completions_answered) == 1
    enrolled = learner.q(LESSONS, id=course.id)["course"]["enrollment"]
    assert [r["status"] for r in enrolled["lessons"] if r["lessonId"] == course.text_lesson_id] == ["COMPLETED"]
    assert enrolled["status"] == "ACTIVE" and enrollment
    assert page.js_errors == []


def test_a_completion_refused_for_good_is_shown_with_its_reason_and_not_retried(
    offline_page: Any, person: Any, api: Any
) -> None:
    t = catalogue("en")
    course = publish_course(api("trainer"), f"Offline refusal {uid('off')}", learner=api("learner"))
    token, learner = person(f"Rauf Kazımov {letters_tag()}", "AZ", "Şamaxı", locale="en")
    enrollment = enrol(learner, course.id)
    page = offline_page(token, "en")
    open_lesson_online(page, course.id, course.text_lesson_id)

    page.context.set_offline(True)
    page.get_by_role("button", name=t["lesson.markComplete"]).click()
    page.locator(".offline-pending").wait_for()
    # Meanwhile, on another device, the learner leaves the course: the queued completion can never pass.
    learner.q("mutation($e: ID!) { withdraw(enrollmentId: $e) { status } }", e=enrollment)

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    refused = page.locator(".offline-refused")
    refused.wait_for(timeout=60_000)
    assert t["offline.refused"].split("{reason}")[0] in refused.inner_text()
    assert page.locator(".offline-pending").count() == 0, "a final refusal must leave the queue"
    refused.get_by_role("button", name=t["offline.dismiss"]).click()
    wait_until(lambda: page.locator(".offline-refused").count() == 0, timeout=10, interval=0.2)
    page.reload()
    page.locator("#main").wait_for()
    page.wait_for_timeout(1000)  # the app reads what the device keeps right after its first render
    assert page.locator(".offline-refused").count() == 0 and page.locator(".offline-pending").count() == 0
