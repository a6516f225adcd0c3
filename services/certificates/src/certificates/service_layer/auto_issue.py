"""Automatic issue on the batched path (issue 19, item 4): completions become certificates in batches.

The ``course.completed`` consumer no longer renders anything: in the completion's own transaction it
records an :class:`AutoIssueRequest` (one row per recipient and course, ``auto_issue_request``), and
the NOTIFY riding on that insert wakes the certificate workers. A worker claims up to a chunk of due
requests (``FOR UPDATE SKIP LOCKED``: two workers never hold the same row) and issues them the way a
bulk chunk is issued (:mod:`certificates.service_layer.issuing`: one plan per course, rendering,
signing and uploading on the worker's threads, one multi-row insert), then deletes each request in
the transaction that inserts its certificate or records why it could not be printed.

Exactly once, on an at-least-once bus and a worker that may die:

* a duplicated or redelivered ``course.completed`` finds the waiting row (``ON CONFLICT DO NOTHING``)
  or, once issued, the certificate it already holds (``plan_issue``): never a second one;
* a worker killed mid-batch never committed: its row locks go with its connection, the requests
  are still there for the next claim, and what it uploaded is overwritten under the same key (the
  certificate id, and so the code, are derived from the recipient);
* an outage (S3, the database) keeps the requests, held back with a capped back-off and no limit;
  only a request that fails the same deterministic way :data:`MAX_ATTEMPTS` times is recorded as an
  ``auto_issue_failure`` (``ISSUE_FAILED``) for an admin, like an unprintable name is at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from certificates.domain.course import CourseInfo
from certificates.domain.recipients import ReasonCode, Recipient
from certificates.service_layer.bulk import ProgressMarks, prepare_each
from certificates.service_layer.issuing import (
    AUTO_ISSUE_ACTOR,
    AlreadyCertified,
    IssueFailed,
    PlannedCertificate,
    PreparedCertificate,
    plan_issue,
    printing_problem,
    write_certificates,
)
from certificates.service_layer.ports import AutoIssueRequest, Ports, VersionPolicy
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.faults import backoff_delay, is_transient
from lms_shared.logging import get_logger

log = get_logger(__name__)

MAX_ATTEMPTS = 8
"""Deterministic failures of one request (a bug, not an outage) before it is recorded as ISSUE_FAILED."""
RETRY_CAP_SECONDS = 15.0
OUTAGE_STEP = 3
"""Back-off step of requests kept back by an outage (``backoff_delay``: up to 4 s, jittered)."""


async def request_auto_issue(
    uow: CertificatesUnitOfWork, course_id: str, items: Sequence[tuple[Recipient, Mapping[str, str]]]
) -> None:
    """Record that each recipient is to be certified automatically (the caller commits)."""
    await uow.auto_issue_requests.add([AutoIssueRequest(course_id, r, dict(titles)) for r, titles in items])


@dataclass
class AutoIssueBatch:
    """What one batch did; ``claimed`` equals the limit when more requests may be waiting."""

    claimed: int = 0
    issued: int = 0
    already_certified: int = 0
    failed: int = 0
    """Recorded as ``auto_issue_failure`` (unprintable, a trainer of the course, repeated errors)."""
    dropped: int = 0
    """Learner erased, or the version completed does not issue automatically (any more known)."""
    postponed: int = 0
    transient: BaseException | None = None
    """The first outage met while preparing: the requests it kept back wait and are retried."""
    prepare_seconds: float = 0.0
    write_seconds: float = 0.0


@dataclass
class _Group:
    """Requests of one course version with the same printed titles: one plan, one template."""

    course: CourseInfo
    requests: list[AutoIssueRequest]


def _under(course: CourseInfo, policy: VersionPolicy, titles: Mapping[str, str]) -> CourseInfo:
    """The course as the version completed certifies it: that version's template, kind, event and titles."""
    return dataclasses.replace(
        course,
        auto_issue=policy.auto_issue,
        template_id=policy.template_id,
        kind=policy.kind,
        event=policy.event,
        titles=dict(titles) or course.titles,
    )


