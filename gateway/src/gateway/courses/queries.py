"""Catalogue queries: ``courses`` and ``course``."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.courses.types import Course, CourseConnection
from gateway.types import CourseStatus
from lms_shared.errors import BadInput, DomainError, ErrorCode

MAX_PAGE = 100


async def courses(
    info: Info,
    status: CourseStatus | None = strawberry.UNSET,
    topic: str | None = strawberry.UNSET,
    lang: str | None = strawberry.UNSET,
    search: str | None = strawberry.UNSET,
    first: int | None = 20,
    after: str | None = strawberry.UNSET,
) -> CourseConnection:
    """Published courses (and, for their trainers and admins, drafts), filtered and paginated."""
    ctx = ctx_of(info)
    size = 20 if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise BadInput(f"'first' must be between 1 and {MAX_PAGE}.")
    if search and len(search) > 200:
        raise BadInput("'search' is limited to 200 characters.")
    params: dict[str, str] = {"first": str(size)}
    for name, value in (("topic", topic), ("lang", lang), ("search", search), ("after", after)):
        if value:
            params[name] = value
    if status:
        params["status"] = status.value
    # Trainers and admins may see drafts: their answers depend on who they are and are never shared.
    shared = not ctx.is_staff
    key = ctx.state.catalogue.key("list", params) if shared else ""
    if shared:
        cached = await ctx.state.catalogue.get(key)
        if cached is not None:
            return cached
    page: Any = await ctx.state.clients.courses.request("GET", "/v1/courses", token=ctx.token, params=params)
    if shared and all(_shareable(node) for node in page.get("nodes") or []):
        await ctx.state.catalogue.put(key, page)
    return page


def _shareable(found: Any) -> bool:
    """Whether an answer is the same for every viewer: a published course, not a draft or an editor's view.

    Roles alone cannot tell: whoever the courses service counts as an editor (a co-owner, whatever
    their role) gets drafts, and one cached draft would reach every learner.
    """
    return (
        isinstance(found, dict)
        and found.get("status") in ("PUBLISHED", "ARCHIVED")
        and not found.get("isDraft")
        and not found.get("viewerCanEdit")
    )


async def course(info: Info, id: strawberry.ID) -> Course | None:
    """One course by id: its latest published version, or the working draft for its trainers and admins."""
    ctx = ctx_of(info)
    path = f"/v1/courses/{seg(id)}"
    shared = not ctx.is_staff
    key = ctx.state.catalogue.key("course", {"id": str(id)}) if shared else ""
    if shared:
        cached = await ctx.state.catalogue.get(key)
        if cached is not None:
            return cached
    try:
        found: Any = await ctx.state.clients.courses.request("GET", path, token=ctx.token)
    except DomainError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
            return None
        raise
    if shared and _shareable(found):
        await ctx.state.catalogue.put(key, found)
    return found
