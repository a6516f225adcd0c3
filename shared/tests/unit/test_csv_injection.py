"""lms_shared.csvsafe: cells a spreadsheet would run as formulas get a leading quote; nothing else changes."""

from __future__ import annotations

import csv
import io

import pytest

from lms_shared import csvsafe

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://x","y")', "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=", "+"],
)
def test_cells_starting_like_a_formula_get_a_leading_quote(cell: str) -> None:
    assert csvsafe.neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Rəşad Əliyev", "a=b", "Ана-Мария", "", " =1", "'already", "KB-7Q2M"])
def test_other_text_is_left_as_it_is(cell: str) -> None:
    assert csvsafe.neutralise(cell) == cell


def test_numbers_and_missing_values_are_not_text_and_stay_as_they_are() -> None:
    assert csvsafe.safe_row([-5, 0, 2.5, None]) == [-5, 0, 2.5, None]


def test_the_writer_writes_neutralised_rows_that_read_back_intact() -> None:
    out = io.StringIO()
    w = csvsafe.writer(out, lineterminator="\r\n")
    w.writerow(["name", "org"])
    w.writerows([['=HYPERLINK("http://x","y")', "+KZ"], ["Dilnoza, Tashkent", -1]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["name", "org"],
        ['\'=HYPERLINK("http://x","y")', "'+KZ"],
        ["Dilnoza, Tashkent", "-1"],
    ]