async def issue_requested(
    uow: CertificatesUnitOfWork, ports: Ports, limit: int, progress: ProgressMarks | None = None
) -> AutoIssueBatch:
    """Claim up to ``limit`` due requests, certify them, commit. See the module doc for the guarantees."""
    progress = progress or ProgressMarks()
    result = AutoIssueBatch()
    requests = await uow.auto_issue_requests.claim(limit)
    result.claimed = len(requests)
    if not requests:
        return result
    progress.mark()
    learner_ids = {r.recipient.learner_id for r in requests if r.recipient.learner_id}
    erased = await uow.erasures.erased_among(learner_ids)
    done: list[AutoIssueRequest] = []
    by_course: dict[str, list[AutoIssueRequest]] = defaultdict(list)
    for request in requests:
        by_course[request.course_id].append(request)

    groups: list[_Group] = []
    for course_id, of_course in by_course.items():
        course = await uow.courses.get(course_id)
        policies = await uow.courses.version_policies(course_id)
        grouped: dict[tuple[int | None, tuple[tuple[str, str], ...]], _Group] = {}
        for request in of_course:
            recipient = request.recipient
            version = recipient.course_version
            policy = policies.get(version) if version is not None else None
            if recipient.learner_id in erased or course is None or policy is None or not policy.auto_issue:
                # Erased on request, or not the policy of the version completed: nothing to print.
                done.append(request)
                result.dropped += 1
                continue
            pinned = _under(course, policy, request.course_titles)
            problem = printing_problem(recipient.name)
            reason: tuple[str, str] | None = (problem.code.value, problem.detail) if problem is not None else None
            if reason is None and recipient.learner_id is not None and pinned.is_trainer(recipient.learner_id):
                # A trainer of the course never certifies themselves (issue 13, finding 1).
                reason = (
                    ReasonCode.SELF_CERTIFICATION.value,
                    "a trainer of this course completed it; their certificate is not issued automatically "
                    "(an admin may issue it by hand, which is audited)",
                )
            if reason is not None:
                await uow.auto_issue_failures.record(course_id, recipient, request.course_titles, *reason)
                done.append(request)
                result.failed += 1
                continue
            group_key = (version, tuple(sorted(request.course_titles.items())))
            grouped.setdefault(group_key, _Group(pinned, [])).requests.append(request)
        groups.extend(grouped.values())

    started = time.perf_counter()
    planned = [await plan_issue(uow, ports, g.course, [r.recipient for r in g.requests]) for g in groups]
    templates = [await ports.templates.get(uow, g.course.template_id) for g in groups]
    progress.mark()
    made_per_group = await asyncio.gather(
        *(
            prepare_each(ports, g.course, t, [p for p in plans if isinstance(p, PlannedCertificate)], None, progress)
            for g, t, plans in zip(groups, templates, planned, strict=True)
        )
    )
    prepared_at = time.perf_counter()

    postponed: list[tuple[AutoIssueRequest, BaseException]] = []
    for group, plans, (made, errors) in zip(groups, planned, made_per_group, strict=True):
        by_key = {r.recipient.key: r for r in group.requests}
        made_by_key = {_key_of(m): m for m in made}
        error = errors[0] if errors else None
        if error is not None and is_transient(error) and result.transient is None:
            result.transient = error
        prepared = [m for m in made if isinstance(m, PreparedCertificate)]
        inserted = await write_certificates(uow, ports, prepared, AUTO_ISSUE_ACTOR, mode="auto")
        lost = [p.plan.recipient.key for p in prepared if p.plan.id not in inserted]
        holders = await uow.certificates.valid_by_key(group.course.id, lost) if lost else {}
        settled: dict[str, uuid.UUID] = {}  # recipient key -> the certificate that resolves an open failure
        for plan in plans:
            key = plan.recipient.key
            request = by_key[key]
            if isinstance(plan, AlreadyCertified):
                settled[key] = plan.certificate_id
                done.append(request)
                result.already_certified += 1
                continue
            outcome = made_by_key.get(key)
            if outcome is None:  # its preparation raised: kept for the retry
                postponed.append((request, error or RuntimeError("not prepared")))
                continue
            if isinstance(outcome, IssueFailed):
                await uow.auto_issue_failures.record(
                    group.course.id, plan.recipient, request.course_titles, outcome.reason_code.value, outcome.reason
                )
                done.append(request)
                result.failed += 1
                continue
            if plan.id in inserted:
                settled[key] = plan.id
                done.append(request)
                result.issued += 1
                continue
            holder = holders.get(key)
            if holder is not None:  # another path certified them meanwhile: theirs stands
                settled[key] = holder.certificate_id
                done.append(request)
                result.already_certified += 1
            else:  # lost to a row with our id that is not valid (a concurrent revoke): try again
                postponed.append((request, RuntimeError("the certificate changed while it was being issued")))
        open_failures = await uow.auto_issue_failures.open_keys(group.course.id, list(settled))
        for key in open_failures:
            await uow.auto_issue_failures.resolve(group.course.id, key, settled[key], AUTO_ISSUE_ACTOR.sub)
    progress.mark()

    await _postpone(uow, postponed, result)
    await uow.auto_issue_requests.done(done)
    await uow.commit()
    progress.mark()
    result.prepare_seconds = prepared_at - started
    result.write_seconds = time.perf_counter() - prepared_at
    return result


async def _postpone(
    uow: CertificatesUnitOfWork, postponed: list[tuple[AutoIssueRequest, BaseException]], result: AutoIssueBatch
) -> None:
    """Hold back what could not be prepared: an outage without limit, a repeated error until MAX_ATTEMPTS."""
    waiting: list[AutoIssueRequest] = []
    failing: list[AutoIssueRequest] = []
    for request, error in postponed:
        if is_transient(error):
            waiting.append(request)
            continue
        if request.attempts + 1 >= MAX_ATTEMPTS:
            await uow.auto_issue_failures.record(
                request.course_id,
                request.recipient,
                request.course_titles,
                ReasonCode.ISSUE_FAILED.value,
                f"could not be issued after {MAX_ATTEMPTS} attempts ({type(error).__name__}); "
                "check the certificates worker's log, then retry it here",
            )
            await uow.auto_issue_requests.done([request])
            result.failed += 1
            continue
        failing.append(request)
    if waiting:
        # An outage is not the requests' fault: no attempt counted, a jittered pause of a few
        # seconds (the worker backs off on its own as well while the outage lasts).
        error = next(e for r, e in postponed if r is waiting[0])
        delay = backoff_delay(OUTAGE_STEP, cap=RETRY_CAP_SECONDS)
        await uow.auto_issue_requests.postpone(waiting, delay, _describe(error), count=False)
    if failing:
        error = next(e for r, e in postponed if r is failing[0])
        delay = min(0.5 * 2 ** max(r.attempts for r in failing), 30.0)
        await uow.auto_issue_requests.postpone(failing, delay, _describe(error), count=True)
    result.postponed += len(waiting) + len(failing)


def _key_of(made: PreparedCertificate | IssueFailed) -> str:
    return made.plan.recipient.key if isinstance(made, PreparedCertificate) else made.recipient.key


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]
