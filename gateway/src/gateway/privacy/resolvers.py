"""A learner's data (issue 14, item 6): ``learnerExport`` and ``eraseLearner``, additions to the schema.

The gateway checks the role (admin or country admin) and, for a country admin, the learner's member
state as progress recorded it, before anything else is asked or changed; each service checks both
again against its own records. docs/privacy.md describes what is exported and what erasure does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import strawberry

from gateway.context import Info, ctx_of
from gateway.types import JSON, DateTime
from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Forbidden, NotFound

MAX_LEARNER_ID = 255


@strawberry.type(description="Addition: a learner erased on request (their name replaced by the pseudonym).")
class LearnerErasure:
    learnerId: strawberry.ID = strawberry.field(
        description="The learner (the token's sub), kept as the pseudonymous key."
    )
    pseudonym: str = strawberry.field(description="What replaces the learner's name everywhere.")
    org: str | None = strawberry.field(description="The learner's member state, as progress recorded it.")
    reason: str | None = strawberry.field(description="Why, as the requester stated it.")
    requestedBy: str = strawberry.field(description="Who asked for the erasure (their sub).")
    erasedAt: DateTime = strawberry.field(description="When progress recorded the erasure.")


def _learner_id(learner_id: str) -> str:
    text = str(learner_id).strip()
    if not text or len(text) > MAX_LEARNER_ID:
        raise BadInput(f"learnerId is 1 to {MAX_LEARNER_ID} characters.")
    return text


def _check_states(principal: Principal, recorded: str | None) -> None:
    """FORBIDDEN unless the caller administers every member state progress recorded for the learner."""
    states = [s for s in (recorded or "").split(",") if s]
    if not states:
        principal.require_org(None)
    for state in states:
        principal.require_org(state)


async def _progress_export(info: Info, learner_id: str, principal: Principal) -> dict[str, Any] | None:
    ctx = ctx_of(info)
    try:
        body: dict[str, Any] = await ctx.state.clients.progress.request(
            "GET", f"/v1/learners/{quote(learner_id, safe='')}/export", token=ctx.token
        )
    except NotFound:
        if not principal.is_admin:
            # Progress records no state for this learner: only an admin may look further.
            raise Forbidden(
                "progress records no member state for this learner; only admins may look further."
            ) from None
        return None
    _check_states(principal, body.get("org"))
    return body


async def learner_export(info: Info, learnerId: strawberry.ID) -> JSON:
    """Everything the platform holds about one learner, per service (admins; the learner's country admin)."""
    ctx = ctx_of(info)
    principal = await ctx.require_role(Role.COUNTRY_ADMIN)  # admins hold every role
    learner_id = _learner_id(learnerId)
    progress = await _progress_export(info, learner_id, principal)
    certificates: dict[str, Any] = await ctx.state.clients.certificates.request(
        "GET", f"/v1/learners/{quote(learner_id, safe='')}/export", token=ctx.token
    )
    courses: dict[str, Any] = {"service": "courses", "learnerId": learner_id, "enrollments": []}
    if principal.is_admin:
        # courses keeps ids only and no member state, so it answers admins only (docs/privacy.md).
        courses = await ctx.state.clients.courses.request(
            "GET", f"/v1/learners/{quote(learner_id, safe='')}/export", token=ctx.token
        )
    holds_nothing = not certificates.get("certificates") and not certificates.get("completions")
    if progress is None and holds_nothing and not courses.get("enrollments") and not courses.get("ownedCourses"):
        raise NotFound(f"The platform holds nothing about learner {learner_id!r}.")
    export: Any = {
        "learnerId": learner_id,
        "org": progress.get("org") if progress else None,
        "generatedAt": datetime.now(UTC).isoformat(),
        "erasure": progress.get("erasure") if progress else None,
        "services": {"progress": progress, "certificates": certificates, "courses": courses},
    }
    return export


async def erase_learner(info: Info, learnerId: strawberry.ID, reason: str | None = None) -> LearnerErasure:
    """Pseudonymise the learner everywhere, through ``lms.progress.learner.erased.v1`` (idempotent)."""
    ctx = ctx_of(info)
    principal = await ctx.require_role(Role.COUNTRY_ADMIN)
    learner_id = _learner_id(learnerId)
    if reason is not None and len(reason) > 500:
        raise BadInput("The reason is longer than 500 characters.")
    if not principal.is_admin:
        # The learner's state first, as progress recorded it; progress checks it again.
        await _progress_export(info, learner_id, principal)
    body: Any = await ctx.state.clients.progress.request(
        "POST", f"/v1/learners/{quote(learner_id, safe='')}/erasure", token=ctx.token, json={"reason": reason}
    )
    return LearnerErasure(
        learnerId=strawberry.ID(body["learnerId"]),
        pseudonym=body["pseudonym"],
        org=body.get("org"),
        reason=body.get("reason"),
        requestedBy=body["requestedBy"],
        erasedAt=DateTime(body["erasedAt"]),
    )
