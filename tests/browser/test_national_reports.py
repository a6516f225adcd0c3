"""National reports and the learner directory in the web client (issue 14, item 4), in Chromium.

Against the real stack: learners of several states enrol (and one completes) through the API, the
gateway's event-fed projections pick them up, and the pages under test show them. Checked here: an
admin's report has its table and both charts (each canvas an image described by its data table) and
downloads a CSV that is UTF-8 with a BOM; a country admin sees only their own state and cannot pick
another (the select is fixed, and the server refuses another ``org`` with FORBIDDEN); the directory
finds "Əliyev Ülvi" typed as "Eliyev Ulvi" and as the passport spelling "Aliyev" (ə → a), and pages
with "Load more"; a trainer finds only the learners of their own courses; the az and kk pages show no
English.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.csp_support import settled, watch_csp
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

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "gateway" / "web" / "src" / "i18n"
PAGE_SIZE = 20  # LearnersPage's PAGE_SIZE


REPORT = """query($c: ID, $org: String) { report(groupBy: [MUNICIPALITY], courseId: $c, org: $org) {
  rows { municipality enrolled completed certificates } totals { enrolled completed } } }"""


@pytest.fixture
def reported_course(api: Any, person: Any) -> dict[str, Any]:
    """A course with learners in Gəncə and Şəki (AZ) and Almaty (KZ), one of them finished, in the report."""
    title = f"Bələdiyyə büdcəsi {uid('rep')}"
    course = publish_course(api("trainer"), title, learner=api("learner"))
    ganja_name = f"Leyla Hüseynova {letters_tag()}"
    _, ganja = person(ganja_name, "AZ", "Gəncə")
    _, sheki = person(f"Orxan Quliyev {letters_tag()}", "AZ", "Şəki")
    _, almaty = person(f"Ерлан Сапаров {letters_tag()}", "KZ", "Almaty")
    first = enrol(ganja, course.id)
    enrol(sheki, course.id)
    enrol(almaty, course.id)
    complete_course(ganja, course, first)
    admin: Api = api("admin")

    def counted() -> bool:
        rows = admin.q(REPORT, c=course.id)["report"]["rows"]
        by = {r["municipality"]: r for r in rows}
        done = by.get("Gəncə", {})
        return done.get("completed") == 1 and done.get("certificates") == 1 and {"Şəki", "Almaty"} <= by.keys()

    wait_until(counted, timeout=90, interval=2)
    return {"course": course, "title": title, "ganja": ganja_name}


def _canvas_painted(page: Any, name: str) -> bool:
    """True when the named chart's canvas has pixels drawn (Chart.js has rendered into it)."""
    return bool(
        page.get_by_role("img", name=name).evaluate(
            """(c) => { const ctx = c.getContext('2d'); if (!c.width || !c.height) return false;
                const d = ctx.getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }"""
        )
    )


def _described_by(page: Any, name: str) -> Any:
    chart = page.get_by_role("img", name=name)
    table_id = chart.get_attribute("aria-describedby")
    assert table_id, f"the chart {name!r} points at no text alternative"
    return page.locator(f"[id='{table_id}']")


def test_admin_sees_table_and_charts_and_downloads_a_utf8_csv_with_bom(
    page_for: Any, people: Any, reported_course: dict[str, Any], tmp_path: Path
) -> None:
    page = page_for(people["admin"].token)
    violations = watch_csp(page.context)
    page.goto("/")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("heading", level=1, name="Reports by country and municipality").wait_for()
    page.get_by_role("combobox", name="Course", exact=True).select_option(label=reported_course["title"])
    # The rows fetched for this course only: until that answer arrives, every course's rows are shown.
    table = page.locator(f'table.report-table[data-course="{reported_course["course"].id}"]')
    table.locator("tbody tr", has_text="Gəncə").wait_for()
    # Grouped by state and municipality (the default): a row per place, the totals underneath.
    ganja = table.locator("tbody tr", has_text="Gəncə").inner_text()
    assert "Azerbaijan" in ganja and re.search(r"\b1\b", ganja)
    assert table.locator("tbody tr", has_text="Almaty").count() == 1
    assert table.locator("tfoot").inner_text().split()[-4:] == ["3", "1", "1", "3"]

    for name, row in (("Completions per month", None), ("Completions per municipality", "Gəncə (Azerbaijan)")):
        chart = page.get_by_role("img", name=name)
        chart.wait_for()
        wait_until(lambda n=name: _canvas_painted(page, n), timeout=10, interval=0.3)
        text = _described_by(page, name)
        assert text.evaluate("(e) => e.tagName") == "TABLE"
        if row:
            assert text.locator("tbody tr", has_text=row).count() == 1
        assert chart.evaluate("(c) => c.closest('figure').querySelector('figcaption').textContent") == name
    screenshot(page, "reports-01-admin")
    assert_accessible(page, "the national report")

    # The CSV link is asked for when the button is pressed (it is signed and expires).
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data or "") if r.url.endswith("/graphql") else None)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download (CSV)").click()
    assert any("csvUrl" in body for body in asked), "the CSV link was not fetched at click time"
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]
    text = raw.decode("utf-8-sig")
    assert "Gəncə" in text and "Şəki" in text, text[:400]
    assert settled(page, violations) == [], violations
    assert not page.js_errors, page.js_errors


