"""Enrolment: by the learner themself, by a trainer for a cohort; reading and withdrawing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import EnrollmentCreatedV1, EnrollmentWithdrawnV1, LearnerData
from lms_shared.names import NameRefused, clean_name
from progress.domain.model import CohortFailure, EnrollmentStatus, oversized_field, screen_cohort
from progress.domain.records import Enrollment
from progress.domain.scope import cohort_in_country
from progress.service_layer.access import (
    EnrollmentDetails,
    details,
    require_course_admin,
    visible_enrollment,
)
from progress.service_layer.ports import CourseVersionCache
from progress.service_layer.unit_of_work import ProgressUnitOfWork


@dataclass(frozen=True)
class CohortResult:
    enrolled: int
    already_enrolled: int
    failures: list[CohortFailure]


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
    existing = await uow.enrollments.find(course_id, principal.sub, for_update=True)
    course = await uow.courses.get(course_id)
    if existing is not None and existing.status is not EnrollmentStatus.WITHDRAWN:
        return await details(uow, versions, existing), False
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
    if existing is not None:
        await uow.enrollments.set_status(existing.id, EnrollmentStatus.ACTIVE)
        row = replace(existing, status=EnrollmentStatus.ACTIVE, withdrawn_at=None)
        # The learner as enrolled the first time (the enrolment keeps those facts), with today's email.
        learner = LearnerData(
            id=row.learner_id,
            name=row.learner_name,
            email=principal.email,
            org=row.org,
            municipality=row.municipality,
            locale=row.locale,
        )
        return await _announce(uow, versions, row, learner), True
    locale = _plausible_locale(principal.locale)
    row = Enrollment(
        id=str(uuid.uuid4()),
        course_id=course_id,
        learner_id=principal.sub,
        learner_name=learner_name,
        org=principal.org,
        municipality=principal.municipality,
        locale=locale,
        course_version=course.current_version,
        status=EnrollmentStatus.ACTIVE,
        via="self",
        score=None,
        enrolled_at=utcnow(),
        completed_at=None,
        withdrawn_at=None,
        certificate=None,
    )
    if not await uow.enrollments.add(row):
        # A concurrent request of the same learner won the race: answer with its enrolment.
        raced = await uow.enrollments.find(course_id, principal.sub)
        if raced is None:  # pragma: no cover - the unique constraint guarantees it exists
            raise Conflict("Enrolment is in progress in another request; try again.")
        return await details(uow, versions, raced), False
    learner = principal.as_learner().model_copy(update={"locale": locale, "name": learner_name})
    return await _announce(uow, versions, row, learner), True


async def _announce(
    uow: ProgressUnitOfWork, versions: CourseVersionCache, row: Enrollment, learner: LearnerData
) -> EnrollmentDetails:
    # Worked out before the commit: a version not cached yet is read in this transaction.
    answer = await details(uow, versions, row)
    uow.publish(_created_event(row, learner))
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
    now = utcnow()
    ids = [str(uuid.uuid4()) for _ in accepted]
    inserted = await uow.enrollments.add_cohort(course_id, course.current_version, accepted, ids, now)
    # All staged events go to the outbox in one multi-row statement at commit, however many there are.
    uow.publish(
        *(
            EnrollmentCreatedV1(
                enrollment_id=inserted[m.learner_id],
                course_id=course_id,
                course_version=course.current_version,
                learner=LearnerData(id=m.learner_id, name=m.name, org=m.org, municipality=m.municipality),
                via="cohort",
                enrolled_at=now,
            )
            for m in accepted
            if m.learner_id in inserted
        )
    )
    await uow.commit()
    return CohortResult(enrolled=len(inserted), already_enrolled=len(accepted) - len(inserted), failures=failures)


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
    """Withdraw an active enrolment (its progress is kept should the learner come back)."""
    row = await visible_enrollment(uow, principal, enrollment_id, for_update=True)
    if row.status is EnrollmentStatus.COMPLETED:
        raise Conflict("This enrolment is completed; a completed course cannot be withdrawn from.")
    if row.status is EnrollmentStatus.ACTIVE:
        now = utcnow()
        await uow.enrollments.set_status(row.id, EnrollmentStatus.WITHDRAWN, withdrawn_at=now)
        row = replace(row, status=EnrollmentStatus.WITHDRAWN, withdrawn_at=now)
        # Courses stops the learner's material downloads; enrolling again re-announces enrollment.created.
        uow.publish(
            EnrollmentWithdrawnV1(
                enrollment_id=row.id,
                course_id=row.course_id,
                course_version=row.course_version,
                learner_id=row.learner_id,
                withdrawn_at=now,
            )
        )
    answer = await details(uow, versions, row)
    await uow.commit()
    return answer
