"""Issue 13, finding 4: report.csv never hands a spreadsheet a formula, whatever learners call themselves."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from nats.js import JetStreamContext

from services.progress.tests.integration.support import Api, course_published, publish, text_lesson, uid

pytestmark = pytest.mark.integration

HYPERLINK = '=HYPERLINK("http://x","y")'


async def test_report_csv_cells_that_would_run_as_formulas_are_neutralised(
    nats_js: JetStreamContext, api: Callable[..., Api]
) -> None:
    owner, course_id = uid("trainer"), uid("course")
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-1", 1)], owner_id=owner))
    learners = {
        HYPERLINK: api(uid("learner"), HYPERLINK, org="@SUM(A1:A9)", municipality="-2+3"),
        "+cmd": api(uid("learner"), "+cmd", org="=1+1", municipality="Bakı"),
        "Rəşad-Əliyev": api(uid("learner"), "Rəşad-Əliyev", org="AZ", municipality="Bakı"),
    }
    for person in learners.values():
        await person.enroll_when_published(course_id)

    r = await api(owner, roles=["trainer"]).http.get(f"/v1/courses/{course_id}/report.csv")
    assert r.status_code == 200, r.text
    rows = {row["learnerName"]: row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    assert set(rows) == {"'" + HYPERLINK, "'+cmd", "Rəşad-Əliyev"}  # a dash inside a name is left alone
    assert (rows["'" + HYPERLINK]["org"], rows["'" + HYPERLINK]["municipality"]) == ("'@SUM(A1:A9)", "'-2+3")
    assert rows["'+cmd"]["org"] == "'=1+1"
    for row in rows.values():
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
