"""Certificate queries: the holder's certificates, public verification, bulk jobs."""

from __future__ import annotations

import re
from typing import Any

import strawberry

from gateway.certificates.types import AutoIssueFailure, BulkIssueJob, Certificate, CertificateConnection, Verification
from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.types import CertificateStatus
from lms_shared.errors import BadInput, DomainError, ErrorCode

MAX_CODE_LENGTH = 64
# Codes are letters and digits in groups (the service normalises case, spaces and hyphens).
CODE_CHARACTERS = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-\u2010-\u2015]*")


async def my_certificates(info: Info) -> list[Certificate]:
    """Every certificate the viewer holds."""
    result: Any = await ctx_of(info).loaders.my_certificates()
    return result


async def certificates(info: Info, courseId: strawberry.ID | None = strawberry.UNSET) -> list[Certificate]:
    """A course's certificates (admins, and the course's trainers), e.g. to find one to revoke."""
    ctx = ctx_of(info)
    if not courseId:
        raise BadInput("Pass courseId: certificates are listed one course at a time.")
    body: Any = await ctx.state.clients.certificates.request(
        "GET", "/v1/certificates", token=ctx.token, params={"courseId": str(courseId)}
    )
    return body.get("nodes", [])


MAX_SEARCH_PAGE = 200
MAX_SEARCH_TEXT = 200


async def search_certificates(
    info: Info,
    code: str | None = None,
    name: str | None = None,
    courseId: strawberry.ID | None = None,
    status: CertificateStatus | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> CertificateConnection:
    """Certificates across courses by code, holder name (Turkic-aware), course and status, paged.

    Admins see all, country admins their state's (the certificates service applies the scope).
    """
    ctx = ctx_of(info)
    size = 50 if first is None else first
    if not 1 <= size <= MAX_SEARCH_PAGE:
        raise BadInput(f"'first' must be between 1 and {MAX_SEARCH_PAGE}.")
    for what, value in (("code", code), ("name", name)):
        if value is not None and len(value) > MAX_SEARCH_TEXT:
            raise BadInput(f"'{what}' is longer than {MAX_SEARCH_TEXT} characters.")
    params = {"first": str(size)}
    for key, value in (("code", code), ("name", name), ("courseId", courseId), ("after", after)):
        if value is not None and str(value).strip():
            params[key] = str(value)
    if status is not None:
        params["status"] = status.name
    body: Any = await ctx.state.clients.certificates.request(
        "GET", "/v1/certificates/search", token=ctx.token, params=params
    )
    connection: Any = {
        "nodes": body.get("nodes", []),
        "pageInfo": body.get("pageInfo") or {"endCursor": None, "hasNextPage": False},
        "totalCount": body.get("totalCount", 0),
    }
    result: CertificateConnection = connection
    return result


async def verify_certificate(info: Info, code: str) -> Verification:
    """Public, no token needed."""
    ctx = ctx_of(info)
    # Public and unauthenticated, so the obvious target for guessing codes: budget per client IP.
    await ctx.state.limiter.hit("verify", ctx.client_ip, ctx.state.settings.verify_rate_limit_per_minute)
    cleaned = code.strip()
    if not cleaned:
        raise BadInput("Enter the certificate code printed on the certificate or in its QR code.")
    if len(cleaned) > MAX_CODE_LENGTH or not CODE_CHARACTERS.fullmatch(cleaned):
        raise BadInput("That is not a certificate code: codes are short groups of letters and digits (KB-…).")
    try:
        result: Any = await ctx.state.clients.certificates.request("GET", f"/v1/verify/{seg(cleaned)}")
    except DomainError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            unknown: Any = {
                "code": cleaned,
                "valid": False,
                "status": None,
                "learnerName": None,
                "courseTitle": None,
                "issuedAt": None,
                "issuer": None,
                "revokedAt": None,
                "revocationReason": None,
                "credential": None,
                "proofs": [],
            }
            return unknown
        raise
    return result


async def bulk_issue_job(info: Info, id: strawberry.ID) -> BulkIssueJob | None:
    """One bulk issuance job (admins)."""
    ctx = ctx_of(info)
    try:
        result: Any = await ctx.state.clients.certificates.request("GET", f"/v1/bulk-jobs/{seg(id)}", token=ctx.token)
    except DomainError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            return None
        raise
    return result


async def bulk_issue_jobs(info: Info, courseId: strawberry.ID | None = strawberry.UNSET) -> list[BulkIssueJob]:
    """Bulk issuance jobs, newest first, optionally for one course (admins)."""
    ctx = ctx_of(info)
    params = {"courseId": str(courseId)} if courseId else None
    body: Any = await ctx.state.clients.certificates.request("GET", "/v1/bulk-jobs", token=ctx.token, params=params)
    return body.get("nodes", [])


async def auto_issue_failures(
    info: Info, courseId: strawberry.ID | None = strawberry.UNSET, includeResolved: bool | None = False
) -> list[AutoIssueFailure]:
    """Completions automatic issue could not certify: admins (any course), a course's trainers (theirs)."""
    ctx = ctx_of(info)
    params = {"includeResolved": "true" if includeResolved else "false"}
    if courseId:
        params["courseId"] = str(courseId)
    body: Any = await ctx.state.clients.certificates.request(
        "GET", "/v1/auto-issue-failures", token=ctx.token, params=params
    )
    return body.get("nodes", [])
