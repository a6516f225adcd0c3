"""The one place that issues certificates: admin, automatic and bulk issue all come through here.

Issuing happens in three steps so that the slow part holds no lock and the fast part is one
transaction:

1. :func:`plan_issue` reads what exists (a valid certificate already held, earlier revoked ones) and
   fixes each new certificate's id, code, date and status-list position.
2. :func:`prepare_certificates` renders the PDF, signs the credential and uploads the PDF to the
   object store, in worker threads. Nothing is in the database yet; a crash here leaves at most an
   object that the retry overwrites under the same key (the id, and so the code, are the same).
3. :func:`write_certificates` inserts the rows, their audit entries and their
   ``certificate.issued`` events in the unit of work's transaction. ``ON CONFLICT DO NOTHING`` and the
   partial unique index make a second copy impossible; the caller learns which rows won.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from certificates.domain.certificate import (
    CertificateStatus,
    IssuedCertificate,
    PrintedFieldTooLong,
    course_title_problem,
    derive_code,
)
from certificates.domain.course import CourseInfo
from certificates.domain.model import CertificateDocument
from certificates.domain.participation import PARTICIPATION, PrintedEvent
from certificates.domain.recipients import (
    ReasonCode,
    Recipient,
    RecipientError,
    certificate_id,
    parse_recipient,
)
from certificates.domain.scope import UNKNOWN, scoped_recipient
from certificates.domain.search import holder_name_key
from certificates.domain.templates import CertificateTemplate, choose_language
from certificates.service_layer.ports import AuditEntry, AutoIssueFailure, CredentialFacts, IssueMode, Ports
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import CertificateIssuedV1, LearnerData
from lms_shared.i18n import pick
from lms_shared.text import check_text, has_control_character


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issued or revoked, for the audit log; ``country``: the member state a country admin acts for.

    ``country`` is None for admins and the system (no country limit); a country admin's actor may
    issue, bulk-issue and revoke only for learners of that state (:mod:`certificates.domain.scope`).
    """

    sub: str
    name: str
    country: str | None = None


AUTO_ISSUE_ACTOR = Actor("system:auto-issue", "automatic issue on course completion")


@dataclass(frozen=True, slots=True)
class PlannedCertificate:
    """A certificate about to be made: identity fixed, nothing written yet."""

    recipient: Recipient
    id: uuid.UUID
    generation: int
    code: str
    lang: str
    course_title: str
    issued_at: datetime
    status_list_index: int


@dataclass(frozen=True, slots=True)
class AlreadyCertified:
    recipient: Recipient
    certificate_id: uuid.UUID
    code: str


@dataclass(frozen=True, slots=True)
class IssueFailed:
    """A certificate that cannot be printed; ``reason_code`` says why for machines (bulk rows, failures)."""

    recipient: Recipient
    reason: str
    reason_code: ReasonCode = ReasonCode.RENDER_FAILED


@dataclass(frozen=True, slots=True)
class PreparedCertificate:
    """Rendered, signed and uploaded: ready to be written."""

    plan: PlannedCertificate
    row: dict[str, Any] = field(repr=False)


async def known_course(uow: CertificatesUnitOfWork, course_id: str) -> CourseInfo:
    course = await uow.courses.get(course_id)
    if course is None:
        raise NotFound(
            f"The course {course_id!r} is not known to the certificates service; publish it first "
            "(certificates learn about courses when they are published)."
        )
    return course


async def plan_issue(
    uow: CertificatesUnitOfWork, ports: Ports, course: CourseInfo, recipients: Sequence[Recipient]
) -> list[PlannedCertificate | AlreadyCertified]:
    """Fix the identity of each recipient's new certificate, or report the one they already hold."""
    keys = [r.key for r in recipients]
    held = await uow.certificates.valid_by_key(course.id, keys)
    new = [r for r in recipients if r.key not in held]
    revoked_counts = await uow.certificates.revoked_counts(course.id, [r.key for r in new]) if new else {}
    indexes = await uow.certificates.allocate_status_indexes(len(new))
    planned: list[PlannedCertificate | AlreadyCertified] = []
    now = utcnow()
    position = 0
    for recipient in recipients:
        existing = held.get(recipient.key)
        if existing is not None:
            planned.append(AlreadyCertified(recipient, existing.certificate_id, existing.code))
            continue
        generation = int(revoked_counts.get(recipient.key, 0))
        cert_id = certificate_id(course.id, recipient.key, generation)
        lang = choose_language(recipient.locale, course.languages, course.default_language)
        title = pick(course.titles, lang, None, course.default_language) or course.id
        planned.append(
            PlannedCertificate(
                recipient=recipient,
                id=cert_id,
                generation=generation,
                code=derive_code(cert_id, ports.code_secret),
                lang=lang,
                course_title=title,
                issued_at=now,
                status_list_index=indexes[position],
            )
        )
        position += 1
    return planned


