"""What the service layer needs from the outside world, as narrow interfaces.

``bootstrap.py`` wires in the real adapters (``adapters/``); unit tests pass the fakes of
``tests/unit/fakes.py``. The repositories are reached through the unit of work
(``service_layer/unit_of_work.py``); everything else a handler needs comes in one :class:`Ports`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from certificates.domain.bulk import BulkJob, BulkRow, Held, ItemStatus
from certificates.domain.certificate import IssuedCertificate
from certificates.domain.course import CourseInfo
from certificates.domain.model import CertificateDocument
from certificates.domain.recipients import Recipient
from certificates.domain.templates import CertificateTemplate

if TYPE_CHECKING:
    from certificates.service_layer.templates import TemplateProvider

IssueMode = Literal["single", "auto", "bulk"]


@dataclass(frozen=True, slots=True)
class CredentialFacts:
    """What the signed credential states about one certificate (the same facts the PDF prints)."""

    certificate_id: uuid.UUID
    code: str
    learner_name: str
    learner_id: str | None
    course_id: str
    course_title: str
    course_version: int | None
    lang: str
    issued_at: datetime
    issuer_name: str
    verify_url: str
    status_list_index: int


@dataclass(frozen=True, slots=True)
class SignedCredential:
    """The credential as JSON (an enveloped VC) and the compact JWS that secures it."""

    credential: dict[str, Any]
    jws: str


# --- adapters other than the database ---------------------------------------------------------------


class Renderer(Protocol):
    def render(self, doc: CertificateDocument, template: CertificateTemplate, lang: str) -> bytes: ...


class CredentialSigner(Protocol):
    def sign(self, facts: CredentialFacts) -> SignedCredential: ...

    def sign_status_list(self, list_number: int, revoked_indexes: list[int]) -> str:
        """A signed BitstringStatusListCredential; ``revoked_indexes`` are global indexes in the list."""
        ...

    def status_list_of(self, index: int) -> int:
        """The number of the status list a global status index falls in."""
        ...

    def status_list_bounds(self, list_number: int) -> tuple[int, int]:
        """The first and last global index a status list covers."""
        ...

    def signed_with_current_key(self, token: str) -> bool:
        """Whether a JWS names the key that signs today (False after a rotation)."""
        ...

    def did_document(self) -> dict[str, Any]: ...

    def jwks(self) -> dict[str, Any]: ...


class PdfStore(Protocol):
    """Blocking object-store writes; called from worker threads."""

    def put_pdf(self, key: str, data: bytes) -> None: ...

    def presigned_pdf_url(self, key: str, filename: str) -> str: ...


class ImageStore(Protocol):
    """Template images (logos, signatures) in the object store."""

    async def save_image(self, key: str, data: bytes) -> None: ...

    async def load_image(self, key: str) -> bytes: ...


class Metrics(Protocol):
    """The service's Prometheus figures; counts of database writes are taken after their commit."""

    def observe_issue_seconds(self, seconds: float) -> None:
        """One render + sign + upload (called from worker threads)."""
        ...

    def certificates_issued(self, mode: IssueMode, count: int) -> None: ...

    def bulk_job_finished(self, status: str) -> None: ...


# --- repositories (attributes of the unit of work) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AwaitingCompletion:
    """A completion recorded before its course was known, to issue once it is."""

    recipient: Recipient
    course_titles: dict[str, str]


@dataclass(frozen=True, slots=True)
class StoredTemplate:
    id: str
    data: dict[str, Any]
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True, slots=True)
class RowPage:
    nodes: list[BulkRow]
    total_count: int
    end_cursor: str | None
    has_next_page: bool


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    idx: int
    status: ItemStatus
    certificate_id: uuid.UUID | None
    reason_code: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class PendingItem:
    idx: int
    recipient: Recipient


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor_sub: str
    actor_name: str
    action: str
    certificate_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    template_id: str | None = None
    reason: str | None = None
    details: Mapping[str, Any] | None = None


class CourseRepository(Protocol):
    async def lock(self, course_id: str, *, shared: bool) -> None:
        """A transaction-scoped lock on the course: exclusive for its publication, shared for completions."""
        ...

    async def store_published(self, course: CourseInfo, slug: str, published_at: datetime) -> None:
        """Keep the newest published version; an older one arriving late changes nothing."""
        ...

    async def get(self, course_id: str) -> CourseInfo | None: ...


