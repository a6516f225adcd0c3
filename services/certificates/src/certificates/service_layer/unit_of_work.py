"""The certificates unit of work: one transaction, the repositories on it, and the events it stages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from certificates.service_layer.ports import (
    AuditLog,
    AutoIssueFailureRepository,
    AutoIssueRequestRepository,
    BulkJobRepository,
    CertificateRepository,
    CompletionRepository,
    CourseRepository,
    ErasureRepository,
    JobQueue,
    PrintBatchRepository,
    StatusListRepository,
    TemplateRepository,
    TemplateVariantRepository,
)
from lms_shared.uow import UnitOfWork


class CertificatesUnitOfWork(UnitOfWork, Protocol):
    """The unit of work handlers see: the repositories (read-only attributes) and ``on_commit``."""

    @property
    def courses(self) -> CourseRepository: ...

    @property
    def completions(self) -> CompletionRepository: ...

    @property
    def certificates(self) -> CertificateRepository: ...

    @property
    def bulk_jobs(self) -> BulkJobRepository: ...

    @property
    def templates(self) -> TemplateRepository: ...

    @property
    def variants(self) -> TemplateVariantRepository: ...

    @property
    def status_lists(self) -> StatusListRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def jobs(self) -> JobQueue: ...

    @property
    def auto_issue_failures(self) -> AutoIssueFailureRepository: ...

    @property
    def auto_issue_requests(self) -> AutoIssueRequestRepository: ...

    @property
    def print_batches(self) -> PrintBatchRepository: ...

    @property
    def erasures(self) -> ErasureRepository: ...

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this unit of work's transaction has committed; forget it on rollback.

        Counters of things written (certificates issued, jobs finished) use it, so a chunk that
        rolls back and is retried never counts twice.
        """
        ...
