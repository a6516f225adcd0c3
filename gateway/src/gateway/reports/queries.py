"""``report`` and ``learners``: the gateway checks the role, the progress service checks the scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from gateway.context import Info, ctx_of
from gateway.reports.types import LearnerConnection, Report, ReportDimension
from gateway.types import DateTime
from lms_shared.auth import Role
from lms_shared.errors import BadInput


async def report(
    info: Info,
    groupBy: list[ReportDimension],
    org: str | None = None,
    courseId: strawberry.ID | None = None,
    from_: Annotated[DateTime | None, strawberry.argument(name="from")] = None,
    to: DateTime | None = None,
) -> Report:
    """Admins: any state; country admins: their own state only (another org → FORBIDDEN)."""
    ctx = ctx_of(info)
    principal = await ctx.require_user()
    # Refused here before any upstream call; the service applies the same rule (country_scope).
    principal.country_scope(org)
    if len(groupBy) > 4:
        raise BadInput("groupBy takes at most the four dimensions ORG, MUNICIPALITY, COURSE and MONTH.")
    params: dict[str, str] = {"groupBy": ",".join(d.value for d in groupBy)}
    export: dict[str, Any] = {"groupBy": [d.value for d in groupBy]}
    for key, value in (("org", org), ("courseId", courseId)):
        if value:
            params[key] = str(value)
            export[key] = str(value)
    for key, when in (("from", from_), ("to", to)):
        if when is not None:
            # The scalar parsed it already (gateway.types.DATETIME_SCALAR): a datetime at run time.
            text = when.isoformat() if isinstance(when, datetime) else str(when)
            params[key] = text
            export[key] = text
    if ctx.locale:
        params["lang"] = ctx.locale
        export["lang"] = ctx.locale
    body: dict[str, Any] = await ctx.state.clients.progress.request(
        "GET", "/v1/reports/national", token=ctx.token, params=params
    )
    result: Any = {**body, "_export": export}
    return result


async def learners(
    info: Info,
    org: str | None = None,
    municipality: str | None = None,
    search: str | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> LearnerConnection:
    """Admins: everyone; country admins: their state; trainers: learners of their courses."""
    ctx = ctx_of(info)
    principal = await ctx.require_role(Role.TRAINER, Role.COUNTRY_ADMIN)
    if principal.is_country_admin:
        principal.country_scope(org)
    params = {"first": str(50 if first is None else first)}
    for key, value in (("org", org), ("municipality", municipality), ("search", search), ("after", after)):
        if value:
            params[key] = value
    body: Any = await ctx.state.clients.progress.request("GET", "/v1/learners", token=ctx.token, params=params)
    return body
