"""The courses REST API (docs/rest-api.md, courses section): thin routes over the handlers.

Each route takes a unit of work (``UowDep``), calls one handler, which commits, and turns its result
into JSON (``views``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from courses import bootstrap
from courses.bootstrap import Container
from courses.domain.model import CourseStatus
from courses.domain.search import search_terms
from courses.entrypoints import views
from courses.entrypoints.consumers import build_consumers
from courses.entrypoints.deps import ContainerDep, CurrentUser, OptionalUser, UowDep
from courses.service_layer import authoring, calendars, catalogue, learner_data, materials, publishing
from courses.service_layer import commands as cmd
from courses.service_layer.catalogue import CourseView
from courses.service_layer.ports import CatalogueQuery
from lms_shared.auth import Role
from lms_shared.errors import BadInput, ErrorCode
from lms_shared.faults import is_transient
from lms_shared.i18n import normalize_lang
from lms_shared.idempotency import StoredResponse, run_idempotent
from lms_shared.logging import get_logger
from lms_shared.openapi import document_error_statuses
from lms_shared.web import IdempotencyKey, error_response, install_common, stored_response

log = get_logger(__name__)

# Trainers already recorded in known_trainer by this process: one insert per person, not per request.
_KNOWN_TRAINERS: set[str] = set()


async def _remember_trainer(user: OptionalUser, container: ContainerDep) -> None:
    """Record every verified trainer or admin once (issue 13, 11a): only they can become co-owners."""
    if user is None or user.sub in _KNOWN_TRAINERS or not user.has(Role.TRAINER):
        return
    async with container.uow() as uow:
        await authoring.remember_trainer(uow, user)
    if len(_KNOWN_TRAINERS) >= 100_000:
        _KNOWN_TRAINERS.clear()
    _KNOWN_TRAINERS.add(user.sub)


router = APIRouter(prefix="/v1", dependencies=[Depends(_remember_trainer)])
# Anonymous routes read by calendar apps: no per-request database write for the caller.
public = APIRouter(prefix="/v1")
CALENDAR_RETRY_AFTER_SECONDS = 30


async def _clean_expired_uploads(container: Container, stop: asyncio.Event) -> None:
    """Background loop: PENDING uploads never confirmed are rejected and their objects deleted, and
    quarantine keys whose upload policy expired are emptied."""
    while not stop.is_set():
        try:
            async with container.uow() as uow:
                await materials.reject_expired_uploads(uow, container.store, container.limits)
            async with container.uow() as uow:
                await materials.sweep_quarantine(uow, container.store)
        except Exception as exc:  # noqa: BLE001 - S3 or the database away: try again next round
            log.warning("material.cleanup_failed", error=repr(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=container.settings.material_cleanup_interval_seconds)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    container = await bootstrap.build()
    runtime = container.runtime
    app.state.container = container
    app.state.verifier = runtime.verifier
    app.state.readiness_checks.update(runtime.readiness_checks())
    for consumer in build_consumers(container):
        runtime.spawn(consumer.durable, consumer.run)
    runtime.spawn("material-cleanup", lambda stop: _clean_expired_uploads(container, stop))
    try:
        yield
    finally:
        await container.close()


def _editor_view(course: Any) -> dict[str, Any]:
    """A course as its trainers see it right after they changed it: the draft."""
    return views.course_json(CourseView(course, True, True))


# --- courses -------------------------------------------------------------------------------------


@router.post("/courses", status_code=201)
async def create_course(
    body: cmd.CreateCourse, user: CurrentUser, uow: UowDep, key: IdempotencyKey = None
) -> JSONResponse:
    """createCourse; a retry with the same Idempotency-Key returns the first draft instead of a second."""

    async def create() -> StoredResponse:
        return StoredResponse(201, jsonable_encoder(_editor_view(await authoring.create_course(uow, user, body))))

    payload = body.model_dump(mode="json")
    return stored_response(await run_idempotent(uow, user.sub, key, "POST /v1/courses", payload, create))


@router.get("/courses")
async def list_courses(
    user: OptionalUser,
    uow: UowDep,
    status: CourseStatus | None = None,
    topic: str | None = None,
    lang: str | None = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    first: Annotated[int, Query(ge=1, le=100)] = 20,
    after: str | None = None,
    ids: Annotated[str | None, Query(description="comma-separated ids, for DataLoaders")] = None,
    slug: str | None = None,
    mine: bool = False,
) -> dict[str, Any]:
    """The catalogue: published courses for everyone, plus drafts for their trainers (and admins)."""
    id_list = tuple(i for i in (ids or "").split(",") if i.strip()) if ids is not None else None
    if id_list is not None and len(id_list) > 500:
        raise BadInput("Ask for at most 500 ids at once.")
    query = CatalogueQuery(
        status=status,
        topic=topic.strip() if topic and topic.strip() else None,
        lang=normalize_lang(lang),
        terms=tuple(search_terms(search or "")),
        ids=id_list,
        slug=slug,
        mine=mine,
        first=first,
        after=views.decode_cursor(after) if after else None,
    )
    return views.page_json(await catalogue.list_courses(uow, user, query))


@router.get("/courses/{course_id}")
async def get_course(
    course_id: str, user: OptionalUser, uow: UowDep, version: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    return views.course_json(await catalogue.get_course(uow, user, course_id, version))


@router.patch("/courses/{course_id}")
async def update_course(course_id: str, body: cmd.UpdateCourse, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return _editor_view(await authoring.update_course(uow, user, course_id, body))


@router.post("/courses/{course_id}/co-owners")
async def add_co_owner(course_id: str, body: cmd.AddCoOwner, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return _editor_view(await authoring.add_co_owner(uow, user, course_id, body))


@router.delete("/courses/{course_id}/co-owners/{trainer_id}")
async def remove_co_owner(course_id: str, trainer_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return _editor_view(await authoring.remove_co_owner(uow, user, course_id, trainer_id))


@router.post("/courses/{course_id}/publish")
async def publish_course(course_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return _editor_view(await publishing.publish_course(uow, user, course_id))


@router.post("/courses/{course_id}/archive")
async def archive_course(course_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return _editor_view(await publishing.archive_course(uow, user, course_id))


@public.get("/courses/{course_id}/calendar.ics")
async def course_calendar(
    course_id: str, container: ContainerDep, lang: Annotated[str | None, Query(max_length=16)] = None
) -> Response:
    """The iCalendar feed of a published course's live sessions (public; no join links).

    Calendar apps poll this: when the database is briefly away the answer is 503 with Retry-After,
    which they honour, rather than a 500 that some of them treat as "feed gone".
    """
    try:
        async with container.uow() as uow:
            body, version = await calendars.published_calendar(uow, course_id, lang)
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("calendar.unavailable", course_id=course_id, error=repr(exc))
        response = error_response(ErrorCode.UNAVAILABLE, "The course calendar is unavailable; try again shortly.")
        response.headers["Retry-After"] = str(CALENDAR_RETRY_AFTER_SECONDS)
        return response
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "ETag": f'W/"{course_id}-{version}-{lang or ""}"'},
    )


# --- modules and lessons -------------------------------------------------------------------------


@router.post("/courses/{course_id}/modules", status_code=201)
async def add_module(
    course_id: str, body: cmd.ModuleInput, user: CurrentUser, uow: UowDep, key: IdempotencyKey = None
) -> JSONResponse:
    """addModule; a retry with the same Idempotency-Key returns the first module instead of a second."""

    async def add() -> StoredResponse:
        return StoredResponse(
            201, jsonable_encoder(views.module_json(await authoring.add_module(uow, user, course_id, body)))
        )

    payload = {"courseId": course_id, **body.model_dump(mode="json")}
    return stored_response(await run_idempotent(uow, user.sub, key, "POST /v1/courses/{id}/modules", payload, add))


@router.patch("/modules/{module_id}")
async def update_module(module_id: str, body: cmd.ModulePatch, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return views.module_json(await authoring.update_module(uow, user, module_id, body))


@router.delete("/modules/{module_id}")
async def delete_module(module_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return views.module_json(await authoring.delete_module(uow, user, module_id))


@router.post("/modules/{module_id}/lessons", status_code=201)
async def add_lesson(
    module_id: str, body: cmd.LessonInput, user: CurrentUser, uow: UowDep, key: IdempotencyKey = None
) -> JSONResponse:
    """addLesson; a retry with the same Idempotency-Key returns the first lesson instead of a second."""

    async def add() -> StoredResponse:
        return StoredResponse(
            201, jsonable_encoder(views.lesson_json(await authoring.add_lesson(uow, user, module_id, body)))
        )

    payload = {"moduleId": module_id, **body.model_dump(mode="json")}
    return stored_response(await run_idempotent(uow, user.sub, key, "POST /v1/modules/{id}/lessons", payload, add))


@router.patch("/lessons/{lesson_id}")
async def update_lesson(lesson_id: str, body: cmd.LessonPatch, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return views.lesson_json(await authoring.update_lesson(uow, user, lesson_id, body))


@router.delete("/lessons/{lesson_id}")
async def delete_lesson(lesson_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return views.lesson_json(await authoring.delete_lesson(uow, user, lesson_id))


# --- materials -----------------------------------------------------------------------------------


@router.post("/courses/{course_id}/materials", status_code=201)
async def request_material_upload(
    course_id: str, body: cmd.RequestMaterialUpload, user: CurrentUser, uow: UowDep, container: ContainerDep
) -> dict[str, Any]:
    upload = await materials.request_material_upload(uow, user, course_id, body, container.store, container.limits)
    return {
        "material": views.material_json(upload.material),
        # A presigned POST policy: send uploadFields (in order), then the file as the form's last part, `file`.
        "uploadUrl": upload.upload_url,
        "uploadMethod": "POST",
        "uploadFields": [{"name": k, "value": v} for k, v in upload.form.fields.items()],
        "expiresAt": upload.expires_at.isoformat(),
    }


@router.post("/materials/{material_id}/confirm")
async def confirm_material_upload(
    material_id: str, user: CurrentUser, uow: UowDep, container: ContainerDep
) -> dict[str, Any]:
    return views.material_json(await materials.confirm_material_upload(uow, user, material_id, container.store))


@router.get("/materials/{material_id}")
async def get_material(material_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return views.material_json(await materials.get_material(uow, user, material_id))


@router.get("/materials/{material_id}/download")
async def download_material(
    material_id: str, user: CurrentUser, uow: UowDep, container: ContainerDep
) -> dict[str, Any]:
    url, expires_at = await materials.material_download_url(uow, user, material_id, container.store, container.limits)
    return {"url": url, "expiresAt": expires_at.isoformat()}


@router.get("/learners/{learner_id}/export")
async def export_learner(learner_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """What courses holds about one person (ids only): admins (docs/privacy.md)."""
    return await learner_data.export_learner(uow, user, learner_id)


app = FastAPI(title="Kentbilim courses", version="1", lifespan=lifespan)
install_common(app, "courses")
document_error_statuses(app)  # every status each route can answer, in /openapi.json
app.include_router(router)
app.include_router(public)
