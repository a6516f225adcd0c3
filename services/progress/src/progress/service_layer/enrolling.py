"""Enrolment: by the learner themself, by a trainer for a cohort; reading and withdrawing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import EnrollmentCreatedV1, LearnerData, RegistrationChangedV1
from lms_shared.names import NameRefused, clean_name
from progress.domain.model import CohortFailure, CohortMember, EnrollmentStatus, oversized_field, screen_cohort
from progress.domain.records import Enrollment
from progress.domain.registration import register, require_open
from progress.domain.scope import cohort_in_country
from progress.service_layer import registration
from progress.service_layer.access import (
    EnrollmentDetails,
    details,
    require_course_admin,
    visible_enrollment,
)
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork


@dataclass(frozen=True)
class CohortOutcome:
    """Where one member of a cohort stands now (new or already enrolled)."""

    learner_id: str
    enrollment_id: str
    status: EnrollmentStatus
    waitlist_position: int | None


@dataclass(frozen=True)
class CohortResult:
    enrolled: int
    already_enrolled: int
    failures: list[CohortFailure]
    outcomes: list[CohortOutcome] = field(default_factory=list)

    def count(self, status: EnrollmentStatus) -> int:
        return sum(1 for o in self.outcomes if o.status is status)


def _created_event(row: Enrollment, learner: LearnerData) -> EnrollmentCreatedV1:
    return EnrollmentCreatedV1(
        enrollment_id=row.id,
        course_id=row.course_id,
        course_version=row.course_version,
        learner=learner,
        via="cohort" if row.via == "cohort" else "self",
        enrolled_at=row.enrolled_at,
    )


def signed_in_name(principal: Principal) -> str:
    """The caller's name as their identity provider gives it, normalised; refused if it cannot be printed."""
    try:
        return clean_name(principal.name, "your sign-in name").name
    except NameRefused as refused:
        raise BadInput(
            f"{str(refused)[0].upper()}{str(refused)[1:]}. Ask your organisation to correct it in your account."
        ) from None


def _plausible_locale(locale: str | None) -> str | None:
    # Only a hint for the certificate's language: an implausible value is dropped, not refused.
    return locale if locale and len(locale) <= 16 else None


