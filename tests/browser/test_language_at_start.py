"""Issue 18, item 1: the language settles before the first render of any page.

A learner whose token (profile) locale is Azerbaijani or Kazakh, in a browser that asks for English and
who never picked a language on this computer, used to get a first render in English; the header then
switched, while parts of the page that had rendered before it (body, footer) stayed English. The page
must be in the profile language from its very first paint, on a deep link and after a reload.

An init script watches the DOM from before any page script runs and records the text of the header,
the page heading and the footer the first time each appears, so an "English flash" is caught even if
the page corrects itself later.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import screenshot

CATALOGUES = Path(__file__).resolve().parents[2] / "gateway" / "web" / "src" / "i18n"

FIRST_SEEN = """
(() => {
  window.__firstSeen = {};
  const grab = () => {
    const seen = window.__firstSeen;
    const pick = (key, selector) => {
      if (seen[key] !== undefined) return;
      const el = document.querySelector(selector);
      if (el && el.textContent.trim()) seen[key] = el.textContent.trim();
    };
    pick('nav', '.site-header nav');
    pick('h1', 'main h1');
    pick('footer', '.site-footer');
  };
  new MutationObserver(grab).observe(document, { childList: true, subtree: true, characterData: true });
})();
"""


def _messages(lang: str) -> dict[str, str]:
    return json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["az", "kk"])
def test_profile_language_from_the_first_paint_on_deep_link_and_reload(
    browser: Any, gateway_url: str, token_for: Any, lang: str
) -> None:
    sub = f"learner-{uuid.uuid4().hex[:8]}"
    token = token_for(sub, "Dana Learner", ["learner"], org="KZ", municipality="Almaty", locale=lang)
    # English browser, no language chosen on this computer: only the token says az / kk.
    context = browser.new_context(base_url=gateway_url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.add_init_script(f"sessionStorage.setItem('kentbilim.token', {json.dumps(token)});" + FIRST_SEEN)
    page = context.new_page()
    page.set_default_timeout(20_000)
    msgs = _messages(lang)
    en = _messages("en")
    try:
        for step in ("deep-link", "reload"):
            if step == "deep-link":
                page.goto("/certificates")
            else:
                page.reload()
            page.locator("main h1", has_text=msgs["certificates.title"]).wait_for()
            page.get_by_text(msgs["certificates.empty"]).wait_for()
            first = page.evaluate("window.__firstSeen")
            assert msgs["nav.certificates"] in first["nav"], (step, first)
            assert en["nav.certificates"] not in first["nav"], (step, first)
            assert first["h1"] == msgs["certificates.title"], (step, first)
            assert first["footer"] == msgs["footer.text"], (step, first)
            assert page.evaluate("document.documentElement.lang") == lang
            # And it stays so: every part of the page, header, body and footer, in the profile language.
            assert page.locator(".site-footer").inner_text().strip() == msgs["footer.text"]
            assert page.locator(".site-header").get_by_text(msgs["nav.signOut"]).is_visible()
            screenshot(page, f"language-at-start-{lang}-{step}")
    finally:
        context.close()
