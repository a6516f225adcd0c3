"""What every progress use case shares: who may see what, and an enrolment with its progress worked out."""

from __future__ import annotations

from dataclasses import dataclass

from lms_shared.auth import Principal
from lms_shared.errors import Conflict, Forbidden, NotFound
from progress.domain.model import CourseVersion, EnrollmentStatus, ProgressView, summarize
from progress.domain.records import Course, Enrollment
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork


@dataclass(frozen=True)
class EnrollmentDetails:
    """An enrolment with its progress worked out, as the API answers it."""

    row: Enrollment
    progress: ProgressView
    # While WAITLISTED: the position on the waiting list (1 = next), counted when read.
    waitlist_position: int | None = None


async def course_version(
    uow: ProgressUnitOfWork, versions: CourseVersionCache, course_id: str, version: int
) -> CourseVersion:
    """A published version, from the process's cache when it has been read before."""
    cached = versions.get(course_id, version)
    if cached is not None:
        return cached
    loaded = await uow.courses.get_version(course_id, version)
    if loaded is None:
        # Only possible if the database was edited by hand: an enrolment pins a stored version.
        raise NotFound(f"Version {version} of course {course_id} is not known to the progress service.")
    versions.put(loaded)
    return loaded


async def details(
    uow: ProgressUnitOfWork, versions: CourseVersionCache, row: Enrollment, *, waitlist_position: int | None = None
) -> EnrollmentDetails:
    course = await course_version(uow, versions, row.course_id, row.course_version)
    position = waitlist_position
    if row.status is EnrollmentStatus.WAITLISTED and position is None:
        policy = await uow.registrations.policy(row.course_id, lock=False)
        if policy is not None:
            position = (await uow.registrations.positions(row.course_id, policy, [row.id])).get(row.id)
    return EnrollmentDetails(row=row, progress=summarize(course, row.records), waitlist_position=position)


def is_trainer_of(principal: Principal, course: Course | None) -> bool:
    return principal.is_admin or (course is not None and principal.sub in course.owner_ids)


async def require_trainer_of(uow: ProgressUnitOfWork, principal: Principal, course_id: str) -> Course:
    course = await uow.courses.get(course_id)
    if course is None or not course.published:
        if principal.is_admin:
            raise NotFound(f"Course {course_id} has not been published (or progress has not heard of it yet).")
        raise Forbidden("Only the course's trainers and admins can do this.")
    if not is_trainer_of(principal, course):
        raise Forbidden("Only the course's trainers and admins can do this.")
    return course


async def require_course_admin(
    uow: ProgressUnitOfWork, principal: Principal, course_id: str, requested_org: str | None = None
) -> tuple[Course, str | None]:
    """The course, and the member state the caller's read or cohort is limited to (None: every state).

    The course's trainers and admins: ``requested_org`` as asked. A country admin who does not
    train the course: any published course, limited to their own state; asking for another
    ``org`` is FORBIDDEN (never an empty answer). Anyone else: FORBIDDEN.
    """
    if principal.is_country_admin:
        course = await uow.courses.get(course_id)
        if not is_trainer_of(principal, course):
            scope = principal.country_scope(requested_org)
            if course is None or not course.published:
                raise NotFound(f"Course {course_id} has not been published (or progress has not heard of it yet).")
            return course, scope
    return await require_trainer_of(uow, principal, course_id), requested_org


async def visible_enrollment(
    uow: ProgressUnitOfWork, principal: Principal, enrollment_id: str, *, for_update: bool = False
) -> Enrollment:
    """The enrolment if the caller may see it: its learner, the course's trainers, admins, and the
    country admin of the enrolment's member state (``org``, from the learner's sign-in or cohort row).

    Others get NOT_FOUND, so enrolment ids do not reveal who studies what.
    """
    row = await uow.enrollments.get(enrollment_id, for_update=for_update)
    if row is not None and (
        row.learner_id == principal.sub
        or principal.can_administer_org(row.org)
        or is_trainer_of(principal, await uow.courses.get(row.course_id))
    ):
        return row
    raise NotFound(f"Enrolment {enrollment_id} does not exist or is not yours.")


def require_own_active(principal: Principal, row: Enrollment) -> None:
    if row.learner_id != principal.sub:
        raise Forbidden("Only the learner of this enrolment can record progress in it.")
    if row.status is EnrollmentStatus.WITHDRAWN:
        raise Conflict("This enrolment was withdrawn; enrol in the course again to continue.")
    if row.status in _NO_SEAT_YET:
        raise Conflict(_NO_SEAT_YET[row.status])


# Registration (issue 15): lessons open once the learner has a seat.
_NO_SEAT_YET = {
    EnrollmentStatus.PENDING: "Your registration is waiting for approval; lessons open once it is approved.",
    EnrollmentStatus.WAITLISTED: "You are on the waiting list; lessons open once a seat frees up for you.",
    EnrollmentStatus.REJECTED: "Your registration was rejected; this course's lessons are not open to you.",
}
