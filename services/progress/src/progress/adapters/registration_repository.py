"""Registration's SQL: the per-course seat lock, seats held, waiting lists and decisions (issue 15).

Every decision about seats of a course with a capacity or quotas runs under one lock: the course's
``course`` row, ``SELECT … FOR UPDATE``. In READ COMMITTED each later statement of the transaction
reads a fresh snapshot, so the counts taken after the lock include every seat committed before it;
two requests for the last seat run one after the other, never side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from progress.adapters.orm import course, course_version, enrollment
from progress.adapters.repository import _ENROLLMENTS, _to_enrollment, _trains
from progress.domain.model import EnrollmentStatus
from progress.domain.records import Enrollment
from progress.domain.registration import HOLDS_SEAT, RegistrationPolicy

_HOLDING = [s.value for s in HOLDS_SEAT]


def _plain(row: Any) -> Enrollment:
    """An enrolment row without its certificate and lesson progress (waiting learners have neither)."""
    m = dict(row._mapping)
    m.update(cert_id=None, cert_code=None, cert_revoked=None, cert_issued_at=None, lp_lesson_ids=None)
    return _to_enrollment(m)


class SqlAlchemyRegistrationRepository:
    """Implements ``service_layer.ports.RegistrationRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def policy(self, course_id: str, *, lock: bool) -> RegistrationPolicy | None:
        if lock:
            # The lock alone first: the version read after it sees a policy published meanwhile.
            locked = await self._session.execute(
                select(course.c.course_id).where(course.c.course_id == course_id).with_for_update()
            )
            if locked.first() is None:
                return None
        cv = course_version.c
        row = (
            await self._session.execute(
                select(course.c.current_version, cv.snapshot["registration"])
                .select_from(
                    course.outerjoin(
                        course_version,
                        and_(cv.course_id == course.c.course_id, cv.version == course.c.current_version),
                    )
                )
                .where(course.c.course_id == course_id)
            )
        ).first()
        if row is None or not row[0]:
            return None
        return RegistrationPolicy.from_snapshot(row[1])

    async def tally(self, course_id: str) -> tuple[dict[str, int], dict[str, int]]:
        e = enrollment.c
        key = func.upper(func.trim(func.coalesce(e.org, ""))).label("org")
        waiting = e.status == EnrollmentStatus.WAITLISTED.value
        rows = await self._session.execute(
            select(key, func.count().filter(e.status.in_(_HOLDING)), func.count().filter(waiting))
            .where(e.course_id == course_id, e.status.in_([*_HOLDING, EnrollmentStatus.WAITLISTED.value]))
            .group_by(key)
        )
        held: dict[str, int] = {}
        queued: dict[str, int] = {}
        for org, h, w in rows.all():
            if h:
                held[org] = int(h)
            if w:
                queued[org] = int(w)
        return held, queued

    async def statuses(self, course_id: str, learner_ids: Sequence[str]) -> dict[str, tuple[str, EnrollmentStatus]]:
        if not learner_ids:
            return {}
        e = enrollment.c
        rows = await self._session.execute(
            select(e.learner_id, e.id, e.status).where(e.course_id == course_id, e.learner_id.in_(list(learner_ids)))
        )
        return {r.learner_id: (r.id, EnrollmentStatus(r.status)) for r in rows.all()}

    async def waiting(self, course_id: str) -> list[Enrollment]:
        e = enrollment.c
        rows = await self._session.execute(
            select(enrollment)
            .where(e.course_id == course_id, e.status == EnrollmentStatus.WAITLISTED.value)
            .order_by(e.queue_seq, e.id)
        )
        return [_plain(r) for r in rows.all()]

    async def queue_numbers(self, n: int) -> list[int]:
        if n <= 0:
            return []
        rows = await self._session.execute(
            select(func.nextval("enrollment_queue_seq")).select_from(func.generate_series(1, n))
        )
        return sorted(int(r[0]) for r in rows.all())

    async def move(
        self,
        enrollment_id: str,
        status: EnrollmentStatus,
        *,
        at: datetime,
        queue_seq: int | None = None,
        reason: str | None = None,
        decided_by: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status.value, "queue_seq": queue_seq, "reason": reason}
        if status is EnrollmentStatus.WITHDRAWN:
            values["withdrawn_at"] = at
        else:
            values["withdrawn_at"] = None
        if decided_by is not None:
            values.update(decided_by=decided_by, decided_at=at)
        await self._session.execute(update(enrollment).where(enrollment.c.id == enrollment_id).values(**values))

    async def positions(self, course_id: str, policy: RegistrationPolicy, ids: Sequence[str]) -> dict[str, int]:
        if not ids:
            return {}
        e = enrollment.c
        org = func.upper(func.trim(func.coalesce(e.org, "")))
        quota_orgs = list(policy.quotas)
        pool = case((org.in_(quota_orgs), org), else_=literal("")) if quota_orgs else literal("")
        ranked = (
            select(
                e.id.label("id"),
                func.row_number().over(partition_by=pool, order_by=(e.queue_seq, e.id)).label("position"),
            )
            .where(e.course_id == course_id, e.status == EnrollmentStatus.WAITLISTED.value)
            .subquery()
        )
        rows = await self._session.execute(select(ranked.c.id, ranked.c.position).where(ranked.c.id.in_(list(ids))))
        return {r.id: int(r.position) for r in rows.all()}

    async def pending(
        self, *, course_id: str | None, everyone: bool, org: str | None, trainer: str | None, limit: int
    ) -> list[Enrollment]:
        e = enrollment.c
        stmt = _ENROLLMENTS.where(e.status == EnrollmentStatus.PENDING.value)
        if course_id is not None:
            stmt = stmt.where(e.course_id == course_id)
        if not everyone:
            scopes: list[Any] = []
            if org is not None:
                scopes.append(func.upper(e.org) == org)
            if trainer is not None:
                scopes.append(e.course_id.in_(_trains(trainer)))
            if not scopes:
                return []
            stmt = stmt.where(or_(*scopes))
        rows = await self._session.execute(stmt.order_by(e.enrolled_at, e.id).limit(limit))
        return [_to_enrollment(r._mapping) for r in rows.all()]
