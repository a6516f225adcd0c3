"""National reports and the learner directory: what may be asked, and the values answered. Pure.

Reports are kept by calendar month (UTC). ``from`` and ``to`` select whole months: the month that
contains ``from`` through the month that contains ``to``, both included.

What a row counts (docs/graphql.md, "National reports"):

- ``enrolled``: enrolments that are active or completed now (withdrawn ones left out, as in
  ``Course.stats``), in the month the learner first enrolled;
- ``completed``: completed enrolments, in the month of completion;
- ``certificates``: valid certificates (issued and not revoked), in the month of issue. A revoked
  certificate is no longer counted anywhere, in any month: the figure is what a verifier would accept
  today, and equals ``Course.stats.certificatesIssued``;
- ``learners``: distinct people among the row's enrolments (``enrolled``). A learner in three courses
  is one learner and three enrolments.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

import orjson

from lms_shared.errors import BadInput


class Dimension(StrEnum):
    ORG = "ORG"
    MUNICIPALITY = "MUNICIPALITY"
    COURSE = "COURSE"
    MONTH = "MONTH"


MAX_SPAN_MONTHS = 240
"""A period longer than twenty years is a typo."""


def month_of(at: datetime) -> date:
    """The first day of ``at``'s month in UTC (naive datetimes are taken as UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return date(at.year, at.month, 1)


@dataclass(frozen=True)
class ReportQuery:
    group_by: tuple[Dimension, ...]
    org: str | None = None
    course_id: str | None = None
    from_month: date | None = None
    to_month: date | None = None

    @classmethod
    def parse(
        cls,
        group_by: list[str],
        org: str | None,
        course_id: str | None,
        start: datetime | None,
        end: datetime | None,
    ) -> ReportQuery:
        dims: list[Dimension] = []
        for raw in group_by:
            try:
                d = Dimension(raw.strip().upper())
            except ValueError:
                raise BadInput(
                    f"groupBy: {raw!r} is not a report dimension (ORG, MUNICIPALITY, COURSE, MONTH)."
                ) from None
            if d not in dims:
                dims.append(d)
        from_month = month_of(start) if start is not None else None
        to_month = month_of(end) if end is not None else None
        if from_month and to_month:
            if to_month < from_month:
                raise BadInput("to is before from: give a period that ends after it starts.")
            if (to_month.year - from_month.year) * 12 + to_month.month - from_month.month > MAX_SPAN_MONTHS:
                raise BadInput(f"The period may span at most {MAX_SPAN_MONTHS} months.")
        return cls(tuple(dims), org or None, course_id or None, from_month, to_month)

    def with_org(self, org: str | None) -> ReportQuery:
        return ReportQuery(self.group_by, org, self.course_id, self.from_month, self.to_month)

    def as_json(self) -> dict[str, object]:
        return {
            "groupBy": [d.value for d in self.group_by],
            "org": self.org,
            "courseId": self.course_id,
            "from": self.from_month.isoformat() if self.from_month else None,
            "to": self.to_month.isoformat() if self.to_month else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ReportQuery:
        def d(v: object) -> date | None:
            return date.fromisoformat(str(v)) if v else None

        return cls(
            tuple(Dimension(str(x)) for x in data.get("groupBy") or []),  # type: ignore[attr-defined]
            str(data["org"]) if data.get("org") else None,
            str(data["courseId"]) if data.get("courseId") else None,
            d(data.get("from")),
            d(data.get("to")),
        )

    @property
    def course_fixed_per_row(self) -> bool:
        """Every row is about one course: its distinct learners are its enrolments (one per learner)."""
        return Dimension.COURSE in self.group_by or self.course_id is not None


@dataclass(frozen=True)
class ReportRow:
    org: str | None
    municipality: str | None
    course_id: str | None
    month: date | None
    enrolled: int
    completed: int
    certificates: int
    learners: int
    course_title: str | None = None


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    rows: list[ReportRow]
    totals: ReportRow


# --- the learner directory -----------------------------------------------------------------------

MAX_PAGE = 200


@dataclass(frozen=True)
class LearnerCursor:
    """Where a page ends: the folded name and id of its last learner (keyset pagination)."""

    name_key: str
    learner_id: str

    def encode(self) -> str:
        return base64.urlsafe_b64encode(orjson.dumps([self.name_key, self.learner_id])).decode().rstrip("=")

    @classmethod
    def decode(cls, raw: str) -> LearnerCursor:
        try:
            data = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)):
                raise ValueError
        except (ValueError, binascii.Error, orjson.JSONDecodeError):
            raise BadInput("after: not a cursor of this listing; pass pageInfo.endCursor as it was given.") from None
        return cls(data[0], data[1])


def page_size(first: int | None) -> int:
    n = 50 if first is None else first
    if n < 1 or n > MAX_PAGE:
        raise BadInput(f"first must be between 1 and {MAX_PAGE}.")
    return n


@dataclass(frozen=True)
class LearnerEntry:
    learner_id: str
    name: str
    name_key: str
    org: str | None
    municipality: str | None
    last_active_at: datetime | None
