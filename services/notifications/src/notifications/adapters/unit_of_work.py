"""The notifications unit of work on PostgreSQL: one session, its repositories, and the outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms_shared.uow import SqlAlchemyUnitOfWork
from notifications.adapters.email_repository import SqlAlchemyEmailDeliveries
from notifications.adapters.orm import idempotency, outbox
from notifications.adapters.repository import (
    SqlAlchemyCourseRepository,
    SqlAlchemyEmailOutbox,
    SqlAlchemyEnrollmentRepository,
    SqlAlchemyNotificationRepository,
    SqlAlchemyPersonRepository,
    SqlAlchemyPreferenceRepository,
    SqlAlchemyScheduleRepository,
)


class SqlAlchemyNotificationsUnitOfWork(SqlAlchemyUnitOfWork):
    """Implements ``service_layer.unit_of_work.NotificationsUnitOfWork``; the repositories share its session."""

    people: SqlAlchemyPersonRepository
    preferences: SqlAlchemyPreferenceRepository
    courses: SqlAlchemyCourseRepository
    enrollments: SqlAlchemyEnrollmentRepository
    notifications: SqlAlchemyNotificationRepository
    emails: SqlAlchemyEmailOutbox
    schedules: SqlAlchemyScheduleRepository
    deliveries: SqlAlchemyEmailDeliveries

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions, outbox, idempotency)

    def bind(self, session: AsyncSession) -> None:
        self.people = SqlAlchemyPersonRepository(session)
        self.preferences = SqlAlchemyPreferenceRepository(session)
        self.courses = SqlAlchemyCourseRepository(session)
        self.enrollments = SqlAlchemyEnrollmentRepository(session)
        self.notifications = SqlAlchemyNotificationRepository(session)
        self.emails = SqlAlchemyEmailOutbox(session)
        self.schedules = SqlAlchemyScheduleRepository(session)
        self.deliveries = SqlAlchemyEmailDeliveries(session)
