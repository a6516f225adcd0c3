"""Undelivered emails (issue 16 item 4) in a real browser, in Azerbaijani at 360 px.

A learner whose address the real local SMTP server refuses for good (``*.invalid``: ``550 5.1.1``)
finishes a course; the certificate's email is parked (PARKED, seen over GraphQL). An admin opens
/admin/emails, sees the address, the server's answer and one attempt, presses "Send again": the row
says it is queued again, and since the server still refuses the address, the delivery comes back
PARKED with a second attempt, which the page shows after a reload. A learner gets the FORBIDDEN alert.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from tests.browser.support import (
    Api,
    assert_accessible,
    complete_course,
    enrol,
    letters_tag,
    publish_course,
    screenshot,
    uid,
    wait_until,
)

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"
PARKED = """query($after: String) { emailDeliveries(status: PARKED, first: 200, after: $after) {
  nodes { id toAddress status attempts lastError } pageInfo { hasNextPage endCursor } } }"""
# certificate -> NATS -> notifications -> email_delivery -> the sender loop -> SMTP 550
PARK_SECONDS = 90


def catalogue(lang: str) -> dict[str, str]:
    return dict(json.loads((CATALOGUES / f"{lang}.json").read_text()))


def parked_for(admin: Any, address: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = admin.q(PARKED, after=after)["emailDeliveries"]
        found += [n for n in page["nodes"] if n["toAddress"] == address]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def test_an_admin_sees_a_refused_email_and_sends_it_again(
    open_page: Any, browser: Any, gateway_url: str, token_for: Any, api: Any
) -> None:
    t = catalogue("az")
    tag = letters_tag()
    address = f"bounce-{tag}@nowhere.invalid"
    token = token_for(
        f"learner-{secrets.token_hex(4)}",
        f"Nərmin Babayeva {tag}",
        ["learner"],
        org="AZ",
        municipality="Şirvan",
        locale="az",
        email=address,
    )
    learner = Api(gateway_url, token)
    course = publish_course(api("trainer"), f"Yaşıl şəhər {uid('park')}", learner=api("learner"))
    complete_course(learner, course, enrol(learner, course.id))

    admin = api("admin")
    rows = wait_until(lambda: parked_for(admin, address), timeout=PARK_SECONDS, interval=1)
    row = rows[0]
    assert row["lastError"].startswith("550 ") and "5.1.1" in row["lastError"], row
    assert row["attempts"] == 1

    page = open_page("admin", width=360, lang="az")
    page.goto("/admin/emails")
    page.get_by_role("heading", name=t["emails.title"], level=1).wait_for()
    card = page.locator(f"li.parked-email[data-delivery='{row['id']}']")
    card.wait_for()
    text = card.inner_text()
    assert address in text and row["lastError"] in text, text
    assert t["emails.source.NOTIFICATION"] in text and t["emails.status.PARKED"] in text
    assert card.get_attribute("data-status") == "PARKED"
    # The admin's navigation (behind the menu button at 360 px) leads here; nothing runs off the side.
    page.get_by_role("button", name=t["nav.menu"]).click()
    page.get_by_role("navigation", name=t["nav.main"]).get_by_role("link", name=t["nav.emails"]).wait_for()
    page.get_by_role("button", name=t["nav.menu"]).click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page, "the undelivered emails page (az, 360 px)")
    screenshot(page, "parked-emails-az-360")

    card.get_by_role("button", name=t["emails.replay"]).click()
    card.get_by_text(t["emails.queued"]).wait_for()
    assert card.get_attribute("data-status") == "PENDING"
    assert t["emails.status.PENDING"] in card.inner_text()
    assert card.get_by_role("button", name=t["emails.replay"]).count() == 0

    # The server still refuses *.invalid: the replay is tried (attempt 2) and parked again, visibly.
    again = wait_until(
        lambda: next((r for r in parked_for(admin, address) if r["id"] == row["id"] and r["attempts"] == 2), None),
        timeout=PARK_SECONDS,
        interval=1,
    )
    assert again["lastError"].startswith("550 ")
    page.reload()
    card = page.locator(f"li.parked-email[data-delivery='{row['id']}']")
    card.wait_for()
    assert card.get_attribute("data-status") == "PARKED"
    assert card.get_by_role("button", name=t["emails.replay"]).is_visible()
    facts = card.locator("dl.parked-email-facts dd")
    assert "2" in [facts.nth(i).inner_text().strip() for i in range(facts.count())]
    assert page.js_errors == []

    # A learner: no link, and the page itself answers FORBIDDEN.
    learner_page = open_page("learner", width=360, lang="az")
    learner_page.goto("/admin/emails")
    learner_page.get_by_role("alert").filter(has_text=t["error.FORBIDDEN"]).wait_for()
    learner_page.get_by_role("button", name=t["nav.menu"]).click()
    learner_nav = learner_page.get_by_role("navigation", name=t["nav.main"])
    learner_nav.get_by_role("link", name=t["nav.catalogue"]).wait_for()
    assert learner_nav.get_by_role("link", name=t["nav.emails"]).count() == 0
    assert learner_page.locator("li.parked-email").count() == 0
