"""The bulk-issue command: the server's dry run previews the file, refused rows are shown by line, nothing starts.

The gateway is stood in for by respx; its answer to the dry run comes from the real service-layer dry
run on the fakes, so what the command prints is what the server's rules say.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from certificates.entrypoints.cli import bulk_issue, describe_refused, line_numbers, read_text, render_bar
from certificates.entrypoints.schemas import dry_run_json
from certificates.service_layer import bulk
from certificates.service_layer.bulk import StartBulkIssue
from certificates.service_layer.issuing import Actor
from lms_shared.errors import DomainError

from .fakes import FakeUnitOfWork, course, fake_ports

pytestmark = pytest.mark.unit

GATEWAY = "http://gateway.test"


def fake_gateway(router: respx.MockRouter, calls: list[str]) -> None:
    """``startBulkIssue(dryRun: true)`` answered by the real dry run; a real start is only recorded."""
    uow, ports = FakeUnitOfWork(), fake_ports()
    c = course("c-1")
    uow.tables.courses[c.id] = c
    uow.work.courses[c.id] = c

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        query, given = body["query"], body["variables"]["input"]
        if "dryRun: true" not in query:
            calls.append("start")
            return httpx.Response(200, json={"errors": [{"message": "not in this test"}]})
        calls.append("preview")
        command = StartBulkIssue(given["courseId"], csv=given["csv"])
        try:
            plan = asyncio.run(bulk.dry_run_bulk_issue(uow, Actor("a", "A"), command, ports))
        except DomainError as exc:
            return httpx.Response(200, json={"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]})
        job = dry_run_json(plan)
        refused = [r for r in job["rows"] if r["outcome"] == "REFUSED"]
        job["rows"] = {"totalCount": len(refused), "nodes": refused[: body["variables"]["first"]]}
        return httpx.Response(200, json={"data": {"startBulkIssue": job}})

    router.post(f"{GATEWAY}/graphql").mock(side_effect=answer)


def run(tmp_path: Path, text: str, **flags: Any) -> tuple[int, str, list[str]]:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(text, encoding="utf-8")
    err, calls = io.StringIO(), list[str]()
    args = argparse.Namespace(csv=str(csv_file), course="c-1", gateway_url=GATEWAY, token="t", **flags)
    with respx.mock(assert_all_called=False) as router:
        fake_gateway(router, calls)
        status = bulk_issue(args, out=io.StringIO(), err=err)
    return status, err.getvalue(), calls


def test_refused_rows_are_shown_by_line_and_nothing_starts(tmp_path: Path) -> None:
    text = 'name,email\n\nOk,ok@ex.org\n,missing@x.org\nBad,not-mail\n"Quoted, name",q@ex.org\nA,b@c.de,extra\n'
    status, err, calls = run(tmp_path, text)
    assert status == 2 and calls == ["preview"]
    assert "line 4: name is empty" in err
    assert "line 5: email 'not-mail' is not an e-mail address" in err
    assert "line 7: 3 values for 2 columns" in err
    assert "3 row(s) refused" in err and "nothing was stored" in err


def test_a_dry_run_only_previews(tmp_path: Path) -> None:
    status, err, calls = run(tmp_path, "name;email\nAida;a@ex.kz\nAida B;A@EX.KZ\n", dry_run=True)
    assert status == 0 and calls == ["preview"]
    assert "2 rows: 1 to issue, 1 to skip, 0 refused" in err


def test_a_header_without_names_is_the_servers_answer(tmp_path: Path) -> None:
    status, err, calls = run(tmp_path, "email,org\na@b.org,KZ\n")
    assert status == 2 and calls == ["preview"]
    assert "no name column; it has 'email', 'org'" in err


def test_not_utf8_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    data = "name\nÇağrı\n".encode("cp1254")
    assert read_text(data) == (None, "line 2: the file is not UTF-8 text (save it as 'CSV UTF-8')")
    csv_file = tmp_path / "people.csv"
    csv_file.write_bytes(data)
    err = io.StringIO()
    args = argparse.Namespace(csv=str(csv_file), course="c", gateway_url="http://127.0.0.1:9", token="t")
    assert bulk_issue(args, out=io.StringIO(), err=err) == 2
    assert "not UTF-8" in err.getvalue() and "nothing was sent" in err.getvalue()


def test_lines_follow_the_servers_reader() -> None:
    lines = line_numbers('name\n\nA\n"B\nB"\nC\n')
    assert lines == {1: 3, 2: 4, 3: 6}
    shown = describe_refused([{"row": 2, "reason": "name is empty"}, {"row": 9, "reasonCode": "MALFORMED_ROW"}], lines)
    assert shown == ["line 4: name is empty", "row 9: MALFORMED_ROW"]


def test_progress_bar() -> None:
    bar = render_bar({"total": 200, "issued": 90, "skipped": 5, "failed": 5, "status": "RUNNING"}, 80)
    assert bar.startswith("[") and " 50%" in bar and "RUNNING" in bar and len(bar) <= 80
    done = render_bar({"total": 10, "issued": 6, "skipped": 1, "refused": 3, "failed": 0, "status": "COMPLETED"}, 80)
    assert "100%" in done
