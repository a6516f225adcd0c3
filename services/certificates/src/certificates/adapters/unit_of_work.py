"""The certificates unit of work on SQLAlchemy: one session, its repositories, its staged events."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from certificates.adapters import orm
from certificates.adapters.erasure import SqlAlchemyErasureRepository
from certificates.adapters.metrics import after_commit
from certificates.adapters.print_repository import SqlAlchemyPrintBatchRepository
from certificates.adapters.repository import (
    OutboxJobQueue,
    SqlAlchemyAuditLog,
    SqlAlchemyAutoIssueFailureRepository,
    SqlAlchemyAutoIssueRequestRepository,
    SqlAlchemyBulkJobRepository,
    SqlAlchemyCertificateRepository,
    SqlAlchemyCompletionRepository,
    SqlAlchemyCourseRepository,
    SqlAlchemyStatusListRepository,
    SqlAlchemyTemplateRepository,
)
from certificates.adapters.variant_repository import SqlAlchemyTemplateVariantRepository
from lms_shared.uow import SqlAlchemyUnitOfWork


class SqlAlchemyCertificatesUnitOfWork(SqlAlchemyUnitOfWork):
    """Implements ``service_layer.unit_of_work.CertificatesUnitOfWork``."""

    courses: SqlAlchemyCourseRepository
    completions: SqlAlchemyCompletionRepository
    certificates: SqlAlchemyCertificateRepository
    bulk_jobs: SqlAlchemyBulkJobRepository
    templates: SqlAlchemyTemplateRepository
    variants: SqlAlchemyTemplateVariantRepository
    status_lists: SqlAlchemyStatusListRepository
    audit: SqlAlchemyAuditLog
    jobs: OutboxJobQueue
    auto_issue_failures: SqlAlchemyAutoIssueFailureRepository
    auto_issue_requests: SqlAlchemyAutoIssueRequestRepository
    print_batches: SqlAlchemyPrintBatchRepository
    erasures: SqlAlchemyErasureRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions, orm.outbox, orm.idempotency)

    def bind(self, session: AsyncSession) -> None:
        self.courses = SqlAlchemyCourseRepository(session)
        self.completions = SqlAlchemyCompletionRepository(session)
        self.certificates = SqlAlchemyCertificateRepository(session)
        self.bulk_jobs = SqlAlchemyBulkJobRepository(session)
        self.templates = SqlAlchemyTemplateRepository(session)
        self.variants = SqlAlchemyTemplateVariantRepository(session)
        self.status_lists = SqlAlchemyStatusListRepository(session)
        self.audit = SqlAlchemyAuditLog(session)
        self.jobs = OutboxJobQueue(session)
        self.auto_issue_failures = SqlAlchemyAutoIssueFailureRepository(session)
        self.auto_issue_requests = SqlAlchemyAutoIssueRequestRepository(session)
        self.print_batches = SqlAlchemyPrintBatchRepository(session)
        self.erasures = SqlAlchemyErasureRepository(session)

    def on_commit(self, callback: Callable[[], None]) -> None:
        # The session's own after_commit event: it fires only when COMMIT succeeded, and a rollback
        # drops what was registered in the transaction.
        after_commit(self.session, callback)
