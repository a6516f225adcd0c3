"""REST bodies (parsed once, at the edge) and the JSON shapes of the certificates API (docs/rest-api.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from certificates.domain.bulk import BulkJob, BulkRow
from certificates.domain.certificate import CertificateStatus, IssuedCertificate
from certificates.domain.erasure import is_erased
from certificates.domain.printing import PrintBatch, PrintFilter, PrintFormat, PrintStatus
from certificates.domain.sharing import linkedin_add_to_profile_url
from certificates.domain.templates import SUPPORTED_LANGUAGES
from certificates.service_layer.bulk import BulkPlan, StartBulkIssue
from certificates.service_layer.data_integrity import credential_with_proof
from certificates.service_layer.ports import Ports, RowPage
from certificates.service_layer.printing import StartPrintBatch
from certificates.service_layer.verification import proof_checks
from lms_shared.text import MESSAGE, has_control_character

DRY_RUN_ID = "dry-run"


class RecipientIn(BaseModel):
    """One recipient as an admin or a client gives them; the rules are applied once, in the domain."""

    model_config = ConfigDict(extra="forbid")
    learnerId: str | None = None
    name: str = ""
    email: str | None = None
    org: str | None = None
    municipality: str | None = None
    locale: str | None = None
    """The certificate's language when the course has it (REST only; GraphQL has no such field)."""
    nameConfirmed: bool | None = None
    """True to issue a name mixing scripts as written (``MIXED_SCRIPT`` otherwise)."""

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class IssueRecipientIn(RecipientIn):
    # issueCertificate has always ignored unknown keys; kept so, it is not part of the bulk contract.
    model_config = ConfigDict(extra="ignore")


class CertificateCreate(BaseModel):
    courseId: str = Field(min_length=1, max_length=64)
    recipient: IssueRecipientIn


class CertificateRevoke(BaseModel):
    reason: str = ""


class BulkJobCreate(BaseModel):
    """startBulkIssue: exactly one of allEligible, recipients or csv (checked by the service layer)."""

    model_config = ConfigDict(extra="forbid")
    courseId: str = Field(min_length=1, max_length=64)
    allEligible: bool = False
    recipients: list[RecipientIn] | None = None
    csv: str | None = Field(default=None, max_length=64 * 1024 * 1024)

    @field_validator("courseId")
    @classmethod
    def _no_control_characters(cls, value: str) -> str:
        # This route checks its own body (rows are refused one by one), so the id is checked here.
        if has_control_character(value):
            raise ValueError(MESSAGE)
        return value

    def command(self) -> StartBulkIssue:
        return StartBulkIssue(
            course_id=self.courseId,
            all_eligible=self.allEligible,
            recipients=[r.fields() for r in self.recipients] if self.recipients is not None else None,
            csv=self.csv,
        )


def certificate_json(ports: Ports, cert: IssuedCertificate, *, with_pdf: bool) -> dict[str, Any]:
    """The Certificate of the REST contract (field names as in schema.graphql)."""
    body: dict[str, Any] = {
        "id": str(cert.id),
        "code": cert.code,
        "learnerId": cert.learner_id,
        "learnerName": cert.learner_name,
        "courseId": cert.course_id,
        "courseTitle": cert.course_title,
        "courseVersion": cert.course_version,
        "issuedAt": cert.issued_at.isoformat(),
        "status": cert.status,
        "revokedAt": cert.revoked_at.isoformat() if cert.revoked_at else None,
        "revocationReason": cert.revocation_reason,
        "pdfUrl": None,
        "credential": cert.credential,
        "credentialJwt": cert.credential_jws,
        "credentialDataIntegrity": credential_with_proof(ports, cert),
        # COMPLETION, or PARTICIPATION for an event's certificate (the course's certificate policy).
        "kind": cert.kind,
        "event": cert.event.to_json() if cert.event is not None else None,
        "verifyUrl": ports.verify_url(cert.code),
        "issuer": cert.issuer_name,
        "linkedInUrl": linkedin_add_to_profile_url(
            course_title=cert.course_title,
            issuer_name=cert.issuer_name,
            issued_at=cert.issued_at,
            code=cert.code,
            verify_url=ports.verify_url(cert.code),
        ),
        "language": cert.lang,
        "org": cert.org,
        "municipality": cert.municipality,
        "bulkJobId": str(cert.bulk_job_id) if cert.bulk_job_id else None,
    }
    if with_pdf and not is_erased(cert):  # an erased learner's PDFs are deleted (docs/privacy.md)
        body["pdfUrl"] = ports.pdfs.presigned_pdf_url(cert.pdf_key, f"certificate-{cert.code}.pdf")
    return body