def test_a_country_admin_sees_only_their_state_and_cannot_switch_it(
    page_for: Any, person: Any, reported_course: dict[str, Any]
) -> None:
    token, country_admin = person("Nigar Rəhimova", "AZ", "Baku", roles=["country_admin"], locale="en")
    page = page_for(token)
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/graphql") and r.post_data else None,
    )
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_text("Figures for Azerbaijan only.").wait_for()
    page.get_by_role("combobox", name="Course", exact=True).select_option(label=reported_course["title"])
    table = page.locator(f'table.report-table[data-course="{reported_course["course"].id}"]')
    table.locator("tbody tr", has_text="Gəncə").wait_for()
    assert table.locator("tbody tr", has_text="Almaty").count() == 0
    assert "Almaty" not in page.locator("main").inner_text()

    state = page.get_by_role("combobox", name="State", exact=True)
    assert state.is_disabled()
    assert state.locator("option").all_inner_texts() == ["Azerbaijan"]
    with pytest.raises(Exception):
        state.select_option("KZ", timeout=1000)
    reports = [b for b in sent if "NationalReport" in b.get("query", "")]
    assert reports and all(b["variables"].get("org") == "AZ" for b in reports), reports
    screenshot(page, "reports-02-country-admin")
    assert_accessible(page, "the country admin's report")

    # Past the page: the server itself refuses another state, never an empty answer.
    refused = country_admin.raw(REPORT, c=reported_course["course"].id, org="KZ")
    assert refused.get("data") is None or refused["data"].get("report") is None, refused
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learners").click()
    assert page.get_by_role("combobox", name="State", exact=True).is_disabled()
    # Narrowed to this test's own learners (the suite's other tests fill Azerbaijan's directory):
    # the AZ learner is found, the KZ learner of the same course is not, even by name.
    search = page.get_by_label("Name", exact=True)
    search.fill(reported_course["ganja"])
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator(".learner-card", has_text=reported_course["ganja"]).wait_for(timeout=90_000)
    search.fill("Ерлан Сапаров")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("status").filter(has_text="0 learners found").wait_for(timeout=90_000)
    assert page.locator(".learner-card", has_text="Ерлан Сапаров").count() == 0
    assert not page.js_errors, page.js_errors


@pytest.mark.parametrize(
    "typed",
    [
        "Eliyev Ulvi",  # ə → e and ü → u, the catalogue's folding (lms_shared.text.fold_search)
        "Aliyev",  # ə → a, the passport spelling (lms_shared.text.name_search_key keeps both)
    ],
)
def test_learner_directory_finds_a_name_typed_without_diacritics_and_pages(
    page_for: Any, people: Any, api: Any, person: Any, typed: str
) -> None:
    tag = letters_tag()
    course = publish_course(api("trainer"), f"Şəhər planlaşdırması {uid('dir')}", learner=api("learner"))
    total = PAGE_SIZE + 3
    for i in range(total):
        _, learner = person(f"Əliyev {tag} Ülvi{i:02d}", "AZ", "Sumqayıt")
        enrol(learner, course.id)
    admin: Api = api("admin")
    directory = """query($s: String) { learners(search: $s, first: 1) { totalCount } }"""
    wait_until(lambda: admin.q(directory, s=f"Əliyev {tag}")["learners"]["totalCount"] == total, timeout=90, interval=2)

    page = page_for(people["admin"].token)
    page.goto("/admin/learners")
    page.get_by_label("Name", exact=True).fill(f"{typed} {tag}")
    page.get_by_role("button", name="Search", exact=True).click()
    status = page.get_by_role("status").filter(has_text="learners found")
    status.filter(has_text=f"{total} learners found").wait_for()
    cards = page.locator(".learner-card")
    assert cards.count() == PAGE_SIZE
    assert all(f"Əliyev {tag}" in name for name in cards.locator("h2").all_inner_texts())
    first = cards.first.inner_text()
    assert course.title in first and "1 enrolment" in first and "last active" in first
    assert re.search(r"\b\d{1,2} [A-Z][a-z]+ \d{4}\b", first), first  # a date in the page language
    screenshot(page, "learners-01-search")
    assert_accessible(page, "the learner directory")

    page.get_by_role("button", name="Load more").click()
    wait_until(lambda: cards.count() == total, timeout=20, interval=0.3)
    assert page.get_by_role("button", name="Load more").count() == 0
    names = cards.locator("h2").all_inner_texts()
    assert len(set(names)) == total, "a learner appears twice across pages"
    # Focus moves to the first learner of the new page, for keyboard and screen-reader users.
    assert page.evaluate("document.activeElement.textContent") == names[PAGE_SIZE]
    assert not page.js_errors, page.js_errors


