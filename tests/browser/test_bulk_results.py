"""Bulk issuance results that account for every input row (issue 18, item 5), in Chromium, in two languages.

Against the real stack: one recipient already holds the course's certificate; a CSV then names them
again, names a person twice, and has two rows the server refuses (an invalid e-mail, no name). The
finished job's page has one section per outcome (issued, skipped, refused, failed) whose sizes agree
with the summary, every row with its reason in the page language and its certificate code; the
downloaded CSV has every input row with its outcome, translated reason and code; the status badge never
says "Queued" once rows have been processed (rows refused at submission are processed at once).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import Api, assert_accessible, publish_course, screenshot, uid, wait_until

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "gateway" / "web" / "src" / "i18n"
HEADER = [
    "row",
    "name",
    "email",
    "org",
    "municipality",
    "learnerId",
    "outcome",
    "reasonCode",
    "reason",
    "certificateCode",
]

# Records the badge and the bar on every change of the job panel, from the first render on.
WATCH_BADGE = """() => {
  window.__badges = [];
  const seen = () => {
    const job = document.querySelector('.job');
    if (!job) return;
    const badge = job.querySelector('.badge');
    const bar = job.querySelector('[role="progressbar"]');
    const entry = [badge ? badge.textContent.trim() : '', bar ? Number(bar.getAttribute('aria-valuenow')) : -1,
                   job.getAttribute('data-job-status')];
    const last = window.__badges[window.__badges.length - 1];
    if (!last || last.join('|') !== entry.join('|')) window.__badges.push(entry);
  };
  new MutationObserver(seen).observe(document.body,
    { subtree: true, childList: true, attributes: true, characterData: true });
}"""


def _messages(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf-8"))
    return data


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


@pytest.mark.parametrize("lang", ["en", "az"])
def test_bulk_result_accounts_for_every_row(open_page: Any, api: Any, tmp_path: Path, lang: str) -> None:
    m = _messages(lang)
    tag = uid("b")
    title = f"Budget hearing {tag}"
    course = publish_course(api("trainer"), title)
    admin: Api = api("admin")
    held_email = f"{tag}-held@forum.example.org"
    held = wait_until(
        lambda: _try_issue(admin, course.id, {"name": "Kanat Sadykov", "email": held_email, "org": "KG"}), timeout=60
    )
    rows = [
        "name,email,org,municipality",
        f"Aynur Həsənova,{tag}-1@forum.example.org,AZ,Baku",  # 1 issued
        f"Ерлан Нұрланов,{tag}-2@forum.example.org,KZ,Almaty",  # 2 issued
        f"Mehmet Yıldız,{tag}-3@forum.example.org,TR,İzmir",  # 3 issued
        f"Kanat Sadykov,{held_email},KG,Osh",  # 4 skipped: already certified
        f"Aynur Həsənova,{tag}-1@forum.example.org,AZ,Baku",  # 5 skipped: duplicate of row 1
        "Broken Email,not-an-email,KZ,Almaty",  # 6 refused: invalid e-mail
        f",{tag}-7@forum.example.org,AZ,Baku",  # 7 refused: no name
    ]
    page = open_page("admin", lang=lang)
    page.goto("/admin/bulk")
    page.locator("#bulk-course").select_option(label=title if lang == "en" else f"{title} (az)")  # its az title
    page.locator("#bulk-csv").set_input_files(
        files=[{"name": "hearing.csv", "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode()}]
    )
    page.locator("tr.row-bad").nth(1).wait_for()
    page.evaluate(WATCH_BADGE)
    page.get_by_role("button", name=m["bulk.issueN_other"].replace("{count}", "3")).click()
    page.get_by_role("dialog").get_by_role("button", name=m["bulk.confirm"], exact=True).click()
    page.locator('.job[data-job-status="COMPLETED"]').wait_for(timeout=120_000)

    # The badge: "Queued" only while nothing has been processed (2 of 7 rows are refused at submission).
    badges: list[list[Any]] = page.evaluate("window.__badges")
    assert badges, "the job panel was seen"
    queued = m["jobStatus.QUEUED"]
    wrong = [b for b in badges if b[0] == queued and b[1] > 0]
    assert not wrong, f"the badge says {queued!r} with the bar already moving: {badges}"
    assert badges[-1][0] == m["jobStatus.COMPLETED"]
    page.locator(".bulk-result-section").first.wait_for()
    screenshot(page, f"bulk-result-{lang}")

    # The summary, the tiles and the sections agree: 3 issued, 2 skipped, 2 refused, 0 failed.
    summary = (
        m["bulk.counts"]
        .replace("{processed}", "7")
        .replace("{total}", "7")
        .replace("{issued}", "3")
        .replace("{skipped}", "2")
        .replace("{refused}", "2")
        .replace("{failed}", "0")
    )
    assert page.get_by_text(summary).count() == 1
    tiles = {
        o: page.locator(f'.bulk-tiles [data-outcome="{o}"] dd').inner_text()
        for o in ("ISSUED", "SKIPPED", "REFUSED", "FAILED")
    }
    assert tiles == {"ISSUED": "3", "SKIPPED": "2", "REFUSED": "2", "FAILED": "0"}
    section = {o: page.locator(f'.bulk-result-section[data-outcome="{o}"]') for o in ("ISSUED", "SKIPPED", "REFUSED")}
    assert page.locator('.bulk-result-section[data-outcome="FAILED"]').count() == 0, "no failures: no section"
    for outcome, n in (("ISSUED", 3), ("SKIPPED", 2), ("REFUSED", 2)):
        assert section[outcome].locator("h3").inner_text() == f"{m[f'bulk.outcomeTitle.{outcome}']} ({n})"
        assert section[outcome].locator("tbody tr").count() == n
    assert page.locator(".bulk-result-section tbody tr").count() == 7, "every input row, once"
    issued_rows = section["ISSUED"].locator("tbody tr")
    codes = [issued_rows.nth(i).locator("code").inner_text() for i in range(3)]
    assert all(codes) and len(set(codes)) == 3, codes
    assert issued_rows.nth(0).inner_text().split("\t")[3] == m["country.AZ"], "the country by name, not AZ"
    skipped = section["SKIPPED"].locator("tbody tr")
    assert m["bulkReason.ALREADY_CERTIFIED"] in skipped.nth(0).inner_text()
    assert skipped.nth(0).locator("code").inner_text() == held["code"], "the certificate they already hold"
    assert m["bulkReason.DUPLICATE_IN_INPUT"] in skipped.nth(1).inner_text()
    refused = section["REFUSED"].locator("tbody tr")
    assert m["bulkReason.INVALID_EMAIL"] in refused.nth(0).inner_text()
    assert m["bulkReason.MISSING_NAME"] in refused.nth(1).inner_text()
    assert_accessible(page, f"the finished bulk job ({lang})")

    # The result file: every input row, with outcome, reason (in the page language) and certificate code.
    with page.expect_download() as download:
        page.get_by_role("button", name=m["bulk.downloadResult"]).click()
    saved = tmp_path / "result.csv"
    download.value.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a BOM, so spreadsheets read UTF-8"
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("# job ") and "issued 3; skipped 2; refused 2; failed 0" in lines[0]
    table = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
    assert table[0] == HEADER
    data = [dict(zip(HEADER, r, strict=True)) for r in table[1:]]
    assert [d["row"] for d in data] == ["1", "2", "3", "4", "5", "6", "7"], "every input row, in order"
    assert [d["outcome"] for d in data] == ["ISSUED"] * 3 + ["SKIPPED"] * 2 + ["REFUSED"] * 2
    assert [d["certificateCode"] for d in data[:3]] == codes
    assert all(d["reason"] == "" and d["reasonCode"] == "" for d in data[:3])
    assert data[3]["reasonCode"] == "ALREADY_CERTIFIED" and data[3]["certificateCode"] == held["code"]
    expected = {3: "ALREADY_CERTIFIED", 4: "DUPLICATE_IN_INPUT", 5: "INVALID_EMAIL", 6: "MISSING_NAME"}
    for i, code in expected.items():
        assert data[i]["reasonCode"] == code
        assert data[i]["reason"] == m[f"bulkReason.{code}"], data[i]
    assert not page.js_errors, page.js_errors
