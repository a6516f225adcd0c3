"""The one place that issues certificates: admin, automatic and bulk issue all come through here.

Issuing happens in three steps so that the slow part holds no lock and the fast part is one
transaction:

1. :func:`plan_issue` reads what exists (a valid certificate already held, earlier revoked ones) and
   fixes each new certificate's id, code, date and status-list position.
2. :func:`prepare_certificates` renders the PDF, signs the credential and uploads the PDF to the
   object store, in worker threads. Nothing is in the database yet; a crash here leaves at most an
   object that the retry overwrites under the same key (the id, and so the code, are the same).
3. :func:`write_certificates` inserts the rows, their audit entries and their
   ``certificate.issued`` events in the caller's transaction. ``ON CONFLICT DO NOTHING`` and the
   partial unique index make a second copy impossible; the caller learns which rows won.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.adapters.metrics import ISSUE_DURATION, IssueMode, count_issued
from certificates.domain.certificate import CertificateStatus, derive_code
from certificates.domain.model import CertificateDocument
from certificates.domain.recipients import Recipient, certificate_id
from certificates.domain.templates import CertificateTemplate, choose_language
from certificates.service_layer.ports import CredentialFacts, CredentialSigner, PdfStore, Renderer
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict
from lms_shared.events.catalogue import CertificateIssuedV1, Payload
from lms_shared.events.envelope import Envelope
from lms_shared.i18n import pick
from lms_shared.outbox import NOTIFY_CHANNEL


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issued or revoked, for the audit log."""

    sub: str
    name: str


AUTO_ISSUE_ACTOR = Actor("system:auto-issue", "automatic issue on course completion")


@dataclass(frozen=True, slots=True)
class CourseInfo:
    """The certificates service's local copy of a published course."""

    id: str
    version: int
    titles: dict[str, str]
    languages: list[str]
    default_language: str
    auto_issue: bool
    template_id: str | None
    owner_id: str
    co_owner_ids: list[str]

    def is_trainer(self, sub: str) -> bool:
        return sub == self.owner_id or sub in self.co_owner_ids

    @classmethod
    def from_row(cls, row: Any) -> CourseInfo:
        return cls(
            id=row.id,
            version=row.version,
            titles=dict(row.titles),
            languages=list(row.languages),
            default_language=row.default_language,
            auto_issue=row.auto_issue,
            template_id=row.template_id,
            owner_id=row.owner_id,
            co_owner_ids=list(row.co_owner_ids or []),
        )


@dataclass
class Issuer:
    """The adapters issuing needs, wired once per process by ``bootstrap``."""

    renderer: Renderer
    signer: CredentialSigner
    store: PdfStore
    executor: Executor
    public_url: str
    code_secret: bytes

    def verify_url(self, code: str) -> str:
        return f"{self.public_url.rstrip('/')}/verify/{code}"


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
    recipient: Recipient
    reason: str


@dataclass(frozen=True, slots=True)
class PreparedCertificate:
    """Rendered, signed and uploaded: ready to be written."""

    plan: PlannedCertificate
    row: dict[str, Any] = field(repr=False)


async def load_course(session: AsyncSession, course_id: str) -> CourseInfo | None:
    row = (await session.execute(select(orm.course).where(orm.course.c.id == course_id))).first()
    return CourseInfo.from_row(row) if row is not None else None


async def valid_certificates_by_key(session: AsyncSession, course_id: str, keys: Sequence[str]) -> dict[str, Any]:
    """The valid certificate of each recipient key that has one, as rows keyed by recipient key."""
    if not keys:
        return {}
    c = orm.certificate.c
    rows = await session.execute(
        select(c.recipient_key, c.id, c.code).where(
            c.course_id == course_id, c.recipient_key.in_(list(keys)), c.status == CertificateStatus.VALID
        )
    )
    return {r.recipient_key: r for r in rows}


async def plan_issue(
    session: AsyncSession, issuer: Issuer, course: CourseInfo, recipients: Sequence[Recipient]
) -> list[PlannedCertificate | AlreadyCertified]:
    """Fix the identity of each recipient's new certificate, or report the one they already hold."""
    keys = [r.key for r in recipients]
    held = await valid_certificates_by_key(session, course.id, keys)
    c = orm.certificate.c
    revoked_counts: dict[str, int] = dict(
        (
            await session.execute(
                select(c.recipient_key, func.count())
                .where(c.course_id == course.id, c.recipient_key.in_(keys), c.status == CertificateStatus.REVOKED)
                .group_by(c.recipient_key)
            )
        ).all()
    )
    new = [r for r in recipients if r.key not in held]
    indexes = await allocate_status_indexes(session, len(new))
    planned: list[PlannedCertificate | AlreadyCertified] = []
    now = utcnow()
    position = 0
    for recipient in recipients:
        existing = held.get(recipient.key)
        if existing is not None:
            planned.append(AlreadyCertified(recipient, existing.id, existing.code))
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
                code=derive_code(cert_id, issuer.code_secret),
                lang=lang,
                course_title=title,
                issued_at=now,
                status_list_index=indexes[position],
            )
        )
        position += 1
    return planned


