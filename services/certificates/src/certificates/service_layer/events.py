"""Handlers of consumed events: the local copy of courses, and completions to certify.

``entrypoints/consumers.py`` maps each payload class to one of these; ``lms_shared.inbox.EventConsumer``
opens the unit of work, records the event in the inbox, calls the handler and commits after it returns.
"""

from __future__ import annotations

import dataclasses

from certificates.domain.certificate import IssuedCertificate
from certificates.domain.course import CourseInfo
from certificates.domain.participation import EventFacts, Session
from certificates.domain.recipients import Recipient
from certificates.service_layer import erasure
from certificates.service_layer.issuing import auto_issue
from certificates.service_layer.ports import AutoIssueFailure, Ports, VersionPolicy
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.db import utcnow
from lms_shared.events.catalogue import AutoIssueRequestedV1, CourseCompletedV1, CoursePublishedV1, LearnerData
from lms_shared.events.envelope import Envelope
from lms_shared.logging import get_logger

log = get_logger(__name__)


async def on_course_published(
    uow: CertificatesUnitOfWork, event: CoursePublishedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """Keep the newest published version and this version's policy; decide the completions waiting for it.

    An older version arriving late never overwrites a newer one in ``course``, but its certificate
    policy is kept all the same: each completion is decided by the policy of the version the learner
    completed (issue 12, item 10). Completions recorded before their version was known (events from
    two services need not arrive in order) are released now, each by its own version's policy: one
    ``auto_issue.requested`` event per automatic one, handled by :func:`on_auto_issue_requested` in
    a transaction of its own, so that no recipient can hold up or roll back the course.
    """
    # Exclusive against completions of the same course (they take the lock shared): a completion
    # either sees this version's policy or is seen below as waiting, never neither.
    await uow.courses.lock(event.course_id, shared=False)
    await uow.courses.store_published(
        CourseInfo(
            id=event.course_id,
            version=event.version,
            titles=dict(event.titles),
            summaries=dict(event.summaries),
            languages=list(event.languages),
            default_language=event.default_language,
            auto_issue=event.certificate_policy.auto_issue,
            template_id=event.certificate_policy.template_id,
            owner_id=event.owner_id,
            co_owner_ids=list(event.co_owner_ids),
            kind=event.certificate_policy.kind,
            event=event_facts(event),
        ),
        slug=event.slug,
        published_at=event.published_at,
    )
    await uow.courses.store_version_policy(
        VersionPolicy(
            course_id=event.course_id,
            version=event.version,
            auto_issue=event.certificate_policy.auto_issue,
            template_id=event.certificate_policy.template_id,
            kind=event.certificate_policy.kind,
            event=event_facts(event),
        )
    )
    waiting = await uow.completions.awaiting_course(event.course_id)
    if not waiting:
        return
    policies = await uow.courses.version_policies(event.course_id)
    # Only completions of versions up to this one can have become decidable; one of an older
    # version whose own course.published is still on its way keeps waiting for it.
    released = [
        (w, policies[w.recipient.course_version])
        for w in waiting
        if w.recipient.course_version is not None
        and w.recipient.course_version <= event.version
        and w.recipient.course_version in policies
    ]
    # Each automatic one is issued by its own event, in its own transaction: one name the font
    # cannot print, or S3 being away, costs that recipient a retry or a recorded failure, never the
    # course (which is committed here, whatever happens to the certificates).
    requests = [_auto_issue_request(event.course_id, w.recipient, w.course_titles) for w, p in released if p.auto_issue]
    uow.publish(*requests)
    if requests:
        log.info("certificate.auto_issue_requested", course_id=event.course_id, count=len(requests))
    await uow.completions.clear_awaiting(event.course_id, {p.version for _, p in released})


def event_facts(event: CoursePublishedV1) -> EventFacts | None:
    """When and where the version's ``LIVE`` sessions take place (None without any): what its
    participation certificates print."""
    return EventFacts.of_sessions(
        Session(lesson.live.starts_at, lesson.live.ends_at, lesson.live.timezone, dict(lesson.live.venues))
        for module in event.modules
        for lesson in module.lessons
        if lesson.kind == "LIVE" and lesson.live is not None
    )


async def _policy_of(uow: CertificatesUnitOfWork, course_id: str, version: int | None) -> VersionPolicy | None:
    """The policy of the version a learner completed, or None while certificates do not know that version."""
    if version is None:
        return None
    return (await uow.courses.version_policies(course_id)).get(version)


def _auto_issue_request(course_id: str, recipient: Recipient, titles: dict[str, str]) -> AutoIssueRequestedV1:
    return AutoIssueRequestedV1(
        course_id=course_id,
        course_version=recipient.course_version,
        course_titles=dict(titles),
        learner=LearnerData(
            id=recipient.learner_id,
            name=recipient.name,
            email=recipient.email,
            org=recipient.org,
            municipality=recipient.municipality,
            locale=recipient.locale,
        ),
        enrollment_id=recipient.enrollment_id,
        requested_at=utcnow(),
    )


async def on_auto_issue_requested(
    uow: CertificatesUnitOfWork, event: AutoIssueRequestedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """Issue one completion that was waiting for its course (staged by :func:`on_course_published`).

    A certificate that cannot be printed is recorded as an :class:`AutoIssueFailure` and the event
    is applied; only an infrastructure fault raises (and is retried by the consumer).
    """
    if await erasure.erased_pseudonym(uow, event.learner.id) is not None:
        log.info("certificate.auto_issue_learner_erased", course_id=event.course_id)
        return
    course = await uow.courses.get(event.course_id)
    policy = await _policy_of(uow, event.course_id, event.course_version)
    if course is None or policy is None or not policy.auto_issue:  # not the policy of the version completed
        log.info("certificate.auto_issue_skipped", course_id=event.course_id, learner_id=event.learner.id)
        return
    course = _under(course, policy)
    person = event.learner
    recipient = Recipient(
        name=person.name,
        learner_id=person.id,
        email=person.email,
        org=person.org,
        municipality=person.municipality,
        locale=person.locale,
        enrollment_id=event.enrollment_id,
        course_version=event.course_version,
    )
    _log_outcome(course.id, recipient, await auto_issue(uow, ports, course, dict(event.course_titles), recipient))


def _log_outcome(
    course_id: str, recipient: Recipient, outcome: tuple[IssuedCertificate, bool] | AutoIssueFailure
) -> None:
    if isinstance(outcome, AutoIssueFailure):
        log.warning(
            "certificate.auto_issue_failed",
            course_id=course_id,
            learner_id=recipient.learner_id,
            failure_id=str(outcome.id),
            reason_code=outcome.reason_code,
            reason=outcome.reason,
        )
        return
    cert, created = outcome
    log.info("certificate.auto_issue", certificate_id=str(cert.id), created=created, course_id=course_id)


async def on_course_completed(
    uow: CertificatesUnitOfWork, event: CourseCompletedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """Remember that a learner is eligible; issue at once when the policy of the version completed is automatic.

    The completion waits when the ``course.published`` of the version the learner completed has
    not arrived yet, even if another version of the course is known: that version's policy may be
    another one. It is decided when its version arrives (see :func:`on_course_published`).
    """
    if await erasure.erased_pseudonym(uow, event.person.id or event.learner_id) is not None:
        # Erased on request: a late or redelivered completion must not print the name again.
        log.info("completion.learner_erased", course_id=event.course_id, enrollment_id=event.enrollment_id)
        return
    await uow.courses.lock(event.course_id, shared=True)
    course = await uow.courses.get(event.course_id)
    policy = await _policy_of(uow, event.course_id, event.course_version)
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
        awaiting_course=course is None or policy is None,
    )
    if course is None or policy is None:
        log.info(
            "completion.awaiting_course",
            course_id=event.course_id,
            course_version=event.course_version,
            learner_id=recipient.learner_id,
        )
        return
    if policy.auto_issue:
        # One event, one recipient: a name that cannot be printed is recorded, not raised (see auto_issue).
        course = _under(course, policy)
        _log_outcome(course.id, recipient, await auto_issue(uow, ports, course, dict(event.course_titles), recipient))


def _under(course: CourseInfo, policy: VersionPolicy) -> CourseInfo:
    """The course as the version a learner completed certifies it: that version's template, kind and event."""
    return dataclasses.replace(
        course, auto_issue=policy.auto_issue, template_id=policy.template_id, kind=policy.kind, event=policy.event
    )
