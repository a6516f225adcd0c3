"""The one place where the courses service's real adapters are wired together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from courses.adapters.blobs import MaterialInspector
from courses.config import CoursesSettings
from lms_shared.settings import Settings
from lms_shared.storage import ObjectStore


@dataclass
class CoursesApp:
    """What the handlers need: sessions, the object store and its inspector, and configuration."""

    sessions: async_sessionmaker[AsyncSession]
    store: ObjectStore
    inspector: MaterialInspector
    settings: Settings
    config: CoursesSettings

    @property
    def bucket(self) -> str:
        return self.settings.s3_materials_bucket