def pdf_key(cert_id: uuid.UUID, code: str) -> str:
    """Where a certificate's PDF is stored.

    The code is part of the key because it is derived with the issuer key: right after a key
    rotation, a process still on the old key and one on the new key may prepare the same person's
    certificate with different codes. Each then uploads its own object, and the row that wins the
    insert points at the PDF that prints its code. With one key, a retry still overwrites its own
    object.
    """
    return f"certificates/{cert_id}-{code}.pdf"


def printed_event(course: CourseInfo, lang: str) -> PrintedEvent | None:
    """The event a certificate of ``course`` in ``lang`` prints: None for a certificate of completion,
    and for a participation course without live sessions (it prints the wording only)."""
    if course.kind != PARTICIPATION or course.event is None:
        return None
    return course.event.printed(lang, course.default_language)


def _make_one(
    ports: Ports,
    course: CourseInfo,
    template: CertificateTemplate,
    plan: PlannedCertificate,
    job_id: uuid.UUID | None,
) -> PreparedCertificate | IssueFailed:
    """Render, sign and upload one certificate (runs in a worker thread)."""
    started = time.perf_counter()
    recipient = plan.recipient
    # The state's co-branded variant, if it has one; then its participation variant for an event.
    template = template.for_org(recipient.org).for_kind(course.kind)
    issuer_name = template.issuer_name(plan.lang)
    verify_url = ports.verify_url(plan.code)
    event = printed_event(course, plan.lang)
    try:
        document = CertificateDocument(
            code=plan.code,
            learner_name=recipient.name,
            course_title=plan.course_title,
            issued_at=plan.issued_at,
            verify_url=verify_url,
            course_version=recipient.course_version or course.version,
            issuer_name=issuer_name,
            event=event,
        )
        pdf = ports.renderer.render(document, template, plan.lang)
    except PrintedFieldTooLong as exc:  # a field over its cap: say which (NAME_TOO_LONG, FIELD_TOO_LONG)
        return IssueFailed(recipient, f"the certificate could not be printed: {exc}", exc.reason_code)
    except ValueError as exc:
        return IssueFailed(recipient, f"the certificate could not be printed: {exc}")
    signed = ports.signer.sign(
        CredentialFacts(
            certificate_id=plan.id,
            code=plan.code,
            learner_name=recipient.name,
            learner_id=recipient.learner_id,
            course_id=course.id,
            course_title=plan.course_title,
            course_version=recipient.course_version or course.version,
            lang=plan.lang,
            issued_at=plan.issued_at,
            issuer_name=issuer_name,
            verify_url=verify_url,
            status_list_index=plan.status_list_index,
            course_summary=course.summary_for(plan.lang),
            kind=course.kind,
            event=event,
        )
    )
    key = pdf_key(plan.id, plan.code)
    # Upload before the row exists: a row must never point at a missing PDF.
    ports.pdfs.put_pdf(key, pdf)
    signatories = [{"name": s.name_for(plan.lang), "title": s.title_for(plan.lang)} for s in template.signatories]
    printed: dict[str, Any] = {"signatories": signatories}
    if template.partner_stamp is not None:  # re-rendering takes exactly this variant version again
        printed["partner"] = {**template.partner_stamp, "name": template.partner_name(plan.lang)}
    if course.kind == PARTICIPATION:  # re-rendering prints the same kind, days and venue again
        printed["kind"] = PARTICIPATION
        printed["event"] = event.to_json() if event is not None else None
    row = {
        "id": plan.id,
        "code": plan.code,
        "course_id": course.id,
        "course_version": recipient.course_version or course.version,
        "recipient_key": recipient.key,
        "generation": plan.generation,
        "learner_id": recipient.learner_id,
        "learner_name": recipient.name,
        "name_key": holder_name_key(recipient.name),
        "email": recipient.email,
        "org": recipient.org,
        "municipality": recipient.municipality,
        "enrollment_id": recipient.enrollment_id,
        "lang": plan.lang,
        "course_title": plan.course_title,
        "issuer_name": issuer_name,
        "template_id": template.id,
        "printed": printed,
        "status": CertificateStatus.VALID.value,
        "issued_at": plan.issued_at,
        "bulk_job_id": job_id,
        "pdf_key": key,
        "credential": signed.credential,
        "credential_jws": signed.jws,
        "credential_di": signed.data_integrity,
        "status_list_index": plan.status_list_index,
    }
    ports.metrics.observe_issue_seconds(time.perf_counter() - started)
    return PreparedCertificate(plan, row)


