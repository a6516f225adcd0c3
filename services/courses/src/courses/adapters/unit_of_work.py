"""The courses unit of work on PostgreSQL: one session, its repositories, and the outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from courses.adapters.learner_data import SqlAlchemyLearnerDataRepository
from courses.adapters.orm import idempotency, outbox
from courses.adapters.repository import (
    SqlAlchemyCatalogueRepository,
    SqlAlchemyCourseRepository,
    SqlAlchemyEnrollmentRepository,
    SqlAlchemyKnownTrainerRepository,
    SqlAlchemyMaterialRepository,
    SqlAlchemyVersionRepository,
)
from courses.service_layer.ports import (
    CatalogueRepository,
    CourseRepository,
    EnrollmentRepository,
    KnownTrainerRepository,
    LearnerDataRepository,
    MaterialRepository,
    VersionRepository,
)
from lms_shared.uow import SqlAlchemyUnitOfWork


class SqlAlchemyCoursesUnitOfWork(SqlAlchemyUnitOfWork):
    """Implements ``service_layer.unit_of_work.CoursesUnitOfWork``; the repositories share its session."""

    courses: CourseRepository
    versions: VersionRepository
    catalogue: CatalogueRepository
    materials: MaterialRepository
    enrollments: EnrollmentRepository
    trainers: KnownTrainerRepository
    learner_data: LearnerDataRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions, outbox, idempotency)

    def bind(self, session: AsyncSession) -> None:
        self.courses = SqlAlchemyCourseRepository(session)
        self.versions = SqlAlchemyVersionRepository(session)
        self.catalogue = SqlAlchemyCatalogueRepository(session)
        self.materials = SqlAlchemyMaterialRepository(session)
        self.enrollments = SqlAlchemyEnrollmentRepository(session)
        self.trainers = SqlAlchemyKnownTrainerRepository(session)
        self.learner_data = SqlAlchemyLearnerDataRepository(session)
