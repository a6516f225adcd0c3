"""What trainers read about a course: counts by organisation and municipality, and the CSV report."""

from __future__ import annotations

from lms_shared.auth import Principal
from progress.domain.records import CourseStats
from progress.service_layer.access import EnrollmentDetails, details, require_course_admin
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork


async def course_stats(
    uow: ProgressUnitOfWork, principal: Principal, course_id: str, org: str | None = None
) -> CourseStats:
    """The course's counts: trainers and admins of every state (or of ``org``), a country admin of theirs."""
    _, scope = await require_course_admin(uow, principal, course_id, org)
    return await uow.reports.course_stats(course_id, org=scope)


async def course_report(
    uow: ProgressUnitOfWork,
    principal: Principal,
    course_id: str,
    versions: CourseVersionCache,
    org: str | None = None,
) -> list[EnrollmentDetails]:
    """Every enrolment of the course (withdrawn ones included) with its progress, for the CSV export.

    A country admin's report holds their state's enrolments only (see :func:`course_stats`).
    """
    _, scope = await require_course_admin(uow, principal, course_id, org)
    rows = await uow.enrollments.for_course(course_id, org=scope)
    return [await details(uow, versions, r) for r in rows]
