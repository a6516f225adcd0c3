"""The progress unit of work on PostgreSQL: one session, its repositories, and the outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms_shared.events.envelope import Envelope
from lms_shared.uow import SqlAlchemyUnitOfWork
from progress.adapters.attendance import SqlAlchemyAttendanceRepository, SqlAlchemySurveyRepository
from progress.adapters.erasure import SqlAlchemyErasureRepository
from progress.adapters.orm import idempotency, outbox
from progress.adapters.registration_repository import SqlAlchemyRegistrationRepository
from progress.adapters.repository import (
    SqlAlchemyCertificateRepository,
    SqlAlchemyCourseRepository,
    SqlAlchemyEnrollmentRepository,
    SqlAlchemyNationalRepository,
    SqlAlchemyReportRepository,
)
from progress.service_layer.ports import (
    AttendanceRepository,
    CertificateRepository,
    CourseRepository,
    ErasureRepository,
    NationalRepository,
    RegistrationRepository,
    ReportRepository,
    SurveyRepository,
)


class SqlAlchemyProgressUnitOfWork(SqlAlchemyUnitOfWork):
    """Implements ``service_layer.unit_of_work.ProgressUnitOfWork``; the repositories share its session."""

    courses: CourseRepository
    enrollments: SqlAlchemyEnrollmentRepository
    certificates: CertificateRepository
    reports: ReportRepository
    national: NationalRepository
    erasures: ErasureRepository
    registrations: RegistrationRepository
    attendance: AttendanceRepository
    surveys: SurveyRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions, outbox, idempotency)

    def bind(self, session: AsyncSession) -> None:
        self.courses = SqlAlchemyCourseRepository(session)
        self.enrollments = SqlAlchemyEnrollmentRepository(session)
        self.certificates = SqlAlchemyCertificateRepository(session)
        self.reports = SqlAlchemyReportRepository(session)
        self.national = SqlAlchemyNationalRepository(session)
        self.erasures = SqlAlchemyErasureRepository(session)
        self.registrations = SqlAlchemyRegistrationRepository(session)
        self.attendance = SqlAlchemyAttendanceRepository(session)
        self.surveys = SqlAlchemySurveyRepository(session)

    async def flush_events(self) -> list[Envelope]:
        """Write the staged events; with lesson completions pending, in the same single statement.

        ``completeLesson`` is the platform's hottest write: its lesson row, the enrolment's move to
        COMPLETED, the outbox rows and the relay's NOTIFY go to the server as one statement instead of
        two (and without SQLAlchemy compiling a multi-row insert on every call).
        """
        lessons = self.enrollments.take_pending_lessons()
        if not lessons:
            return await super().flush_events()
        envelopes = [e if isinstance(e, Envelope) else e.envelope() for e in self.staged]
        self._staged = []
        await self.enrollments.write_lessons(lessons, envelopes)
        return envelopes

    async def rollback(self) -> None:
        self.enrollments.take_pending_lessons()
        await super().rollback()
