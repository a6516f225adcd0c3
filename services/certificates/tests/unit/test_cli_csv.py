"""The bulk-issue command's CSV reading: every problem reported with its line before anything is sent."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from certificates.entrypoints.cli import bulk_issue, read_recipients_csv, render_bar

pytestmark = pytest.mark.unit


def test_utf8_with_bom_and_any_header_case() -> None:
    data = "\ufeffName,EMAIL,learnerId,Org,municipality\nRəşad Əliyev,r@ex.az,,AZ,Baku\nӘлия,,l-2,KZ,\n".encode()
    result = read_recipients_csv(data)
    assert result.errors == []
    assert result.recipients == [
        {"name": "Rəşad Əliyev", "email": "r@ex.az", "org": "AZ", "municipality": "Baku"},
        {"name": "Әлия", "learnerId": "l-2", "org": "KZ"},
    ]


def test_bad_rows_are_reported_with_line_numbers() -> None:
    data = b'name,email\nOk,ok@ex.org\n,empty@ex.org\n\nBad,not-mail\n"Quoted, name",q@ex.org\nA,b@c.de,extra\n'
    result = read_recipients_csv(data)
    assert result.errors == [
        "line 3: name is empty",
        "line 5: email 'not-mail' is not an e-mail address",
        "line 7: 3 values for 2 columns",
    ]
    assert [r["name"] for r in result.recipients] == ["Ok", "Quoted, name"]


def test_header_problems() -> None:
    assert read_recipients_csv(b"").errors == ["the file is empty; it needs a header row with at least 'name'"]
    assert read_recipients_csv(b"email\na@b.org\n").errors == ["line 1: the header has no 'name' column"]
    assert read_recipients_csv(b"name,e-mail\nA,a@b.org\n").errors[0].startswith("line 1: unknown column 'e-mail'")


def test_not_utf8_says_so() -> None:
    data = "name\nÇağrı\n".encode("cp1254")
    assert read_recipients_csv(data).errors == ["line 2: the file is not UTF-8 text (save it as 'CSV UTF-8')"]


def test_ten_thousand_rows_parse_quickly() -> None:
    body = "\n".join(f"Participant {i},p{i}@example.org,,KZ,Almaty" for i in range(10_000))
    result = read_recipients_csv(("name,email,learnerId,org,municipality\n" + body).encode())
    assert not result.errors and len(result.recipients) == 10_000


def test_command_refuses_a_bad_file_without_contacting_the_gateway(tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name,email\n\nOk,ok@x.org\n,missing@x.org\n", encoding="utf-8")
    err = io.StringIO()
    args = argparse.Namespace(csv=str(csv_file), course="c", gateway_url="http://127.0.0.1:9", token="t")
    assert bulk_issue(args, out=io.StringIO(), err=err) == 2
    assert "line 4: name is empty" in err.getvalue() and "nothing was sent" in err.getvalue()


def test_progress_bar() -> None:
    bar = render_bar({"total": 200, "issued": 90, "skipped": 5, "failed": 5, "status": "RUNNING"}, 80)
    assert bar.startswith("[") and " 50%" in bar and "RUNNING" in bar and len(bar) <= 80
