"""The public calendar feed of a published course's live sessions (``Course.calendarUrl``)."""

from __future__ import annotations

from courses.domain.calendar import course_calendar
from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.errors import NotFound
from lms_shared.i18n import normalize_lang


async def published_calendar(uow: CoursesUnitOfWork, course_id: str, lang: str | None) -> tuple[bytes, int]:
    """The feed of the latest published version and that version (drafts are private: NOT_FOUND).

    Anyone may read it, like the catalogue's published courses; it holds no join link.
    """
    course = await uow.versions.get(course_id)
    if course is None:
        raise NotFound(f"There is no published course with id {course_id}.")
    return course_calendar(course, normalize_lang(lang)), course.version
