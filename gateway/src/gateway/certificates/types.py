"""Certificates, public verification and bulk issuance jobs, backed by the certificates service's JSON."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.types import JSON, BulkJobStatus, CertificateKind, CertificateStatus, DateTime, Json, PageInfo
from lms_shared.errors import BadInput

MAX_ROWS_PAGE = 1000


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
    credentialDataIntegrity: JSON = strawberry.field(
        description=(
            "The same credential with an embedded Data Integrity proof (eddsa-rdfc-2022), for wallets that require one."
        )
    )
    kind: CertificateKind = strawberry.field(description="Certificate of completion, or of participation in an event.")
    verifyUrl: str = strawberry.field(description="Public page for this certificate.")
    linkedInUrl: str = strawberry.field(
        description="A LinkedIn 'add to profile' URL for this certificate (name, issuer, issue date, code, verify URL)."
    )


@strawberry.type(description="One proof of the certificate's credential, checked by the issuer's service.")
class ProofCheck:
    format: str = strawberry.field(
        description="`vc+jwt` (the VC-JWT, JOSE EdDSA) or `eddsa-rdfc-2022` (the embedded Data Integrity proof)."
    )
    verified: bool = strawberry.field(description="True when the signature verifies against the issuer's keys.")


def verification_issuer(root: strawberry.Parent[Json], lang: str | None = None) -> str | None:
    """The issuer's name in ``lang`` when its template has that translation, else as printed."""
    printed = root.get("issuer")
    if not lang or printed is None:
        return printed
    names = root.get("issuerNames") or {}
    return str(names.get(lang) or printed)


@strawberry.type(description="Public: shows every field printed on the certificate.")
class Verification:
    code: str = strawberry.field(description="The code that was checked, as normalized.")
    valid: bool = strawberry.field(description="True only for an existing, unrevoked certificate.")
    status: CertificateStatus | None = strawberry.field(description="Null when no certificate has this code.")
    learnerName: str | None = strawberry.field(description="The holder's full name, as printed.")
    courseTitle: str | None = strawberry.field(description="The course's title, as printed.")
    issuedAt: DateTime | None = strawberry.field(description="When the certificate was issued.")
    issuer: str | None = strawberry.field(
        resolver=verification_issuer,
        description=(
            "Who issued it, as printed; with `lang` (addition): in that language when the issuer's name "
            "has a translation, so a verify page in Kazakh names the issuer in Kazakh."
        ),
    )
    revokedAt: DateTime | None = strawberry.field(description="When it was revoked, if it was.")
    revocationReason: str | None = strawberry.field(description="Why it was revoked, if it was.")
    credential: JSON | None = strawberry.field(description="The signed Verifiable Credential, as JSON.")
    proofs: list[ProofCheck] = strawberry.field(
        default_factory=list,
        description="Each proof format the certificate carries and whether it verifies; empty for an unknown code.",
    )


@strawberry.enum(description="What became of one input row of a bulk job (in a dry run: what would).")
class BulkRowOutcome(Enum):
    # Values are the names: the REST API and the GraphQL schema spell outcomes the same way.
    PENDING = strawberry.enum_value("PENDING", description="Accepted, not processed yet.")
    ISSUED = strawberry.enum_value("ISSUED", description="A certificate was issued (dry run: would be).")
    SKIPPED = strawberry.enum_value("SKIPPED", description="Nothing to do, e.g. the learner is already certified.")
    REFUSED = strawberry.enum_value("REFUSED", description="Invalid input; never issued.")
    FAILED = strawberry.enum_value("FAILED", description="Issuing was tried and failed (e.g. RENDER_FAILED).")


@strawberry.type(description="One input row of a bulk job and its outcome.")
class BulkIssueRow:
    row: int | None = strawberry.field(
        description="1-based data row of the CSV, or index in `recipients`; null for learners found by allEligible."
    )
    name: str = strawberry.field(description="Full name, as it would be printed.")
    learnerId: strawberry.ID | None = strawberry.field(description="The learner's user id, when given or found.")
    email: str | None = strawberry.field(description="E-mail address, when given.")
    org: str | None = strawberry.field(description="Member state, ISO 3166 alpha-2, when given.")
    municipality: str | None = strawberry.field(description="Municipality, when given.")
    outcome: BulkRowOutcome = strawberry.field(description="What became of the row (in a dry run: what would).")
    reasonCode: str | None = strawberry.field(
        description="Stable reason code (docs/graphql.md), e.g. DUPLICATE_IN_INPUT, ALREADY_CERTIFIED, UNKNOWN_ORG."
    )
    reason: str | None = strawberry.field(
        description="The reason in words a person can act on (English; clients translate reasonCode)."
    )
    certificateCode: str | None = strawberry.field(
        description="The issued certificate's code, or the existing one for ALREADY_CERTIFIED."
    )


