"""Progress queries: the viewer's enrolments."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.context import Info, ctx_of
from gateway.progress.types import Enrollment


async def my_enrollments(info: Info) -> list[Enrollment]:
    """Every enrolment of the viewer, with its progress."""
    result: Any = await ctx_of(info).loaders.my_enrollments()
    return result


async def pending_enrollments(info: Info, courseId: strawberry.ID | None = None) -> list[Enrollment]:
    """Registrations waiting for approval that the viewer may decide (issue 15)."""
    ctx = ctx_of(info)
    params = {"courseId": str(courseId)} if courseId else None
    result: Any = await ctx.state.clients.progress.request(
        "GET", "/v1/enrollments/pending", token=ctx.token, params=params
    )
    nodes: list[Enrollment] = result.get("nodes") or []
    return nodes
