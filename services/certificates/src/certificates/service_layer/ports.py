"""What the service layer needs from the outside world, as narrow interfaces.

``bootstrap.py`` wires in the real adapters (``adapters/``); unit tests pass the fakes of
``tests/unit/fakes.py``. The repositories are reached through the unit of work
(``service_layer/unit_of_work.py``); everything else a handler needs comes in one :class:`Ports`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from certificates.domain.bulk import BulkJob, BulkRow, Held, ItemStatus
from certificates.domain.certificate import CertificateStatus, IssuedCertificate
from certificates.domain.course import CourseInfo
from certificates.domain.model import CertificateDocument
from certificates.domain.participation import CertificateKind, EventFacts, PrintedEvent
from certificates.domain.printing import Printable, PrintBatch, PrintFilter, PrintFormat, PrintItem
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
    # ``achievement.description``: the course summary in the certificate's language (issue 17).
    course_summary: str | None = None
    # A certificate of participation says so (achievementType, criteria) with the event as printed.
    kind: CertificateKind = "COMPLETION"
    event: PrintedEvent | None = None


@dataclass(frozen=True, slots=True)
class SignedCredential:
    """The credential as JSON (an enveloped VC) and the compact JWS that secures it.

    ``data_integrity``: the same credential with an embedded ``eddsa-rdfc-2022`` proof.
    """

    credential: dict[str, Any]
    jws: str
    data_integrity: dict[str, Any] | None = None


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

    def sign_status_list_data_integrity(self, list_number: int, revoked_indexes: list[int]) -> dict[str, Any]:
        """The same status list credential as :meth:`sign_status_list`, with a Data Integrity proof."""
        ...

    def proved_with_current_key(self, document: Mapping[str, Any]) -> bool:
        """Whether a Data Integrity document's proof names the key that signs today."""
        ...

    def data_integrity_of(self, token: str, *, created: datetime | None = None) -> dict[str, Any]:
        """The Data Integrity form of a credential we signed as a VC-JWT (certificates from before it)."""
        ...

    def verify_data_integrity(self, credential: Mapping[str, Any]) -> bool:
        """Whether a credential's ``eddsa-rdfc-2022`` proof verifies with one of our published keys."""
        ...

    def verify_jwt(self, token: str) -> bool:
        """Whether a VC-JWT's signature verifies with the published key its ``kid`` names."""
        ...

    def did_document(self) -> dict[str, Any]: ...

    def jwks(self) -> dict[str, Any]: ...


class PdfStore(Protocol):
    """Blocking object-store writes; called from worker threads."""

    def put_pdf(self, key: str, data: bytes) -> None: ...

    def presigned_pdf_url(self, key: str, filename: str) -> str: ...

    def remove_pdf(self, key: str) -> None:
        """Delete a PDF (a learner's erasure); deleting one that is not there is no error."""
        ...


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
class CompletionRecord:
    """One completion to remember (``CompletionRepository.record_many``): the fields of ``record``."""

    course_id: str
    recipient: Recipient
    course_titles: dict[str, str]
    score: int | None
    completed_at: datetime
    awaiting_course: bool


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
    # The version's certificate kind and its event (LIVE sessions), issue 15.
    kind: CertificateKind = "COMPLETION"
    event: EventFacts | None = None


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
class CertificateSearch:
    """Filters of a certificate search, all combined with AND (None / empty: no such filter)."""

    code_prefixes: Sequence[str] = ()  # a stored code starting with any of these
    words: Sequence[str] = ()  # every word is in the holder's folded name key
    course_id: str | None = None
    status: CertificateStatus | None = None
    org: str | None = None  # a country admin's own state


@dataclass(frozen=True, slots=True)
class CertificatePage:
    nodes: list[IssuedCertificate]
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

    async def record_many(self, records: Sequence[CompletionRecord]) -> None:
        """``record`` for each, in one statement; at most one record per course and learner."""
        ...

    async def awaiting_course(self, course_id: str) -> list[AwaitingCompletion]:
        """Completions recorded while the version they completed was not known yet."""
        ...

    async def clear_awaiting(self, course_id: str, versions: Collection[int]) -> None:
        """Stop waiting: the completions of the course whose ``course_version`` is in ``versions``."""
        ...

    async def eligible_without_certificate(self, course_id: str, org: str | None = None) -> list[Recipient]:
        """Everyone who completed the course and holds no valid certificate for it, oldest first.

        ``org``: only the learners of that member state (a country admin's ``allEligible``).
        """
        ...

    async def orgs_of(self, course_id: str, learner_ids: Collection[str]) -> dict[str, str | None]:
        """The member state (``org`` of their own sign-in) of those of ``learner_ids`` who completed the course."""
        ...


