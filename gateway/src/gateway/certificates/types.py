"""Certificates, public verification and bulk issuance jobs, backed by the certificates service's JSON."""

from __future__ import annotations

import strawberry

from gateway.types import JSON, BulkJobStatus, CertificateStatus, DateTime


@strawberry.type(description="A recipient who could not be processed, and why.")
class BulkFailure:
    recipient: str = strawberry.field(description="The recipient as given (learner id or name).")
    reason: str = strawberry.field(description="What went wrong, in words a person can act on.")


@strawberry.type(description="A certificate of completion.")
class Certificate:
    id: strawberry.ID = strawberry.field(description="Certificate id.")
    code: str = strawberry.field(
        description="Short, human-typable, unambiguous (no 0/O, 1/I), unique; printed and in the QR code."
    )
    learnerId: strawberry.ID | None = strawberry.field(
        description="The holder's user id; null for recipients without an account."
    )
    learnerName: str = strawberry.field(description="The holder's full name, as printed.")
    courseId: strawberry.ID = strawberry.field(description="The course completed.")
    courseTitle: str = strawberry.field(description="The course's title, as printed.")
    courseVersion: int | None = strawberry.field(description="The course version completed, when known.")
    issuedAt: DateTime = strawberry.field(description="When the certificate was issued.")
    status: CertificateStatus = strawberry.field(description="Valid or revoked.")
    revokedAt: DateTime | None = strawberry.field(description="When it was revoked, if it was.")
    revocationReason: str | None = strawberry.field(description="Why it was revoked, if it was.")
    pdfUrl: str | None = strawberry.field(
        description="Presigned GET URL of the PDF; the holder, the course's trainers and admins only."
    )
    credential: JSON = strawberry.field(description="The signed Open Badges 3.0 / W3C Verifiable Credential, as JSON.")
    verifyUrl: str = strawberry.field(description="Public page for this certificate.")


@strawberry.type(description="Public: shows every field printed on the certificate.")
class Verification:
    code: str = strawberry.field(description="The code that was checked, as normalized.")
    valid: bool = strawberry.field(description="True only for an existing, unrevoked certificate.")
    status: CertificateStatus | None = strawberry.field(description="Null when no certificate has this code.")
    learnerName: str | None = strawberry.field(description="The holder's full name, as printed.")
    courseTitle: str | None = strawberry.field(description="The course's title, as printed.")
    issuedAt: DateTime | None = strawberry.field(description="When the certificate was issued.")
    issuer: str | None = strawberry.field(description="Who issued it.")
    revokedAt: DateTime | None = strawberry.field(description="When it was revoked, if it was.")
    revocationReason: str | None = strawberry.field(description="Why it was revoked, if it was.")
    credential: JSON | None = strawberry.field(description="The signed Verifiable Credential, as JSON.")


@strawberry.type(description="Certificates issued in bulk for one course.")
class BulkIssueJob:
    id: strawberry.ID = strawberry.field(description="Job id.")
    courseId: strawberry.ID = strawberry.field(description="The course the certificates are for.")
    status: BulkJobStatus = strawberry.field(description="Where the job is.")
    total: int = strawberry.field(description="Recipients in the job.")
    issued: int = strawberry.field(description="Certificates issued so far.")
    skipped: int = strawberry.field(description="Recipients skipped (e.g. already certified).")
    failed: int = strawberry.field(description="Recipients that failed.")
    createdAt: DateTime = strawberry.field(description="When the job was started.")
    finishedAt: DateTime | None = strawberry.field(description="When the job ended, if it has.")
    failures: list[BulkFailure] = strawberry.field(description="Each failed recipient and why.")
