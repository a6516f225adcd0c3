"""Keyboard focus is visible on every control (WCAG 2.4.7); the quiz's "choose all" hint shows once, inside its box."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.support import SCREENSHOTS, publish_course, screenshot, uid, wait_until
from tests.support.graphql import SyncGraphQLClient

# How far around an element the comparison looks: the focus ring is drawn outside it (outline-offset).
_RING = 8
_TABS_PER_PAGE = 30


def _enrol(learner: SyncGraphQLClient, course_id: str) -> None:
    def attempt() -> bool:
        try:
            learner.q("""mutation($c: ID!) { enroll(courseId: $c) { id } }""", c=course_id)
            return True
        except AssertionError as err:
            return "already" in str(err).lower()

    wait_until(attempt, timeout=30, interval=1)


def _focused(page: Any) -> dict[str, Any] | None:
    """The focused element's description, its box and its computed outline (None for the body)."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          el.setAttribute('data-focus-probe', '1');
          const r = el.getBoundingClientRect();
          const s = getComputedStyle(el);
          return {
            what: `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).replace(/ +/g, '.') : ''}`
              + ` "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40)}"`,
            current: el.getAttribute('aria-current'),
            inHeader: !!el.closest('header'),
            inOutline: !!el.closest('.player-outline'),
            x: r.x, y: r.y, width: r.width, height: r.height,
            outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
          };
        }"""
    )


def _clip(page: Any, box: dict[str, Any]) -> dict[str, float]:
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    x, y = max(0.0, box["x"] - _RING), max(0.0, box["y"] - _RING)
    return {
        "x": x,
        "y": y,
        "width": max(1.0, min(vw, box["x"] + box["width"] + _RING) - x),
        "height": max(1.0, min(vh, box["y"] + box["height"] + _RING) - y),
    }


def _tab_through(page: Any, where: str) -> list[dict[str, Any]]:
    """Tab through the page; for each focused control compare its picture focused and unfocused."""
    page.mouse.move(0, 0)
    seen: list[dict[str, Any]] = []
    problems: list[str] = []
    for _ in range(_TABS_PER_PAGE):
        page.keyboard.press("Tab")
        info = _focused(page)
        if info is None:
            break
        if info["width"] == 0 or info["height"] == 0:
            continue
        probe = page.locator("[data-focus-probe='1']")
        page.wait_for_timeout(50)
        info = _focused(page) or info
        clip = _clip(page, info)
        focused = page.screenshot(clip=clip, animations="disabled", caret="initial")
        probe.evaluate("el => el.blur()")
        unfocused = page.screenshot(clip=clip, animations="disabled", caret="initial")
        probe.evaluate("el => { el.focus({preventScroll: true}); el.removeAttribute('data-focus-probe'); }")
        seen.append(info)
        if info["current"]:
            # The current menu item / lesson, focused: kept to look at (WCAG 2.4.7 was failing exactly here).
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", f"focus-current-{where}-{len(seen)}".lower())
            (SCREENSHOTS / f"{name}.png").write_bytes(focused)
        if focused == unfocused:
            problems.append(f"{info['what']}: focused and unfocused look identical")
        if info["outlineStyle"] == "none" or info["outlineWidth"] < 2:
            problems.append(f"{info['what']}: outline {info['outlineStyle']} {info['outlineWidth']}px")
    assert seen, f"nothing took keyboard focus on {where}"
    assert not problems, f"invisible keyboard focus on {where}:\n  " + "\n  ".join(problems)
    return seen


@pytest.mark.parametrize("lang", ["az", "en"])
def test_keyboard_focus_is_visible_on_every_control(open_page: Any, api: Any, lang: str) -> None:
    course = publish_course(api("trainer"), f"Focus rings {uid('fr')}", learner=api("learner"))
    _enrol(api("learner"), course.id)
    page = open_page("learner", lang=lang)

    # The catalogue: skip link, menu (with the current item), language, search, topic chips, cards.
    page.goto("/")
    page.locator("h1").wait_for()
    page.wait_for_load_state("networkidle")
    seen = _tab_through(page, f"the catalogue ({lang})")
    assert any(s["current"] and s["inHeader"] for s in seen), "the current menu item never took focus"
    screenshot(page, f"focus-01-catalogue-{lang}")

    # The lesson player: the outline with the current lesson, quiz options, buttons.
    page.goto(f"/courses/{course.id}/lessons/{course.quiz_lesson_id}")
    page.locator(".quiz").wait_for()
    page.wait_for_load_state("networkidle")
    seen = _tab_through(page, f"the lesson player ({lang})")
    assert any(s["current"] and s["inOutline"] for s in seen), "the current lesson never took focus"
    screenshot(page, f"focus-02-player-{lang}")
    assert not page.js_errors, page.js_errors


def test_choose_all_hint_shows_once_and_wraps_inside_the_question(open_page: Any, api: Any) -> None:
    trainer, learner = api("trainer"), api("learner")
    hint = "choose all that apply"
    course = trainer.q(
        """mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }""",
        i={
            "slug": uid("browser-quiz"),
            "titles": [{"lang": "en", "text": f"Quiz hint {uid('qh')}"}],
            "summaries": [{"lang": "en", "text": "A quiz with a multiple-answer question."}],
            "defaultLanguage": "en",
            "topics": ["participatory-budgeting"],
        },
    )["createCourse"]
    module = trainer.q(
        """mutation($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }""",
        c=course["id"],
        i={"titles": [{"lang": "en", "text": "Introduction"}]},
    )["addModule"]
    # The seed catalogue writes the hint into the prompt itself, as older courses do.
    prompt = (
        "Which of these belong to the municipal participatory budgeting cycle in a typical city district"
        " (choose all that apply)"
    )
    quiz = trainer.q(
        """mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }""",
        m=module["id"],
        i={
            "kind": "QUIZ",
            "titles": [{"lang": "en", "text": "Check your understanding"}],
            "quiz": {
                "passScore": 100,
                "questions": [
                    {
                        "prompts": [{"lang": "en", "text": prompt}],
                        "options": [
                            {"labels": [{"lang": "en", "text": "Proposals"}], "correct": True},
                            {"labels": [{"lang": "en", "text": "A public vote"}], "correct": True},
                            {"labels": [{"lang": "en", "text": "A royal decree"}], "correct": False},
                        ],
                    }
                ],
            },
        },
    )["addLesson"]
    trainer.q("""mutation($id: ID!) { publishCourse(id: $id) { version } }""", id=course["id"])

    def visible() -> bool:
        try:
            return (
                learner.q("""query($id: ID!) { course(id: $id) { status } }""", id=course["id"])["course"]["status"]
                == "PUBLISHED"
            )
        except AssertionError:
            return False

    wait_until(visible, timeout=30)
    _enrol(learner, course["id"])

    page = open_page("learner", width=360)
    page.goto(f"/courses/{course['id']}/lessons/{quiz['id']}")
    question = page.locator("fieldset.question")
    question.wait_for()
    page.wait_for_load_state("networkidle")
    screenshot(page, "quiz-hint-360px")

    text = question.inner_text()
    assert len(re.findall(re.escape(hint), text, flags=re.IGNORECASE)) == 1, f"the hint must show once: {text!r}"
    boxes = question.evaluate(
        """(fs, hint) => {
          const walker = document.createTreeWalker(fs, NodeFilter.SHOW_TEXT);
          const rects = [];
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const i = n.data.toLowerCase().indexOf(hint);
            if (i < 0) continue;
            const range = document.createRange();
            range.setStart(n, i);
            range.setEnd(n, i + hint.length);
            for (const r of range.getClientRects()) rects.push({l: r.left, t: r.top, r: r.right, b: r.bottom});
          }
          // Inside the box means inside its border: a legend drawn across the top border is outside.
          const f = fs.getBoundingClientRect();
          const s = getComputedStyle(fs);
          const legend = fs.querySelector('legend').getBoundingClientRect();
          return {
            rects,
            legend: {l: legend.left, t: legend.top, r: legend.right, b: legend.bottom},
            box: {
              l: f.left + parseFloat(s.borderLeftWidth), t: f.top + parseFloat(s.borderTopWidth),
              r: f.right - parseFloat(s.borderRightWidth), b: f.bottom - parseFloat(s.borderBottomWidth),
            },
          };
        }""",
        hint,
    )
    assert boxes["rects"], "the hint is not on the page"
    box = boxes["box"]
    for what, r in [*(("the hint", r) for r in boxes["rects"]), ("the question", boxes["legend"])]:
        inside = r["l"] >= box["l"] and r["r"] <= box["r"] and r["t"] >= box["t"] and r["b"] <= box["b"]
        assert inside, f"{what} spills out of the question's box: {r} not inside {box}"
    assert box["r"] <= 360, f"the question's box runs off a 360 px screen: {box}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the quiz scrolls sideways at 360 px"
    assert not page.js_errors, page.js_errors
