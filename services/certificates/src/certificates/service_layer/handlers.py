"""Handlers: what happens when a course is published, a learner completes, or an admin revokes."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.domain.certificate import CertificateStatus, RevocationError, clean_revocation_reason
from certificates.domain.codes import normalize_code
from certificates.domain.recipients import Recipient
from certificates.service_layer.issuing import (
    AUTO_ISSUE_ACTOR,
    Actor,
    CourseInfo,
    Issuer,
    issue_certificate,
    load_course,
    stage_events,
)
from certificates.service_layer.ports import CredentialSigner
from certificates.service_layer.templates import TemplateProvider
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, NotFound
from lms_shared.events.catalogue import CertificateRevokedV1, CourseCompletedV1, CoursePublishedV1
from lms_shared.logging import get_logger

log = get_logger(__name__)


async def record_course_published(
    session: AsyncSession, event: CoursePublishedV1, issuer: Issuer, templates: TemplateProvider
) -> None:
    """Keep the latest published version of a course; issue certificates that were waiting for it.

    An older version arriving late never overwrites a newer one. Completions recorded before the
    course was known (events from two services need not arrive in order) are issued now when the
    course's policy says so.
    """
    # Exclusive against completions of the same course (they take the lock shared): a completion
    # either sees this course or is seen below as waiting, never neither.
    await _lock_course(session, event.course_id, shared=False)
    values = {
        "id": event.course_id,
        "version": event.version,
        "slug": event.slug,
        "titles": dict(event.titles),
        "languages": list(event.languages),
        "default_language": event.default_language,
        "owner_id": event.owner_id,
        "co_owner_ids": list(event.co_owner_ids),
        "auto_issue": event.certificate_policy.auto_issue,
        "template_id": event.certificate_policy.template_id,
        "published_at": event.published_at,
        "updated_at": utcnow(),
    }
    stmt = pg_insert(orm.course).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={k: stmt.excluded[k] for k in values if k != "id"},
            where=orm.course.c.version <= stmt.excluded.version,
        )
    )
    course = await load_course(session, event.course_id)
    assert course is not None
    waiting = (
        await session.execute(
            select(orm.completion).where(
                orm.completion.c.course_id == course.id, orm.completion.c.awaiting_course.is_(True)
            )
        )
    ).all()
    for row in waiting:
        if course.auto_issue:
            titles = dict(row.course_titles or {}) or course.titles
            await _auto_issue(session, issuer, templates, course, titles, _recipient_of(row))
    if waiting:
        await session.execute(
            update(orm.completion)
            .where(orm.completion.c.course_id == course.id, orm.completion.c.awaiting_course.is_(True))
            .values(awaiting_course=False)
        )


async def _lock_course(session: AsyncSession, course_id: str, *, shared: bool) -> None:
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    await session.execute(text(f"SELECT {fn}(hashtextextended(:k, 0))"), {"k": f"course:{course_id}"})


def _recipient_of(row: Any) -> Recipient:
    return Recipient(
        name=row.learner_name,
        learner_id=row.learner_id,
        org=row.org,
        municipality=row.municipality,
        locale=row.locale,
        enrollment_id=row.enrollment_id,
        course_version=row.course_version,
    )


async def record_completion(
    session: AsyncSession, event: CourseCompletedV1, issuer: Issuer, templates: TemplateProvider
) -> None:
    """Remember that a learner is eligible; issue at once when the course's policy is automatic.

    The completion is kept even when the course's ``course.published`` has not arrived yet; the
    certificate is then issued when it does (see :func:`record_course_published`).
    """
    await _lock_course(session, event.course_id, shared=True)
    course = await load_course(session, event.course_id)
    values = {
        "course_id": event.course_id,
        "learner_id": event.learner_id,
        "enrollment_id": event.enrollment_id,
        "course_version": event.course_version,
        "course_titles": dict(event.course_titles),
        "learner_name": event.learner_name,
        "org": event.org,
        "municipality": event.municipality,
        "locale": event.locale,
        "score": event.score,
        "completed_at": event.completed_at,
        "awaiting_course": course is None,
    }
    stmt = pg_insert(orm.completion).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["course_id", "learner_id"],
            set_={k: stmt.excluded[k] for k in values if k not in ("course_id", "learner_id")},
        )
    )
    if course is None:
        log.info("completion.awaiting_course", course_id=event.course_id, learner_id=event.learner_id)
        return
    if course.auto_issue:
        await _auto_issue(session, issuer, templates, course, dict(event.course_titles), _recipient_of_event(event))


def _recipient_of_event(event: CourseCompletedV1) -> Recipient:
    return Recipient(
        name=event.learner_name,
        learner_id=event.learner_id,
        org=event.org,
        municipality=event.municipality,
        locale=event.locale,
        enrollment_id=event.enrollment_id,
        course_version=event.course_version,
    )


async def _auto_issue(
    session: AsyncSession,
    issuer: Issuer,
    templates: TemplateProvider,
    course: CourseInfo,
    titles: dict[str, str],
    recipient: Recipient,
) -> None:
    # The learner completed a particular version: print that version's title.
    pinned = dataclasses.replace(course, titles=titles or course.titles)
    template = await templates.get(session, course.template_id)
    row, created = await issue_certificate(session, issuer, pinned, template, recipient, AUTO_ISSUE_ACTOR, "auto")
    log.info("certificate.auto_issue", certificate_id=str(row.id), created=created, course_id=course.id)


async def revoke_certificate(
    session: AsyncSession, signer: CredentialSigner, cert_id: uuid.UUID, reason: object, actor: Actor
) -> Any:
    """Revoke a valid certificate: verify page, status list and event change in one transaction."""
    try:
        reason_text = clean_revocation_reason(reason)
    except RevocationError as exc:
        raise BadInput(str(exc)) from exc
    c = orm.certificate.c
    row = (await session.execute(select(orm.certificate).where(c.id == cert_id).with_for_update())).first()
    if row is None:
        raise NotFound(f"There is no certificate {cert_id}.")
    if row.status == CertificateStatus.REVOKED:
        raise Conflict(f"Certificate {row.code} was already revoked on {row.revoked_at:%Y-%m-%d}.")
    now = utcnow()
    await session.execute(
        update(orm.certificate)
        .where(c.id == cert_id)
        .values(
            status=CertificateStatus.REVOKED.value, revoked_at=now, revocation_reason=reason_text, revoked_by=actor.sub
        )
    )
    await session.execute(
        orm.audit_log.insert().values(
            actor_sub=actor.sub,
            actor_name=actor.name,
            action="revoke",
            certificate_id=cert_id,
            reason=reason_text,
            details={"code": row.code, "courseId": row.course_id, "learnerName": row.learner_name},
        )
    )
    await stage_events(
        session,
        [
            CertificateRevokedV1(
                certificate_id=str(cert_id),
                code=row.code,
                course_id=row.course_id,
                learner_id=row.learner_id,
                reason=reason_text,
                revoked_at=now,
            )
        ],
    )
    await refresh_status_list(session, signer, signer.status_list_of(row.status_list_index))
    return (await session.execute(select(orm.certificate).where(c.id == cert_id))).first()


async def refresh_status_list(session: AsyncSession, signer: CredentialSigner, list_number: int) -> str:
    """Re-sign one status list from the revoked certificates it covers, and store it."""
    first, last = signer.status_list_bounds(list_number)
    c = orm.certificate.c
    revoked = (
        await session.execute(
            select(c.status_list_index).where(
                c.status == CertificateStatus.REVOKED, c.status_list_index >= first, c.status_list_index <= last
            )
        )
    ).scalars()
    jwt = signer.sign_status_list(list_number, [int(i) for i in revoked])
    now = utcnow()
    await session.execute(
        pg_insert(orm.status_list)
        .values(list_number=list_number, credential_jwt=jwt, updated_at=now)
        .on_conflict_do_update(index_elements=["list_number"], set_={"credential_jwt": jwt, "updated_at": now})
    )
    return jwt


async def get_status_list(session: AsyncSession, signer: CredentialSigner, list_number: int) -> str:
    """The signed status list; an untouched list is signed (all zeros) on first request.

    A list last signed with a key that has since been retired is re-signed with the current one on
    its first read after the rotation, so status lists, too, end up signed by the current key only.
    """
    if list_number < 0 or list_number > 100_000:
        raise NotFound(f"There is no status list {list_number}.")
    row = (await session.execute(select(orm.status_list).where(orm.status_list.c.list_number == list_number))).first()
    if row is not None and signer.signed_with_current_key(row.credential_jwt):
        return str(row.credential_jwt)
    return await refresh_status_list(session, signer, list_number)


async def find_by_code(session: AsyncSession, code: str) -> Any | None:
    """The certificate with this code, typed any way a person types it; None if there is none."""
    canonical = normalize_code(code)
    if canonical is None:
        return None
    return (await session.execute(select(orm.certificate).where(orm.certificate.c.code == canonical))).first()