def _english_only(lang: str) -> list[str]:
    """English messages that the language translates differently (a plain message of a few letters or more)."""
    en = json.loads((CATALOGUES / "en.json").read_text(encoding="utf-8"))
    other = json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))
    found: list[str] = []
    for key, text in en.items():
        if "{" in text or "|" in text or len(text) < 4 or other.get(key) == text:
            continue
        found.append(text)
    return found


@pytest.mark.parametrize("lang", ["az", "kk"])
def test_report_and_directory_pages_show_no_english(
    page_for: Any, people: Any, reported_course: dict[str, Any], lang: str
) -> None:
    english = _english_only(lang)
    page = page_for(people["admin"].token, lang=lang)
    seen: dict[str, str] = {}
    page.goto("/admin/reports")
    page.locator("#report-course").select_option(value=reported_course["course"].id)
    table = page.locator(f'table.report-table[data-course="{reported_course["course"].id}"]')
    table.locator("tbody tr", has_text="Gəncə").wait_for()
    page.locator("canvas[role=img]").first.wait_for()
    # Course titles in the course picker are data, not the page's words: other tests' courses (in the
    # full suite, "Participatory budgeting", "Quiz …") are English by design. The picker's own
    # placeholder (value "") is a UI string and stays in.
    body = page.locator("body").inner_text()
    for title in page.locator('#report-course option:not([value=""])').all_inner_texts():
        body = body.replace(title, "")
    seen["reports"] = (
        body
        + "\n"
        + "\n".join(
            page.locator("canvas[role=img]").evaluate_all("(cs) => cs.map((c) => c.getAttribute('aria-label'))")
        )
    )
    screenshot(page, f"reports-03-{lang}")
    page.goto("/admin/learners")
    # Other tests' learners live in Gəncə too (more than a page of them in the full suite): narrow to ours.
    page.locator("#learners-municipality").fill("Gəncə")
    page.locator("#learners-search").fill(reported_course["ganja"])
    page.locator("#learners-municipality").press("Enter")
    page.locator(".learner-card", has_text=reported_course["ganja"]).wait_for()
    seen["learners"] = page.locator("body").inner_text()
    screenshot(page, f"learners-02-{lang}")
    for where, text in seen.items():
        leaks = [e for e in english if re.search(rf"(?<!\w){re.escape(e)}(?!\w)", text)]
        assert not leaks, f"English on the {lang} {where} page: {leaks}"
    assert not page.js_errors, page.js_errors


def test_a_trainer_finds_the_learners_of_their_own_courses_only(
    page_for: Any, people: Any, api: Any, person: Any
) -> None:
    tag = letters_tag()
    mine = publish_course(api("trainer"), f"Məhəllə şurası {uid('own')}", learner=api("learner"))
    _, other_trainer = person("Dana Seitova", "KZ", "Almaty", roles=["trainer"])
    theirs = publish_course(other_trainer, f"Қала бюджеті {uid('oth')}", learner=api("learner"))
    _, ours = person(f"Gülnar Əhmədova {tag}", "AZ", "Lənkəran")
    _, not_ours = person(f"Gülnar Əhmədli {tag}", "AZ", "Lənkəran")
    enrol(ours, mine.id)
    enrol(not_ours, theirs.id)
    admin: Api = api("admin")
    directory = """query($s: String) { learners(search: $s, first: 5) { totalCount } }"""
    wait_until(lambda: admin.q(directory, s=f"Gulnar {tag}")["learners"]["totalCount"] == 2, timeout=90, interval=2)

    page = page_for(people["trainer"].token)
    page.goto("/teach")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learners").click()
    page.get_by_label("Name", exact=True).fill(f"Gulnar {tag}")
    page.get_by_label("Name", exact=True).press("Enter")
    page.get_by_role("status").filter(has_text="1 learner found").wait_for()
    card = page.locator(".learner-card")
    assert card.count() == 1
    assert f"Gülnar Əhmədova {tag}" in card.inner_text() and mine.title in card.inner_text()
    assert theirs.title not in page.locator("main").inner_text()
    assert not page.js_errors, page.js_errors
