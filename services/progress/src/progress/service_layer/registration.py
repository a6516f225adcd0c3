"""Registration (issue 15): seats, approval, the waiting list; approve, reject, withdraw, the queue.

The rules are in ``domain/registration.py``. Here: the lock, the moves and their events.

- Every seat decision of a course with a capacity or quotas runs under the course's seat lock
  (``uow.registrations.policy(..., lock=True)``), taken before any enrolment row is locked (the
  same order everywhere, so two requests never wait for each other crosswise).
- Every status change stages ``registration.changed`` (the first with ``cause="registered"``);
  ``enrollment.created`` is staged whenever the status becomes ACTIVE (at once, on approval, on
  promotion), ``enrollment.withdrawn`` only when an ACTIVE enrolment is withdrawn.
- A withdrawal or a rejection that frees a seat promotes from the waiting list in the same
  transaction (:func:`fill`), and so does a new version whose policy has more seats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from lms_shared.auth import Principal, Role
from lms_shared.db import utcnow
from lms_shared.errors import Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import (
    EnrollmentCreatedV1,
    EnrollmentWithdrawnV1,
    LearnerData,
    RegistrationChangedV1,
)
from progress.domain.model import EnrollmentStatus
from progress.domain.records import Enrollment
from progress.domain.registration import (
    HOLDS_SEAT,
    RegistrationPolicy,
    Seats,
    Waiting,
    clean_reason,
    promotions,
)
from progress.service_layer.access import EnrollmentDetails, details, visible_enrollment
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork

MAX_PENDING = 2000
Cause = str


@dataclass(frozen=True)
class SeatsNow:
    """The policy of the course's current version and, when it counts seats, the seats held (locked)."""

    policy: RegistrationPolicy
    seats: Seats


async def seats_of(uow: ProgressUnitOfWork, course_id: str, *, lock: bool | None = None) -> SeatsNow:
    """The course's policy and seats. ``lock`` None: locked when the policy counts seats."""
    policy = await uow.registrations.policy(course_id, lock=bool(lock))
    if policy is None:
        raise NotFound(f"Course {course_id} is not published, or its publication has not reached progress yet.")
    if lock is None and policy.limited:
        # Read again under the lock: a version published in between may have changed the policy.
        policy = await uow.registrations.policy(course_id, lock=True) or policy
    held, waiting = await uow.registrations.tally(course_id) if policy.limited else ({}, {})
    return SeatsNow(policy, Seats.count(policy, held, waiting))


def learner_of(row: Enrollment, email: str | None = None, zoneinfo: str | None = None) -> LearnerData:
    return LearnerData(
        id=row.learner_id,
        name=row.learner_name,
        email=email,
        org=row.org,
        municipality=row.municipality,
        locale=row.locale,
        zoneinfo=zoneinfo,
    )


async def announce(
    uow: ProgressUnitOfWork,
    row: Enrollment,
    previous: EnrollmentStatus | None,
    cause: Cause,
    at: datetime,
    *,
    learner: LearnerData | None = None,
    policy: RegistrationPolicy | None = None,
    position: int | None = None,
) -> None:
    """Stage the events of one status change (``row`` holds the new status; ``position`` on the
    waiting list when known, else counted)."""
    person = learner or learner_of(row)
    if row.status is EnrollmentStatus.WAITLISTED and position is None and policy is not None:
        position = (await uow.registrations.positions(row.course_id, policy, [row.id])).get(row.id)
    uow.publish(
        RegistrationChangedV1(
            enrollment_id=row.id,
            course_id=row.course_id,
            course_version=row.course_version,
            learner=person,
            status=row.status.value,
            previous_status=previous.value if previous is not None else None,
            cause=cause,
            via="cohort" if row.via == "cohort" else "self",
            waitlist_position=position,
            reason=row.reason if row.status is EnrollmentStatus.REJECTED else None,
            decided_by=row.decided_by if cause in ("approved", "rejected") else None,
            changed_at=at,
        )
    )
    if row.status is EnrollmentStatus.ACTIVE:
        uow.publish(
            EnrollmentCreatedV1(
                enrollment_id=row.id,
                course_id=row.course_id,
                course_version=row.course_version,
                learner=person,
                via="cohort" if row.via == "cohort" else "self",
                enrolled_at=row.enrolled_at,
            )
        )
    if previous is EnrollmentStatus.ACTIVE and row.status is EnrollmentStatus.WITHDRAWN:
        # Courses stops the learner's material downloads; enrolling again re-announces enrollment.created.
        uow.publish(
            EnrollmentWithdrawnV1(
                enrollment_id=row.id,
                course_id=row.course_id,
                course_version=row.course_version,
                learner_id=row.learner_id,
                withdrawn_at=at,
            )
        )


