"""Publishing a draft as an immutable version, and archiving a course.

Each handler stages its event with ``uow.publish``: the new version (or the archive) and its
announcement commit together, through the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime

from courses.domain.model import Course, CourseStatus
from courses.domain.snapshot import published_event, to_snapshot
from courses.service_layer.access import course_for_edit, reload
from courses.service_layer.unit_of_work import CoursesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.errors import BadInput, Conflict
from lms_shared.events.catalogue import CourseArchivedV1
from lms_shared.logging import get_logger

log = get_logger(__name__)


async def publish_course(uow: CoursesUnitOfWork, principal: Principal, course_id: str) -> Course:
    """Freeze the draft as version N+1 and announce it (``lms.courses.course.published.v1``).

    The course row stays locked from the checks to the commit: a concurrent publish waits, then
    finds nothing new and gets CONFLICT, so one change never yields two versions.
    """
    course = await course_for_edit(uow, course_id, principal)
    if course.version > 0 and not course.has_unpublished_changes:
        raise Conflict(
            f"Nothing new to publish: version {course.version} already contains every change. "
            "Edit the course first, then publish again."
        )
    problems = course.publish_problems()
    if problems:
        raise BadInput("The course cannot be published yet. " + " ".join(problems), details={"problems": problems})
    version = course.version + 1
    now = datetime.now(UTC)
    await uow.versions.add(course, version, to_snapshot(course), principal.sub, now)
    uow.publish(published_event(course, version, now))
    published = await reload(uow, course_id)
    await uow.commit()
    log.info("course.published", course_id=course_id, version=version)
    return published


async def archive_course(uow: CoursesUnitOfWork, principal: Principal, course_id: str) -> Course:
    """Stop new enrolments (``lms.courses.course.archived.v1``); enrolled learners carry on."""
    course = await course_for_edit(uow, course_id, principal, allow_archived=True)
    if course.status is CourseStatus.ARCHIVED:
        raise Conflict("This course is already archived.")
    if course.version == 0:
        raise Conflict("This course was never published, so there is nothing to archive.")
    archived_at = await uow.courses.archive(course_id)
    uow.publish(CourseArchivedV1(course_id=course_id, version=course.version, archived_at=archived_at))
    archived = await reload(uow, course_id)
    await uow.commit()
    return archived
