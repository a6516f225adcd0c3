"""The SQL of print batches (``service_layer.ports.PrintBatchRepository``); never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.adapters import orm
from certificates.domain.certificate import CertificateStatus
from certificates.domain.printing import Printable, PrintBatch, PrintFilter, PrintFormat, PrintItem, PrintStatus

_INSERT_ROWS = 1000


class SqlAlchemyPrintBatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def printable(self, selection: PrintFilter, limit: int) -> list[Printable]:
        c = orm.certificate.c
        query = select(c.id, c.learner_name, c.lang, c.code, c.pdf_key).where(c.status == CertificateStatus.VALID.value)
        if selection.job_id is not None:
            query = query.where(c.bulk_job_id == selection.job_id)
        if selection.course_id:
            query = query.where(c.course_id == selection.course_id)
        if selection.org:
            query = query.where(c.org == selection.org)
        if selection.issued_from is not None:
            query = query.where(c.issued_at >= selection.issued_from)
        if selection.issued_to is not None:
            query = query.where(c.issued_at < selection.issued_to)
        rows = await self.session.execute(query.order_by(c.id).limit(limit + 1))
        return [Printable(r.id, r.learner_name, r.lang, r.code, r.pdf_key) for r in rows]

    async def add(self, batch: PrintBatch, items: Sequence[PrintItem]) -> None:
        await self.session.execute(
            insert(orm.print_batch).values(
                id=batch.id,
                format=batch.format.value,
                status=batch.status.value,
                selection=batch.filter.to_json(),
                lang=batch.lang,
                total=batch.total,
                done=0,
                due_at=batch.created_at,
                created_by=batch.created_by,
                created_at=batch.created_at,
            )
        )
        rows = [
            {
                "batch_id": batch.id,
                "position": i.position,
                "certificate_id": i.certificate_id,
                "pdf_key": i.pdf_key,
                "file_name": i.file_name,
            }
            for i in items
        ]
        for start in range(0, len(rows), _INSERT_ROWS):
            await self.session.execute(insert(orm.print_batch_item), rows[start : start + _INSERT_ROWS])

    async def get(self, batch_id: uuid.UUID) -> PrintBatch | None:
        row = (await self.session.execute(select(orm.print_batch).where(orm.print_batch.c.id == batch_id))).first()
        return _batch(row) if row is not None else None

    async def items(self, batch_id: uuid.UUID) -> list[PrintItem]:
        c = orm.print_batch_item.c
        rows = await self.session.execute(
            select(c.position, c.certificate_id, c.pdf_key, c.file_name)
            .where(c.batch_id == batch_id)
            .order_by(c.position)
        )
        return [PrintItem(r.position, r.certificate_id, r.pdf_key, r.file_name) for r in rows]

    async def claim(self, now: datetime, lease_until: datetime) -> PrintBatch | None:
        row = (
            await self.session.execute(
                text(
                    """
                    UPDATE print_batch SET status = 'RUNNING', attempt = attempt + 1, lease_until = :lease,
                           done = 0
                    WHERE id = (
                        SELECT id FROM print_batch
                        WHERE (status = 'QUEUED' AND due_at <= :now)
                           OR (status = 'RUNNING' AND lease_until < :now)
                        ORDER BY due_at
                        FOR UPDATE SKIP LOCKED
                        LIMIT 1
                    )
                    RETURNING *
                    """
                ),
                {"now": now, "lease": lease_until},
            )
        ).first()
        return _batch(row) if row is not None else None

    async def heartbeat(self, batch_id: uuid.UUID, attempt: int, done: int, lease_until: datetime) -> bool:
        c = orm.print_batch.c
        result = await self.session.execute(
            update(orm.print_batch)
            .where(c.id == batch_id, c.attempt == attempt, c.status == PrintStatus.RUNNING.value)
            .values(done=done, lease_until=lease_until, waiting_reason=None)
            .returning(c.id)
        )
        return result.first() is not None

    async def complete(self, batch_id: uuid.UUID, attempt: int, key: str, size: int, at: datetime) -> bool:
        c = orm.print_batch.c
        result = await self.session.execute(
            update(orm.print_batch)
            .where(c.id == batch_id, c.attempt == attempt, c.status == PrintStatus.RUNNING.value)
            .values(
                status=PrintStatus.COMPLETED.value,
                done=c.total,
                output_key=key,
                size=size,
                finished_at=at,
                lease_until=None,
                waiting_reason=None,
                error=None,
            )
            .returning(c.id)
        )
        return result.first() is not None

    async def release(
        self, batch_id: uuid.UUID, attempt: int, *, retry_at: datetime, waiting: str | None, error: str | None
    ) -> PrintBatch | None:
        c = orm.print_batch.c
        values: dict[str, Any] = {
            "status": PrintStatus.QUEUED.value,
            "due_at": retry_at,
            "lease_until": None,
            "waiting_reason": waiting,
        }
        if error is not None:
            values |= {"error": error, "failures": c.failures + 1}
        row = (
            await self.session.execute(
                update(orm.print_batch)
                .where(c.id == batch_id, c.attempt == attempt, c.status == PrintStatus.RUNNING.value)
                .values(**values)
                .returning(orm.print_batch)
            )
        ).first()
        return _batch(row) if row is not None else None

    async def park(self, batch_id: uuid.UUID, attempt: int, error: str, at: datetime) -> bool:
        c = orm.print_batch.c
        result = await self.session.execute(
            update(orm.print_batch)
            .where(c.id == batch_id, c.attempt == attempt, c.status == PrintStatus.RUNNING.value)
            .values(
                status=PrintStatus.FAILED.value,
                error=error,
                failures=c.failures + 1,
                finished_at=at,
                lease_until=None,
                waiting_reason=None,
            )
            .returning(c.id)
        )
        return result.first() is not None

    async def requeue(self, batch_id: uuid.UUID) -> PrintBatch | None:
        c = orm.print_batch.c
        row = (
            await self.session.execute(
                update(orm.print_batch)
                .where(c.id == batch_id, c.status == PrintStatus.FAILED.value)
                .values(
                    status=PrintStatus.QUEUED.value,
                    failures=0,
                    error=None,
                    done=0,
                    finished_at=None,
                    due_at=text("now()"),
                )
                .returning(orm.print_batch)
            )
        ).first()
        return _batch(row) if row is not None else None


def _batch(row: Row[Any]) -> PrintBatch:
    m = row._mapping
    s = m["selection"] or {}
    return PrintBatch(
        id=m["id"],
        format=PrintFormat(m["format"]),
        status=PrintStatus(m["status"]),
        filter=PrintFilter(
            job_id=uuid.UUID(s["jobId"]) if s.get("jobId") else None,
            course_id=s.get("courseId"),
            org=s.get("org"),
            issued_from=datetime.fromisoformat(s["issuedFrom"]) if s.get("issuedFrom") else None,
            issued_to=datetime.fromisoformat(s["issuedTo"]) if s.get("issuedTo") else None,
        ),
        lang=m["lang"],
        total=m["total"],
        done=m["done"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        attempt=m["attempt"],
        failures=m["failures"],
        error=m["error"],
        waiting_reason=m["waiting_reason"],
        output_key=m["output_key"],
        size=m["size"],
        finished_at=m["finished_at"],
    )