def verification_json(
    ports: Ports, code: str, cert: IssuedCertificate | None, issuer_names: dict[str, str] | None = None
) -> dict[str, Any]:
    """``issuer_names``: the issuer's name by language (``verification.issuer_names``); the page shows
    it in the reader's language, ``issuer`` stays what the certificate prints."""
    if cert is None:
        return {
            "code": code[:64],
            "valid": False,
            "status": None,
            "learnerName": None,
            "courseTitle": None,
            "issuedAt": None,
            "issuer": None,
            "issuerNames": {},
            "revokedAt": None,
            "revocationReason": None,
            "credential": None,
            "proofs": [],
        }
    return {
        "code": cert.code,
        "valid": cert.status == CertificateStatus.VALID,
        "status": cert.status,
        # An erased holder: no name at all on the public page, not even the pseudonym.
        "learnerName": None if is_erased(cert) else cert.learner_name,
        "courseTitle": cert.course_title,
        "courseVersion": cert.course_version,
        "issuedAt": cert.issued_at.isoformat(),
        "issuer": cert.issuer_name,
        "issuerNames": issuer_names if issuer_names is not None else {cert.lang: cert.issuer_name},
        "signatories": cert.printed.get("signatories", []),
        # The national partner printed beside the issuer (co-branding), as on the paper; None without.
        "partner": (cert.printed.get("partner") or {}).get("name"),
        "language": cert.lang,
        "kind": cert.kind,
        "verifyUrl": ports.verify_url(cert.code),
        "revokedAt": cert.revoked_at.isoformat() if cert.revoked_at else None,
        "revocationReason": cert.revocation_reason,
        "credential": cert.credential,
        "proofs": proof_checks(ports, cert),
    }


def job_json(job: BulkJob, failures: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "courseId": job.course_id,
        "status": job.status,
        "dryRun": False,
        "total": job.total,
        "issued": job.issued,
        "skipped": job.skipped,
        "refused": job.refused,
        "failed": job.failed,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        # Set while an outage (object store, database) holds the job back; null when it runs or ended.
        "waitingReason": job.waiting_reason,
        "waitingSince": job.waiting_since.isoformat() if job.waiting_since else None,
        "failures": failures if failures is not None else [],
    }


def dry_run_json(plan: BulkPlan) -> dict[str, Any]:
    """A dry run's answer: a job that was never stored, and every row with what would become of it."""
    rows = plan.rows()
    return {
        "id": DRY_RUN_ID,
        "courseId": plan.course.id,
        "status": "QUEUED",
        "dryRun": True,
        "total": len(rows),
        "issued": sum(1 for r in rows if r.outcome == "ISSUED"),
        "skipped": sum(1 for r in rows if r.outcome == "SKIPPED"),
        "refused": sum(1 for r in rows if r.outcome == "REFUSED"),
        "failed": 0,
        "createdAt": plan.planned_at.isoformat(),
        "finishedAt": None,
        "waitingReason": None,
        "waitingSince": None,
        "failures": plan.failures(),
        "rows": [row_json(r) for r in rows],
    }


def row_json(row: BulkRow) -> dict[str, Any]:
    return {
        "row": row.row,
        "name": row.name,
        "learnerId": row.learner_id,
        "email": row.email,
        "org": row.org,
        "municipality": row.municipality,
        "outcome": row.outcome.value,
        "reasonCode": row.reason_code,
        "reason": row.reason,
        "certificateCode": row.certificate_code,
    }


def row_page_json(page: RowPage) -> dict[str, Any]:
    return {
        "nodes": [row_json(r) for r in page.nodes],
        "totalCount": page.total_count,
        "endCursor": page.end_cursor,
        "hasNextPage": page.has_next_page,
        # The same two in the suite's pagination convention (docs/rest-api.md).
        "pageInfo": {"endCursor": page.end_cursor, "hasNextPage": page.has_next_page},
    }


# --- print batches (issue 17, item 7) ------------------------------------------------------------------


class PrintBatchCreate(BaseModel):
    """startPrintBatch: a finished bulk job's certificates, or a course's (by state and issue dates)."""

    model_config = ConfigDict(extra="forbid")
    format: PrintFormat
    jobId: uuid.UUID | None = None
    courseId: str | None = Field(default=None, min_length=1, max_length=64)
    org: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    """A member state, ISO 3166-1 alpha-2 in upper case (``AZ``)."""
    issuedFrom: datetime | None = None
    issuedTo: datetime | None = None
    lang: str | None = Field(default=None, min_length=2, max_length=16)
    """The alphabetical order to follow; by default the language of most of the certificates."""

    @field_validator("lang")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is not None and value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(sorted(SUPPORTED_LANGUAGES))}")
        return value

    def command(self) -> StartPrintBatch:
        selection = PrintFilter(
            job_id=self.jobId,
            course_id=self.courseId,
            org=self.org,
            issued_from=self.issuedFrom,
            issued_to=self.issuedTo,
        )
        return StartPrintBatch(self.format, selection, self.lang)


def print_batch_json(batch: PrintBatch) -> dict[str, Any]:
    return {
        "id": str(batch.id),
        "status": batch.status.value,
        "format": batch.format.value,
        "lang": batch.lang,
        "total": batch.total,
        "done": batch.total if batch.status == PrintStatus.COMPLETED else batch.done,
        "progress": 1.0 if batch.status == PrintStatus.COMPLETED else batch.progress,
        "selection": batch.filter.to_json(),
        "error": batch.error,
        "waitingReason": batch.waiting_reason,
        "size": batch.size,
        "attempts": batch.attempt,
        "createdBy": batch.created_by,
        "createdAt": batch.created_at.isoformat(),
        "finishedAt": batch.finished_at.isoformat() if batch.finished_at else None,
    }
