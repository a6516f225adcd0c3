"""What the service layer needs from the outside world, as narrow interfaces.

``bootstrap.py`` wires in the real adapters (``adapters/``); unit tests pass the fakes of
``tests/unit/fakes.py``. The repositories are reached through the unit of work
(``service_layer/unit_of_work.py``); everything else a handler needs comes in one :class:`Ports`.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
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
    """A completion recorded before the version it completed was known, to decide once it is."""

    recipient: Recipient
    course_titles: dict[str, str]


@dataclass(frozen=True, slots=True)
class VersionPolicy:
    """The certificate policy one published version of a course was published with.

    A learner's certificate follows the version they completed, not the newest one: a course
    whose version 1 was certified by hand and version 2 automatically certifies exactly the
    learners of version 2 automatically, whichever events arrive first.
    """

    course_id: str
    version: int
    auto_issue: bool
    template_id: str | None


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


@dataclass(frozen=True)
class CourseOwners:
    """Who trains a course, and the ownership revision that says so (course.owners_changed)."""

    owner_id: str
    co_owner_ids: list[str]
    revision: int


class CourseRepository(Protocol):
    async def lock(self, course_id: str, *, shared: bool) -> None:
        """A transaction-scoped lock on the course: exclusive for its publication, shared for completions."""
        ...

    async def store_published(self, course: CourseInfo, slug: str, published_at: datetime) -> None:
        """Keep the newest published version; an older one arriving late changes nothing."""
        ...

    async def get(self, course_id: str) -> CourseInfo | None: ...

    async def store_version_policy(self, policy: VersionPolicy) -> None:
        """Keep the policy of one published version; a version's policy never changes once stored."""
        ...

    async def version_policies(self, course_id: str) -> dict[int, VersionPolicy]:
        """The policy of every version of the course certificates know, by version number."""
        ...

    async def owners(self, course_id: str) -> CourseOwners | None:
        """The stored owners and their revision; None for a course whose course.published has not come."""
        ...

    async def update_owners(self, course_id: str, owners: CourseOwners) -> bool:
        """Store ``owners`` unless a newer ownership revision is stored; returns whether it was stored."""
        ...


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

    async def awaiting_course(self, course_id: str) -> list[AwaitingCompletion]:
        """Completions recorded while the version they completed was not known yet."""
        ...

    async def clear_awaiting(self, course_id: str, versions: Collection[int]) -> None:
        """Stop waiting: the completions of the course whose ``course_version`` is in ``versions``."""
        ...

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

    async def mark_waiting(self, job_id: uuid.UUID, reason: str) -> None:
        """Show an active job as held back by an outage (``waiting_since`` keeps the first moment)."""
        ...

    async def stalled(self, silent_since: datetime, limit: int) -> list[BulkJob]:
        """Active jobs with PENDING items and no sign of life since ``silent_since``, locked, skipping locked ones."""
        ...

    async def pending_indexes(self, job_id: uuid.UUID) -> list[int]: ...

    async def note_requeue(self, job_id: uuid.UUID) -> int:
        """Count one more re-queue (a sign of life too); returns the new generation."""
        ...


@dataclass(frozen=True, slots=True)
class AutoIssueFailure:
    """A completion that could not be certified automatically, kept until someone fixes it.

    One per recipient and course; a later failure updates it (``attempts``), a certificate resolves it.
    """

    id: uuid.UUID
    course_id: str
    recipient: Recipient
    course_titles: dict[str, str]
    reason_code: str
    reason: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    certificate_id: uuid.UUID | None = None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class AutoIssueFailureRepository(Protocol):
    async def record(
        self, course_id: str, recipient: Recipient, course_titles: Mapping[str, str], reason_code: str, reason: str
    ) -> AutoIssueFailure:
        """Insert the failure, or update the recipient's existing one (reopened, one more attempt)."""
        ...

    async def get(self, failure_id: uuid.UUID, *, for_update: bool = False) -> AutoIssueFailure | None: ...

    async def of_course(self, course_id: str | None, *, include_resolved: bool, limit: int) -> list[AutoIssueFailure]:
        """Newest failure first; all courses when ``course_id`` is None."""
        ...

    async def resolve(self, course_id: str, recipient_key: str, certificate_id: uuid.UUID, by: str) -> None:
        """Mark the recipient's open failure (if any) resolved by ``certificate_id``."""
        ...


class TemplateRepository(Protocol):
    async def get(self, template_id: str) -> StoredTemplate | None: ...

    async def all(self) -> list[StoredTemplate]: ...

    async def save(self, template: StoredTemplate) -> None: ...


class StatusListRepository(Protocol):
    async def get(self, list_number: int) -> str | None: ...

    async def save(self, list_number: int, credential_jwt: str, at: datetime) -> None: ...

    async def lock(self, list_number: int) -> None:
        """A transaction-scoped lock on one status list: its writers take it in turn, until they commit."""
        ...


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
