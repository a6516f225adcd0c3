"""The learner's data routes of progress (docs/rest-api.md, "The learner's data"): export and erasure."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from progress.entrypoints.deps import CurrentUser, UowDep
from progress.service_layer import erasure

router = APIRouter()


class ErasureCreate(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


@router.get("/v1/learners/{learner_id}/export")
async def export_learner(learner_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """Everything progress holds about one learner (admins; the learner's country admin)."""
    return await erasure.export_learner(uow, user, learner_id)


@router.post("/v1/learners/{learner_id}/erasure")
async def erase_learner(
    learner_id: str, body: ErasureCreate, user: CurrentUser, uow: UowDep, response: Response
) -> dict[str, Any]:
    """Erase a learner: 201 the first time, 200 with the stored erasure when already erased."""
    done, created = await erasure.erase_learner(uow, user, learner_id, body.reason)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return erasure.erasure_json(done)
