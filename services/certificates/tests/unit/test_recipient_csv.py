"""Reading recipients from CSV text: the server's one reader (the API, the web upload and the CLI use it)."""

from __future__ import annotations

import time

import pytest

from certificates.domain.bulk import InputRow, ItemStatus, check_rows, plan_items
from certificates.domain.recipient_csv import (
    CsvError,
    detect_delimiter,
    normalise_header,
    read_recipients_csv,
)
from certificates.domain.recipients import ReasonCode

pytestmark = pytest.mark.unit


def plan(text: str) -> list[tuple[int | None, ItemStatus, ReasonCode | None]]:
    table = read_recipients_csv(text)
    rows = [InputRow(r.row, r.fields, r.line, r.malformed) for r in table.rows]
    return [(i.row, i.status, i.reason_code) for i in plan_items(check_rows(rows), {})]


def test_utf8_with_bom_and_any_header_case() -> None:
    text = "\ufeffName,EMAIL,learnerId,Org,municipality\nRəşad Əliyev,r@ex.az,,AZ,Baku\nӘлия,,l-2,KZ,\n"
    table = read_recipients_csv(text)
    assert table.columns == ("name", "email", "learnerId", "org", "municipality")
    assert [dict(r.fields) for r in table.rows] == [
        {"name": "Rəşad Əliyev", "email": "r@ex.az", "learnerId": "", "org": "AZ", "municipality": "Baku"},
        {"name": "Әлия", "email": "", "learnerId": "l-2", "org": "KZ", "municipality": ""},
    ]
    assert [(r.row, r.line) for r in table.rows] == [(1, 2), (2, 3)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_detected_from_the_header(delimiter: str) -> None:
    cells = ['"Çağrı, Jr."', "c@ex.tr", "TR"]
    text = delimiter.join(["name", "email", "org"]) + "\n" + delimiter.join(cells) + "\n"
    (row,) = read_recipients_csv(text).rows
    assert dict(row.fields) == {"name": "Çağrı, Jr.", "email": "c@ex.tr", "org": "TR"}


def test_a_quoted_delimiter_in_the_header_does_not_count() -> None:
    assert detect_delimiter('"name;with;semicolons",email') == ","
    assert detect_delimiter("name") == ","


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Full Name", "name"),
        ("full_name", "name"),
        ("learnerName", "name"),
        ("E-mail", "email"),
        ("mail", "email"),
        ("Learner ID", "learnerId"),
        ("learner_id", "learnerId"),
        ("sub", "learnerId"),
        ("Country", "org"),
        ("City", "municipality"),
        ("MUNICIPALITY", "municipality"),
    ],
)
def test_header_aliases_of_the_web_client_and_the_cli(header: str, field: str) -> None:
    text = f"{header}\nAida\n" if field == "name" else f"name,{header}\nAida,x\n"
    table = read_recipients_csv(text)
    assert table.columns[-1] == field and table.rows[0].fields["name"] == "Aida"


def test_header_matching_ignores_case_in_ascii_only() -> None:
    # A Turkish-locale lower case turns "I" into "ı"; "EMAIL" must still be the e-mail column.
    assert normalise_header("LEARNER_ID") == "learnerid"
    assert normalise_header(" E-MAIL ") == "email"
    assert normalise_header("İsim") != "isim"


def test_unknown_columns_are_ignored() -> None:
    (row,) = read_recipients_csv("name,phone,email\nAida,+7 700,a@ex.kz\n").rows
    assert dict(row.fields) == {"name": "Aida", "email": "a@ex.kz"}


def test_header_problems_name_the_columns_found() -> None:
    with pytest.raises(CsvError, match="empty"):
        read_recipients_csv("")
    with pytest.raises(CsvError, match="empty"):
        read_recipients_csv("\ufeff\n\n")
    with pytest.raises(CsvError) as info:
        read_recipients_csv("email;Org\na@b.org;KZ\n")
    assert "no name column" in str(info.value) and "'email', 'Org'" in str(info.value)
    with pytest.raises(CsvError, match="more than one column for email"):
        read_recipients_csv("name,email,mail\nA,a@b.org,b@c.org\n")


def test_blank_lines_are_skipped_and_rows_keep_their_lines() -> None:
    table = read_recipients_csv('name,email\n\nOk,ok@ex.org\n"Two\nlines",t@ex.org\n\nLast,l@ex.org\n')
    assert [(r.row, r.line, r.fields["name"]) for r in table.rows] == [
        (1, 3, "Ok"),
        (2, 4, "Two\nlines"),
        (3, 7, "Last"),
    ]


def test_rows_with_too_many_or_too_few_cells_are_malformed() -> None:
    text = "name,email,org\nA,a@b.de,KZ,extra\nB,b@c.de\nC,c@d.de,KZ\n"
    table = read_recipients_csv(text)
    assert [r.malformed for r in table.rows] == ["4 values for 3 columns", "2 values for 3 columns", None]
    assert plan(text) == [
        (1, ItemStatus.REFUSED, ReasonCode.MALFORMED_ROW),
        (2, ItemStatus.REFUSED, ReasonCode.MALFORMED_ROW),
        (3, ItemStatus.PENDING, None),
    ]


def test_bad_rows_are_refused_with_their_codes() -> None:
    text = (
        "name,email,org\nOk,ok@ex.org,KZ\n,empty@ex.org,\nBad,not-mail,\n"
        '"Quoted, name",q@ex.org,kz\nNope,n@ex.org,Kazakhstan\nOk again,OK@EX.ORG,\n'
    )
    assert plan(text) == [
        (1, ItemStatus.PENDING, None),
        (2, ItemStatus.REFUSED, ReasonCode.MISSING_NAME),
        (3, ItemStatus.REFUSED, ReasonCode.INVALID_EMAIL),
        (4, ItemStatus.PENDING, None),
        (5, ItemStatus.REFUSED, ReasonCode.UNKNOWN_ORG),
        (6, ItemStatus.SKIPPED, ReasonCode.DUPLICATE_IN_INPUT),
    ]


def test_ten_thousand_rows_read_and_check_quickly() -> None:
    body = "\n".join(f"Participant {i},p{i}@example.org,,KZ,Almaty" for i in range(10_000))
    started = time.perf_counter()
    table = read_recipients_csv("name,email,learnerId,org,municipality\n" + body)
    checked = check_rows([InputRow(r.row, r.fields, r.line, r.malformed) for r in table.rows])
    assert time.perf_counter() - started < 5
    assert len(checked) == 10_000 and all(c.recipient is not None for c in checked)
