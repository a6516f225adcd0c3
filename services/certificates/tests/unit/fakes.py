"""In-memory stand-ins for the certificates unit of work and ports (cosmicpython's fakes).

They keep the rules the real adapters keep where handlers rely on them: one valid certificate per
recipient key and course (the partial unique index), a status-index sequence, the PENDING-only
moves of bulk items, and nothing visible to others until ``commit``.
"""

from __future__ import annotations

import base64
import copy
import itertools
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from certificates.domain.bulk import BulkJob, BulkRow, Held, ItemStatus, JobStatus
from certificates.domain.certificate import CertificateStatus, IssuedCertificate
from certificates.domain.course import CourseInfo
from certificates.domain.model import CertificateDocument
from certificates.domain.recipients import Recipient
from certificates.domain.templates import CertificateTemplate
from certificates.service_layer.auto_issue import AutoIssueBatch, issue_requested
from certificates.service_layer.ports import (
    AuditEntry,
    AutoIssueFailure,
    AutoIssueRequest,
    AwaitingCompletion,
    BulkLimits,
    CertificatePage,
    CertificateSearch,
    CompletionRecord,
    CourseOwners,
    CredentialFacts,
    IssueMode,
    ItemOutcome,
    PendingItem,
    Ports,
    RowPage,
    SignedCredential,
    StoredTemplate,
    StoredVariant,
    VersionPolicy,
)
from certificates.service_layer.templates import TemplateProvider
from lms_shared.db import utcnow
from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope


@dataclass
class Tables:
    """The "database": what committed units of work left behind."""

    courses: dict[str, CourseInfo] = field(default_factory=dict)
    owner_revisions: dict[str, int] = field(default_factory=dict)
    version_policies: dict[tuple[str, int], VersionPolicy] = field(default_factory=dict)
    completions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    certificates: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[uuid.UUID, BulkJob] = field(default_factory=dict)
    items: dict[uuid.UUID, dict[int, dict[str, Any]]] = field(default_factory=dict)
    templates: dict[str, StoredTemplate] = field(default_factory=dict)
    variants: dict[tuple[str, str, int], StoredVariant] = field(default_factory=dict)  # template_variant
    status_lists: dict[int, str] = field(default_factory=dict)
    status_lists_di: dict[int, dict[str, Any]] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    auto_issue_failures: dict[tuple[str, str], AutoIssueFailure] = field(default_factory=dict)
    queue: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    events: list[Payload | Envelope] = field(default_factory=list)
    erased: dict[str, str] = field(default_factory=dict)  # learner id -> pseudonym (erased_learner)
    # (course id, recipient key) -> {"request", "not_before", "order", "last_error"} (auto_issue_request)
    auto_issue_requests: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    next_index: itertools.count[int] = field(default_factory=itertools.count)


def _cert(row: dict[str, Any]) -> IssuedCertificate:
    keys = IssuedCertificate.__dataclass_fields__
    return IssuedCertificate(**{k: v for k, v in row.items() if k in keys})


class FakeCourses:
    def __init__(self, t: Tables) -> None:
        self.t = t
        self.locks: list[tuple[str, bool]] = []

    async def lock(self, course_id: str, *, shared: bool) -> None:
        self.locks.append((course_id, shared))

    async def store_published(self, course: CourseInfo, slug: str, published_at: datetime) -> None:
        old = self.t.courses.get(course.id)
        if old is None or old.version <= course.version:
            self.t.courses[course.id] = course

    async def get(self, course_id: str) -> CourseInfo | None:
        return self.t.courses.get(course_id)

    async def store_version_policy(self, policy: VersionPolicy) -> None:
        self.t.version_policies.setdefault((policy.course_id, policy.version), policy)

    async def version_policies(self, course_id: str) -> dict[int, VersionPolicy]:
        return {v: p for (cid, v), p in self.t.version_policies.items() if cid == course_id}

    async def owners(self, course_id: str) -> CourseOwners | None:
        course = self.t.courses.get(course_id)
        if course is None:
            return None
        return CourseOwners(course.owner_id, list(course.co_owner_ids), self.t.owner_revisions.get(course_id, 0))

    async def update_owners(self, course_id: str, owners: CourseOwners) -> bool:
        course = self.t.courses.get(course_id)
        if course is None or self.t.owner_revisions.get(course_id, 0) > owners.revision:
            return False
        self.t.courses[course_id] = replace(course, owner_id=owners.owner_id, co_owner_ids=list(owners.co_owner_ids))
        self.t.owner_revisions[course_id] = owners.revision
        return True