async def enroll(
    uow: ProgressUnitOfWork, principal: Principal, course_id: str, versions: CourseVersionCache
) -> tuple[EnrollmentDetails, bool]:
    """Enrol the caller in the course's current version; returns the enrolment and whether it is new.

    Enrolling again returns the existing enrolment unchanged. A withdrawn enrolment is re-activated
    on the version it was pinned to, with its progress kept.
    """
    too_long = oversized_field(
        {
            "learnerId": principal.sub,
            "name": principal.name,
            "org": principal.org,
            "municipality": principal.municipality,
        }
    )
    if too_long is not None:
        raise BadInput(f"Your sign-in token cannot be used to enrol: {too_long}")
    learner_name = signed_in_name(principal)
    existing = await uow.enrollments.find(course_id, principal.sub)
    if existing is not None and existing.status is not EnrollmentStatus.WITHDRAWN:
        return await details(uow, versions, existing), False
    course = await uow.courses.get(course_id)
    if course is None or not course.published:
        raise NotFound(
            f"Course {course_id} is not published, or its publication has not reached the progress service "
            "yet; if it was just published, try again in a few seconds."
        )
    if course.archived:
        raise Conflict("This course is archived and takes no new enrolments.")
    if principal.sub in course.owner_ids:
        raise Forbidden(
            "You are a trainer of this course: trainers cannot enrol in their own course "
            "(its certificate would be one they granted themselves)."
        )
    # The course's seat lock first (when it counts seats), then the learner's row: the order every
    # registration handler takes them in (service_layer/registration.py).
    now = await registration.seats_of(uow, course_id)
    at = utcnow()
    require_open(now.policy, at)
    if existing is not None or now.policy.limited:
        # Under the seat lock a concurrent request of this learner may have registered meanwhile; a
        # withdrawn row is locked before it moves. Otherwise the unique constraint settles races.
        existing = await uow.enrollments.find(course_id, principal.sub, for_update=True)
        if existing is not None and existing.status is not EnrollmentStatus.WITHDRAWN:
            return await details(uow, versions, existing), False
    status = register(now.seats, principal.org, approved=False)
    if status is None:
        raise Conflict(now.seats.full_message(principal.org))
    # At the end of the list, counted under the lock: no second query for the position.
    position = now.seats.queue(principal.org) if status is EnrollmentStatus.WAITLISTED else None
    if existing is not None:
        # Registered again on the version it was pinned to, progress kept, with today's email.
        row = await registration.move(
            uow,
            existing,
            status,
            "registered",
            at,
            policy=now.policy,
            learner=registration.learner_of(existing, principal.email, principal.zoneinfo),
            position=position,
        )
        return await _answer(uow, versions, row, position), True
    locale = _plausible_locale(principal.locale)
    queue_seq = (await uow.registrations.queue_numbers(1))[0] if status is EnrollmentStatus.WAITLISTED else None
    row = Enrollment(
        id=str(uuid.uuid4()),
        course_id=course_id,
        learner_id=principal.sub,
        learner_name=learner_name,
        org=principal.org,
        municipality=principal.municipality,
        locale=locale,
        course_version=course.current_version,
        status=status,
        via="self",
        score=None,
        enrolled_at=at,
        completed_at=None,
        withdrawn_at=None,
        certificate=None,
        queue_seq=queue_seq,
    )
    if not await uow.enrollments.add(row):
        # A concurrent request of the same learner won the race: answer with its enrolment.
        raced = await uow.enrollments.find(course_id, principal.sub)
        if raced is None:  # pragma: no cover - the unique constraint guarantees it exists
            raise Conflict("Enrolment is in progress in another request; try again.")
        return await details(uow, versions, raced), False
    learner = principal.as_learner().model_copy(update={"locale": locale, "name": learner_name})
    await registration.announce(uow, row, None, "registered", at, learner=learner, position=position)
    return await _answer(uow, versions, row, position), True


async def _answer(
    uow: ProgressUnitOfWork, versions: CourseVersionCache, row: Enrollment, position: int | None
) -> EnrollmentDetails:
    # Worked out before the commit: a version not cached yet is read in this transaction.
    answer = await details(uow, versions, row, waitlist_position=position)
    await uow.commit()
    return answer


