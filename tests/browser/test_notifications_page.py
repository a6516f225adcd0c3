"""In-app notifications (issue 16) in a real browser, in English and in Azerbaijani (at 360 px).

A learner with the web client open finishes a course: within seconds, without a reload, the bell in
the header counts the certificate (pushed over the `notificationReceived` subscription: the test sees
the WebSocket frame). The notifications page lists it, a second certificate arrives at the top of the
open page, opening one marks it read and follows its link, and "Mark all as read" clears the count.
The preferences (a muted kind, a weekly digest, the language of emails) persist across a reload.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import (
    assert_accessible,
    complete_course,
    enrol,
    letters_tag,
    publish_course,
    screenshot,
    sign_in_script,
    uid,
    wait_until,
)

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"
# A certificate reaches the bell through certificates -> NATS -> notifications -> NATS -> gateway -> WebSocket.
ARRIVAL_SECONDS = 30


def catalogue(lang: str) -> dict[str, str]:
    return dict(json.loads((CATALOGUES / f"{lang}.json").read_text()))


def bell_label(messages: dict[str, str], count: int) -> str:
    if count == 0:
        return messages["notifications.bellNone"]
    form = messages["notifications.bell_one" if count == 1 else "notifications.bell_other"]
    return form.replace("{count}", str(count))


@pytest.fixture
def page_at(browser: Any, gateway_url: str) -> Any:
    """``page_at(token, lang, width)``: a signed-in page that records the WebSocket frames it receives."""
    contexts: list[Any] = []

    def make(token: str, lang: str, width: int) -> Any:
        context = browser.new_context(base_url=gateway_url, viewport={"width": width, "height": 900}, locale="en-GB")
        contexts.append(context)
        context.add_init_script(sign_in_script(token, lang))
        page = context.new_page()
        page.set_default_timeout(20_000)
        frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
        page.ws_frames = frames
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.js_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def bell(page: Any) -> Any:
    return page.locator("button.bell")


def wait_for_bell(page: Any, label: str, timeout: float = ARRIVAL_SECONDS) -> float:
    """Seconds until the bell's accessible name is ``label``."""
    started = time.monotonic()
    wait_until(lambda: bell(page).get_attribute("aria-label") == label, timeout=timeout, interval=0.2)
    return time.monotonic() - started


@pytest.mark.parametrize(("lang", "width"), [("en", 1280), ("az", 360)])
def test_a_certificate_rings_the_bell_live_and_the_page_manages_notifications(
    page_at: Any, person: Any, api: Any, lang: str, width: int
) -> None:
    t = catalogue(lang)
    tag = letters_tag()
    trainer = api("trainer")
    first = publish_course(trainer, f"Open budget {uid('ntf')}", learner=api("learner"))
    second = publish_course(trainer, f"Water supply {uid('ntf')}", learner=api("learner"))
    token, learner = person(f"Günel Rzayeva {tag}", "AZ", "Sumqayıt", locale=lang)
    first_enrolment = enrol(learner, first.id)
    second_enrolment = enrol(learner, second.id)

    page = page_at(token, lang, width)
    page.goto("/learning")
    bell(page).wait_for()
    assert bell(page).get_attribute("aria-label") == bell_label(t, 0)
    # The subscription is open before anything happens (its subscribe frame was acknowledged).
    # Generous: under the full suite's load the first WebSocket handshake has taken over 20 s.
    wait_until(lambda: any("connection_ack" in f for f in page.ws_frames), timeout=90, interval=0.2)
    page.evaluate("window.__noReload = true")

    complete_course(learner, first, first_enrolment)
    seconds = wait_for_bell(page, bell_label(t, 1))
    assert page.evaluate("window.__noReload === true"), "the page reloaded"
    assert any("CERTIFICATE_ISSUED" in f and '"next"' in f for f in page.ws_frames), "not pushed over the WebSocket"
    assert bell(page).is_visible() and bell(page).bounding_box()["x"] + 30 <= width  # in view at 360 px too
    print(f"\n{lang}: the certificate rang the bell {seconds:.1f} s after the course was completed")
    screenshot(page, f"notifications-bell-{lang}")

    # Keyboard: the bell is a focusable button with a visible focus ring, and opens the page.
    bell(page).focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url("**/notifications")
    page.get_by_role("heading", name=t["notifications.title"], level=1).wait_for()
    items = page.locator("li.notification")
    wait_until(lambda: items.count() == 1, timeout=20, interval=0.2)
    assert items.first.get_attribute("data-kind") == "CERTIFICATE_ISSUED"
    assert t["notifications.kind.CERTIFICATE_ISSUED"] in items.first.inner_text()
    assert t["notifications.unread"] in items.first.inner_text()

    # A second certificate arrives at the top of the open page, live.
    complete_course(learner, second, second_enrolment)
    wait_for_bell(page, bell_label(t, 2))
    wait_until(lambda: items.count() == 2, timeout=20, interval=0.2)
    page.locator("[data-unread-count='2']").wait_for()
    assert_accessible(page, f"the notifications page ({lang})")
    screenshot(page, f"notifications-page-{lang}-{width}")

    # Opening one marks it read and follows its link.
    newest = items.first
    href = newest.locator("a.notification-link").get_attribute("href")
    assert href and href.startswith("/")
    newest.locator("a.notification-link").click()
    page.wait_for_url(f"**{href}")
    wait_for_bell(page, bell_label(t, 1), timeout=20)

    # Mark all as read clears the count, here and in the bell.
    page.goto("/notifications")
    page.get_by_role("button", name=t["notifications.markAllRead"]).click()
    page.get_by_text(t["notifications.allRead"]).wait_for()
    wait_for_bell(page, bell_label(t, 0), timeout=20)
    assert page.locator("li.notification-unread").count() == 0
    page.reload()
    page.get_by_text(t["notifications.allRead"]).wait_for()
    assert bell(page).get_attribute("aria-label") == bell_label(t, 0)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "az"])