class FakeCompletions:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def record(
        self,
        course_id: str,
        recipient: Recipient,
        *,
        course_titles: Mapping[str, str],
        score: int | None,
        completed_at: datetime,
        awaiting_course: bool,
    ) -> None:
        assert recipient.learner_id is not None
        self.t.completions[(course_id, recipient.learner_id)] = {
            "recipient": recipient,
            "titles": dict(course_titles),
            "completed_at": completed_at,
            "awaiting": awaiting_course,
        }

    async def record_many(self, records: Sequence[CompletionRecord]) -> None:
        keys = [(r.course_id, r.recipient.learner_id) for r in records]
        assert len(keys) == len(set(keys)), "one statement cannot update a row twice (ON CONFLICT DO UPDATE)"
        for r in records:
            await self.record(
                r.course_id,
                r.recipient,
                course_titles=r.course_titles,
                score=r.score,
                completed_at=r.completed_at,
                awaiting_course=r.awaiting_course,
            )

    async def awaiting_course(self, course_id: str) -> list[AwaitingCompletion]:
        return [
            AwaitingCompletion(c["recipient"], c["titles"])
            for (cid, _), c in self.t.completions.items()
            if cid == course_id and c["awaiting"]
        ]

    async def clear_awaiting(self, course_id: str, versions: Collection[int]) -> None:
        for (cid, _), c in self.t.completions.items():
            if cid == course_id and c["recipient"].course_version in versions:
                c["awaiting"] = False

    async def eligible_without_certificate(self, course_id: str, org: str | None = None) -> list[Recipient]:
        holders = {
            r["learner_id"]
            for r in self.t.certificates.values()
            if r["course_id"] == course_id and r["status"] == CertificateStatus.VALID
        }
        found = [c for (cid, lid), c in self.t.completions.items() if cid == course_id and lid not in holders]
        if org is not None:
            found = [c for c in found if c["recipient"].org == org]
        return [c["recipient"] for c in sorted(found, key=lambda c: c["completed_at"])]

    async def orgs_of(self, course_id: str, learner_ids: Collection[str]) -> dict[str, str | None]:
        return {
            lid: c["recipient"].org
            for (cid, lid), c in self.t.completions.items()
            if cid == course_id and lid in set(learner_ids)
        }


