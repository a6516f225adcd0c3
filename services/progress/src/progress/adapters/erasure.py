"""The SQL of a learner's export and erasure in progress (service_layer/erasure.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from progress.adapters.orm import (
    certificate,
    enrollment,
    erased_learner,
    learner,
    lesson_progress,
    report_enrollment,
)
from progress.domain.erasure import Erasure


def _plain(row: Any) -> dict[str, Any]:
    """A row as JSON-ready values (times as ISO 8601)."""
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        out[key] = value.isoformat() if isinstance(value, datetime | date) else value
    return out


class SqlAlchemyErasureRepository:
    """Implements ``service_layer.ports.ErasureRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, learner_id: str) -> Erasure | None:
        row = (
            await self._session.execute(select(erased_learner).where(erased_learner.c.learner_id == learner_id))
        ).one_or_none()
        if row is None:
            return None
        return Erasure(row.learner_id, row.pseudonym, row.org, row.reason, row.requested_by, row.erased_at)

    async def record(self, erasure: Erasure) -> bool:
        stmt = (
            pg_insert(erased_learner)
            .values(
                learner_id=erasure.learner_id,
                pseudonym=erasure.pseudonym,
                org=erasure.org,
                reason=erasure.reason,
                requested_by=erasure.requested_by,
                erased_at=erasure.erased_at,
            )
            .on_conflict_do_nothing(index_elements=[erased_learner.c.learner_id])
            .returning(erased_learner.c.learner_id)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def orgs_of(self, learner_id: str) -> list[str | None] | None:
        """Every member state recorded for the learner (None among them: a row without one);
        None when progress holds nothing about the learner."""
        q = union(
            select(enrollment.c.org).where(enrollment.c.learner_id == learner_id),
            select(certificate.c.org).where(certificate.c.learner_id == learner_id),
            select(report_enrollment.c.org).where(report_enrollment.c.learner_id == learner_id),
            # The directory row of a learner seen only through activity has no name yet and no org.
            select(learner.c.org).where(learner.c.learner_id == learner_id, learner.c.name_key != ""),
        )
        rows = (await self._session.execute(q)).all()
        if not rows:
            return None
        return [r[0] for r in rows]

    async def pseudonymise(self, learner_id: str, pseudonym: str, name_key: str) -> int:
        """Replace the learner's name in every row progress keeps it in; the number of rows changed."""
        changed = 0
        res = await self._session.execute(
            update(enrollment).where(enrollment.c.learner_id == learner_id).values(learner_name=pseudonym)
        )
        changed += res.rowcount or 0  # type: ignore[attr-defined]
        res = await self._session.execute(
            update(learner).where(learner.c.learner_id == learner_id).values(name=pseudonym, name_key=name_key)
        )
        changed += res.rowcount or 0  # type: ignore[attr-defined]
        return changed

    async def export(self, learner_id: str) -> dict[str, Any]:
        s = self._session
        enrolments = (
            await s.execute(
                select(enrollment).where(enrollment.c.learner_id == learner_id).order_by(enrollment.c.enrolled_at)
            )
        ).all()
        ids = [r.id for r in enrolments]
        lessons = (
            (
                await s.execute(
                    select(lesson_progress)
                    .where(lesson_progress.c.enrollment_id.in_(ids))
                    .order_by(lesson_progress.c.enrollment_id, lesson_progress.c.lesson_id)
                )
            ).all()
            if ids
            else []
        )
        certificates = (
            await s.execute(
                select(certificate).where(certificate.c.learner_id == learner_id).order_by(certificate.c.issued_at)
            )
        ).all()
        directory = (await s.execute(select(learner).where(learner.c.learner_id == learner_id))).one_or_none()
        reported = (
            await s.execute(select(report_enrollment).where(report_enrollment.c.learner_id == learner_id))
        ).all()
        return {
            "enrollments": [_plain(r) for r in enrolments],
            "lessonProgress": [_plain(r) for r in lessons],
            "certificates": [_plain(r) for r in certificates],
            "directory": _plain(directory) if directory is not None else None,
            "reportEnrollments": [_plain(r) for r in reported],
        }
