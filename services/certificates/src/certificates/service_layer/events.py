"""Handlers of consumed events: the local copy of courses, and completions to certify.

``entrypoints/consumers.py`` maps each payload class to one of these; ``lms_shared.inbox.EventConsumer``
opens the unit of work, records the event in the inbox, calls the handler and commits after it returns.
"""

from __future__ import annotations

from certificates.domain.course import CourseInfo
from certificates.domain.recipients import Recipient
from certificates.service_layer.issuing import auto_issue
from certificates.service_layer.ports import Ports
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.events.catalogue import CourseCompletedV1, CoursePublishedV1
from lms_shared.events.envelope import Envelope
from lms_shared.logging import get_logger

log = get_logger(__name__)


async def on_course_published(
    uow: CertificatesUnitOfWork, event: CoursePublishedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """Keep the latest published version of a course; issue certificates that were waiting for it.

    An older version arriving late never overwrites a newer one. Completions recorded before the
    course was known (events from two services need not arrive in order) are issued now when the
    course's policy says so.
    """
    # Exclusive against completions of the same course (they take the lock shared): a completion
    # either sees this course or is seen below as waiting, never neither.
    await uow.courses.lock(event.course_id, shared=False)
    await uow.courses.store_published(
        CourseInfo(
            id=event.course_id,
            version=event.version,
            titles=dict(event.titles),
            languages=list(event.languages),
            default_language=event.default_language,
            auto_issue=event.certificate_policy.auto_issue,
            template_id=event.certificate_policy.template_id,
            owner_id=event.owner_id,
            co_owner_ids=list(event.co_owner_ids),
        ),
        slug=event.slug,
        published_at=event.published_at,
    )
    course = await uow.courses.get(event.course_id)
    assert course is not None, "stored just above"
    waiting = await uow.completions.awaiting_course(course.id)
    for completion in waiting:
        if course.auto_issue:
            cert, created = await auto_issue(uow, ports, course, completion.course_titles, completion.recipient)
            log.info("certificate.auto_issue", certificate_id=str(cert.id), created=created, course_id=course.id)
    if waiting:
        await uow.completions.clear_awaiting(course.id)


async def on_course_completed(
    uow: CertificatesUnitOfWork, event: CourseCompletedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """Remember that a learner is eligible; issue at once when the course's policy is automatic.

    The completion is kept even when the course's ``course.published`` has not arrived yet; the
    certificate is then issued when it does (see :func:`on_course_published`).
    """
    await uow.courses.lock(event.course_id, shared=True)
    course = await uow.courses.get(event.course_id)
    person = event.person
    recipient = Recipient(
        name=person.name,
        learner_id=person.id or event.learner_id,
        email=person.email,
        org=person.org,
        municipality=person.municipality,
        locale=person.locale,
        enrollment_id=event.enrollment_id,
        course_version=event.course_version,
    )
    await uow.completions.record(
        event.course_id,
        recipient,
        course_titles=dict(event.course_titles),
        score=event.score,
        completed_at=event.completed_at,
        awaiting_course=course is None,
    )
    if course is None:
        log.info("completion.awaiting_course", course_id=event.course_id, learner_id=recipient.learner_id)
        return
    if course.auto_issue:
        cert, created = await auto_issue(uow, ports, course, dict(event.course_titles), recipient)
        log.info("certificate.auto_issue", certificate_id=str(cert.id), created=created, course_id=course.id)