async def move(
    uow: ProgressUnitOfWork,
    row: Enrollment,
    status: EnrollmentStatus,
    cause: Cause,
    at: datetime,
    *,
    policy: RegistrationPolicy | None = None,
    reason: str | None = None,
    decided_by: str | None = None,
    learner: LearnerData | None = None,
    position: int | None = None,
) -> Enrollment:
    """Change one registration's status, with its events; the new row."""
    queue_seq = (await uow.registrations.queue_numbers(1))[0] if status is EnrollmentStatus.WAITLISTED else None
    await uow.registrations.move(row.id, status, at=at, queue_seq=queue_seq, reason=reason, decided_by=decided_by)
    moved = replace(
        row,
        status=status,
        queue_seq=queue_seq,
        reason=reason,
        decided_by=decided_by or row.decided_by,
        withdrawn_at=at if status is EnrollmentStatus.WITHDRAWN else None,
    )
    await announce(uow, moved, row.status, cause, at, learner=learner, policy=policy, position=position)
    return moved


async def fill(uow: ProgressUnitOfWork, course_id: str, now: SeatsNow, at: datetime) -> list[Enrollment]:
    """Promote from the waiting list while seats are free (call under the course's seat lock)."""
    waiting = await uow.registrations.waiting(course_id)
    if not waiting:
        return []
    by_id = {r.id: r for r in waiting}
    queue = [Waiting(r.id, r.org, approved=r.decided_by is not None) for r in waiting]
    promoted = []
    for w, status in promotions(now.seats, queue):
        promoted.append(await move(uow, by_id[w.enrollment_id], status, "promoted", at, policy=now.policy))
    return promoted


async def fill_course(uow: ProgressUnitOfWork, course_id: str) -> None:
    """After a new version: its policy may have more seats (or none counted) for those waiting."""
    policy = await uow.registrations.policy(course_id, lock=False)
    if policy is None:
        return
    if not (await uow.registrations.waiting(course_id)):
        return
    await fill(uow, course_id, await seats_of(uow, course_id, lock=True), utcnow())


# --- deciding: approve, reject ---------------------------------------------------------------------


async def decidable(uow: ProgressUnitOfWork, principal: Principal, enrollment_id: str) -> Enrollment:
    """The enrolment if the caller may decide it: the course's trainers, admins, and the country
    admin of the learner's state. The learner is FORBIDDEN, so is a country admin of another state;
    anyone else learns nothing (NOT_FOUND, as for reading an enrolment)."""
    row = await uow.enrollments.get(enrollment_id)
    if row is not None:
        course = await uow.courses.get(row.course_id)
        if (
            principal.is_admin
            or (course is not None and principal.sub in course.owner_ids)
            or principal.can_administer_org(row.org)
        ):
            return row
        if row.learner_id == principal.sub:
            raise Forbidden(
                "You cannot decide your own registration: a trainer of the course, an admin or your country admin does."
            )
        if principal.is_country_admin:
            raise Forbidden(
                f"A country admin for {principal.org} decides registrations of {principal.org}'s learners only."
            )
    raise NotFound(f"Enrolment {enrollment_id} does not exist or is not yours to decide.")


_NOT_PENDING = {
    EnrollmentStatus.ACTIVE: "This registration is already approved (ACTIVE); there is nothing to approve.",
    EnrollmentStatus.COMPLETED: "This learner has already completed the course; there is nothing to approve.",
    EnrollmentStatus.WAITLISTED: "This registration is on the waiting list: it can be approved once a seat frees "
    "up and it moves to PENDING.",
    EnrollmentStatus.REJECTED: "This registration was rejected; it cannot be approved any more.",
    EnrollmentStatus.WITHDRAWN: "The learner withdrew this registration; there is nothing to approve.",
}


async def approve(
    uow: ProgressUnitOfWork, principal: Principal, enrollment_id: str, versions: CourseVersionCache
) -> EnrollmentDetails:
    """PENDING → ACTIVE (the seat was held while pending, so approving never overbooks)."""
    await decidable(uow, principal, enrollment_id)
    row = await uow.enrollments.get(enrollment_id, for_update=True)
    assert row is not None
    if row.status is not EnrollmentStatus.PENDING:
        raise Conflict(_NOT_PENDING[row.status])
    moved = await move(uow, row, EnrollmentStatus.ACTIVE, "approved", utcnow(), decided_by=principal.sub)
    answer = await details(uow, versions, moved)
    await uow.commit()
    return answer