class FakeCertificates:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def get(self, cert_id: uuid.UUID, *, for_update: bool = False) -> IssuedCertificate | None:
        row = self.t.certificates.get(cert_id)
        return _cert(row) if row else None

    async def by_code(self, code: str) -> IssuedCertificate | None:
        return next((_cert(r) for r in self.t.certificates.values() if r["code"] == code), None)

    async def of_learner(self, learner_id: str) -> list[IssuedCertificate]:
        rows = [r for r in self.t.certificates.values() if r["learner_id"] == learner_id]
        return [_cert(r) for r in sorted(rows, key=lambda r: r["issued_at"], reverse=True)]

    async def find(
        self, ids: Sequence[uuid.UUID] | None, course_id: str | None, limit: int, *, org: str | None = None
    ) -> list[IssuedCertificate]:
        rows = [
            r
            for r in self.t.certificates.values()
            if (ids is None or r["id"] in ids)
            and (not course_id or r["course_id"] == course_id)
            and (org is None or r.get("org") == org)
        ]
        return [_cert(r) for r in rows[:limit]]

    async def search(self, query: CertificateSearch, first: int, after: str | None) -> CertificatePage:
        def matches(r: dict[str, Any]) -> bool:
            key = r.get("name_key", "")
            return (
                (not query.code_prefixes or any(r["code"].startswith(p) for p in query.code_prefixes))
                and all(w in key for w in query.words)
                and (not query.course_id or r["course_id"] == query.course_id)
                and (query.status is None or r["status"] == query.status.value)
                and (query.org is None or r.get("org") == query.org)
            )

        rows = sorted(
            (r for r in self.t.certificates.values() if matches(r)),
            key=lambda r: (r["issued_at"], r["id"]),
            reverse=True,
        )
        total = len(rows)
        if after is not None:
            at, _, cert_id = after.partition("|")
            rows = [r for r in rows if (r["issued_at"], r["id"]) < (datetime.fromisoformat(at), uuid.UUID(cert_id))]
        page = rows[:first]
        end = f"{page[-1]['issued_at'].isoformat()}|{page[-1]['id']}" if page else None
        return CertificatePage([_cert(r) for r in page], total, end, len(rows) > first)

    async def valid_by_key(self, course_id: str, keys: Sequence[str]) -> dict[str, Held]:
        wanted = set(keys)
        return {
            r["recipient_key"]: Held(r["id"], r["code"])
            for r in self.t.certificates.values()
            if r["course_id"] == course_id and r["recipient_key"] in wanted and r["status"] == CertificateStatus.VALID
        }

    async def revoked_counts(self, course_id: str, keys: Sequence[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.t.certificates.values():
            if r["course_id"] == course_id and r["recipient_key"] in keys and r["status"] == CertificateStatus.REVOKED:
                counts[r["recipient_key"]] = counts.get(r["recipient_key"], 0) + 1
        return counts

    async def allocate_status_indexes(self, count: int) -> list[int]:
        return [next(self.t.next_index) for _ in range(count)]

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        inserted = set()
        for row in rows:
            held = await self.valid_by_key(row["course_id"], [row["recipient_key"]])
            if row["id"] in self.t.certificates or held:
                continue  # ON CONFLICT DO NOTHING: the primary key and the partial unique index
            self.t.certificates[row["id"]] = dict(row)
            inserted.add(row["id"])
        return inserted

    async def mark_revoked(self, cert_id: uuid.UUID, at: datetime, reason: str, by: str) -> None:
        self.t.certificates[cert_id].update(
            status=CertificateStatus.REVOKED.value, revoked_at=at, revocation_reason=reason
        )

    async def revoked_indexes(self, first: int, last: int) -> list[int]:
        return [
            r["status_list_index"]
            for r in self.t.certificates.values()
            if r["status"] == CertificateStatus.REVOKED and first <= r["status_list_index"] <= last
        ]

    async def without_data_integrity(self, limit: int) -> list[IssuedCertificate]:
        rows = sorted(
            (r for r in self.t.certificates.values() if r.get("credential_di") is None), key=lambda r: r["issued_at"]
        )
        return [_cert(r) for r in rows[:limit]]

    async def set_data_integrity(self, cert_id: uuid.UUID, credential_di: dict[str, Any]) -> bool:
        row = self.t.certificates[cert_id]
        if row.get("credential_di") is not None:
            return False
        row["credential_di"] = credential_di
        return True


class FakeBulkJobs:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def add(self, job: BulkJob, items: Sequence[dict[str, Any]]) -> None:
        self.t.jobs[job.id] = job
        self.t.items[job.id] = {i["idx"]: dict(i) for i in items}

    async def get(self, job_id: uuid.UUID, *, for_update: bool = False) -> BulkJob | None:
        return self.t.jobs.get(job_id)

    async def recent(self, course_id: str | None, limit: int, *, created_by: str | None = None) -> list[BulkJob]:
        jobs = [j for j in self.t.jobs.values() if not course_id or j.course_id == course_id]
        jobs = [j for j in jobs if created_by is None or j.created_by == created_by]
        return sorted(jobs, key=lambda j: j.created_at, reverse=True)[:limit]

    def _pending(self, job_id: uuid.UUID) -> list[dict[str, Any]]:
        return [i for i in self.t.items[job_id].values() if i["status"] == ItemStatus.PENDING]

    async def pending_items(self, job_id: uuid.UUID, first: int, last: int) -> list[PendingItem]:
        return [
            PendingItem(i["idx"], Recipient.from_json(i["recipient"]))
            for i in sorted(self._pending(job_id), key=lambda i: i["idx"])
            if first <= i["idx"] <= last
        ]

    async def still_pending(self, job_id: uuid.UUID, idxs: Sequence[int]) -> set[int]:
        return {i["idx"] for i in self._pending(job_id) if i["idx"] in idxs}

    async def set_outcomes(self, job_id: uuid.UUID, outcomes: Sequence[ItemOutcome]) -> None:
        for o in outcomes:
            self.t.items[job_id][o.idx].update(
                status=o.status.value, certificate_id=o.certificate_id, reason_code=o.reason_code, reason=o.reason
            )

    async def count_pending(self, job_id: uuid.UUID) -> int:
        return len(self._pending(job_id))

    async def add_counts(self, job_id: uuid.UUID, *, issued: int, skipped: int, failed: int, finished: bool) -> BulkJob:
        j = self.t.jobs[job_id]
        self.t.jobs[job_id] = replace(
            j,
            issued=j.issued + issued,
            skipped=j.skipped + skipped,
            failed=j.failed + failed,
            status=(JobStatus.COMPLETED if finished else JobStatus.RUNNING).value,
            finished_at=utcnow() if finished else None,
            waiting_reason=None,
            waiting_since=None,
            updated_at=utcnow(),
        )
        return self.t.jobs[job_id]

    async def mark_waiting(self, job_id: uuid.UUID, reason: str) -> None:
        j = self.t.jobs[job_id]
        if j.status in ("QUEUED", "RUNNING"):
            since = j.waiting_since or utcnow()
            self.t.jobs[job_id] = replace(j, waiting_reason=reason, waiting_since=since, updated_at=utcnow())

    async def stalled(self, silent_since: datetime, limit: int) -> list[BulkJob]:
        return [
            j
            for j in self.t.jobs.values()
            if j.status in ("QUEUED", "RUNNING")
            and (j.updated_at or j.created_at) < silent_since
            and self._pending(j.id)
        ][:limit]

    async def pending_indexes(self, job_id: uuid.UUID) -> list[int]:
        return sorted(i["idx"] for i in self._pending(job_id))

    async def note_requeue(self, job_id: uuid.UUID) -> int:
        j = self.t.jobs[job_id]
        self.t.jobs[job_id] = replace(j, requeues=j.requeues + 1, updated_at=utcnow())
        return j.requeues + 1

    async def end_pending(
        self,
        job_id: uuid.UUID,
        status: ItemStatus,
        reason_code: str,
        reason: str,
        first: int | None = None,
        last: int | None = None,
    ) -> int:
        moved = 0
        for i in self._pending(job_id):
            if (first is None or i["idx"] >= first) and (last is None or i["idx"] <= last):
                i.update(status=status.value, reason_code=reason_code, reason=reason)
                moved += 1
        return moved

    async def cancel(self, job_id: uuid.UUID, skipped: int) -> BulkJob:
        j = self.t.jobs[job_id]
        self.t.jobs[job_id] = replace(
            j, status=JobStatus.CANCELLED.value, skipped=j.skipped + skipped, finished_at=utcnow()
        )
        return self.t.jobs[job_id]

    async def complete_if_active(self, job_id: uuid.UUID, failed: int, finished: bool) -> bool:
        j = self.t.jobs[job_id]
        if j.status not in ("QUEUED", "RUNNING"):
            return False
        status = JobStatus.COMPLETED.value if finished else j.status
        self.t.jobs[job_id] = replace(j, failed=j.failed + failed, status=status)
        return finished

    async def failures(self, job_id: uuid.UUID, limit: int) -> list[dict[str, str]]:
        out = []
        for i in sorted(self.t.items[job_id].values(), key=lambda i: i["idx"]):
            if i["status"] in ("REFUSED", "FAILED", "SKIPPED"):
                reason = i["reason"] or i["status"].lower()
                if i["status"] == "REFUSED" and i["row"] is not None and i["reason"]:
                    reason = f"row {i['row']}: {i['reason']}"
                out.append({"recipient": i["label"], "reason": reason})
        return out[:limit]

    async def rows(self, job_id: uuid.UUID, outcome: ItemStatus | None, first: int, after: str | None) -> RowPage:
        items = sorted(self.t.items[job_id].values(), key=lambda i: i["idx"])
        if outcome is not None:
            items = [i for i in items if i["status"] == outcome.value]
        start = int(base64.b64decode(after)) if after else -1
        later = [i for i in items if i["idx"] > start]
        page = later[:first]
        codes = {r["id"]: r["code"] for r in self.t.certificates.values()}
        nodes = [
            BulkRow(
                row=i["row"],
                name=i["recipient"].get("name") or "",
                learner_id=i["recipient"].get("learnerId"),
                email=i["recipient"].get("email"),
                org=i["recipient"].get("org"),
                municipality=i["recipient"].get("municipality"),
                outcome=ItemStatus(i["status"]),
                reason_code=i["reason_code"],
                reason=i["reason"],
                certificate_code=codes.get(i["certificate_id"]),
            )
            for i in page
        ]
        cursor = base64.b64encode(str(page[-1]["idx"]).encode()).decode() if page else None
        return RowPage(nodes, len(items), cursor, len(later) > first)


class FakeTemplates:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def get(self, template_id: str) -> StoredTemplate | None:
        return self.t.templates.get(template_id)

    async def all(self) -> list[StoredTemplate]:
        return [self.t.templates[k] for k in sorted(self.t.templates)]

    async def save(self, template: StoredTemplate) -> None:
        self.t.templates[template.id] = template


class FakeTemplateVariants:
    """Append-only versions, as the (template_id, org, version) primary key keeps them."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    def _newest(self, template_id: str) -> dict[str, StoredVariant]:
        newest: dict[str, StoredVariant] = {}
        for (tid, org, _), v in sorted(self.t.variants.items()):
            if tid == template_id:
                newest[org] = v
        return newest

    async def current(self, template_id: str) -> list[StoredVariant]:
        return [v for _, v in sorted(self._newest(template_id).items()) if v.data is not None]

    async def latest(self, template_id: str, org: str) -> StoredVariant | None:
        return self._newest(template_id).get(org)

    async def version(self, template_id: str, org: str, version: int) -> StoredVariant | None:
        return self.t.variants.get((template_id, org, version))

    async def add(self, variant: StoredVariant) -> bool:
        key = (variant.template_id, variant.org, variant.version)
        if key in self.t.variants:
            return False
        self.t.variants[key] = variant
        return True


class FakeStatusLists:
    def __init__(self, t: Tables) -> None:
        self.t = t
        self.locks: list[int] = []

    async def get(self, list_number: int) -> str | None:
        return self.t.status_lists.get(list_number)

    async def get_data_integrity(self, list_number: int) -> dict[str, Any] | None:
        return self.t.status_lists_di.get(list_number)

    async def save(
        self, list_number: int, credential_jwt: str, at: datetime, credential_di: dict[str, Any] | None = None
    ) -> None:
        self.t.status_lists[list_number] = credential_jwt
        if credential_di is None:
            self.t.status_lists_di.pop(list_number, None)
        else:
            self.t.status_lists_di[list_number] = credential_di

    async def lock(self, list_number: int) -> None:
        self.locks.append(list_number)


class FakeAudit:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def add(self, *entries: AuditEntry) -> None:
        self.t.audit.extend(entries)


class FakeQueue:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def enqueue(self, subject: str, message_id: str, body: dict[str, Any]) -> None:
        self.t.queue.append((subject, message_id, body))


class FakeAutoIssueFailures:
    """One failure per (course, recipient key), like the unique index; a new failure reopens it."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    async def record(
        self, course_id: str, recipient: Recipient, course_titles: Mapping[str, str], reason_code: str, reason: str
    ) -> AutoIssueFailure:
        now = utcnow()
        old = self.t.auto_issue_failures.get((course_id, recipient.key))
        failure = AutoIssueFailure(
            id=old.id if old else uuid.uuid4(),
            course_id=course_id,
            recipient=recipient,
            course_titles=dict(course_titles),
            reason_code=reason_code,
            reason=reason,
            attempts=old.attempts + 1 if old else 1,
            first_failed_at=old.first_failed_at if old else now,
            last_failed_at=now,
        )
        self.t.auto_issue_failures[(course_id, recipient.key)] = failure
        return failure

    async def get(self, failure_id: uuid.UUID, *, for_update: bool = False) -> AutoIssueFailure | None:
        return next((f for f in self.t.auto_issue_failures.values() if f.id == failure_id), None)

    async def of_course(self, course_id: str | None, *, include_resolved: bool, limit: int) -> list[AutoIssueFailure]:
        found = [
            f
            for f in self.t.auto_issue_failures.values()
            if (course_id is None or f.course_id == course_id) and (include_resolved or not f.resolved)
        ]
        return sorted(found, key=lambda f: f.last_failed_at, reverse=True)[:limit]

    async def open_keys(self, course_id: str, recipient_keys: Sequence[str]) -> set[str]:
        return {
            k
            for k in recipient_keys
            if (f := self.t.auto_issue_failures.get((course_id, k))) is not None and not f.resolved
        }

    async def resolve(self, course_id: str, recipient_key: str, certificate_id: uuid.UUID, by: str) -> None:
        old = self.t.auto_issue_failures.get((course_id, recipient_key))
        if old is not None and not old.resolved:
            self.t.auto_issue_failures[(course_id, recipient_key)] = replace(
                old, resolved_at=utcnow(), resolved_by=by, certificate_id=certificate_id
            )


class FakeAutoIssueRequests:
    """``auto_issue_request``: one row per (course, recipient key); claims only what is due.

    No row locks: unit tests run one batch at a time (the real claim's ``SKIP LOCKED`` is
    exercised on the real stack, ``tests/integration/test_auto_issue_batched.py``).
    """

    def __init__(self, t: Tables) -> None:
        self.t = t

    async def add(self, requests: Sequence[AutoIssueRequest]) -> None:
        for r in requests:
            key = (r.course_id, r.recipient.key)
            if key not in self.t.auto_issue_requests:  # ON CONFLICT DO NOTHING
                order = max((v["order"] for v in self.t.auto_issue_requests.values()), default=0) + 1
                row = replace(r, attempts=0, requested_at=utcnow())
                self.t.auto_issue_requests[key] = {"request": row, "not_before": utcnow(), "order": order}

    async def claim(self, limit: int) -> list[AutoIssueRequest]:
        now = utcnow()
        due = [v for v in self.t.auto_issue_requests.values() if v["not_before"] <= now]
        due.sort(key=lambda v: (v["not_before"], v["order"]))
        return [v["request"] for v in due[:limit]]

    async def done(self, requests: Sequence[AutoIssueRequest]) -> None:
        for r in requests:
            self.t.auto_issue_requests.pop((r.course_id, r.recipient.key), None)

    async def postpone(self, requests: Sequence[AutoIssueRequest], seconds: float, error: str, *, count: bool) -> None:
        for r in requests:
            row = self.t.auto_issue_requests[(r.course_id, r.recipient.key)]
            row["not_before"] = utcnow() + timedelta(seconds=seconds)
            row["last_error"] = error
            if count:
                row["request"] = replace(row["request"], attempts=row["request"].attempts + 1)

    async def drop_learner(self, learner_id: str) -> int:
        keys = [k for k, v in self.t.auto_issue_requests.items() if v["request"].recipient.learner_id == learner_id]
        for k in keys:
            del self.t.auto_issue_requests[k]
        return len(keys)

    async def pending(self) -> int:
        return len(self.t.auto_issue_requests)


class FakeErasures:
    """``ErasureRepository`` over the fake tables (service_layer/erasure.py)."""

    def __init__(self, t: Tables) -> None:
        self.t = t

    async def pseudonym_of(self, learner_id: str) -> str | None:
        return self.t.erased.get(learner_id)

    async def erased_among(self, learner_ids: Collection[str]) -> set[str]:
        return {i for i in learner_ids if i in self.t.erased}

    async def record(self, learner_id: str, pseudonym: str, erased_at: datetime) -> bool:
        if learner_id in self.t.erased:
            return False
        self.t.erased[learner_id] = pseudonym
        return True

    async def revoke_valid(self, learner_id: str, at: datetime, reason: str, by: str) -> list[uuid.UUID]:
        revoked = []
        for cert_id, row in self.t.certificates.items():
            if row["learner_id"] == learner_id and row["status"] == CertificateStatus.VALID.value:
                row.update(status=CertificateStatus.REVOKED.value, revoked_at=at, revocation_reason=reason)
                revoked.append(cert_id)
        return revoked

    async def pseudonymise(self, learner_id: str, pseudonym: str, credentials: dict[uuid.UUID, dict[str, Any]]) -> None:
        for cert_id, redacted in credentials.items():
            row = self.t.certificates[cert_id]
            row.update(
                learner_name=pseudonym,
                email=None,
                printed={**row.get("printed", {}), "erased": True},
                credential=redacted,
                credential_jws="",
                credential_di=redacted,
            )
        for key, completion in self.t.completions.items():
            if key[1] == learner_id:
                completion["learner_name"] = pseudonym

    async def export(self, learner_id: str) -> dict[str, Any]:
        completions = [dict(v) for k, v in self.t.completions.items() if k[1] == learner_id]
        return {"completions": completions, "autoIssueFailures": [], "bulkRows": []}


class FakeUnitOfWork:
    """Works on a private copy of the tables; ``commit`` publishes the copy and the staged events."""

    def __init__(self, tables: Tables | None = None) -> None:
        self.tables = tables or Tables()
        self.commits = 0
        self._callbacks: list[Callable[[], None]] = []
        self._staged: list[Payload | Envelope] = []
        self._open(self.tables)

    def _open(self, base: Tables) -> None:
        counter = base.next_index
        work = copy.deepcopy(replace(base, next_index=itertools.count()))
        work.next_index = counter  # a sequence is not transactional
        self.work = work
        self.courses = FakeCourses(work)
        self.completions = FakeCompletions(work)
        self.certificates = FakeCertificates(work)
        self.bulk_jobs = FakeBulkJobs(work)
        self.templates = FakeTemplates(work)
        self.variants = FakeTemplateVariants(work)
        self.status_lists = FakeStatusLists(work)
        self.audit = FakeAudit(work)
        self.jobs = FakeQueue(work)
        self.auto_issue_failures = FakeAutoIssueFailures(work)
        self.auto_issue_requests = FakeAutoIssueRequests(work)
        self.erasures = FakeErasures(work)

    async def __aenter__(self) -> FakeUnitOfWork:
        self._open(self.tables)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.rollback()

    def publish(self, *events: Payload | Envelope) -> None:
        self._staged.extend(events)

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    async def commit(self) -> None:
        self.work.events.extend(self._staged)
        self._staged = []
        for name in Tables.__dataclass_fields__:
            if name != "next_index":
                setattr(self.tables, name, copy.deepcopy(getattr(self.work, name)))
        self.commits += 1
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    async def rollback(self) -> None:
        self._staged = []
        self._callbacks = []
        self._open(self.tables)


class FakeRenderer:
    def __init__(self, fail_for: set[str] | None = None) -> None:
        self.rendered: list[CertificateDocument] = []
        self.fail_for = fail_for or set()

    def render(self, doc: CertificateDocument, template: CertificateTemplate, lang: str) -> bytes:
        if doc.learner_name in self.fail_for:
            raise ValueError(f"no font has a glyph for {doc.learner_name!r}")
        self.rendered.append(doc)
        return b"%PDF-fake " + doc.code.encode()


class FakeSigner:
    def sign(self, facts: CredentialFacts) -> SignedCredential:
        return SignedCredential(
            {"id": str(facts.certificate_id), "name": facts.learner_name},
            f"jws.{facts.code}",
            data_integrity={"id": str(facts.certificate_id), "description": facts.course_summary, "proof": {}},
        )

    def sign_status_list(self, list_number: int, revoked_indexes: list[int]) -> str:
        return f"list-{list_number}:{sorted(revoked_indexes)}"

    def status_list_of(self, index: int) -> int:
        return index // 1000

    def status_list_bounds(self, list_number: int) -> tuple[int, int]:
        return list_number * 1000, list_number * 1000 + 999

    def signed_with_current_key(self, token: str) -> bool:
        return True

    def sign_status_list_data_integrity(self, list_number: int, revoked_indexes: list[int]) -> dict[str, Any]:
        return {"id": f"list-{list_number}", "revoked": sorted(revoked_indexes), "proof": {"verificationMethod": "k"}}

    def proved_with_current_key(self, document: Mapping[str, Any]) -> bool:
        return True

    def data_integrity_of(self, token: str, *, created: datetime | None = None) -> dict[str, Any]:
        return {"fromToken": token, "proof": {"verificationMethod": "k"}}

    def verify_data_integrity(self, credential: Mapping[str, Any]) -> bool:
        return "proof" in credential

    def verify_jwt(self, token: str) -> bool:
        return token.startswith("jws.")

    def did_document(self) -> dict[str, Any]:
        return {}

    def jwks(self) -> dict[str, Any]:
        return {"keys": []}


class FakeObjects:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_pdf(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def presigned_pdf_url(self, key: str, filename: str) -> str:
        return f"https://s3.test/{key}?filename={filename}"

    def remove_pdf(self, key: str) -> None:
        self.objects.pop(key, None)

    async def save_image(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    async def load_image(self, key: str) -> bytes:
        return self.objects[key]


class FakeMetrics:
    def __init__(self) -> None:
        self.issued: dict[str, int] = {}
        self.finished: list[str] = []
        self.timed = 0

    def observe_issue_seconds(self, seconds: float) -> None:
        self.timed += 1

    def certificates_issued(self, mode: IssueMode, count: int) -> None:
        self.issued[mode] = self.issued.get(mode, 0) + count

    def bulk_job_finished(self, status: str) -> None:
        self.finished.append(status)


class InlineExecutor(Executor):
    """Runs submitted work at once, in the calling thread (no threads in unit tests)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller, as a pool would
            future.set_exception(exc)
        return future


def fake_ports(*, renderer: FakeRenderer | None = None, limits: BulkLimits | None = None) -> Ports:
    objects = FakeObjects()
    return Ports(
        renderer=renderer or FakeRenderer(),
        signer=FakeSigner(),
        pdfs=objects,
        images=objects,
        templates=TemplateProvider(objects.load_image),
        executor=InlineExecutor(),
        metrics=FakeMetrics(),
        public_url="https://kentbilim.test",
        code_secret=b"unit-test secret",
        limits=limits or BulkLimits(max_recipients=1000, chunk_size=3),
    )


def course(course_id: str = "course-1", **changes: Any) -> CourseInfo:
    base = CourseInfo(
        id=course_id,
        version=1,
        titles={"en": "Participatory budgeting", "kk": "Қатысымдық бюджет"},
        languages=["en", "kk"],
        default_language="en",
        auto_issue=False,
        template_id=None,
        owner_id="trainer-1",
        co_owner_ids=[],
    )
    return replace(base, **changes)


async def issue_auto_requests(tables: Tables, ports: Ports, limit: int = 100) -> list[AutoIssueBatch]:
    """What the certificate workers do with the waiting automatic-issue requests: batches until none is due.

    A batch that raises rolls back (its requests stay) and the exception reaches the test.
    """
    batches: list[AutoIssueBatch] = []
    while True:
        async with FakeUnitOfWork(tables) as uow:
            batch = await issue_requested(uow, ports, limit)
        if not batch.claimed:
            return batches
        batches.append(batch)
        assert len(batches) <= 1000, "the requests are claimed again and again: a batch does not settle them"


def make_requests_due(tables: Tables) -> None:
    """Time passes: every request held back (after an outage, a failure) is due again."""
    for row in tables.auto_issue_requests.values():
        row["not_before"] = utcnow() - timedelta(seconds=1)
