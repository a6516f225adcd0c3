"""Registration routes of progress (docs/rest-api.md, "Registration"): the approvals queue, approve, reject.

Withdrawing is ``POST /v1/enrollments/{id}/withdraw`` (api.py). Deciding takes an optional
``Idempotency-Key``: a retry with the same key answers the first decision without a second effect.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from lms_shared.idempotency import StoredResponse, run_idempotent
from lms_shared.web import IdempotencyKey, stored_response
from progress.entrypoints.deps import CurrentUser, UowDep, VersionsDep
from progress.entrypoints.schemas import EnrollmentList, EnrollmentOut, RejectionCreate
from progress.service_layer import registration

router = APIRouter()


@router.get("/v1/enrollments/pending", response_model=EnrollmentList)
async def pending_enrollments(
    user: CurrentUser,
    uow: UowDep,
    versions: VersionsDep,
    courseId: str | None = Query(default=None, min_length=1, max_length=64),
) -> EnrollmentList:
    """PENDING registrations the caller may decide (trainers: their courses; country admins: their
    state's learners; admins: all), oldest first, at most 2,000."""
    rows = await registration.pending_enrollments(uow, user, courseId, versions)
    return EnrollmentList(nodes=[EnrollmentOut.of(d) for d in rows])


@router.post("/v1/enrollments/{enrollment_id}/approve", response_model=EnrollmentOut)
async def approve_enrollment(
    enrollment_id: str, user: CurrentUser, uow: UowDep, versions: VersionsDep, key: IdempotencyKey = None
) -> Response:
    """PENDING → ACTIVE; approving one that is not PENDING is a CONFLICT saying what it is."""

    async def decide() -> StoredResponse:
        done = await registration.approve(uow, user, enrollment_id, versions)
        return StoredResponse(200, EnrollmentOut.of(done).model_dump(mode="json"))

    operation = f"POST /v1/enrollments/{enrollment_id}/approve"
    return stored_response(await run_idempotent(uow, user.sub, key, operation, {}, decide))


@router.post("/v1/enrollments/{enrollment_id}/reject", response_model=EnrollmentOut)
async def reject_enrollment(
    enrollment_id: str,
    body: RejectionCreate,
    user: CurrentUser,
    uow: UowDep,
    versions: VersionsDep,
    key: IdempotencyKey = None,
) -> Response:
    """PENDING or WAITLISTED → REJECTED with a reason (required, up to 500 characters)."""

    async def decide() -> StoredResponse:
        done = await registration.reject(uow, user, enrollment_id, body.reason, versions)
        return StoredResponse(200, EnrollmentOut.of(done).model_dump(mode="json"))

    operation = f"POST /v1/enrollments/{enrollment_id}/reject"
    return stored_response(await run_idempotent(uow, user.sub, key, operation, body.model_dump(mode="json"), decide))
