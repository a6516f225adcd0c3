"""Certificate mutations (admins): issue one, start a bulk job, revoke."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from gateway.certificates.types import BulkIssueJob, Certificate
from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.types import input_json
from lms_shared.errors import BadInput


@strawberry.input(description="Who receives a certificate.")
class RecipientInput:
    learnerId: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The learner's user id, when they have an account."
    )
    name: str = strawberry.field(description="Full name, as it will be printed.")
    email: str | None = strawberry.field(default=strawberry.UNSET, description="Where to send the certificate.")
    org: str | None = strawberry.field(default=strawberry.UNSET, description="Member state, ISO 3166 alpha-2.")
    municipality: str | None = strawberry.field(default=strawberry.UNSET, description="Municipality.")
    nameConfirmed: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Addition: issue a name whose words mix scripts (e.g. a Cyrillic А among Latin letters) as "
            "written; without it such a name is refused with MIXED_SCRIPT for a person to check."
        ),
    )


@strawberry.input(description="A bulk issuance: everyone eligible, an explicit list, or a CSV.")
class BulkIssueInput:
    courseId: strawberry.ID = strawberry.field(description="The course the certificates are for.")
    allEligible: bool | None = strawberry.field(
        default=False, description="Everyone who completed the course and has no certificate yet."
    )
    recipients: list[RecipientInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Or an explicit list, e.g. workshop participants from a CSV."
    )
    csv: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Recipients as CSV text (UTF-8, one header row; columns as in docs/graphql.md), instead of `recipients`."
        ),
    )


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


async def _call(info: Info, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
    ctx = ctx_of(info)
    return await ctx.state.clients.certificates.request(method, path, token=ctx.token, json=body, params=params)


async def issue_certificate(info: Info, courseId: strawberry.ID, recipient: RecipientInput) -> Certificate:
    """Issue one certificate by hand."""
    body = {"courseId": str(courseId), "recipient": _clean(input_json(recipient))}
    result: Certificate = await _call(info, "POST", "/v1/certificates", body)
    return result


DryRunArg = Annotated[
    bool | None,
    strawberry.argument(
        description="Only check: answer what would be issued, skipped or refused, and why; store and issue nothing."
    ),
]


async def start_bulk_issue(info: Info, input: BulkIssueInput, dryRun: DryRunArg = False) -> BulkIssueJob:
    """Start issuing certificates in bulk; follow it with bulkIssueProgress. Or, with dryRun, only check."""
    body = _clean(input_json(input))
    if not body.get("allEligible") and not body.get("recipients") and not body.get("csv"):
        raise BadInput("Set allEligible to true, list the recipients, or send them as csv.")
    # The certificates service owns every recipient rule (CSV columns, duplicates, org codes).
    params = {"dryRun": "true"} if dryRun else None
    result: BulkIssueJob = await _call(info, "POST", "/v1/bulk-jobs", body, params)
    return result


async def revoke_certificate(info: Info, id: strawberry.ID, reason: str) -> Certificate:
    """Revoke a certificate; verification shows it as revoked with the reason."""
    if not reason.strip():
        raise BadInput("Give a reason: it is shown to anyone who verifies the certificate.")
    result: Certificate = await _call(info, "POST", f"/v1/certificates/{seg(id)}/revoke", {"reason": reason.strip()})
    return result


async def retry_auto_issue(info: Info, id: strawberry.ID, name: str | None = strawberry.UNSET) -> Certificate:
    """Issue a failed automatic certificate again, with a corrected name if given (admins; idempotent)."""
    body = {"name": name.strip()} if isinstance(name, str) and name.strip() else {}
    result: Certificate = await _call(info, "POST", f"/v1/auto-issue-failures/{seg(id)}/retry", body)
    return result
