"""Who trains a course, as certificates knows it: ``course.owners_changed`` applied at once (issue 13, 7).

Progress and certificates used to learn a course's owners only from ``course.published``, so a
co-owner removed after publishing kept listing and issuing certificates until the next publish.
Courses now stages ``course.owners_changed`` with every change of the owner or co-owners, with a
revision that only grows; ``course.published`` carries the revision it was published at
(``owner_revision``). Whatever order the two arrive in, the owners of the highest revision win.
"""

from __future__ import annotations

from certificates.service_layer import events
from certificates.service_layer.ports import CourseOwners, Ports
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.events.catalogue import CourseOwnersChangedV1, CoursePublishedV1
from lms_shared.events.envelope import Envelope
from lms_shared.faults import TransientError


class CourseNotKnownYet(TransientError):
    """``course.owners_changed`` overtook the course's ``course.published``: retried until it has come."""


async def on_course_owners_changed(
    uow: CertificatesUnitOfWork, event: CourseOwnersChangedV1, envelope: Envelope
) -> None:
    """Take the new owners unless newer ones are stored; a removed co-owner loses access at once.

    Courses stages this event only for published courses, so a course not known here yet has its
    ``course.published`` on the way; applying this one after it keeps the newer owners (retry).
    """
    await uow.courses.lock(event.course_id, shared=False)
    held = await uow.courses.owners(event.course_id)
    if held is None:
        raise CourseNotKnownYet(f"course {event.course_id} is not known yet; its course.published comes first")
    if event.revision <= held.revision:
        return  # a late or repeated event: the stored owners are as new or newer
    await uow.courses.update_owners(
        event.course_id, CourseOwners(event.owner_id, list(event.co_owner_ids), event.revision)
    )


async def on_course_published(
    uow: CertificatesUnitOfWork, event: CoursePublishedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """:func:`events.on_course_published`, keeping the owners of the highest ownership revision.

    Storing a newer version also stores the owners it carries; when an ``owners_changed`` of a later
    revision was applied before it (events need not arrive in order), those owners are put back.
    """
    await uow.courses.lock(event.course_id, shared=False)  # re-entrant: the handler takes it too
    held = await uow.courses.owners(event.course_id)
    await events.on_course_published(uow, event, envelope, ports=ports)
    if held is not None and held.revision > event.owner_revision:
        await uow.courses.update_owners(event.course_id, held)
    elif held is None or event.owner_revision > held.revision:
        await uow.courses.update_owners(
            event.course_id, CourseOwners(event.owner_id, list(event.co_owner_ids), event.owner_revision)
        )