class CertificateRepository(Protocol):
    async def get(self, cert_id: uuid.UUID, *, for_update: bool = False) -> IssuedCertificate | None: ...

    async def by_code(self, code: str) -> IssuedCertificate | None: ...

    async def of_learner(self, learner_id: str) -> list[IssuedCertificate]: ...

    async def find(
        self, ids: Sequence[uuid.UUID] | None, course_id: str | None, limit: int, *, org: str | None = None
    ) -> list[IssuedCertificate]:
        """By ids and/or course, newest first; ``org``: of that member state only."""
        ...

    async def search(self, query: CertificateSearch, first: int, after: str | None) -> CertificatePage:
        """Newest first (issued_at, then id, descending), ``first`` after the opaque cursor ``after``."""
        ...

    async def valid_by_key(self, course_id: str, keys: Sequence[str]) -> dict[str, Held]: ...

    async def revoked_counts(self, course_id: str, keys: Sequence[str]) -> dict[str, int]: ...

    async def allocate_status_indexes(self, count: int) -> list[int]: ...

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """Insert rows; returns the ids that were new (a row losing to an existing one is not inserted)."""
        ...

    async def mark_revoked(self, cert_id: uuid.UUID, at: datetime, reason: str, by: str) -> None: ...

    async def revoked_indexes(self, first: int, last: int) -> list[int]: ...

    async def without_data_integrity(self, limit: int) -> list[IssuedCertificate]:
        """Certificates with no stored Data Integrity credential (issued before migration 0008), oldest first."""
        ...

    async def set_data_integrity(self, cert_id: uuid.UUID, credential_di: dict[str, Any]) -> bool:
        """Store it unless one is stored already; returns whether it was stored."""
        ...


class ErasureRepository(Protocol):
    """A learner's erasure and export (service_layer/erasure.py)."""

    async def pseudonym_of(self, learner_id: str) -> str | None:
        """The pseudonym of an erased learner; None for a learner never erased."""
        ...

    async def erased_among(self, learner_ids: Collection[str]) -> set[str]:
        """Which of ``learner_ids`` were erased (one query for a batch)."""
        ...

    async def record(self, learner_id: str, pseudonym: str, erased_at: datetime) -> bool:
        """Keep the tombstone unless kept; whether this call kept it."""
        ...

    async def revoke_valid(self, learner_id: str, at: datetime, reason: str, by: str) -> list[uuid.UUID]:
        """Revoke every valid certificate of the learner; their ids."""
        ...

    async def pseudonymise(self, learner_id: str, pseudonym: str, credentials: dict[uuid.UUID, dict[str, Any]]) -> None:
        """Replace the name, drop contact data; ``credentials``: each certificate's redacted credential."""
        ...

    async def export(self, learner_id: str) -> dict[str, Any]: ...


class BulkJobRepository(Protocol):
    async def add(self, job: BulkJob, items: Sequence[dict[str, Any]]) -> None: ...

    async def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> BulkJob | None: ...

    async def recent(self, course_id: str | None, limit: int, *, created_by: str | None = None) -> list[BulkJob]:
        """The newest jobs, of one course and/or one creator when given."""
        ...

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

    async def open_keys(self, course_id: str, recipient_keys: Sequence[str]) -> set[str]:
        """Which of the recipients have an open failure for the course (one query for a batch)."""
        ...


@dataclass(frozen=True, slots=True)
class AutoIssueRequest:
    """A completion waiting for its automatic certificate (``auto_issue_request``): the batched path's input."""

    course_id: str
    recipient: Recipient
    course_titles: dict[str, str]
    attempts: int = 0
    requested_at: datetime | None = None


class AutoIssueRequestRepository(Protocol):
    """Completions to certify, recorded by the consumers and claimed in batches by the workers."""

    async def add(self, requests: Sequence[AutoIssueRequest]) -> None:
        """Record each request once per recipient and course (a duplicate of a waiting one adds
        nothing) and wake the workers when the transaction commits."""
        ...

    async def claim(self, limit: int) -> list[AutoIssueRequest]:
        """Up to ``limit`` due requests, oldest first, locked until the transaction ends; rows another
        transaction holds are skipped (``FOR UPDATE SKIP LOCKED``)."""
        ...

    async def done(self, requests: Sequence[AutoIssueRequest]) -> None:
        """Delete the requests (certified, recorded as failures, or no longer automatic)."""
        ...

    async def postpone(self, requests: Sequence[AutoIssueRequest], seconds: float, error: str, *, count: bool) -> None:
        """Hold the requests back ``seconds``; ``count``: one more deterministic failed attempt."""
        ...

    async def drop_learner(self, learner_id: str) -> int:
        """Delete the learner's waiting requests (an erasure); waits for a batch holding them."""
        ...

    async def pending(self) -> int:
        """How many requests wait (due or held back)."""
        ...