async def allocate_status_indexes(session: AsyncSession, count: int) -> list[int]:
    """Positions in the revocation status list; a sequence, so gaps are harmless and nothing is reused."""
    if count == 0:
        return []
    result = await session.execute(
        text("SELECT nextval('status_list_index_seq') FROM generate_series(1, :n)"), {"n": count}
    )
    return [int(v) for v in result.scalars()]


def pdf_key(cert_id: uuid.UUID, code: str) -> str:
    """Where a certificate's PDF is stored.

    The code is part of the key because it is derived with the issuer key: right after a key
    rotation, a process still on the old key and one on the new key may prepare the same person's
    certificate with different codes. Each then uploads its own object, and the row that wins the
    insert points at the PDF that prints its code. With one key, a retry still overwrites its own
    object.
    """
    return f"certificates/{cert_id}-{code}.pdf"


def _make_one(
    issuer: Issuer,
    course: CourseInfo,
    template: CertificateTemplate,
    plan: PlannedCertificate,
    job_id: uuid.UUID | None,
) -> PreparedCertificate | IssueFailed:
    """Render, sign and upload one certificate (runs in a worker thread)."""
    started = time.perf_counter()
    recipient = plan.recipient
    issuer_name = template.issuer_name(plan.lang)
    verify_url = issuer.verify_url(plan.code)
    try:
        document = CertificateDocument(
            code=plan.code,
            learner_name=recipient.name,
            course_title=plan.course_title,
            issued_at=plan.issued_at,
            verify_url=verify_url,
            course_version=recipient.course_version or course.version,
            issuer_name=issuer_name,
        )
        pdf = issuer.renderer.render(document, template, plan.lang)
    except ValueError as exc:
        return IssueFailed(recipient, f"the certificate could not be printed: {exc}")
    signed = issuer.signer.sign(
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
        )
    )
    key = pdf_key(plan.id, plan.code)
    # Upload before the row exists: a row must never point at a missing PDF.
    issuer.store.put_pdf(key, pdf)
    signatories = [{"name": s.name_for(plan.lang), "title": s.title_for(plan.lang)} for s in template.signatories]
    row = {
        "id": plan.id,
        "code": plan.code,
        "course_id": course.id,
        "course_version": recipient.course_version or course.version,
        "recipient_key": recipient.key,
        "generation": plan.generation,
        "learner_id": recipient.learner_id,
        "learner_name": recipient.name,
        "email": recipient.email,
        "org": recipient.org,
        "municipality": recipient.municipality,
        "enrollment_id": recipient.enrollment_id,
        "lang": plan.lang,
        "course_title": plan.course_title,
        "issuer_name": issuer_name,
        "template_id": template.id,
        "printed": {"signatories": signatories},
        "status": CertificateStatus.VALID.value,
        "issued_at": plan.issued_at,
        "bulk_job_id": job_id,
        "pdf_key": key,
        "credential": signed.credential,
        "credential_jws": signed.jws,
        "status_list_index": plan.status_list_index,
    }
    ISSUE_DURATION.observe(time.perf_counter() - started)
    return PreparedCertificate(plan, row)


async def prepare_certificates(
    issuer: Issuer,
    course: CourseInfo,
    template: CertificateTemplate,
    plans: Sequence[PlannedCertificate],
    job_id: uuid.UUID | None = None,
) -> list[PreparedCertificate | IssueFailed]:
    """Render, sign and upload many certificates at once on the issuer's thread pool.

    A certificate that cannot be printed comes back as :class:`IssueFailed`; an object store that
    is down raises, so the caller retries the whole batch later instead of failing people.
    """
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(issuer.executor, _make_one, issuer, course, template, p, job_id) for p in plans]
    return list(await asyncio.gather(*futures))