class CompletionRepository(Protocol):
    async def record(
        self,
        course_id: str,
        recipient: Recipient,
        *,
        course_titles: Mapping[str, str],
        score: int | None,
        completed_at: datetime,
        awaiting_course: bool,
    ) -> None: ...

    async def awaiting_course(self, course_id: str) -> list[AwaitingCompletion]: ...

    async def clear_awaiting(self, course_id: str) -> None: ...

    async def eligible_without_certificate(self, course_id: str) -> list[Recipient]:
        """Everyone who completed the course and holds no valid certificate for it, oldest first."""
        ...


class CertificateRepository(Protocol):
    async def get(self, cert_id: uuid.UUID, *, for_update: bool = False) -> IssuedCertificate | None: ...

    async def by_code(self, code: str) -> IssuedCertificate | None: ...

    async def of_learner(self, learner_id: str) -> list[IssuedCertificate]: ...

    async def find(
        self, ids: Sequence[uuid.UUID] | None, course_id: str | None, limit: int
    ) -> list[IssuedCertificate]: ...

    async def valid_by_key(self, course_id: str, keys: Sequence[str]) -> dict[str, Held]: ...

    async def revoked_counts(self, course_id: str, keys: Sequence[str]) -> dict[str, int]: ...

    async def allocate_status_indexes(self, count: int) -> list[int]: ...

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert rows; returns the ids that were new (a row losing to an existing one is not inserted)."""
        ...

    async def mark_revoked(self, cert_id: uuid.UUID, at: datetime, reason: str, by: str) -> None: ...

    async def revoked_indexes(self, first: int, last: int) -> list[int]: ...


class BulkJobRepository(Protocol):
    async def add(self, job: BulkJob, items: Sequence[dict[str, Any]]) -> None: ...

    async def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> BulkJob | None: ...

    async def recent(self, course_id: str | None, limit: int) -> list[BulkJob]: ...

    async def pending_items(self, job_id: uuid.UUID, first: int, last: int) -> list[PendingItem]: ...

    async def still_pending(self, job_id: uuid.UUID, idxs: Sequence[int]) -> set[int]: ...

    async def set_outcomes(self, job_id: uuid.UUID, outcomes: Sequence[ItemOutcome]) -> None: ...

    async def count_pending(self, job_id: uuid.UUID) -> int: ...

    async def add_counts(self, job_id: uuid.UUID, *, issued: int, skipped: int, failed: int, finished: bool) -> BulkJob:
        """Add to the counters; RUNNING, or COMPLETED when ``finished``; returns the job as updated."""
        ...

    async def end_pending(
        self,
        job_id: uuid.UUID,
        status: ItemStatus,
        reason_code: str,
        reason: str,
        first: int | None = None,
        last: int | None = None,
    ) -> int:
        """Move the PENDING items (of ``[first, last]``, or all) to ``status``; returns how many moved."""
        ...

    async def cancel(self, job_id: uuid.UUID, skipped: int) -> BulkJob: ...

    async def complete_if_active(self, job_id: uuid.UUID, failed: int, finished: bool) -> bool:
        """Add ``failed`` and, when ``finished``, end a QUEUED or RUNNING job; True if it ended now."""
        ...

    async def failures(self, job_id: uuid.UUID, limit: int) -> list[dict[str, str]]: ...

    async def rows(self, job_id: uuid.UUID, outcome: ItemStatus | None, first: int, after: str | None) -> RowPage: ...


class TemplateRepository(Protocol):
    async def get(self, template_id: str) -> StoredTemplate | None: ...

    async def all(self) -> list[StoredTemplate]: ...

    async def save(self, template: StoredTemplate) -> None: ...


class StatusListRepository(Protocol):
    async def get(self, list_number: int) -> str | None: ...

    async def save(self, list_number: int, credential_jwt: str, at: datetime) -> None: ...


class AuditLog(Protocol):
    async def add(self, *entries: AuditEntry) -> None: ...


class JobQueue(Protocol):
    async def enqueue(self, subject: str, message_id: str, body: dict[str, Any]) -> None:
        """A work-queue message (not a domain event) through the outbox, so it is sent iff we commit."""
        ...


# --- everything a handler may use besides the unit of work ------------------------------------------------


@dataclass(frozen=True, slots=True)
class BulkLimits:
    max_recipients: int = 50_000
    chunk_size: int = 100


@dataclass
class Ports:
    """The adapters and process-wide helpers handlers use, wired once per process by ``bootstrap``."""

    renderer: Renderer
    signer: CredentialSigner
    pdfs: PdfStore
    images: ImageStore
    templates: TemplateProvider
    executor: Executor
    metrics: Metrics
    public_url: str
    code_secret: bytes
    limits: BulkLimits

    def verify_url(self, code: str) -> str:
        return f"{self.public_url.rstrip('/')}/verify/{code}"
