"""The public verification page: no sign-in, every printed field, status in words and colour, on a phone."""

from __future__ import annotations

from typing import Any

from tests.browser.support import Api, assert_accessible, publish_course, screenshot, uid, wait_until

ISSUE = """mutation($c: ID!, $r: RecipientInput!) { issueCertificate(courseId: $c, recipient: $r) { id code } }"""
GREEN = "rgb(23, 112, 60)"
RED = "rgb(180, 35, 24)"


def _issue(admin: Api, course_id: str, name: str) -> dict[str, str] | None:
    try:
        cert: dict[str, str] = admin.q(ISSUE, c=course_id, r={"name": name, "org": "KZ", "municipality": "Almaty"})[
            "issueCertificate"
        ]
        return cert
    except AssertionError:
        return None  # the certificates service has not consumed course.published yet


def test_valid_and_revoked_certificates_read_well_on_a_phone_in_the_visitors_language(open_page: Any, api: Any) -> None:
    title = f"Housing policy {uid('h')}"
    course = publish_course(api("trainer"), title)
    admin = api("admin")
    valid = wait_until(lambda: _issue(admin, course.id, "Әйгерім Сәрсенова"), timeout=30)
    revoked = _issue(admin, course.id, "Нұрлан Әбенов")
    assert revoked
    admin.q(
        """mutation($id: ID!, $r: String!) { revokeCertificate(id: $id, reason: $r) { status } }""",
        id=revoked["id"],
        r="Issued by mistake",
    )

    # A visitor whose browser speaks Kazakh, on a 360 px phone, with no account and no saved language.
    page = open_page(None, width=360, lang=None, locale="kk-KZ")
    page.goto(f"/verify/{valid['code']}")
    verdict = page.get_by_test_id("verdict")
    verdict.get_by_text("Бұл сертификат жарамды").wait_for()
    for text in ("Әйгерім Сәрсенова", title, valid["code"], "Жарамды"):
        assert verdict.get_by_text(text, exact=False).count(), f"{text!r} missing on the verification page"
    # The certificate is in English; the issuer is named in the reader's language, as its template has it.
    assert verdict.get_by_text("Kentbilim қалалық басқару академиясы").count() == 1
    assert verdict.get_by_text("Urban Governance Academy", exact=False).count() == 0
    assert page.evaluate("document.documentElement.lang") == "kk"
    assert verdict.evaluate("e => getComputedStyle(e).borderTopColor") == GREEN
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways at 360 px"
    screenshot(page, "verify-01-valid-kk-360px")
    assert_accessible(page, "the verification page (valid)")

    page.goto(f"/verify/{revoked['code'].lower()}")
    verdict = page.get_by_test_id("verdict")
    verdict.get_by_text("Бұл сертификат кері қайтарылған").wait_for()
    assert verdict.get_by_text("Issued by mistake").count() == 1, "the revocation reason is shown"
    assert verdict.evaluate("e => getComputedStyle(e).borderTopColor") == RED
    screenshot(page, "verify-02-revoked-kk-360px")
    assert_accessible(page, "the verification page (revoked)")

    # Typing a code: the form leads to the same page; an unknown code says so plainly (in English now).
    page.get_by_label("Тіл").select_option("en")
    page.get_by_label("Certificate code").fill("NOSUCH-CODE-99")
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("No certificate has this code").wait_for()
    screenshot(page, "verify-03-unknown-en-360px")
    page.goto(f"/verify/{valid['code']}")
    page.get_by_test_id("verdict").get_by_text("Kentbilim Urban Governance Academy").wait_for()
    assert not page.js_errors, page.js_errors


def test_verification_works_with_the_keyboard_alone(open_page: Any) -> None:
    page = open_page(None)
    page.goto("/verify")
    # The page has rendered (a new tab first asks open tabs for a session, for up to 250 ms).
    page.get_by_role("link", name="Skip to content").wait_for(state="attached")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.get_by_label("Certificate code").focus()
    page.keyboard.type("KB-NONE-NONE-NONE")
    page.keyboard.press("Enter")  # submits the form
    page.get_by_text("No certificate has this code").wait_for()
    assert page.url.endswith("/verify/KB-NONE-NONE-NONE")
    focus_ring = page.evaluate(
        """() => { const b = document.querySelector('form button[type=submit]'); b.focus();
                   const s = getComputedStyle(b); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
    )
    assert focus_ring[0] != "none" and focus_ring[1] >= 2, f"keyboard focus must be visible: {focus_ring}"
