"""Every SQL statement of the certificates service: the repositories of ``service_layer/ports.py``.

Each repository works on the session of one unit of work (``adapters/unit_of_work.py``) and never
commits; the handler does, through the unit of work.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Row, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.domain.bulk import BulkJob, BulkRow, Held, ItemStatus, JobStatus
from certificates.domain.certificate import CertificateStatus, IssuedCertificate
from certificates.domain.course import CourseInfo
from certificates.domain.recipients import Recipient
from certificates.service_layer.ports import (
    AuditEntry,
    AwaitingCompletion,
    ItemOutcome,
    PendingItem,
    RowPage,
    StoredTemplate,
)
from lms_shared.db import utcnow
from lms_shared.errors import BadInput


def _course(row: Row[Any]) -> CourseInfo:
    return CourseInfo(
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


def _certificate(row: Row[Any]) -> IssuedCertificate:
    return IssuedCertificate(
        id=row.id,
        code=row.code,
        course_id=row.course_id,
        course_version=row.course_version,
        recipient_key=row.recipient_key,
        learner_id=row.learner_id,
        learner_name=row.learner_name,
        email=row.email,
        org=row.org,
        municipality=row.municipality,
        enrollment_id=row.enrollment_id,
        lang=row.lang,
        course_title=row.course_title,
        issuer_name=row.issuer_name,
        template_id=row.template_id,
        status=row.status,
        issued_at=row.issued_at,
        pdf_key=row.pdf_key,
        status_list_index=row.status_list_index,
        credential=row.credential,
        credential_jws=row.credential_jws,
        printed=dict(row.printed or {}),
        bulk_job_id=row.bulk_job_id,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
        generation=row.generation,
    )


def _job(row: Row[Any]) -> BulkJob:
    return BulkJob(
        id=row.id,
        course_id=row.course_id,
        mode=row.mode,
        status=row.status,
        total=row.total,
        issued=row.issued,
        skipped=row.skipped,
        refused=row.refused,
        failed=row.failed,
        chunks=row.chunks,
        created_by=row.created_by,
        created_by_name=row.created_by_name,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


class SqlAlchemyCourseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, course_id: str, *, shared: bool) -> None:
        fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        await self.session.execute(text(f"SELECT {fn}(hashtextextended(:k, 0))"), {"k": f"course:{course_id}"})

    async def store_published(self, course: CourseInfo, slug: str, published_at: datetime) -> None:
        values = {
            "id": course.id,
            "version": course.version,
            "slug": slug,
            "titles": dict(course.titles),
            "languages": list(course.languages),
            "default_language": course.default_language,
            "owner_id": course.owner_id,
            "co_owner_ids": list(course.co_owner_ids),
            "auto_issue": course.auto_issue,
            "template_id": course.template_id,
            "published_at": published_at,
            "updated_at": utcnow(),
        }
        stmt = pg_insert(orm.course).values(values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"],
                set_={k: stmt.excluded[k] for k in values if k != "id"},
                where=orm.course.c.version <= stmt.excluded.version,
            )
        )

    async def get(self, course_id: str) -> CourseInfo | None:
        row = (await self.session.execute(select(orm.course).where(orm.course.c.id == course_id))).first()
        return _course(row) if row is not None else None


class SqlAlchemyCompletionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        course_id: str,
        recipient: Recipient,
        *,
        course_titles: Mapping[str, str],
        score: int | None,
        completed_at: datetime,
        awaiting_course: bool,
    ) -> None:
        values = {
            "course_id": course_id,
            "learner_id": recipient.learner_id,
            "enrollment_id": recipient.enrollment_id,
            "course_version": recipient.course_version,
            "course_titles": dict(course_titles),
            "learner_name": recipient.name,
            "org": recipient.org,
            "municipality": recipient.municipality,
            "locale": recipient.locale,
            "score": score,
            "completed_at": completed_at,
            "awaiting_course": awaiting_course,
        }
        stmt = pg_insert(orm.completion).values(values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["course_id", "learner_id"],
                set_={k: stmt.excluded[k] for k in values if k not in ("course_id", "learner_id")},
            )
        )

    async def awaiting_course(self, course_id: str) -> list[AwaitingCompletion]:
        c = orm.completion.c
        rows = await self.session.execute(
            select(orm.completion).where(c.course_id == course_id, c.awaiting_course.is_(True))
        )
        return [AwaitingCompletion(_completer(r), dict(r.course_titles or {})) for r in rows]

    async def clear_awaiting(self, course_id: str) -> None:
        c = orm.completion.c
        await self.session.execute(
            update(orm.completion)
            .where(c.course_id == course_id, c.awaiting_course.is_(True))
            .values(awaiting_course=False)
        )

    async def eligible_without_certificate(self, course_id: str) -> list[Recipient]:
        c, cert = orm.completion.c, orm.certificate.c
        holders = select(cert.learner_id).where(
            cert.course_id == course_id, cert.status == CertificateStatus.VALID, cert.learner_id.is_not(None)
        )
        rows = await self.session.execute(
            select(orm.completion)
            .where(c.course_id == course_id, c.learner_id.not_in(holders))
            .order_by(c.completed_at, c.learner_id)
        )
        return [_completer(r) for r in rows]


def _completer(row: Row[Any]) -> Recipient:
    return Recipient(
        name=row.learner_name,
        learner_id=row.learner_id,
        org=row.org,
        municipality=row.municipality,
        locale=row.locale,
        enrollment_id=row.enrollment_id,
        course_version=row.course_version,
    )


class SqlAlchemyCertificateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, cert_id: uuid.UUID, *, for_update: bool = False) -> IssuedCertificate | None:
        query = select(orm.certificate).where(orm.certificate.c.id == cert_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _certificate(row) if row is not None else None

    async def by_code(self, code: str) -> IssuedCertificate | None:
        row = (await self.session.execute(select(orm.certificate).where(orm.certificate.c.code == code))).first()
        return _certificate(row) if row is not None else None

    async def of_learner(self, learner_id: str) -> list[IssuedCertificate]:
        c = orm.certificate.c
        rows = await self.session.execute(
            select(orm.certificate).where(c.learner_id == learner_id).order_by(c.issued_at.desc())
        )
        return [_certificate(r) for r in rows]

    async def find(self, ids: Sequence[uuid.UUID] | None, course_id: str | None, limit: int) -> list[IssuedCertificate]:
        c = orm.certificate.c
        query = select(orm.certificate)
        if ids is not None:
            query = query.where(c.id.in_(list(ids)))
        if course_id:
            query = query.where(c.course_id == course_id)
        rows = await self.session.execute(query.order_by(c.issued_at.desc()).limit(limit))
        return [_certificate(r) for r in rows]

    async def valid_by_key(self, course_id: str, keys: Sequence[str]) -> dict[str, Held]:
        if not keys:
            return {}
        c = orm.certificate.c
        rows = await self.session.execute(
            select(c.recipient_key, c.id, c.code).where(
                c.course_id == course_id, c.recipient_key.in_(list(keys)), c.status == CertificateStatus.VALID
            )
        )
        return {r.recipient_key: Held(r.id, r.code) for r in rows}

    async def revoked_counts(self, course_id: str, keys: Sequence[str]) -> dict[str, int]:
        if not keys:
            return {}
        c = orm.certificate.c
        rows = await self.session.execute(
            select(c.recipient_key, func.count())
            .where(c.course_id == course_id, c.recipient_key.in_(list(keys)), c.status == CertificateStatus.REVOKED)
            .group_by(c.recipient_key)
        )
        return {key: int(n) for key, n in rows.tuples()}

    async def allocate_status_indexes(self, count: int) -> list[int]:
        """Positions in the revocation status list; a sequence, so gaps are harmless and nothing is reused."""
        if count == 0:
            return []
        result = await self.session.execute(
            text("SELECT nextval('status_list_index_seq') FROM generate_series(1, :n)"), {"n": count}
        )
        return [int(v) for v in result.scalars()]

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        if not rows:
            return set()
        # executemany form: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues") with a
        # cached compiled statement, instead of compiling a fresh 100-row VALUES clause per chunk.
        result = await self.session.execute(
            pg_insert(orm.certificate).on_conflict_do_nothing().returning(orm.certificate.c.id), list(rows)
        )
        return {r[0] for r in result}

    async def mark_revoked(self, cert_id: uuid.UUID, at: datetime, reason: str, by: str) -> None:
        await self.session.execute(
            update(orm.certificate)
            .where(orm.certificate.c.id == cert_id)
            .values(status=CertificateStatus.REVOKED.value, revoked_at=at, revocation_reason=reason, revoked_by=by)
        )

    async def revoked_indexes(self, first: int, last: int) -> list[int]:
        c = orm.certificate.c
        rows = await self.session.execute(
            select(c.status_list_index).where(
                c.status == CertificateStatus.REVOKED, c.status_list_index >= first, c.status_list_index <= last
            )
        )
        return [int(i) for i in rows.scalars()]


class SqlAlchemyBulkJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, job: BulkJob, items: Sequence[dict[str, Any]]) -> None:
        await self.session.execute(
            insert(orm.bulk_job).values(
                id=job.id,
                course_id=job.course_id,
                mode=job.mode,
                status=job.status,
                total=job.total,
                issued=job.issued,
                skipped=job.skipped,
                refused=job.refused,
                failed=job.failed,
                chunks=job.chunks,
                created_by=job.created_by,
                created_by_name=job.created_by_name,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=job.finished_at,
            )
        )
        if items:
            await self.session.execute(insert(orm.bulk_item), list(items))

    async def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> BulkJob | None:
        query = select(orm.bulk_job).where(orm.bulk_job.c.id == job_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _job(row) if row is not None else None

    async def recent(self, course_id: str | None, limit: int) -> list[BulkJob]:
        j = orm.bulk_job.c
        query = select(orm.bulk_job).order_by(j.created_at.desc()).limit(limit)
        if course_id:
            query = query.where(j.course_id == course_id)
        return [_job(r) for r in await self.session.execute(query)]

    async def pending_items(self, job_id: uuid.UUID, first: int, last: int) -> list[PendingItem]:
        i = orm.bulk_item.c
        rows = await self.session.execute(
            select(i.idx, i.recipient)
            .where(i.job_id == job_id, i.idx >= first, i.idx <= last, i.status == ItemStatus.PENDING)
            .order_by(i.idx)
        )
        return [PendingItem(r.idx, Recipient.from_json(dict(r.recipient))) for r in rows]

    async def still_pending(self, job_id: uuid.UUID, idxs: Sequence[int]) -> set[int]:
        i = orm.bulk_item.c
        rows = await self.session.execute(
            select(i.idx).where(i.job_id == job_id, i.idx.in_(list(idxs)), i.status == ItemStatus.PENDING)
        )
        return set(rows.scalars())

    async def set_outcomes(self, job_id: uuid.UUID, outcomes: Sequence[ItemOutcome]) -> None:
        if not outcomes:
            return
        i = orm.bulk_item.c
        await self.session.execute(
            update(orm.bulk_item)
            .where(i.job_id == job_id, i.idx == bindparam("b_idx"))
            .values(
                status=bindparam("b_status"),
                certificate_id=bindparam("b_cert"),
                reason_code=bindparam("b_code"),
                reason=bindparam("b_reason"),
                updated_at=func.now(),
            ),
            [
                {
                    "b_idx": o.idx,
                    "b_status": o.status.value,
                    "b_cert": o.certificate_id,
                    "b_code": o.reason_code,
                    "b_reason": o.reason,
                }
                for o in outcomes
            ],
        )

    async def count_pending(self, job_id: uuid.UUID) -> int:
        i = orm.bulk_item.c
        n = await self.session.scalar(
            select(func.count()).select_from(orm.bulk_item).where(i.job_id == job_id, i.status == ItemStatus.PENDING)
        )
        return int(n or 0)

    async def add_counts(self, job_id: uuid.UUID, *, issued: int, skipped: int, failed: int, finished: bool) -> BulkJob:
        j = orm.bulk_job.c
        now = utcnow()
        row = (
            await self.session.execute(
                update(orm.bulk_job)
                .where(j.id == job_id)
                .values(
                    issued=j.issued + issued,
                    skipped=j.skipped + skipped,
                    failed=j.failed + failed,
                    status=(JobStatus.COMPLETED if finished else JobStatus.RUNNING).value,
                    started_at=func.coalesce(j.started_at, now),
                    finished_at=now if finished else None,
                )
                .returning(orm.bulk_job)
            )
        ).one()
        return _job(row)

    async def end_pending(
        self,
        job_id: uuid.UUID,
        status: ItemStatus,
        reason_code: str,
        reason: str,
        first: int | None = None,
        last: int | None = None,
    ) -> int:
        i = orm.bulk_item.c
        query = update(orm.bulk_item).where(i.job_id == job_id, i.status == ItemStatus.PENDING)
        if first is not None:
            query = query.where(i.idx >= first)
        if last is not None:
            query = query.where(i.idx <= last)
        result = await self.session.execute(
            query.values(status=status.value, reason_code=reason_code, reason=reason, updated_at=utcnow())
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def cancel(self, job_id: uuid.UUID, skipped: int) -> BulkJob:
        j = orm.bulk_job.c
        row = (
            await self.session.execute(
                update(orm.bulk_job)
                .where(j.id == job_id)
                .values(status=JobStatus.CANCELLED.value, skipped=j.skipped + skipped, finished_at=utcnow())
                .returning(orm.bulk_job)
            )
        ).one()
        return _job(row)

    async def complete_if_active(self, job_id: uuid.UUID, failed: int, finished: bool) -> bool:
        j = orm.bulk_job.c
        values: dict[str, object] = {"failed": j.failed + failed}
        if finished:
            values |= {"status": JobStatus.COMPLETED.value, "finished_at": utcnow()}
        ended = await self.session.execute(
            update(orm.bulk_job)
            .where(j.id == job_id, j.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
            .values(values)
        )
        return finished and bool(ended.rowcount)  # type: ignore[attr-defined]

    async def failures(self, job_id: uuid.UUID, limit: int) -> list[dict[str, str]]:
        """Rows a person has to look at: refused, failed and skipped ones, with their reason."""
        i = orm.bulk_item.c
        rows = await self.session.execute(
            select(i.label, i.reason, i.status, i.row)
            .where(
                i.job_id == job_id,
                i.status.in_([ItemStatus.REFUSED, ItemStatus.FAILED, ItemStatus.SKIPPED]),
            )
            .order_by(i.idx)
            .limit(limit)
        )
        out = []
        for r in rows:
            reason = r.reason or r.status.lower()
            if r.status == ItemStatus.REFUSED and r.row is not None and r.reason:
                reason = f"row {r.row}: {r.reason}"  # a refused row is found by its number
            out.append({"recipient": r.label, "reason": reason})
        return out

    async def rows(self, job_id: uuid.UUID, outcome: ItemStatus | None, first: int, after: str | None) -> RowPage:
        i, c = orm.bulk_item.c, orm.certificate.c
        where = [i.job_id == job_id]
        if outcome is not None:
            where.append(i.status == outcome.value)
        total = int(await self.session.scalar(select(func.count()).select_from(orm.bulk_item).where(*where)) or 0)
        if after is not None:
            where.append(i.idx > _cursor_idx(after))
        rows = (
            await self.session.execute(
                select(i.idx, i.row, i.recipient, i.status, i.reason_code, i.reason, c.code)
                .select_from(orm.bulk_item.outerjoin(orm.certificate, c.id == i.certificate_id))
                .where(*where)
                .order_by(i.idx)
                .limit(first + 1)
            )
        ).all()
        more = len(rows) > first
        rows = rows[:first]
        nodes = [_bulk_row(r) for r in rows]
        return RowPage(nodes, total, _cursor(rows[-1].idx) if rows else None, more)


def _bulk_row(r: Any) -> BulkRow:
    given = dict(r.recipient or {})

    def field(key: str) -> str | None:
        value = given.get(key)
        return str(value) if value not in (None, "") else None

    return BulkRow(
        row=r.row,
        name=str(given.get("name") or ""),
        learner_id=field("learnerId"),
        email=field("email"),
        org=field("org"),
        municipality=field("municipality"),
        outcome=ItemStatus(r.status),
        reason_code=r.reason_code,
        reason=r.reason,
        certificate_code=r.code,
    )


def _cursor(idx: int) -> str:
    return base64.urlsafe_b64encode(f"row:{idx}".encode()).decode().rstrip("=")


def _cursor_idx(cursor: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        if kind != "row":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadInput(f"The cursor {cursor!r} is not one this API gave out.") from exc


class SqlAlchemyTemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, template_id: str) -> StoredTemplate | None:
        row = (await self.session.execute(select(orm.template).where(orm.template.c.id == template_id))).first()
        return _template(row) if row is not None else None

    async def all(self) -> list[StoredTemplate]:
        rows = await self.session.execute(select(orm.template).order_by(orm.template.c.id))
        return [_template(r) for r in rows]

    async def save(self, template: StoredTemplate) -> None:
        values = {"data": template.data, "updated_at": template.updated_at, "updated_by": template.updated_by}
        await self.session.execute(
            pg_insert(orm.template)
            .values(id=template.id, **values)
            .on_conflict_do_update(index_elements=["id"], set_=values)
        )


def _template(row: Row[Any]) -> StoredTemplate:
    return StoredTemplate(row.id, dict(row.data), row.updated_at, row.updated_by)


class SqlAlchemyStatusListRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, list_number: int) -> str | None:
        s = orm.status_list.c
        value = await self.session.scalar(select(s.credential_jwt).where(s.list_number == list_number))
        return str(value) if value is not None else None

    async def save(self, list_number: int, credential_jwt: str, at: datetime) -> None:
        await self.session.execute(
            pg_insert(orm.status_list)
            .values(list_number=list_number, credential_jwt=credential_jwt, updated_at=at)
            .on_conflict_do_update(
                index_elements=["list_number"], set_={"credential_jwt": credential_jwt, "updated_at": at}
            )
        )


class SqlAlchemyAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *entries: AuditEntry) -> None:
        if not entries:
            return
        await self.session.execute(
            insert(orm.audit_log),
            [
                {
                    "actor_sub": e.actor_sub,
                    "actor_name": e.actor_name,
                    "action": e.action,
                    "certificate_id": e.certificate_id,
                    "job_id": e.job_id,
                    "template_id": e.template_id,
                    "reason": e.reason,
                    "details": dict(e.details or {}),
                }
                for e in entries
            ],
        )


class OutboxJobQueue:
    """Work-queue messages through the outbox table: sent by the relay iff the transaction commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, subject: str, message_id: str, body: dict[str, Any]) -> None:
        await self.session.execute(
            insert(orm.outbox).values(event_id=message_id, subject=subject, payload=orjson.dumps(body), headers={})
        )
