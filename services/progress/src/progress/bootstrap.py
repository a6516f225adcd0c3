"""The one place where the progress service's real adapters are chosen and wired together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table

from lms_shared.runtime import Runtime
from progress.adapters.catalog import LruCourseVersionCache
from progress.adapters.orm import inbox
from progress.adapters.unit_of_work import SqlAlchemyProgressUnitOfWork
from progress.config import ProgressSettings, get_settings
from progress.service_layer.ports import CourseVersionCache

SERVICE = "progress"


@dataclass
class Container:
    """Everything an entry point needs: a fresh unit of work per request or event, and the ports."""

    settings: ProgressSettings
    runtime: Runtime
    uow: Callable[[], SqlAlchemyProgressUnitOfWork]
    versions: CourseVersionCache
    inbox: Table

    async def close(self) -> None:
        await self.runtime.stop()


async def build(settings: ProgressSettings | None = None) -> Container:
    """Connect to PostgreSQL and NATS; the caller spawns the consumers (``entrypoints.consumers``)."""
    settings = settings or get_settings()
    runtime = Runtime(SERVICE, settings)
    await runtime.start()
    sessions = runtime.sessions
    return Container(
        settings=settings,
        runtime=runtime,
        uow=lambda: SqlAlchemyProgressUnitOfWork(sessions),
        versions=LruCourseVersionCache(),
        inbox=inbox,
    )
