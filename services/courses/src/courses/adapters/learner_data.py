"""The SQL of a learner's export in courses (service_layer/learner_data.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from courses.adapters.orm import course, course_co_owner, course_enrollment, known_trainer


def _plain(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in row._mapping.items()}


class SqlAlchemyLearnerDataRepository:
    """Implements ``service_layer.ports.LearnerDataRepository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def export(self, learner_id: str) -> dict[str, Any]:
        s = self._session
        enrolments = (
            await s.execute(select(course_enrollment).where(course_enrollment.c.learner_id == learner_id))
        ).all()
        trainer = (await s.execute(select(known_trainer).where(known_trainer.c.id == learner_id))).one_or_none()
        owned = (await s.execute(select(course.c.id, course.c.slug).where(course.c.owner_id == learner_id))).all()
        co_owned = (await s.execute(select(course_co_owner).where(course_co_owner.c.trainer_id == learner_id))).all()
        return {
            "enrollments": [_plain(r) for r in enrolments],
            "knownTrainer": _plain(trainer) if trainer is not None else None,
            "ownedCourses": [_plain(r) for r in owned],
            "coOwnedCourses": [_plain(r) for r in co_owned],
        }