async def reject(
    uow: ProgressUnitOfWork, principal: Principal, enrollment_id: str, reason: str, versions: CourseVersionCache
) -> EnrollmentDetails:
    """PENDING or WAITLISTED → REJECTED with a reason; a freed seat goes to the next on the list."""
    text = clean_reason(reason)
    first = await decidable(uow, principal, enrollment_id)
    now = await seats_of(uow, first.course_id, lock=True)
    row = await uow.enrollments.get(enrollment_id, for_update=True)
    assert row is not None
    if row.status not in (EnrollmentStatus.PENDING, EnrollmentStatus.WAITLISTED):
        if row.status is EnrollmentStatus.REJECTED:
            raise Conflict("This registration is already rejected.")
        raise Conflict(
            f"Only a PENDING or WAITLISTED registration can be rejected; this one is {row.status.value}"
            + (" (the learner can withdraw)." if row.status is EnrollmentStatus.ACTIVE else ".")
        )
    at = utcnow()
    moved = await move(uow, row, EnrollmentStatus.REJECTED, "rejected", at, reason=text, decided_by=principal.sub)
    if row.status in HOLDS_SEAT:
        now.seats.release(row.org)
        await fill(uow, row.course_id, now, at)
    answer = await details(uow, versions, moved)
    await uow.commit()
    return answer


async def withdraw(
    uow: ProgressUnitOfWork, principal: Principal, enrollment_id: str, versions: CourseVersionCache
) -> EnrollmentDetails:
    """ACTIVE, PENDING or WAITLISTED → WITHDRAWN (progress is kept should the learner come back);
    the freed seat goes to the next on the waiting list, in the same transaction."""
    first = await visible_enrollment(uow, principal, enrollment_id)
    if first.status is EnrollmentStatus.COMPLETED:
        raise Conflict("This enrolment is completed; a completed course cannot be withdrawn from.")
    if first.status is EnrollmentStatus.REJECTED:
        raise Conflict("This registration was rejected; there is nothing to withdraw from.")
    if first.status is EnrollmentStatus.WITHDRAWN:
        answer = await details(uow, versions, first)
        await uow.commit()
        return answer
    now = await seats_of(uow, first.course_id, lock=True)
    row = await uow.enrollments.get(enrollment_id, for_update=True)
    assert row is not None
    if row.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PENDING, EnrollmentStatus.WAITLISTED):
        # Changed by a concurrent request: answer it as it is now (withdrawn twice is withdrawn).
        if row.status is EnrollmentStatus.WITHDRAWN:
            answer = await details(uow, versions, row)
            await uow.commit()
            return answer
        raise Conflict(f"This enrolment is {row.status.value} and can no longer be withdrawn from.")
    at = utcnow()
    moved = await move(uow, row, EnrollmentStatus.WITHDRAWN, "withdrawn", at)
    if row.status in HOLDS_SEAT:
        now.seats.release(row.org)
        await fill(uow, row.course_id, now, at)
    answer = await details(uow, versions, moved)
    await uow.commit()
    return answer


async def pending_enrollments(
    uow: ProgressUnitOfWork, principal: Principal, course_id: str | None, versions: CourseVersionCache
) -> list[EnrollmentDetails]:
    """The PENDING registrations the caller may decide: admins all; trainers those of their courses;
    a country admin those of their state's learners (in any course). Oldest first."""
    if not (principal.is_admin or principal.is_country_admin or principal.has(Role.TRAINER)):
        raise Forbidden("Only trainers, country admins and admins decide registrations.")
    rows = await uow.registrations.pending(
        course_id=course_id,
        everyone=principal.is_admin,
        org=principal.org if principal.is_country_admin else None,
        trainer=principal.sub,
        limit=MAX_PENDING,
    )
    return [await details(uow, versions, r) for r in rows]


async def positions_of(uow: ProgressUnitOfWork, rows: Sequence[Enrollment]) -> dict[str, int]:
    """Waiting-list positions of the WAITLISTED ones among ``rows`` (one course)."""
    waiting = [r for r in rows if r.status is EnrollmentStatus.WAITLISTED]
    if not waiting:
        return {}
    policy = await uow.registrations.policy(waiting[0].course_id, lock=False) or RegistrationPolicy()
    return await uow.registrations.positions(waiting[0].course_id, policy, [r.id for r in waiting])
