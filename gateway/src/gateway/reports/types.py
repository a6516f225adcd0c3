"""National reports and the learner directory, backed by the progress service's JSON."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from gateway.certificates.types import Certificate
from gateway.context import Info, ctx_of
from gateway.progress.types import Enrollment
from gateway.types import DateTime, Json, PageInfo


@strawberry.enum(description="What a report row is about.")
class ReportDimension(Enum):
    ORG = "ORG"
    MUNICIPALITY = "MUNICIPALITY"
    COURSE = "COURSE"
    MONTH = "MONTH"


@strawberry.type(description="One group of a national report; the grouped-by fields are set, the others null.")
class ReportRow:
    org: str | None = strawberry.field(description="Member state (ISO 3166 alpha-2).")
    municipality: str | None = strawberry.field(description="Municipality.")
    courseId: strawberry.ID | None = strawberry.field(description="The course.")
    courseTitle: str | None = strawberry.field(description="The course's title in the viewer's language.")
    month: str | None = strawberry.field(description="YYYY-MM")
    enrolled: int = strawberry.field(description="Enrolments active or completed (by month of enrolment).")
    completed: int = strawberry.field(description="Completions (by month of completion).")
    certificates: int = strawberry.field(
        description="Valid certificates (by month of issue; revoked ones not counted)."
    )
    learners: int = strawberry.field(description="Distinct learners in this row.")


async def report_csv_url(root: strawberry.Parent[Json], info: Info) -> str:
    """A link valid for a few minutes to the same report as CSV (made only when asked for)."""
    ctx = ctx_of(info)
    body = await ctx.state.clients.progress.request(
        "POST", "/v1/reports/national/exports", token=ctx.token, json=root["_export"]
    )
    base = ctx.state.settings.public_url.rstrip("/")
    return f"{base}/exports/{body['token']}.csv"


@strawberry.type(description="A national report: rows, totals, and the same as CSV.")
class Report:
    rows: list[ReportRow] = strawberry.field(description="One row per group.")
    totals: ReportRow = strawberry.field(description="Every row together (distinct learners counted once).")
    csvUrl: str = strawberry.field(
        resolver=report_csv_url,
        description="A presigned or signed link to the same report as CSV (UTF-8, formula cells neutralised).",
    )


async def learner_certificates(root: strawberry.Parent[Json], info: Info) -> list[Certificate]:
    """The learner's certificates, from the certificates service, batched over the page."""
    ids = [str(i) for i in root.get("certificateIds") or []]
    found: list[Any] = [await ctx_of(info).loaders.certificate_by_id(i) for i in ids]
    return [c for c in found if c is not None]


def learner_enrollments(root: strawberry.Parent[Json]) -> list[Enrollment]:
    enrollments: list[Enrollment] = root.get("enrollments") or []
    return enrollments


@strawberry.type(description="Someone who has taken part: their enrolments, certificates and last activity.")
class Learner:
    id: strawberry.ID = strawberry.field(description="The learner's user id.")
    name: str = strawberry.field(description="Name, as last enrolled.")
    org: str | None = strawberry.field(description="Member state.")
    municipality: str | None = strawberry.field(description="Municipality.")
    enrollments: list[Enrollment] = strawberry.field(
        resolver=learner_enrollments, description="Enrolments (a trainer sees those of their courses)."
    )
    certificates: list[Certificate] = strawberry.field(
        resolver=learner_certificates, description="Certificates issued (a trainer sees those of their courses)."
    )
    lastActiveAt: DateTime | None = strawberry.field(description="Last enrolment, lesson, quiz or completion.")


@strawberry.type(description="A page of the learner directory.")
class LearnerConnection:
    nodes: list[Learner] = strawberry.field(description="Learners in name order.")
    pageInfo: PageInfo = strawberry.field(description="Where the page ends.")
    totalCount: int = strawberry.field(description="Learners matching, on every page.")
