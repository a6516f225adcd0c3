"""The one place where the courses service's real adapters are chosen and wired together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Table

from courses.adapters.blobs import MaterialInspector, S3MaterialStore
from courses.adapters.orm import processed_event
from courses.adapters.unit_of_work import SqlAlchemyCoursesUnitOfWork
from courses.config import CoursesSettings, get_settings
from courses.service_layer.materials import MaterialLimits
from courses.service_layer.ports import MaterialStore
from lms_shared.runtime import Runtime

SERVICE = "courses"


@dataclass
class Container:
    """Everything an entry point needs: a fresh unit of work per request or event, and the ports."""

    settings: CoursesSettings
    runtime: Runtime
    uow: Callable[[], SqlAlchemyCoursesUnitOfWork]
    store: MaterialStore
    limits: MaterialLimits
    inbox: Table

    async def close(self) -> None:
        await self.runtime.stop()


def material_limits(settings: CoursesSettings) -> MaterialLimits:
    return MaterialLimits(
        max_bytes=settings.material_max_bytes,
        upload_ttl=timedelta(seconds=settings.material_upload_ttl_seconds),
        pending_ttl=timedelta(seconds=settings.material_pending_ttl_seconds),
        download_ttl=timedelta(seconds=settings.s3_presign_seconds),
    )


async def build(settings: CoursesSettings | None = None) -> Container:
    """Connect to PostgreSQL, NATS and S3 (creating the materials bucket if needed)."""
    settings = settings or get_settings()
    runtime = Runtime(SERVICE, settings)
    await runtime.start(buckets=(settings.s3_materials_bucket,))
    assert runtime.store is not None
    sessions = runtime.sessions
    return Container(
        settings=settings,
        runtime=runtime,
        uow=lambda: SqlAlchemyCoursesUnitOfWork(sessions),
        store=S3MaterialStore(runtime.store, MaterialInspector(settings), settings.s3_materials_bucket),
        limits=material_limits(settings),
        inbox=processed_event,
    )
