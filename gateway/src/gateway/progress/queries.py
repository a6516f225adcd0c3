"""Progress queries: the viewer's enrolments."""

from __future__ import annotations

from typing import Any

from gateway.context import Info, ctx_of
from gateway.progress.types import Enrollment


async def my_enrollments(info: Info) -> list[Enrollment]:
    """Every enrolment of the viewer, with its progress."""
    result: Any = await ctx_of(info).loaders.my_enrollments()
    return result
