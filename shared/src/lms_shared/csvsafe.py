"""CSV cells a spreadsheet cannot run as a formula (CSV or formula injection).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a formula by
Excel, LibreOffice and Google Sheets: a learner named ``=HYPERLINK("http://x","y")`` would become a
live link in an admin's spreadsheet. Following OWASP's guidance such cells get a leading single quote,
which spreadsheets show as text; the value stays readable. Only text is touched: numbers (a negative
score is still a number) are written as they are.

Every CSV a service writes goes through :func:`safe_row` or :func:`writer`; the web client does the same
with ``Papa.unparse(..., { escapeFormulae: true })`` (gateway/web/src/csv.ts).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(cells: Iterable[Any]) -> list[Any]:
    return [neutralise(c) for c in cells]


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


class SafeWriter:
    """``csv.writer`` whose rows are neutralised first."""

    def __init__(self, out: _Writable, **fmt: Any) -> None:
        self._writer = csv.writer(out, **fmt)

    def writerow(self, cells: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(cells))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable, **fmt: Any) -> SafeWriter:
    """Like ``csv.writer(out, **fmt)``, with every cell neutralised."""
    return SafeWriter(out, **fmt)