class TemplateRepository(Protocol):
    async def get(self, template_id: str) -> StoredTemplate | None: ...

    async def all(self) -> list[StoredTemplate]: ...

    async def save(self, template: StoredTemplate) -> None: ...


@dataclass(frozen=True, slots=True)
class StoredVariant:
    """One stored version of a state's variant of a template; ``data`` None: the variant was removed."""

    template_id: str
    org: str
    version: int
    data: dict[str, Any] | None
    digest: str | None
    created_at: datetime
    created_by: str


class TemplateVariantRepository(Protocol):
    """Versions of the states' variants of templates (co-branding), append-only."""

    async def current(self, template_id: str) -> list[StoredVariant]:
        """The newest version of each state's variant of the template, removed ones left out."""
        ...

    async def latest(self, template_id: str, org: str) -> StoredVariant | None:
        """The newest version of one state's variant, a removal included; None if never set."""
        ...

    async def version(self, template_id: str, org: str, version: int) -> StoredVariant | None: ...

    async def add(self, variant: StoredVariant) -> bool:
        """Insert a new version; False when that version number was taken meanwhile."""
        ...


class StatusListRepository(Protocol):
    async def get(self, list_number: int) -> str | None: ...

    async def get_data_integrity(self, list_number: int) -> dict[str, Any] | None:
        """The stored list with its Data Integrity proof; None if never signed so (or before 0008)."""
        ...

    async def save(
        self, list_number: int, credential_jwt: str, at: datetime, credential_di: dict[str, Any] | None = None
    ) -> None: ...

    async def lock(self, list_number: int) -> None:
        """A transaction-scoped lock on one status list: its writers take it in turn, until they commit."""
        ...


class AuditLog(Protocol):
    async def add(self, *entries: AuditEntry) -> None: ...


class JobQueue(Protocol):
    async def enqueue(self, subject: str, message_id: str, body: dict[str, Any]) -> None:
        """A work-queue message (not a domain event) through the outbox, so it is sent iff we commit."""
        ...


class PrintBatchRepository(Protocol):
    """Print batches (issue 17, item 7) and the certificates each one prints, in order."""

    async def printable(self, selection: PrintFilter, limit: int) -> list[Printable]:
        """The VALID certificates ``selection`` names, at most ``limit`` + 1 (so the caller sees too many)."""
        ...

    async def add(self, batch: PrintBatch, items: Sequence[PrintItem]) -> None: ...

    async def get(self, batch_id: uuid.UUID) -> PrintBatch | None: ...

    async def items(self, batch_id: uuid.UUID) -> list[PrintItem]: ...

    async def claim(self, now: datetime, lease_until: datetime) -> PrintBatch | None:
        """Take the oldest QUEUED batch that is due, or a RUNNING one whose worker's lease ran out."""
        ...

    async def heartbeat(self, batch_id: uuid.UUID, attempt: int, done: int, lease_until: datetime) -> bool:
        """Record progress and extend the lease; False when the batch is no longer this attempt's."""
        ...

    async def complete(self, batch_id: uuid.UUID, attempt: int, key: str, size: int, at: datetime) -> bool: ...

    async def release(
        self, batch_id: uuid.UUID, attempt: int, *, retry_at: datetime, waiting: str | None, error: str | None
    ) -> PrintBatch | None:
        """Back to QUEUED, due at ``retry_at``; ``error`` counts one more failure. None if not this attempt's."""
        ...

    async def park(self, batch_id: uuid.UUID, attempt: int, error: str, at: datetime) -> bool:
        """FAILED with ``error`` (a deterministic failure that repeated)."""
        ...

    async def requeue(self, batch_id: uuid.UUID) -> PrintBatch | None:
        """A FAILED batch QUEUED again with its failures forgotten; None if it was not FAILED."""
        ...


class PrintOutput(Protocol):
    """Blocking object-store work of print batches; called from worker threads."""

    def get_pdf(self, key: str) -> bytes | None:
        """A certificate's stored PDF, or None when there is none."""
        ...

    def size_of(self, key: str) -> int | None: ...

    def write_batch(
        self,
        key: str,
        fmt: PrintFormat,
        items: Sequence[PrintItem],
        fetch: Callable[[PrintItem], bytes],
        progress: Callable[[int], None],
        *,
        identity: bytes,
        title: str,
        lang: str,
        stamp: datetime,
    ) -> int:
        """Stream the batch to ``key`` (all of it or nothing); returns its size in bytes."""
        ...

    def presigned_url(self, key: str, filename: str, seconds: int) -> str: ...


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
    prints: PrintOutput | None = None
    """Print batches' streaming output (worker processes and the API's download links)."""

    def verify_url(self, code: str) -> str:
        return f"{self.public_url.rstrip('/')}/verify/{code}"