async def enroll_cohort(
    uow: ProgressUnitOfWork, principal: Principal, course_id: str, members: Sequence[Mapping[str, Any]]
) -> CohortResult:
    """Enrol a list of learners (up to 10,000) in one transaction; re-running it changes nothing.

    The course's trainers and admins enrol anyone; a country admin enrols their own state's learners
    in any published course, the others refused one by one (:func:`cohort_in_country`).
    """
    course, country = await require_course_admin(uow, principal, course_id)
    screened, failures = screen_cohort(members)
    if country is not None:
        known = await uow.enrollments.signed_in_orgs([m.learner_id for m in screened])
        screened, refused = cohort_in_country(screened, country, known)
        failures.extend(refused)
    # Nobody certifies themselves: the caller and the course's trainers are never cohort members.
    accepted = []
    for m in screened:
        if m.learner_id == principal.sub or m.learner_id in course.owner_ids:
            failures.append(
                CohortFailure(
                    m.learner_id, "A trainer of this course cannot be enrolled in it (no self-certification)."
                )
            )
        else:
            accepted.append(m)
    if course.archived:
        raise Conflict("This course is archived and takes no new enrolments.")
    # Members are seated in list order under the course's seat lock. Whoever may enrol a cohort
    # may approve its members, so they are not asked for approval again (nor when promoted later);
    # the closing date is for self-registration, a cohort is enrolled after it too.
    seats_now = await registration.seats_of(uow, course_id)
    already = await uow.registrations.statuses(course_id, [m.learner_id for m in accepted])
    new: list[CohortMember] = []
    statuses: list[EnrollmentStatus] = []
    new_positions: dict[str, int] = {}  # the new ones join the end of their pool's list, in order
    for m in accepted:
        if m.learner_id in already:
            continue
        status = register(seats_now.seats, m.org, approved=True)
        if status is None:
            failures.append(CohortFailure(m.learner_id, seats_now.seats.full_message(m.org)))
            continue
        new.append(m)
        statuses.append(status)
        if status is EnrollmentStatus.WAITLISTED:
            new_positions[m.learner_id] = seats_now.seats.queue(m.org)
    numbers = iter(await uow.registrations.queue_numbers(statuses.count(EnrollmentStatus.WAITLISTED)))
    queue = [next(numbers) if s is EnrollmentStatus.WAITLISTED else None for s in statuses]
    now = utcnow()
    ids = [str(uuid.uuid4()) for _ in new]
    inserted = await uow.enrollments.add_cohort(
        course_id, course.current_version, new, ids, now, statuses=statuses, queue=queue, decided_by=principal.sub
    )
    status_of = {m.learner_id: s for m, s in zip(new, statuses, strict=True)}
    rows = [
        Enrollment(
            id=inserted[m.learner_id],
            course_id=course_id,
            learner_id=m.learner_id,
            learner_name=m.name,
            org=m.org,
            municipality=m.municipality,
            locale=None,
            course_version=course.current_version,
            status=status_of[m.learner_id],
            via="cohort",
            score=None,
            enrolled_at=now,
            completed_at=None,
            withdrawn_at=None,
            certificate=None,
            decided_by=principal.sub,
        )
        for m in new
        if m.learner_id in inserted
    ]
    everyone = dict(already)
    everyone.update({r.learner_id: (r.id, r.status) for r in rows})
    waiting_ids = [eid for eid, st in already.values() if st is EnrollmentStatus.WAITLISTED]
    positions = await uow.registrations.positions(course_id, seats_now.policy, waiting_ids)
    positions.update({r.id: new_positions[r.learner_id] for r in rows if r.learner_id in new_positions})
    # All staged events go to the outbox in one multi-row statement at commit, however many there are.
    for r in rows:
        # One LearnerData per member for both events: a cohort of 10,000 stages 20,000 events.
        person = LearnerData(id=r.learner_id, name=r.learner_name, org=r.org, municipality=r.municipality)
        uow.publish(
            RegistrationChangedV1(
                enrollment_id=r.id,
                course_id=course_id,
                course_version=r.course_version,
                learner=person,
                status=r.status.value,
                cause="registered",
                via="cohort",
                waitlist_position=positions.get(r.id),
                changed_at=now,
            )
        )
        if r.status is EnrollmentStatus.ACTIVE:
            uow.publish(_created_event(r, person))
    await uow.commit()
    outcomes = [
        CohortOutcome(
            m.learner_id, everyone[m.learner_id][0], everyone[m.learner_id][1], positions.get(everyone[m.learner_id][0])
        )
        for m in accepted
        if m.learner_id in everyone
    ]
    return CohortResult(
        enrolled=len(rows),
        already_enrolled=sum(1 for m in accepted if m.learner_id in already)
        + sum(1 for m in new if m.learner_id not in inserted),
        failures=failures,
        outcomes=outcomes,
    )


async def get_enrollment(
    uow: ProgressUnitOfWork, principal: Principal, enrollment_id: str, versions: CourseVersionCache
) -> EnrollmentDetails:
    return await details(uow, versions, await visible_enrollment(uow, principal, enrollment_id))


async def my_enrollments(
    uow: ProgressUnitOfWork, principal: Principal, course_ids: Sequence[str] | None, versions: CourseVersionCache
) -> list[EnrollmentDetails]:
    rows = await uow.enrollments.for_learner(principal.sub, course_ids)
    return [await details(uow, versions, r) for r in rows]


async def withdraw(
    uow: ProgressUnitOfWork, principal: Principal, enrollment_id: str, versions: CourseVersionCache
) -> EnrollmentDetails:
    """Withdraw (progress is kept should the learner come back); see registration.withdraw."""
    return await registration.withdraw(uow, principal, enrollment_id, versions)
