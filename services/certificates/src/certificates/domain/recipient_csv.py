"""Recipients as CSV text: the one reader the API, the web client's upload and the CLI all go through.

What a spreadsheet exports varies, so the reader is lenient where it is safe and strict where data
could be lost:

* UTF-8 text; a byte-order mark (Excel writes one) is ignored.
* One header row. The delimiter is the one of ``,`` ``;`` and tab that the header uses most
  (Excel writes ``;`` where the decimal separator is a comma, as in most member states).
* Header names are matched ignoring case (in ASCII, never by locale rules: the Turkish dotted-I
  trap), spaces, ``_`` and ``-`` against :data:`HEADER_ALIASES`. Unknown columns are ignored; a
  header without a recognisable name column is refused, naming the columns it found.
* Blank lines are skipped and not counted. Every other line is a row, numbered from 1 below the
  header (``row``), with the line of the file it starts on (``line``) for people reading the file.
* A row with more or fewer cells than the header is refused as ``MALFORMED_ROW``: guessing which
  cell is missing would put an e-mail address in the municipality.

Rows are only split into fields here; :func:`certificates.domain.recipients.parse_recipient` checks
them, once, with every other recipient.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from certificates.domain.recipients import ReasonCode
from lms_shared.i18n import ascii_lower

# The union of what the web client (gateway/web/src/csv.ts) and the CLI accepted before the rules
# moved here, in normalised form (see normalise_header).
HEADER_ALIASES: Final[Mapping[str, str]] = {
    "name": "name",
    "fullname": "name",
    "learnername": "name",
    "email": "email",
    "mail": "email",
    "learnerid": "learnerId",
    "sub": "learnerId",
    "org": "org",
    "country": "org",
    "municipality": "municipality",
    "city": "municipality",
}
DELIMITERS: Final = (",", ";", "\t")


class CsvError(ValueError):
    """The CSV as a whole cannot be read (no header, no name column); nothing in it is used."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: its fields by recipient field name, or why it could not be split into them."""

    row: int
    line: int
    fields: Mapping[str, str]
    malformed: str | None = None
    """The reason (``MALFORMED_ROW``) when the row's cells do not match the header."""

    @property
    def reason_code(self) -> ReasonCode | None:
        return ReasonCode.MALFORMED_ROW if self.malformed else None


@dataclass(frozen=True, slots=True)
class CsvTable:
    columns: tuple[str, ...]
    """The recipient field of each column ("" for an ignored one)."""
    rows: tuple[CsvRow, ...]


def normalise_header(raw: str) -> str:
    """``" Learner_ID "`` → ``"learnerid"``: ASCII lower case without spaces, ``_`` and ``-``."""
    return "".join(ch for ch in ascii_lower(raw.strip()) if ch not in " _-\t")


def detect_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most, counting outside quotes; ``,`` when it uses none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_recipients_csv(text: str) -> CsvTable:
    """Split CSV text into rows of recipient fields; raises :class:`CsvError` for an unusable header."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise CsvError("The CSV is empty; it needs a header row with at least a name column.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(first_line), strict=False)
    try:
        header = next((cells for cells in reader if any(cell.strip() for cell in cells)), None)
        if header is None:
            raise CsvError("The CSV has no header row; it needs one with at least a name column.")
        columns = tuple(HEADER_ALIASES.get(normalise_header(h), "") for h in header)
        found = [h.strip() for h in header if h.strip()]
        if "name" not in columns:
            raise CsvError(
                f"The CSV header has no name column; it has {', '.join(repr(h) for h in found)}. "
                f"Name the column of names 'name' (or 'full name')."
            )
        repeated = sorted({c for c in columns if c and columns.count(c) > 1})
        if repeated:
            raise CsvError(f"The CSV header has more than one column for {', '.join(repeated)}; keep one of each.")
        rows: list[CsvRow] = []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_row(len(rows) + 1, line, columns, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError(f"The CSV cannot be read near line {reader.line_num}: {exc}.") from exc
    return CsvTable(columns, tuple(rows))


def _row(row: int, line: int, columns: tuple[str, ...], cells: list[str]) -> CsvRow:
    fields = {col: cell for col, cell in zip(columns, cells, strict=False) if col}
    if len(cells) != len(columns):
        noun = "value" if len(cells) == 1 else "values"
        return CsvRow(row, line, fields, f"{len(cells)} {noun} for {len(columns)} columns")
    return CsvRow(row, line, fields)
