"""The admin prints a finished bulk job for the ceremony: one merged PDF, a real progress bar, a fresh link.

The issue's done-when is 2,000 certificates; here the browser drives 150 (the page and the flow are
the same), and services/certificates/tests/integration/test_print_batches.py prints 2,000 with the
memory bound.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf

from tests.browser.support import assert_accessible, publish_course, screenshot, uid, wait_until

N = 150
NAMES = ("Zeynep Şahin", "Aynur Həsənova", "Ерлан Нұрланов", "Mehmet Yıldız", "Çağla Demir", "Dilshod Toʻxtayev")


def test_admin_downloads_a_print_batch_with_a_progress_bar(open_page: Any, api: Any, tmp_path: Path) -> None:
    title = f"Ceremony workshop {uid('p')}"
    course = publish_course(api("trainer"), title)
    admin = api("admin")
    tag = uid("x")
    recipients = [
        {"name": f"{NAMES[i % len(NAMES)]} {i:03d}", "email": f"{tag}-{i}@forum.example.org", "org": "AZ"}
        for i in range(N)
    ]

    def started() -> dict[str, Any] | None:
        try:
            return admin.q(
                "mutation($i: BulkIssueInput!) { startBulkIssue(input: $i) { id } }",
                i={"courseId": course.id, "recipients": recipients},
            )["startBulkIssue"]
        except AssertionError:
            return None  # the certificates service has not heard of the course yet

    job = wait_until(started, timeout=60)

    def finished() -> bool:
        state = admin.q("query($id: ID!) { bulkIssueJob(id: $id) { status issued } }", id=job["id"])["bulkIssueJob"]
        return state["status"] == "COMPLETED" and state["issued"] == N

    wait_until(finished, timeout=180, interval=1)

    page = open_page("admin")
    page.goto("/admin/bulk")
    page.get_by_label("Course", exact=True).select_option(label=title)
    page.get_by_role("button", name="Print", exact=True).click()
    page.get_by_role("heading", name="Print for the ceremony").wait_for()
    page.get_by_label("One PDF to print, a page per certificate").check()
    values: list[str] = []
    page.get_by_role("button", name="Prepare the file").click()
    bar = page.get_by_role("progressbar", name="Preparing the print file")
    bar.wait_for()
    screenshot(page, "print-01-progress")

    def completed() -> bool:
        values.append(bar.get_attribute("aria-valuenow") or "")
        return page.locator('.print-batch[data-print-status="COMPLETED"]').count() == 1

    wait_until(completed, timeout=180, interval=0.2)
    assert bar.get_attribute("aria-valuenow") == "100"
    assert all(v.isdigit() and 0 <= int(v) <= 100 for v in values), values
    assert [int(v) for v in values] == sorted(int(v) for v in values), "the bar only moves forward"
    page.get_by_text(f"{N} of {N} certificates").wait_for()
    screenshot(page, "print-02-ready")
    assert_accessible(page, "the finished print batch")

    # The link is asked for at click time (a presigned URL lives minutes): one printBatch(downloadUrl) request.
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data or "") if r.url.endswith("/graphql") else None)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the PDF").click()
    assert any("downloadUrl" in body for body in asked), "the download link is fetched when clicked"
    saved = tmp_path / "ceremony.pdf"
    download.value.save_as(saved)
    reader = pypdf.PdfReader(io.BytesIO(saved.read_bytes()))
    assert len(reader.pages) == N
    first = " ".join(reader.pages[0].extract_text().split())
    last = " ".join(reader.pages[-1].extract_text().split())
    # English order (the course's language): Latin names from A, Cyrillic after every Latin one.
    assert "Aynur Həsənova 001" in first, first[:200]
    assert "Ерлан Нұрланов" in last, last[:200]
    assert not page.js_errors, page.js_errors