async def prepare_certificates(
    ports: Ports,
    course: CourseInfo,
    template: CertificateTemplate,
    plans: Sequence[PlannedCertificate],
    job_id: uuid.UUID | None = None,
) -> list[PreparedCertificate | IssueFailed]:
    """Render, sign and upload many certificates at once on the ports' thread pool.

    A certificate that cannot be printed comes back as :class:`IssueFailed`; an object store that
    is down raises, so the caller retries the whole batch later instead of failing people.
    """
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(ports.executor, _make_one, ports, course, template, p, job_id) for p in plans]
    return list(await asyncio.gather(*futures))


async def write_certificates(
    uow: CertificatesUnitOfWork,
    ports: Ports,
    prepared: Sequence[PreparedCertificate],
    actor: Actor,
    *,
    mode: IssueMode,
    reason: str | None = None,
) -> set[uuid.UUID]:
    """Insert rows, audit entries and ``certificate.issued`` events; returns the ids that were new.

    A row that loses to an existing one (same id, or another valid certificate for the same person
    and course) is silently not inserted; the caller looks up what the person holds instead. The
    new ones are counted in ``lms_certificates_issued_total{mode}`` once the unit of work commits.
    """
    if not prepared:
        return set()
    rows = [p.row | {"issued_by": actor.sub} for p in prepared]
    inserted = await uow.certificates.add_many(rows)
    if not inserted:
        return inserted
    count = len(inserted)
    uow.on_commit(lambda: ports.metrics.certificates_issued(mode, count))
    won = [p for p in prepared if p.plan.id in inserted]
    await uow.audit.add(
        *(
            AuditEntry(
                actor_sub=actor.sub,
                actor_name=actor.name,
                action="issue",
                certificate_id=p.plan.id,
                job_id=p.row["bulk_job_id"],
                reason=reason,
                details={"code": p.plan.code, "courseId": p.row["course_id"], "learnerName": p.plan.recipient.name},
            )
            for p in won
        )
    )
    uow.publish(
        *(
            # The flat fields of minor 0 are filled from ``learner`` by the payload itself.
            CertificateIssuedV1(
                certificate_id=str(p.plan.id),
                code=p.plan.code,
                course_id=p.row["course_id"],
                course_version=p.row["course_version"],
                learner=_learner(p.plan.recipient),
                enrollment_id=p.plan.recipient.enrollment_id,
                bulk_job_id=str(p.row["bulk_job_id"]) if p.row["bulk_job_id"] else None,
                issued_at=p.plan.issued_at,
            )
            for p in won
        )
    )
    return inserted


def _learner(recipient: Recipient) -> LearnerData:
    return LearnerData(
        id=recipient.learner_id,
        name=recipient.name,
        email=recipient.email,
        org=recipient.org,
        municipality=recipient.municipality,
        locale=recipient.locale,
    )


async def issue_to(
    uow: CertificatesUnitOfWork,
    ports: Ports,
    course: CourseInfo,
    template: CertificateTemplate,
    recipient: Recipient,
    actor: Actor,
    mode: IssueMode,
) -> tuple[IssuedCertificate, bool]:
    """Issue one certificate in the unit of work (the caller commits); returns ``(certificate, created)``.

    Idempotent: a person who already holds a valid certificate for the course gets that one back
    with ``created=False``, whether it was issued a year ago or by a concurrent request just now.
    A certificate that cannot be printed is :class:`BadInput`.
    """
    outcome = await _issue_one(uow, ports, course, template, recipient, actor, mode)
    if isinstance(outcome, IssueFailed):
        raise BadInput(f"{outcome.recipient.label}: {outcome.reason}")
    return outcome


