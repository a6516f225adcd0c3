"""Reading courses: one course as its viewer may see it, and catalogue pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from courses.domain.model import Course
from courses.service_layer.ports import CatalogueQuery
from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.errors import NotFound


@dataclass(frozen=True)
class CourseView:
    course: Course
    is_draft: bool
    viewer_is_editor: bool


@dataclass(frozen=True)
class CataloguePage:
    views: list[CourseView]
    total: int
    has_next: bool
    end_cursor: tuple[datetime, str] | None


async def get_course(
    uow: CoursesUnitOfWork, principal: Principal | None, course_id: str, version: int | None
) -> CourseView:
    """The working draft for its trainers and admins, else the latest (or the asked) published version."""
    draft = await uow.courses.get(course_id)
    if draft is None:
        raise NotFound(f"There is no course with id {course_id}.")
    editor = draft.can_edit(principal)
    if version is None and editor:
        return CourseView(draft, True, True)
    if draft.version == 0:
        raise NotFound(f"There is no course with id {course_id}.")  # drafts are private
    frozen = await uow.versions.get(course_id, version)
    if frozen is None:
        raise NotFound(f"Course {course_id} has no published version {version} (the latest is {draft.version}).")
    return CourseView(frozen, False, editor)


async def list_courses(uow: CoursesUnitOfWork, principal: Principal | None, query: CatalogueQuery) -> CataloguePage:
    rows, total, has_next = await uow.catalogue.page(query, principal)
    drafts = await uow.courses.get_many([r.course_id for r in rows if r.editor_view])
    published = await uow.versions.get_many([r.course_id for r in rows if not r.editor_view])
    views = []
    for row in rows:
        loaded = drafts.get(row.course_id) if row.editor_view else published.get(row.course_id)
        if loaded is not None:
            views.append(CourseView(loaded, row.editor_view, row.editor_view))
    end = (rows[-1].created_at, rows[-1].course_id) if rows else None
    return CataloguePage(views, total, has_next, end)
