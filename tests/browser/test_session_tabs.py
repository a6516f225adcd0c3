"""Issue 18, item 9 (development sign-in): a new tab is signed in, in the user's language.

The bearer token is kept per tab (sessionStorage, never localStorage). A second tab used to start signed
out, and in English. Now a new tab asks the open ones over a BroadcastChannel (same origin, nothing
written to disk) before its first render; a sign-out in one tab signs out every tab. The OIDC half
(silent renewal with the refresh token, end-session at the provider) is in test_oidc_signin.py.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.browser.support import screenshot
from tests.browser.test_language_at_start import FIRST_SEEN, _messages


@pytest.mark.parametrize("lang", ["kk", "az"])
def test_a_new_tab_is_signed_in_and_keeps_the_language(
    browser: Any, gateway_url: str, token_for: Any, lang: str
) -> None:
    sub = f"learner-{uuid.uuid4().hex[:8]}"
    token = token_for(sub, "Aruzhan Tabs", ["learner"], org="KZ", municipality="Almaty", locale=lang)
    context = browser.new_context(base_url=gateway_url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.add_init_script(FIRST_SEEN)
    msgs = _messages(lang)
    try:
        first = context.new_page()
        first.set_default_timeout(20_000)
        # Only the first tab has signed in (the token is where the sign-in page puts it).
        first.add_init_script(f"sessionStorage.setItem('kentbilim.token', {json.dumps(token)});")
        first.goto("/learning")
        first.locator(".site-header").get_by_text(msgs["nav.signOut"]).wait_for()

        # A new tab on a deep link: signed in, not sent to sign in, in the profile language from the start.
        second = context.new_page()
        second.set_default_timeout(20_000)
        second.goto("/certificates")
        second.locator("main h1", has_text=msgs["certificates.title"]).wait_for()
        assert "/signin" not in second.url
        seen = second.evaluate("window.__firstSeen")
        assert seen["footer"] == msgs["footer.text"], seen
        assert msgs["nav.certificates"] in seen["nav"], seen
        assert second.locator(".site-header").get_by_text(msgs["nav.signOut"]).is_visible()
        assert second.evaluate("sessionStorage.getItem('kentbilim.token')") == token
        # The access token is never written where it outlives the tabs.
        for page in (first, second):
            stored = page.evaluate("Object.values(localStorage).join(' ')")
            assert token not in stored and "eyJ" not in stored
        screenshot(second, f"session-tabs-{lang}-second-tab")

        # Signing out in the new tab signs out the first one too.
        second.locator(".site-header").get_by_role("button", name=msgs["nav.signOut"]).click()
        second.locator(".site-header").get_by_role("link", name=msgs["nav.signIn"]).wait_for()
        first.locator(".site-header").get_by_role("link", name=msgs["nav.signIn"]).wait_for()
        assert first.evaluate("sessionStorage.getItem('kentbilim.token')") is None

        # And a tab opened now finds nobody to hand it a session: it is signed out.
        third = context.new_page()
        third.set_default_timeout(20_000)
        third.goto("/certificates")
        third.wait_for_url("**/signin**")
        screenshot(third, f"session-tabs-{lang}-after-sign-out")
    finally:
        context.close()