async def _issue_one(
    uow: CertificatesUnitOfWork,
    ports: Ports,
    course: CourseInfo,
    template: CertificateTemplate,
    recipient: Recipient,
    actor: Actor,
    mode: IssueMode,
) -> tuple[IssuedCertificate, bool] | IssueFailed:
    """:func:`issue_to`, with a certificate that cannot be printed returned (nothing written) instead of raised."""
    (plan,) = await plan_issue(uow, ports, course, [recipient])
    if isinstance(plan, AlreadyCertified):
        return await _stored(uow, plan.certificate_id), False
    (made,) = await prepare_certificates(ports, course, template, [plan])
    if isinstance(made, IssueFailed):
        return made
    inserted = await write_certificates(uow, ports, [made], actor, mode=mode)
    if plan.id in inserted:
        return await _stored(uow, plan.id), True
    held = await uow.certificates.valid_by_key(course.id, [recipient.key])
    existing = held.get(recipient.key)
    if existing is None:  # lost to a row with our id that is not valid: a concurrent revoke; rare
        raise Conflict("The certificate changed while it was being issued; try again.")
    return await _stored(uow, existing.certificate_id), False


async def _stored(uow: CertificatesUnitOfWork, cert_id: uuid.UUID) -> IssuedCertificate:
    cert = await uow.certificates.get(cert_id)
    if cert is None:  # only a concurrent delete could do this, and certificates are never deleted
        raise Conflict("The certificate changed while it was being issued; try again.")
    return cert


@dataclass(frozen=True, slots=True)
class IssueCertificate:
    """issueCertificate: one recipient for one course, fields as the admin gave them."""

    course_id: str
    recipient: Mapping[str, Any]


async def issue_certificate(
    uow: CertificatesUnitOfWork, actor: Actor, command: IssueCertificate, ports: Ports
) -> tuple[IssuedCertificate, bool]:
    """An admin issues one certificate; returns ``(certificate, created)`` (idempotent per person and course)."""
    course = await uow.courses.get(command.course_id)
    if course is None:
        raise NotFound(f"The course {command.course_id!r} is not known to the certificates service; publish it first.")
    try:
        recipient = parse_recipient(command.recipient, "recipient")
    except RecipientError as exc:
        raise BadInput(str(exc)) from exc
    if recipient.learner_id is not None and recipient.learner_id == actor.sub:
        raise Forbidden("Nobody issues their own certificate: ask another admin to issue it (it is audited).")
    if actor.country is not None:
        try:
            recipient = (await in_country(uow, course.id, [recipient], actor.country))[0]
        except RecipientError as exc:
            raise Forbidden(f"recipient: {exc.detail}.") from exc
    # Titles come from course.published, which could not be refused: refuse the issue instead,
    # before anything is rendered, with the title that is too long.
    title_problem = course_title_problem(course.titles)
    if title_problem is not None:
        raise BadInput(f"Certificates of the course {course.id!r} cannot be printed: {title_problem}.")
    template = await ports.templates.get(uow, course.template_id)
    cert, created = await issue_to(uow, ports, course, template, recipient, actor, "single")
    # An admin issuing by hand also settles an automatic issue that failed for this person.
    await uow.auto_issue_failures.resolve(course.id, recipient.key, cert.id, actor.sub)
    await uow.commit()
    return cert, created


async def in_country(
    uow: CertificatesUnitOfWork, course_id: str, recipients: Sequence[Recipient], country: str
) -> list[Recipient]:
    """Each recipient as a country admin for ``country`` may certify them (:func:`scoped_recipient`).

    A learner who completed the course belongs to the state of their own sign-in (the completion's
    ``org``), whatever the row says. Raises :class:`RecipientError` for the first one out of scope;
    bulk plans call :func:`scoped_recipient` per row instead, to refuse rows one by one.
    """
    known = await uow.completions.orgs_of(course_id, [r.learner_id for r in recipients if r.learner_id])
    return [scoped_recipient(r, country, known.get(r.learner_id or "", UNKNOWN)) for r in recipients]