async def write_certificates(
    session: AsyncSession,
    prepared: Sequence[PreparedCertificate],
    actor: Actor,
    *,
    mode: IssueMode,
    reason: str | None = None,
) -> set[uuid.UUID]:
    """Insert rows, audit entries and ``certificate.issued`` events; returns the ids that were new.

    A row that loses to an existing one (same id, or another valid certificate for the same person
    and course) is silently not inserted; the caller looks up what the person holds instead. The
    new ones are counted in ``lms_certificates_issued_total{mode}`` once the caller commits.
    """
    if not prepared:
        return set()
    rows = [p.row | {"issued_by": actor.sub} for p in prepared]
    # executemany form: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues") with a
    # cached compiled statement, instead of compiling a fresh 100-row VALUES clause per chunk.
    result = await session.execute(
        pg_insert(orm.certificate).on_conflict_do_nothing().returning(orm.certificate.c.id), rows
    )
    inserted = {r[0] for r in result}
    if not inserted:
        return inserted
    count_issued(session, mode, len(inserted))
    won = [r for r in rows if r["id"] in inserted]
    await session.execute(
        insert(orm.audit_log),
        [
            {
                "actor_sub": actor.sub,
                "actor_name": actor.name,
                "action": "issue",
                "certificate_id": r["id"],
                "job_id": r["bulk_job_id"],
                "reason": reason,
                "details": {"code": r["code"], "courseId": r["course_id"], "learnerName": r["learner_name"]},
            }
            for r in won
        ],
    )
    await stage_events(
        session,
        [
            CertificateIssuedV1(
                certificate_id=str(r["id"]),
                code=r["code"],
                course_id=r["course_id"],
                course_version=r["course_version"],
                learner_id=r["learner_id"],
                learner_name=r["learner_name"],
                enrollment_id=r["enrollment_id"],
                bulk_job_id=str(r["bulk_job_id"]) if r["bulk_job_id"] else None,
                issued_at=r["issued_at"],
            )
            for r in won
        ],
    )
    return inserted


async def stage_events(session: AsyncSession, events: Sequence[Payload | Envelope]) -> None:
    """Many events into the outbox with one statement and one wake-up of the relay.

    ``lms_shared.outbox.add_event`` does one INSERT and one NOTIFY per event; a bulk chunk stages a
    hundred at a time, so this batches the same rows.
    """
    if not events:
        return
    envelopes = [e if isinstance(e, Envelope) else e.envelope() for e in events]
    await session.execute(
        insert(orm.outbox),
        [{"event_id": e.id, "subject": e.subject, "payload": e.to_bytes(), "headers": {}} for e in envelopes],
    )
    await session.execute(text("SELECT pg_notify(:c, '')"), {"c": NOTIFY_CHANNEL})


async def stage_job_message(session: AsyncSession, subject: str, message_id: str, body: dict[str, Any]) -> None:
    """A work-queue message (not a domain event) through the outbox, so it is sent iff we commit."""
    await session.execute(
        insert(orm.outbox).values(event_id=message_id, subject=subject, payload=orjson.dumps(body), headers={})
    )


async def get_certificate_row(session: AsyncSession, cert_id: uuid.UUID) -> Any:
    return (await session.execute(select(orm.certificate).where(orm.certificate.c.id == cert_id))).first()


async def issue_certificate(
    session: AsyncSession,
    issuer: Issuer,
    course: CourseInfo,
    template: CertificateTemplate,
    recipient: Recipient,
    actor: Actor,
    mode: IssueMode = "single",
) -> tuple[Any, bool]:
    """Issue one certificate in the caller's transaction; returns ``(row, created)``.

    Idempotent: a person who already holds a valid certificate for the course gets that one back
    with ``created=False``, whether it was issued a year ago or by a concurrent request just now.
    """
    (plan,) = await plan_issue(session, issuer, course, [recipient])
    if isinstance(plan, AlreadyCertified):
        return await get_certificate_row(session, plan.certificate_id), False
    (made,) = await prepare_certificates(issuer, course, template, [plan])
    if isinstance(made, IssueFailed):
        raise BadInput(f"{made.recipient.label}: {made.reason}")
    inserted = await write_certificates(session, [made], actor, mode=mode)
    if plan.id in inserted:
        return await get_certificate_row(session, plan.id), True
    held = await valid_certificates_by_key(session, course.id, [recipient.key])
    existing = held.get(recipient.key)
    if existing is None:  # lost to a row with our id that is not valid: a concurrent revoke; rare
        raise Conflict("The certificate changed while it was being issued; try again.")
    return await get_certificate_row(session, existing.id), False
