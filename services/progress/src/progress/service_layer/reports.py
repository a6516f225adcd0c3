"""What trainers read about a course: counts by organisation and municipality, and the CSV report."""

from __future__ import annotations

from lms_shared.auth import Principal
from progress.domain.records import CourseStats
from progress.service_layer.access import EnrollmentDetails, details, require_trainer_of
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork


async def course_stats(uow: ProgressUnitOfWork, principal: Principal, course_id: str) -> CourseStats:
    await require_trainer_of(uow, principal, course_id)
    return await uow.reports.course_stats(course_id)


async def course_report(
    uow: ProgressUnitOfWork, principal: Principal, course_id: str, versions: CourseVersionCache
) -> list[EnrollmentDetails]:
    """Every enrolment of the course (withdrawn ones included) with its progress, for the CSV export."""
    await require_trainer_of(uow, principal, course_id)
    rows = await uow.enrollments.for_course(course_id)
    return [await details(uow, versions, r) for r in rows]
