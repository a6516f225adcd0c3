"""Finding the course a change is about, after checking that the caller may make it."""

from __future__ import annotations

import uuid

from courses.domain.model import Course, CourseStatus, Lesson, Module
from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.errors import Conflict, Forbidden, NotFound


def new_id() -> str:
    return str(uuid.uuid4())


async def course_for_edit(
    uow: CoursesUnitOfWork, course_id: str, principal: Principal, *, allow_archived: bool = False
) -> Course:
    """The draft, locked for this unit of work, after checking the caller may edit it."""
    course = await uow.courses.get(course_id, lock=True)
    if course is None:
        raise NotFound(f"There is no course with id {course_id}.")
    if not course.can_edit(principal):
        raise Forbidden("Only the course's trainers (owner and co-owners) and admins can change this course.")
    if course.status is CourseStatus.ARCHIVED and not allow_archived:
        raise Conflict("This course is archived and can no longer be edited.")
    return course


async def course_of_module(uow: CoursesUnitOfWork, module_id: str, principal: Principal) -> tuple[Course, Module]:
    course_id = await uow.courses.course_id_of_module(module_id)
    if course_id is None:
        raise NotFound(f"There is no module with id {module_id}.")
    course = await course_for_edit(uow, course_id, principal)
    module = next(m for m in course.modules if m.id == module_id)
    return course, module


async def course_of_lesson(
    uow: CoursesUnitOfWork, lesson_id: str, principal: Principal
) -> tuple[Course, Module, Lesson]:
    course_id = await uow.courses.course_id_of_lesson(lesson_id)
    if course_id is None:
        raise NotFound(f"There is no lesson with id {lesson_id}.")
    course = await course_for_edit(uow, course_id, principal)
    for module in course.modules:
        for lesson in module.lessons:
            if lesson.id == lesson_id:
                return course, module, lesson
    raise NotFound(f"There is no lesson with id {lesson_id}.")  # deleted between the two reads


async def reload(uow: CoursesUnitOfWork, course_id: str) -> Course:
    """The draft as stored now, with what the database filled in (timestamps, revision)."""
    course = await uow.courses.get(course_id)
    assert course is not None  # we hold its row lock
    return course
