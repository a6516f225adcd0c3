"""Every SQL statement of the certificates service: the repositories of ``service_layer/ports.py``.

Each repository works on the session of one unit of work (``adapters/unit_of_work.py``) and never
commits; the handler does, through the unit of work.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Row, bindparam, func, insert, literal, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.domain.bulk import BulkJob, BulkRow, Held, ItemStatus, JobStatus
from certificates.domain.certificate import CertificateStatus, IssuedCertificate
from certificates.domain.codes import CODE_LENGTH
from certificates.domain.course import CourseInfo
from certificates.domain.participation import EventFacts, kind_of
from certificates.domain.recipients import Recipient
from certificates.service_layer.ports import (
    AuditEntry,
    AutoIssueFailure,
    AutoIssueRequest,
    AwaitingCompletion,
    CertificatePage,
    CertificateSearch,
    CompletionRecord,
    CourseOwners,
    ItemOutcome,
    PendingItem,
    RowPage,
    StoredTemplate,
    VersionPolicy,
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
        summaries=dict(row.summaries or {}),
        kind=kind_of(row.kind),
        event=EventFacts.from_json(row.event),
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
        credential_di=row.credential_di,
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
        waiting_reason=row.waiting_reason,
        waiting_since=row.waiting_since,
        updated_at=row.updated_at,
        requeues=row.requeues,
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
            "summaries": dict(course.summaries),
            "languages": list(course.languages),
            "default_language": course.default_language,
            "owner_id": course.owner_id,
            "co_owner_ids": list(course.co_owner_ids),
            "auto_issue": course.auto_issue,
            "template_id": course.template_id,
            "kind": course.kind,
            "event": course.event.to_json() if course.event is not None else None,
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

    async def store_version_policy(self, policy: VersionPolicy) -> None:
        await self.session.execute(
            pg_insert(orm.course_version_policy)
            .values(
                course_id=policy.course_id,
                version=policy.version,
                auto_issue=policy.auto_issue,
                template_id=policy.template_id,
                kind=policy.kind,
                event=policy.event.to_json() if policy.event is not None else None,
            )
            .on_conflict_do_nothing(index_elements=["course_id", "version"])
        )

    async def version_policies(self, course_id: str) -> dict[int, VersionPolicy]:
        p = orm.course_version_policy.c
        rows = await self.session.execute(select(orm.course_version_policy).where(p.course_id == course_id))
        return {
            r.version: VersionPolicy(
                r.course_id, r.version, r.auto_issue, r.template_id, kind_of(r.kind), EventFacts.from_json(r.event)
            )
            for r in rows
        }

    async def owners(self, course_id: str) -> CourseOwners | None:
        c = orm.course.c
        row = (
            await self.session.execute(select(c.owner_id, c.co_owner_ids, c.owner_revision).where(c.id == course_id))
        ).first()
        if row is None:
            return None
        return CourseOwners(row.owner_id, list(row.co_owner_ids or []), row.owner_revision)

    async def update_owners(self, course_id: str, owners: CourseOwners) -> bool:
        c = orm.course.c
        result = await self.session.execute(
            update(orm.course)
            .where(c.id == course_id, c.owner_revision <= owners.revision)
            .values(
                owner_id=owners.owner_id,
                co_owner_ids=list(owners.co_owner_ids),
                owner_revision=owners.revision,
                updated_at=utcnow(),
            )
        )
        return bool(getattr(result, "rowcount", 0))


_COMPLETIONS_PER_STATEMENT = 1000  # 12 parameters a row, below Postgres's 32,767


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

    async def record_many(self, records: Sequence[CompletionRecord]) -> None:
        for start in range(0, len(records), _COMPLETIONS_PER_STATEMENT):
            rows = [
                {
                    "course_id": r.course_id,
                    "learner_id": r.recipient.learner_id,
                    "enrollment_id": r.recipient.enrollment_id,
                    "course_version": r.recipient.course_version,
                    "course_titles": dict(r.course_titles),
                    "learner_name": r.recipient.name,
                    "org": r.recipient.org,
                    "municipality": r.recipient.municipality,
                    "locale": r.recipient.locale,
                    "score": r.score,
                    "completed_at": r.completed_at,
                    "awaiting_course": r.awaiting_course,
                }
                for r in records[start : start + _COMPLETIONS_PER_STATEMENT]
            ]
            stmt = pg_insert(orm.completion).values(rows)
            await self.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["course_id", "learner_id"],
                    set_={k: stmt.excluded[k] for k in rows[0] if k not in ("course_id", "learner_id")},
                )
            )

    async def awaiting_course(self, course_id: str) -> list[AwaitingCompletion]:
        c = orm.completion.c
        rows = await self.session.execute(
            select(orm.completion).where(c.course_id == course_id, c.awaiting_course.is_(True))
        )
        return [AwaitingCompletion(_completer(r), dict(r.course_titles or {})) for r in rows]

    async def clear_awaiting(self, course_id: str, versions: Collection[int]) -> None:
        if not versions:
            return
        c = orm.completion.c
        await self.session.execute(
            update(orm.completion)
            .where(c.course_id == course_id, c.awaiting_course.is_(True), c.course_version.in_(list(versions)))
            .values(awaiting_course=False)
        )

    async def eligible_without_certificate(self, course_id: str, org: str | None = None) -> list[Recipient]:
        c, cert = orm.completion.c, orm.certificate.c
        holders = select(cert.learner_id).where(
            cert.course_id == course_id, cert.status == CertificateStatus.VALID, cert.learner_id.is_not(None)
        )
        query = select(orm.completion).where(c.course_id == course_id, c.learner_id.not_in(holders))
        if org is not None:
            query = query.where(c.org == org)
        rows = await self.session.execute(query.order_by(c.completed_at, c.learner_id))
        return [_completer(r) for r in rows]

    async def orgs_of(self, course_id: str, learner_ids: Collection[str]) -> dict[str, str | None]:
        if not learner_ids:
            return {}
        c = orm.completion.c
        rows = await self.session.execute(
            select(c.learner_id, c.org).where(c.course_id == course_id, c.learner_id.in_(list(learner_ids)))
        )
        return {r.learner_id: r.org for r in rows}


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

    async def find(
        self, ids: Sequence[uuid.UUID] | None, course_id: str | None, limit: int, *, org: str | None = None
    ) -> list[IssuedCertificate]:
        c = orm.certificate.c
        query = select(orm.certificate)
        if ids is not None:
            query = query.where(c.id.in_(list(ids)))
        if org is not None:
            query = query.where(c.org == org)
        if course_id:
            query = query.where(c.course_id == course_id)
        rows = await self.session.execute(query.order_by(c.issued_at.desc()).limit(limit))
        return [_certificate(r) for r in rows]

    async def search(self, query: CertificateSearch, first: int, after: str | None) -> CertificatePage:
        c = orm.certificate.c
        where: list[Any] = []
        if query.code_prefixes:
            where.append(
                or_(
                    *(
                        c.code == p if len(p) == CODE_LENGTH else c.code.like(_like_prefix(p), escape="\\")
                        for p in query.code_prefixes
                    )
                )
            )
        for word in query.words:
            where.append(c.name_key.like(f"%{_escape_like(word)}%", escape="\\"))
        if query.course_id:
            where.append(c.course_id == query.course_id)
        if query.status is not None:
            where.append(c.status == query.status.value)
        if query.org is not None:
            where.append(c.org == query.org)
        total = int(await self.session.scalar(select(func.count()).select_from(orm.certificate).where(*where)) or 0)
        if after is not None:
            at, last_id = _search_cursor_key(after)
            where.append(tuple_(c.issued_at, c.id) < tuple_(literal(at, c.issued_at.type), literal(last_id, c.id.type)))
        rows = (
            await self.session.execute(
                select(orm.certificate).where(*where).order_by(c.issued_at.desc(), c.id.desc()).limit(first + 1)
            )
        ).all()
        more = len(rows) > first
        nodes = [_certificate(r) for r in rows[:first]]
        end = _search_cursor(nodes[-1].issued_at, nodes[-1].id) if nodes else None
        return CertificatePage(nodes, total, end, more)

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

    async def without_data_integrity(self, limit: int) -> list[IssuedCertificate]:
        c = orm.certificate.c
        rows = await self.session.execute(
            select(orm.certificate)
            .where(c.credential_di.is_(None))
            .order_by(c.issued_at, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_certificate(r) for r in rows]

    async def set_data_integrity(self, cert_id: uuid.UUID, credential_di: dict[str, Any]) -> bool:
        c = orm.certificate.c
        result = await self.session.execute(
            update(orm.certificate)
            .where(c.id == cert_id, c.credential_di.is_(None))
            .values(credential_di=credential_di)
            .returning(c.id)
        )
        return result.first() is not None


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

    async def recent(self, course_id: str | None, limit: int, *, created_by: str | None = None) -> list[BulkJob]:
        j = orm.bulk_job.c
        query = select(orm.bulk_job).order_by(j.created_at.desc()).limit(limit)
        if course_id:
            query = query.where(j.course_id == course_id)
        if created_by is not None:
            query = query.where(j.created_by == created_by)
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
                    # Items moved: whatever held the job back is over.
                    waiting_reason=None,
                    waiting_since=None,
                    updated_at=now,
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
                .values(
                    status=JobStatus.CANCELLED.value,
                    skipped=j.skipped + skipped,
                    finished_at=utcnow(),
                    waiting_reason=None,
                    waiting_since=None,
                    updated_at=utcnow(),
                )
                .returning(orm.bulk_job)
            )
        ).one()
        return _job(row)

    async def complete_if_active(self, job_id: uuid.UUID, failed: int, finished: bool) -> bool:
        j = orm.bulk_job.c
        values: dict[str, object] = {"failed": j.failed + failed, "updated_at": utcnow()}
        if finished:
            values |= {
                "status": JobStatus.COMPLETED.value,
                "finished_at": utcnow(),
                "waiting_reason": None,
                "waiting_since": None,
            }
        ended = await self.session.execute(
            update(orm.bulk_job)
            .where(j.id == job_id, j.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
            .values(values)
        )
        return finished and bool(ended.rowcount)  # type: ignore[attr-defined]

    async def mark_waiting(self, job_id: uuid.UUID, reason: str) -> None:
        """An active job is held back by an outage: say so (keeping the first moment) and stay alive."""
        j = orm.bulk_job.c
        now = utcnow()
        await self.session.execute(
            update(orm.bulk_job)
            .where(j.id == job_id, j.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
            .values(waiting_reason=reason, waiting_since=func.coalesce(j.waiting_since, now), updated_at=now)
        )

    async def stalled(self, silent_since: datetime, limit: int) -> list[BulkJob]:
        """Active jobs with PENDING items and no sign of life since ``silent_since``, locked.

        ``SKIP LOCKED``: a job another worker's watchdog (or a chunk's write) holds is not ours to
        look at now; when that transaction ends the job has a fresh ``updated_at``.
        """
        j, i = orm.bulk_job.c, orm.bulk_item.c
        pending = select(i.idx).where(i.job_id == j.id, i.status == ItemStatus.PENDING.value).limit(1).exists()
        query = (
            select(orm.bulk_job)
            .where(
                j.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
                j.updated_at < silent_since,
                pending,
            )
            .order_by(j.updated_at)
            .limit(limit)
            .with_for_update(of=orm.bulk_job, skip_locked=True)
        )
        return [_job(r) for r in await self.session.execute(query)]

    async def pending_indexes(self, job_id: uuid.UUID) -> list[int]:
        i = orm.bulk_item.c
        rows = await self.session.execute(
            select(i.idx).where(i.job_id == job_id, i.status == ItemStatus.PENDING.value).order_by(i.idx)
        )
        return list(rows.scalars())

    async def note_requeue(self, job_id: uuid.UUID) -> int:
        """Count one more re-queue of the job (a sign of life too); returns the new generation."""
        j = orm.bulk_job.c
        generation = await self.session.scalar(
            update(orm.bulk_job)
            .where(j.id == job_id)
            .values(requeues=j.requeues + 1, updated_at=utcnow())
            .returning(j.requeues)
        )
        return int(generation or 0)

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


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(prefix: str) -> str:
    return _escape_like(prefix) + "%"


def _search_cursor(at: datetime, cert_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"cert:{at.isoformat()}|{cert_id}".encode()).decode().rstrip("=")


def _search_cursor_key(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        at, _, cert_id = value.partition("|")
        if kind != "cert":
            raise ValueError(kind)
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError(at)
        return parsed, uuid.UUID(cert_id)
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

    async def get_data_integrity(self, list_number: int) -> dict[str, Any] | None:
        s = orm.status_list.c
        value = await self.session.scalar(select(s.credential_di).where(s.list_number == list_number))
        return dict(value) if value is not None else None

    async def save(
        self, list_number: int, credential_jwt: str, at: datetime, credential_di: dict[str, Any] | None = None
    ) -> None:
        values = {"credential_jwt": credential_jwt, "credential_di": credential_di, "updated_at": at}
        await self.session.execute(
            pg_insert(orm.status_list)
            .values(list_number=list_number, **values)
            .on_conflict_do_update(index_elements=["list_number"], set_=values)
        )

    async def lock(self, list_number: int) -> None:
        # An advisory lock, not the row's: a list never signed has no row to lock yet.
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended('status-list:' || :n, 0))"), {"n": str(list_number)}
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


def _auto_issue_failure(row: Row[Any]) -> AutoIssueFailure:
    return AutoIssueFailure(
        id=row.id,
        course_id=row.course_id,
        recipient=Recipient.from_json(dict(row.recipient)),
        course_titles=dict(row.course_titles or {}),
        reason_code=row.reason_code,
        reason=row.reason,
        attempts=row.attempts,
        first_failed_at=row.first_failed_at,
        last_failed_at=row.last_failed_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        certificate_id=row.certificate_id,
    )


class SqlAlchemyAutoIssueFailureRepository:
    """Completions that could not be certified automatically: one row per recipient and course."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, course_id: str, recipient: Recipient, course_titles: Mapping[str, str], reason_code: str, reason: str
    ) -> AutoIssueFailure:
        now = utcnow()
        t = orm.auto_issue_failure
        stmt = pg_insert(t).values(
            id=uuid.uuid4(),
            course_id=course_id,
            recipient_key=recipient.key,
            learner_id=recipient.learner_id,
            recipient=recipient.to_json(),
            course_titles=dict(course_titles),
            reason_code=reason_code,
            reason=reason,
            attempts=1,
            first_failed_at=now,
            last_failed_at=now,
        )
        row = (
            await self.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["course_id", "recipient_key"],
                    set_={
                        "recipient": stmt.excluded.recipient,
                        "learner_id": stmt.excluded.learner_id,
                        "course_titles": stmt.excluded.course_titles,
                        "reason_code": stmt.excluded.reason_code,
                        "reason": stmt.excluded.reason,
                        "attempts": t.c.attempts + 1,
                        "last_failed_at": stmt.excluded.last_failed_at,
                        "resolved_at": None,
                        "resolved_by": None,
                        "certificate_id": None,
                    },
                ).returning(*t.c)
            )
        ).one()
        return _auto_issue_failure(row)

    async def get(self, failure_id: uuid.UUID, *, for_update: bool = False) -> AutoIssueFailure | None:
        query = select(orm.auto_issue_failure).where(orm.auto_issue_failure.c.id == failure_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return _auto_issue_failure(row) if row is not None else None

    async def of_course(self, course_id: str | None, *, include_resolved: bool, limit: int) -> list[AutoIssueFailure]:
        c = orm.auto_issue_failure.c
        query = select(orm.auto_issue_failure)
        if course_id is not None:
            query = query.where(c.course_id == course_id)
        if not include_resolved:
            query = query.where(c.resolved_at.is_(None))
        rows = await self.session.execute(query.order_by(c.last_failed_at.desc(), c.id).limit(limit))
        return [_auto_issue_failure(r) for r in rows]

    async def open_keys(self, course_id: str, recipient_keys: Sequence[str]) -> set[str]:
        if not recipient_keys:
            return set()
        c = orm.auto_issue_failure.c
        rows = await self.session.execute(
            select(c.recipient_key).where(
                c.course_id == course_id, c.recipient_key.in_(list(recipient_keys)), c.resolved_at.is_(None)
            )
        )
        return set(rows.scalars())

    async def resolve(self, course_id: str, recipient_key: str, certificate_id: uuid.UUID, by: str) -> None:
        c = orm.auto_issue_failure.c
        await self.session.execute(
            update(orm.auto_issue_failure)
            .where(c.course_id == course_id, c.recipient_key == recipient_key, c.resolved_at.is_(None))
            .values(resolved_at=utcnow(), resolved_by=by, certificate_id=certificate_id)
        )


AUTO_ISSUE_CHANNEL = "certificates_auto_issue"
"""NOTIFY channel that wakes the certificate workers when automatic-issue requests commit."""
_REQUESTS_PER_STATEMENT = 1000  # 8 parameters a row, far below Postgres's 32,767


def _auto_issue_request(row: Row[Any]) -> AutoIssueRequest:
    return AutoIssueRequest(
        course_id=row.course_id,
        recipient=Recipient.from_json(dict(row.recipient)),
        course_titles=dict(row.course_titles or {}),
        attempts=row.attempts,
        requested_at=row.requested_at,
    )


class SqlAlchemyAutoIssueRequestRepository:
    """Completions waiting for their automatic certificate (``auto_issue_request``), claimed in batches."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, requests: Sequence[AutoIssueRequest]) -> None:
        if not requests:
            return
        t = orm.auto_issue_request
        for start in range(0, len(requests), _REQUESTS_PER_STATEMENT):
            part = requests[start : start + _REQUESTS_PER_STATEMENT]
            staged = (
                pg_insert(t)
                .values(
                    [
                        {
                            "course_id": r.course_id,
                            "recipient_key": r.recipient.key,
                            "learner_id": r.recipient.learner_id,
                            "course_version": r.recipient.course_version,
                            "recipient": r.recipient.to_json(),
                            "course_titles": dict(r.course_titles),
                        }
                        for r in part
                    ]
                )
                .on_conflict_do_nothing(index_elements=["course_id", "recipient_key"])
                .cte("staged")
            )
            # One round trip: the insert rides as a CTE of the NOTIFY, which Postgres delivers at COMMIT
            # (and only then), once per transaction however many rows.
            await self.session.execute(select(func.pg_notify(AUTO_ISSUE_CHANNEL, "")).add_cte(staged))

    async def claim(self, limit: int) -> list[AutoIssueRequest]:
        c = orm.auto_issue_request.c
        rows = await self.session.execute(
            select(orm.auto_issue_request)
            .where(c.not_before <= func.now())
            .order_by(c.not_before, c.requested_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_auto_issue_request(r) for r in rows]

    async def done(self, requests: Sequence[AutoIssueRequest]) -> None:
        if not requests:
            return
        c = orm.auto_issue_request.c
        await self.session.execute(
            orm.auto_issue_request.delete().where(
                tuple_(c.course_id, c.recipient_key).in_([(r.course_id, r.recipient.key) for r in requests])
            )
        )

    async def postpone(self, requests: Sequence[AutoIssueRequest], seconds: float, error: str, *, count: bool) -> None:
        if not requests:
            return
        c = orm.auto_issue_request.c
        await self.session.execute(
            update(orm.auto_issue_request)
            .where(tuple_(c.course_id, c.recipient_key).in_([(r.course_id, r.recipient.key) for r in requests]))
            .values(
                not_before=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, seconds),
                attempts=c.attempts + (1 if count else 0),
                last_error=error,
            )
        )

    async def drop_learner(self, learner_id: str) -> int:
        c = orm.auto_issue_request.c
        result = await self.session.execute(orm.auto_issue_request.delete().where(c.learner_id == learner_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def pending(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(orm.auto_issue_request)) or 0)