def test_notification_preferences_persist_across_a_reload(page_at: Any, person: Any, lang: str) -> None:
    t = catalogue(lang)
    token, _ = person(f"Murad Cəfərov {letters_tag()}", "AZ", "Lənkəran", locale=lang)
    page = page_at(token, lang, 360 if lang == "az" else 1280)
    page.goto("/notifications")
    form = page.locator("section.notification-preferences")
    form.get_by_role("heading", name=t["notifications.prefs.title"]).wait_for()
    email = form.get_by_label(t["notifications.prefs.email"], exact=False)
    muted = form.get_by_label(t["notifications.kind.COURSE_UPDATED"], exact=True)
    assert email.is_checked() and not muted.is_checked()
    muted.check()
    form.get_by_label(t["notifications.prefs.digest"], exact=True).select_option("WEEKLY")
    form.get_by_label(t["notifications.prefs.language"], exact=True).select_option("ru")
    form.get_by_role("button", name=t["notifications.prefs.save"]).click()
    form.get_by_text(t["notifications.prefs.saved"]).wait_for()
    assert_accessible(page, f"the notification preferences ({lang})")
    screenshot(page, f"notifications-preferences-{lang}")

    page.reload()
    form = page.locator("section.notification-preferences")
    form.get_by_role("heading", name=t["notifications.prefs.title"]).wait_for()
    muted = form.get_by_label(t["notifications.kind.COURSE_UPDATED"], exact=True)
    muted.wait_for()
    assert muted.is_checked()
    assert form.get_by_label(t["notifications.kind.ENROLLED"], exact=True).is_checked() is False
    assert form.get_by_label(t["notifications.prefs.digest"], exact=True).input_value() == "WEEKLY"
    assert form.get_by_label(t["notifications.prefs.language"], exact=True).input_value() == "ru"

    # Email off: the kinds and the digest no longer apply, and that is saved too.
    form.get_by_label(t["notifications.prefs.email"], exact=False).uncheck()
    assert muted.is_disabled()
    form.get_by_role("button", name=t["notifications.prefs.save"]).click()
    form.get_by_text(t["notifications.prefs.saved"]).wait_for()
    page.reload()
    email = page.locator("section.notification-preferences").get_by_label(t["notifications.prefs.email"], exact=False)
    email.wait_for()
    assert not email.is_checked()
    assert page.js_errors == []
