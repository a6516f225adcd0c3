"""Watching a browser context for Content-Security-Policy violations (tests/browser/test_csp.py).

Every page of the context reports each ``securitypolicyviolation`` event to Python at once (an
exposed function), so violations on a page the test has already left are not lost; console lines
that mention the policy are kept too (Chromium also logs each refusal there). Playwright's sync API
delivers those calls only while the test is inside a Playwright call, so read the list through
:func:`settled`, which lets the page run its queued violation events and hands them over first.
"""

from __future__ import annotations

from typing import Any

_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__kbCspViolation({
    directive: e.effectiveDirective || e.violatedDirective,
    blocked: e.blockedURI,
    sample: e.sample,
    page: location.pathname,
  });
});
"""


def watch_csp(context: Any) -> list[dict[str, Any]]:
    """Start collecting the violations of every page of ``context``; returns the (growing) list."""
    violations: list[dict[str, Any]] = []

    def report(violation: dict[str, Any]) -> None:
        violations.append(violation)

    context.expose_function("__kbCspViolation", report)
    context.add_init_script(_LISTENER)

    def on_page(page: Any) -> None:
        page.on(
            "console",
            lambda m: (
                violations.append({"console": m.text})
                if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
                else None
            ),
        )

    context.on("page", on_page)
    for page in context.pages:
        on_page(page)
    return violations


def settled(page: Any, violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``violations`` once the page's pending violation events have been delivered."""
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 50))")
    page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))")
    return violations


def inject_axe(page: Any) -> None:
    """Load axe-core into the page for :func:`tests.browser.support.assert_accessible`.

    ``page.add_script_tag`` adds an inline ``<script>``, which the gateway's policy refuses;
    ``page.evaluate`` runs through the DevTools protocol, outside the page's policy.
    """
    from tests.browser.support import AXE

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;true")
