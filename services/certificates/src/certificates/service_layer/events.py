"""Handlers of consumed events: the local copy of courses, and completions to certify.

``entrypoints/consumers.py`` maps each payload class to one of these; ``lms_shared.inbox.EventConsumer``
opens the unit of work, records the event in the inbox, calls the handler and commits after it returns.
"""

from __future__ import annotations

from collections.abc import Sequence

from certificates.domain.course import CourseInfo
from certificates.domain.participation import EventFacts, Session
from certificates.domain.recipients import Recipient
from certificates.service_layer import auto_issue, erasure
from certificates.service_layer.ports import AutoIssueRequest, CompletionRecord, Ports, VersionPolicy
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.events.catalogue import AutoIssueRequestedV1, CourseCompletedV1, CoursePublishedV1
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
    request of the batched path per automatic one (:mod:`certificates.service_layer.auto_issue`,
    one multi-row insert), issued by the workers in transactions of their own, so that no recipient
    can hold up or roll back the course.
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
    # Each automatic one becomes a request of the batched path (service_layer/auto_issue.py): nothing
    # is rendered or uploaded here, so no recipient (a name the font cannot print, S3 being away) can
    # hold up or roll back the course, which is committed whatever happens to the certificates.
    requests = [(w.recipient, w.course_titles) for w, p in released if p.auto_issue]
    await auto_issue.request_auto_issue(uow, event.course_id, requests)
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


async def on_auto_issue_requested(
    uow: CertificatesUnitOfWork, event: AutoIssueRequestedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """A request event staged before automatic issue became batched: it becomes a request row too.

    Kept for the events still on the stream when a release with the batched path rolls out; the
    workers decide it like any other (the version's policy, the printing rules, the erasures).
    """
    if await erasure.erased_pseudonym(uow, event.learner.id) is not None:
        log.info("certificate.auto_issue_learner_erased", course_id=event.course_id)
        return
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
    await auto_issue.request_auto_issue(uow, event.course_id, [(recipient, dict(event.course_titles))])


async def on_course_completed(
    uow: CertificatesUnitOfWork, event: CourseCompletedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """Remember that a learner is eligible; request the certificate when the version's policy is automatic.

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
    recipient = _completer_of(event)
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
        # Recorded here, issued by the workers in batches with the other completions of the moment
        # (service_layer/auto_issue.py); a name that cannot be printed is recorded there, not raised.
        await auto_issue.request_auto_issue(uow, event.course_id, [(recipient, dict(event.course_titles))])


def _completer_of(event: CourseCompletedV1) -> Recipient:
    person = event.person
    return Recipient(
        name=person.name,
        learner_id=person.id or event.learner_id,
        email=person.email,
        org=person.org,
        municipality=person.municipality,
        locale=person.locale,
        enrollment_id=event.enrollment_id,
        course_version=event.course_version,
    )


async def on_courses_completed(
    uow: CertificatesUnitOfWork, items: Sequence[tuple[CourseCompletedV1, Envelope]], *, ports: Ports
) -> None:
    """Many completions in one transaction, with the effect of :func:`on_course_completed` for each in order.

    The completions consumer applies a run of them this way (``entrypoints/consumers.py``): a few
    statements for the whole run instead of a few per completion. Later completions of the same
    learner and course overwrite earlier ones, as one at a time would; a request already waiting is
    kept. The course locks are taken in one order, so two runs never wait for each other in a circle.
    """
    people = [(event, _completer_of(event)) for event, _ in items]
    erased = await uow.erasures.erased_among({r.learner_id for _, r in people if r.learner_id})
    course_ids = sorted({event.course_id for event, r in people if r.learner_id not in erased})
    known: dict[str, tuple[CourseInfo | None, dict[int, VersionPolicy]]] = {}
    for course_id in course_ids:
        await uow.courses.lock(course_id, shared=True)
        known[course_id] = (await uow.courses.get(course_id), await uow.courses.version_policies(course_id))
    records: dict[tuple[str, str | None], CompletionRecord] = {}
    requests: list[tuple[str, Recipient, dict[str, str]]] = []
    for event, recipient in people:
        if recipient.learner_id in erased:
            log.info("completion.learner_erased", course_id=event.course_id, enrollment_id=event.enrollment_id)
            continue
        course, policies = known[event.course_id]
        policy = policies.get(event.course_version)
        awaiting = course is None or policy is None
        records[(event.course_id, recipient.learner_id)] = CompletionRecord(
            event.course_id, recipient, dict(event.course_titles), event.score, event.completed_at, awaiting
        )
        if awaiting:
            log.info(
                "completion.awaiting_course",
                course_id=event.course_id,
                course_version=event.course_version,
                learner_id=recipient.learner_id,
            )
        elif policy is not None and policy.auto_issue:
            requests.append((event.course_id, recipient, dict(event.course_titles)))
    await uow.completions.record_many(list(records.values()))
    await uow.auto_issue_requests.add([AutoIssueRequest(c, r, t) for c, r, t in requests])