def printing_problem(name: str, *, confirmed: bool = False) -> RecipientError | None:
    """Why ``name`` cannot be printed under the rules every printed name follows, or None.

    The rules of :func:`parse_recipient` (admin issue, bulk lists and CSVs): not empty, at most
    ``MAX_NAME_LENGTH`` characters, no control or unprintable characters.
    """
    if has_control_character(name):
        return RecipientError(ReasonCode.INVALID_CHARACTERS, "name contains control or unprintable characters")
    try:
        parse_recipient({"name": name, "nameConfirmed": confirmed})
    except RecipientError as exc:
        return exc
    return None


@dataclass(frozen=True, slots=True)
class RetryAutoIssue:
    """retryAutoIssue: issue a failed automatic certificate again, with the name corrected if given."""

    failure_id: uuid.UUID
    name: str | None = None


async def retry_auto_issue(
    uow: CertificatesUnitOfWork, user: Principal, command: RetryAutoIssue, ports: Ports
) -> tuple[IssuedCertificate, bool]:
    """An admin fixes a failed automatic issue; returns ``(certificate, created)``.

    Idempotent: once a failure is resolved, a retry returns the certificate that resolved it. A
    corrected name follows the rules of every printed name; it is printed on the certificate, the
    person is still recognised by their learner id. When the certificate still cannot be printed,
    the failure is updated (reason, attempts) and the caller gets :class:`BadInput` with the reason.
    """
    if not user.is_admin:
        raise Forbidden("Only admins can retry automatic certificates.")
    failure = await uow.auto_issue_failures.get(command.failure_id, for_update=True)
    if failure is None:
        raise NotFound(f"There is no automatic-issue failure {str(command.failure_id)!r}.")
    if failure.certificate_id is not None:
        return await _stored(uow, failure.certificate_id), False
    recipient = failure.recipient
    if recipient.learner_id is not None and recipient.learner_id == user.sub:
        raise Forbidden("Nobody issues their own certificate: ask another admin to retry it (it is audited).")
    if command.name is not None:
        check_text(command.name, "name")
        try:
            # An admin who types the name confirms it, look-alike letters included (MIXED_SCRIPT).
            corrected = parse_recipient({"name": command.name, "nameConfirmed": True}, "name").name
        except RecipientError as exc:
            raise BadInput(str(exc)) from exc
        recipient = dataclasses.replace(recipient, name=corrected)
    problem = printing_problem(recipient.name, confirmed=command.name is not None)
    if problem is not None:
        raise BadInput(f"{recipient.label}: {problem.detail}; give a corrected name")
    course = await known_course(uow, failure.course_id)
    pinned = dataclasses.replace(course, titles=dict(failure.course_titles) or course.titles)
    template = await ports.templates.get(uow, course.template_id)
    actor = Actor(user.sub, user.name)
    outcome = await _issue_one(uow, ports, pinned, template, recipient, actor, "single")
    if isinstance(outcome, IssueFailed):
        await uow.auto_issue_failures.record(
            course.id, recipient, failure.course_titles, outcome.reason_code.value, outcome.reason
        )
        await uow.commit()
        raise BadInput(f"{recipient.label}: {outcome.reason}")
    cert, created = outcome
    await uow.auto_issue_failures.resolve(course.id, failure.recipient.key, cert.id, actor.sub)
    await uow.commit()
    return cert, created


async def list_auto_issue_failures(
    uow: CertificatesUnitOfWork, user: Principal, course_id: str | None, *, include_resolved: bool, limit: int
) -> list[AutoIssueFailure]:
    """Automatic issues that failed, newest first: admins see all, trainers those of their courses."""
    if not user.is_admin:
        if not course_id:
            raise Forbidden("Only admins can list automatic-issue failures of every course; give courseId.")
        course = await uow.courses.get(course_id)
        if course is None or not course.is_trainer(user.sub):
            raise Forbidden("Only the course's trainers and admins can see its automatic-issue failures.")
    return await uow.auto_issue_failures.of_course(course_id, include_resolved=include_resolved, limit=limit)
