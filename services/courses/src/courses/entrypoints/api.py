"""The courses REST API (docs/rest-api.md, courses section): thin routes over the handlers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request

from courses.adapters.blobs import MaterialInspector
from courses.adapters.repository import CatalogueQuery
from courses.bootstrap import CoursesApp
from courses.config import get_courses_settings
from courses.domain.model import CourseStatus
from courses.domain.search import search_terms
from courses.entrypoints import views
from courses.entrypoints.consumers import enrollment_consumer
from courses.service_layer import commands as cmd
from courses.service_layer import handlers
from lms_shared.errors import BadInput
from lms_shared.i18n import normalize_lang
from lms_shared.logging import get_logger
from lms_shared.runtime import Runtime
from lms_shared.settings import get_settings
from lms_shared.web import CurrentUser, OptionalUser, install_common

log = get_logger(__name__)


def _courses(request: Request) -> CoursesApp:
    app: CoursesApp = request.app.state.courses
    return app


AppDep = Annotated[CoursesApp, Depends(_courses)]
router = APIRouter(prefix="/v1")


async def _clean_expired_uploads(app: CoursesApp, stop: asyncio.Event) -> None:
    """Background loop: PENDING uploads never confirmed are rejected and their objects deleted."""
    while not stop.is_set():
        try:
            await handlers.reject_expired_uploads(app)
        except Exception as exc:  # noqa: BLE001 - S3 or the database away: try again next round
            log.warning("material.cleanup_failed", error=repr(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=app.config.material_cleanup_interval_seconds)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    runtime = Runtime("courses", settings)
    await runtime.start(buckets=(settings.s3_materials_bucket,))
    assert runtime.store is not None
    courses = CoursesApp(runtime.sessions, runtime.store, MaterialInspector(settings), settings, get_courses_settings())
    app.state.verifier = runtime.verifier
    app.state.readiness_checks.update(runtime.readiness_checks())
    app.state.courses = courses
    consumer = enrollment_consumer(runtime)
    runtime.spawn(consumer.durable, consumer.run)
    runtime.spawn("material-cleanup", lambda stop: _clean_expired_uploads(courses, stop))
    try:
        yield
    finally:
        await runtime.stop()


# --- courses -------------------------------------------------------------------------------------


@router.post("/courses", status_code=201)
async def create_course(body: cmd.CreateCourse, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    course = await handlers.create_course(app, user, body)
    return views.course_json(handlers.CourseView(course, True, True))


@router.get("/courses")
async def list_courses(
    user: OptionalUser,
    app: AppDep,
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
    return views.page_json(await handlers.list_courses(app, user, query))


@router.get("/courses/{course_id}")
async def get_course(
    course_id: str, user: OptionalUser, app: AppDep, version: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    return views.course_json(await handlers.get_course(app, user, course_id, version))


@router.patch("/courses/{course_id}")
async def update_course(course_id: str, body: cmd.UpdateCourse, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    course = await handlers.update_course(app, user, course_id, body)
    return views.course_json(handlers.CourseView(course, True, True))


@router.post("/courses/{course_id}/co-owners")
async def add_co_owner(course_id: str, body: cmd.AddCoOwner, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    course = await handlers.add_co_owner(app, user, course_id, body)
    return views.course_json(handlers.CourseView(course, True, True))


@router.delete("/courses/{course_id}/co-owners/{trainer_id}")
async def remove_co_owner(course_id: str, trainer_id: str, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    course = await handlers.remove_co_owner(app, user, course_id, trainer_id)
    return views.course_json(handlers.CourseView(course, True, True))


@router.post("/courses/{course_id}/publish")
async def publish_course(course_id: str, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    course = await handlers.publish_course(app, user, course_id)
    return views.course_json(handlers.CourseView(course, True, True))


@router.post("/courses/{course_id}/archive")
async def archive_course(course_id: str, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    course = await handlers.archive_course(app, user, course_id)
    return views.course_json(handlers.CourseView(course, True, True))


# --- modules and lessons -------------------------------------------------------------------------


@router.post("/courses/{course_id}/modules", status_code=201)
async def add_module(course_id: str, body: cmd.ModuleInput, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    return views.module_json(await handlers.add_module(app, user, course_id, body))


@router.patch("/modules/{module_id}")
async def update_module(module_id: str, body: cmd.ModulePatch, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    return views.module_json(await handlers.update_module(app, user, module_id, body))


@router.delete("/modules/{module_id}")
async def delete_module(module_id: str, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    return views.module_json(await handlers.delete_module(app, user, module_id))


@router.post("/modules/{module_id}/lessons", status_code=201)
async def add_lesson(module_id: str, body: cmd.LessonInput, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    return views.lesson_json(await handlers.add_lesson(app, user, module_id, body))


@router.patch("/lessons/{lesson_id}")
async def update_lesson(lesson_id: str, body: cmd.LessonPatch, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    return views.lesson_json(await handlers.update_lesson(app, user, lesson_id, body))


@router.delete("/lessons/{lesson_id}")
async def delete_lesson(lesson_id: str, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    return views.lesson_json(await handlers.delete_lesson(app, user, lesson_id))


# --- materials -----------------------------------------------------------------------------------


@router.post("/courses/{course_id}/materials", status_code=201)
async def request_material_upload(
    course_id: str, body: cmd.RequestMaterialUpload, user: CurrentUser, app: AppDep
) -> dict[str, Any]:
    upload = await handlers.request_material_upload(app, user, course_id, body)
    return {
        "material": views.material_json(upload.material),
        "uploadUrl": upload.upload_url,
        "expiresAt": upload.expires_at.isoformat(),
    }


@router.post("/materials/{material_id}/confirm")
async def confirm_material_upload(material_id: str, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    return views.material_json(await handlers.confirm_material_upload(app, user, material_id))


@router.get("/materials/{material_id}")
async def get_material(material_id: str, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    return views.material_json(await handlers.get_material(app, user, material_id))


@router.get("/materials/{material_id}/download")
async def download_material(material_id: str, user: CurrentUser, app: AppDep) -> dict[str, Any]:
    url, expires_at = await handlers.material_download_url(app, user, material_id)
    return {"url": url, "expiresAt": expires_at.isoformat()}


app = FastAPI(title="Kentbilim courses", version="1", lifespan=lifespan)
install_common(app, "courses")
app.include_router(router)