@strawberry.type(description="A page of a bulk job's rows.")
class BulkIssueRowConnection:
    nodes: list[BulkIssueRow] = strawberry.field(description="The rows of this page, in input order.")
    pageInfo: PageInfo = strawberry.field(description="Cursor pagination state.")
    totalCount: int = strawberry.field(description="Rows with this outcome (all rows without a filter).")


OutcomeArg = Annotated[BulkRowOutcome | None, strawberry.argument(description="Only the rows with this outcome.")]
FirstArg = Annotated[int | None, strawberry.argument(description=f"Page size, 1 to {MAX_ROWS_PAGE}.")]
AfterArg = Annotated[str | None, strawberry.argument(description="The `endCursor` of the previous page.")]


def _dry_run_page(rows: list[Json], outcome: BulkRowOutcome | None, first: int, after: str | None) -> Json:
    """A page of the rows a dry run answered with; the cursor is the position after the page's last row."""
    matching = rows if outcome is None else [r for r in rows if r.get("outcome") == outcome.name]
    start = 0
    if after:
        if not after.isdigit() or int(after) > len(matching):
            raise BadInput("'after' is not a cursor of this dry run's rows; pass an endCursor it returned.")
        start = int(after)
    page = matching[start : start + first]
    end = start + len(page)
    return {
        "nodes": page,
        "pageInfo": {"endCursor": str(end) if page else None, "hasNextPage": end < len(matching)},
        "totalCount": len(matching),
    }


async def bulk_job_rows(
    root: strawberry.Parent[Json],
    info: Info,
    outcome: OutcomeArg = strawberry.UNSET,
    first: FirstArg = 100,
    after: AfterArg = strawberry.UNSET,
) -> BulkIssueRowConnection:
    """Every input row and its outcome, in input order."""
    size = 100 if first is None else first
    if not 1 <= size <= MAX_ROWS_PAGE:
        raise BadInput(f"'first' must be between 1 and {MAX_ROWS_PAGE}.")
    wanted = outcome or None
    cursor = after or None
    if root.get("dryRun"):
        # Nothing was stored: the dry run's answer carries every row.
        page: Json = _dry_run_page(root.get("rows") or [], wanted, size, cursor)
        return page  # type: ignore[return-value]
    ctx = ctx_of(info)
    params = {"first": str(size)}
    if wanted is not None:
        params["outcome"] = wanted.name
    if cursor is not None:
        params["after"] = cursor
    body: Json = await ctx.state.clients.certificates.request(
        "GET", f"/v1/bulk-jobs/{seg(root['id'])}/rows", token=ctx.token, params=params
    )
    connection: Json = {
        "nodes": body.get("nodes", []),
        "pageInfo": {"endCursor": body.get("endCursor"), "hasNextPage": bool(body.get("hasNextPage"))},
        "totalCount": body.get("totalCount", 0),
    }
    return connection  # type: ignore[return-value]


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
    dryRun: bool = strawberry.field(
        description="True for the answer of startBulkIssue(dryRun: true): nothing was stored, queued or issued."
    )
    refused: int = strawberry.field(description="Rows refused before issuing (invalid input); they are never issued.")
    waitingReason: str | None = strawberry.field(
        default=None,
        description=(
            "Addition: why the job is paused, e.g. waiting for the object store during an outage; it carries "
            "on by itself and no recipient fails for it. Null while it moves."
        ),
    )
    waitingSince: DateTime | None = strawberry.field(default=None, description="Addition: since when it waits.")
    rows: BulkIssueRowConnection = strawberry.field(
        resolver=bulk_job_rows, description="Every input row and its outcome, in input order."
    )


@strawberry.type(
    description="Addition: a completion the automatic issue could not certify (e.g. a name the PDF cannot print)."
)
class AutoIssueFailure:
    id: strawberry.ID = strawberry.field(description="Failure id, for retryAutoIssue.")
    courseId: strawberry.ID = strawberry.field(description="The course completed.")
    learnerId: strawberry.ID | None = strawberry.field(description="The learner's user id.")
    name: str = strawberry.field(description="The name that could not be printed, as received.")
    org: str | None = strawberry.field(description="Member state of the learner.")
    reasonCode: str = strawberry.field(description="Machine-readable reason, e.g. NAME_UNPRINTABLE.")
    reason: str = strawberry.field(description="What went wrong and how to fix it.")
    attempts: int = strawberry.field(description="Tries so far (the automatic one and every retry).")
    lastFailedAt: DateTime = strawberry.field(description="When it last failed.")
    resolvedAt: DateTime | None = strawberry.field(description="When a certificate was finally issued.")
    certificateId: strawberry.ID | None = strawberry.field(description="The certificate issued once resolved.")


@strawberry.type(description="A page of certificates, newest first.")
class CertificateConnection:
    nodes: list[Certificate] = strawberry.field(description="The certificates of this page.")
    pageInfo: PageInfo = strawberry.field(description="Cursor pagination state.")
    totalCount: int = strawberry.field(description="Certificates matching every filter, over all pages.")
