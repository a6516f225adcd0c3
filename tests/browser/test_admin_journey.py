"""The admin: bulk issuance from a CSV with the server's dry-run preview and a live progress bar; revocation."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.support import Api, assert_accessible, publish_course, screenshot, uid, wait_until

NAMES = ("Aynur Həsənova", "Ерлан Нұрланов", "Айгүл Токтогулова", "Dilshod Toʻxtayev", "Mehmet Yıldız")
ORGS = ("AZ", "KZ", "KG", "UZ", "TR")
CITIES = ("Baku", "Almaty", "Bishkek", "Tashkent", "İzmir")


def _csv(good: int) -> str:
    rows = ["name,email,org,municipality"]
    for i in range(good):
        k = i % 5
        rows.append(f'"{NAMES[k]} {i}",p{i}@forum.example.org,{ORGS[k]},{CITIES[k]}')
    rows.append(",nobody@forum.example.org,AZ,Baku")  # no name
    rows.append("Broken Email,not-an-email,KZ,Almaty")  # bad email
    rows.append('"Aynur Həsənova 0",p0@forum.example.org,AZ,Baku')  # duplicate of data row 1
    return "\n".join(rows) + "\n"


def test_admin_bulk_issues_200_from_a_csv_with_live_progress(open_page: Any, api: Any, tmp_path: Path) -> None:
    title = f"Urban forum workshop {uid('w')}"
    course = publish_course(api("trainer"), title, learner=api("learner"))
    wait_until(lambda: _try_enrol(api("learner"), course.id), timeout=30)  # one learner from Baku, for the report
    page = open_page("admin")
    # One WebSocket carries every subscription of the page (the header's notification bell opens it at
    # once); the job's progress must be a subscription on it, never polling.
    subscribed: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: subscribed.append(str(frame))))
    page.goto("/admin/bulk")
    page.get_by_label("Course", exact=True).select_option(label=title)

    # The server's dry run flags the bad rows before anything is issued; the page only shows its answer.
    previews: list[str] = []
    page.on("request", lambda r: previews.append(r.post_data or "") if r.url.endswith("/graphql") else None)
    page.get_by_label("CSV file", exact=True).set_input_files(
        files=[{"name": "forum.csv", "mimeType": "text/csv", "buffer": _csv(200).encode()}]
    )
    page.get_by_text("203 rows: 200 to issue, 1 skipped, 2 refused.").wait_for()
    assert any('"dryRun' in body or "dryRun: true" in body for body in previews), "the preview is the server's dry run"
    bad_rows = page.locator("tr.row-bad, tr.row-skip")
    assert bad_rows.count() == 3
    assert page.locator("tr.row-bad").count() == 2 and page.locator("tr.row-skip").count() == 1
    first, second, third = (bad_rows.nth(i).inner_text() for i in range(3))
    assert first.startswith("201") and "refused: name is empty" in first
    assert second.startswith("202") and "refused: email address is not valid" in second
    assert third.startswith("203") and "skipped: same person as an earlier row" in third
    screenshot(page, "admin-01-csv-preview")
    assert_accessible(page, "the bulk issuance preview")

    # Confirm, then watch the bar, fed by the subscription, reach 100 %.
    page.get_by_role("button", name="Issue 200 certificates").click()
    page.get_by_role("dialog").get_by_text("3 rows with problems are left out.").wait_for()
    page.get_by_role("button", name="Start", exact=True).click()
    bar = page.get_by_role("progressbar", name="Issuance progress")
    bar.wait_for()
    screenshot(page, "admin-02-progress")
    page.locator('.job[data-job-status="COMPLETED"]').wait_for(timeout=120_000)
    assert bar.get_attribute("aria-valuenow") == "100"
    assert page.get_by_text("203 of 203 processed: 200 issued, 1 skipped, 2 refused, 0 failed.").count() == 1
    assert any("bulkIssueProgress" in frame for frame in subscribed), "progress comes over the GraphQL subscription"
    assert page.get_by_text("updating every few seconds").count() == 0, "the subscription never fell back to polling"
    page.get_by_role("heading", name="Issuance finished").wait_for()
    screenshot(page, "admin-03-completed")
    assert_accessible(page, "the finished bulk job")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the result (CSV)").click()
    result = tmp_path / "result.csv"
    download.value.save_as(result)
    lines = result.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("# job ")
    assert lines[1] == "row,name,email,org,municipality,learnerId,outcome,reasonCode,reason,certificateCode"
    assert len(lines) == 205, "every input row is accounted for"
    assert sum(",ISSUED,," in line for line in lines[2:]) == 200
    assert lines[-3].startswith("201,,nobody@forum.example.org,AZ,Baku,,REFUSED,MISSING_NAME,")
    assert lines[-1].startswith("203,Aynur Həsənova 0,p0@forum.example.org,AZ,Baku,,SKIPPED,DUPLICATE_IN_INPUT,")

    # Reports: the course's enrolments per state and municipality, as a table and charts
    # (tests/browser/test_national_reports.py checks the national report page in depth).
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("combobox", name="Course", exact=True).select_option(label=title)
    wait_until(lambda: _report_has(page, title, course.id, "Baku"), timeout=30, interval=2)
    table = page.locator(f'table.report-table[data-course="{course.id}"]')  # the rows of this course only
    assert table.locator("tbody tr", has_text="Baku").inner_text().startswith("Azerbaijan")
    page.get_by_role("img", name="Completions per municipality").wait_for()
    screenshot(page, "admin-04-reports")
    assert_accessible(page, "the reports page")

    assert not page.js_errors, page.js_errors


def _report_has(page: Any, title: str, course_id: str, municipality: str) -> bool:
    # The table names the course its rows were fetched for (data-course); until the filtered answer
    # arrives, the rows of every course are on screen.
    table = page.locator(f'table.report-table[data-course="{course_id}"][aria-busy="false"]')
    with contextlib.suppress(PlaywrightTimeout):  # not there yet: ask again below
        table.wait_for(timeout=10_000)
    if table.locator("tbody tr", has_text=municipality).count():
        return True
    page.reload()  # the report is fed by events: ask again
    page.get_by_role("combobox", name="Course", exact=True).select_option(label=title)
    page.wait_for_load_state("networkidle")
    return False


def _try_enrol(learner: Api, course_id: str) -> bool:
    try:
        learner.q("""mutation($c: ID!) { enroll(courseId: $c) { id } }""", c=course_id)
        return True
    except AssertionError:
        return False


def test_admin_revokes_a_certificate_with_a_reason(open_page: Any, api: Any) -> None:
    admin: Api = api("admin")
    fields = admin.q("""{ __type(name: "Query") { fields { name } } }""")["__type"]["fields"]
    if "certificates" not in {f["name"] for f in fields}:
        pytest.skip(
            "the gateway has no `certificates(courseId)` query yet; the revocation page lists certificates with it"
        )
    title = f"Revocation {uid('r')}"
    course = publish_course(api("trainer"), title)
    issued = wait_until(
        lambda: _try_issue(admin, course.id, {"name": "Kanat Sadykov", "org": "KG", "municipality": "Osh"}), timeout=30
    )
    assert issued
    page = open_page("admin")
    page.goto("/admin/certificates")
    page.get_by_label("Course", exact=True).select_option(label=title)
    page.get_by_role("button", name=f"Revoke certificate {issued['code']} of Kanat Sadykov").click()
    page.get_by_label("Reason (shown on the verification page)").fill("Did not attend the workshop")
    screenshot(page, "admin-05-revoke-dialog")
    page.get_by_role("button", name="Revoke the certificate").click()
    page.get_by_text(f"Certificate {issued['code']} has been revoked.").wait_for()
    screenshot(page, "admin-06-revoked")
    page.goto(f"/verify/{issued['code']}")
    page.get_by_text("This certificate has been revoked").wait_for()
    page.get_by_text("Did not attend the workshop").wait_for()


def _try_issue(admin: Api, course_id: str, recipient: dict[str, str]) -> dict[str, str] | None:
    try:
        cert: dict[str, str] = admin.q(
            """mutation($c: ID!, $r: RecipientInput!) { issueCertificate(courseId: $c, recipient: $r) { code } }""",
            c=course_id,
            r=recipient,
        )["issueCertificate"]
        return cert
    except AssertionError:
        return None  # the certificates service has not consumed course.published yet
