"""What the courses use cases need from outside, as Protocols: repositories and the materials bucket.

``adapters/`` implements them on PostgreSQL and S3; ``tests/unit/fakes.py`` in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from courses.domain.model import Course, CourseStatus, Lesson, Material, MaterialStatus, Module
from lms_shared.auth import Principal
from lms_shared.errors import Conflict


class SlugTaken(Conflict):
    """Another course already has this slug (also when two creations race)."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"The slug {slug!r} is already used by another course; choose another one.")


@dataclass(frozen=True)
class CatalogueQuery:
    status: CourseStatus | None = None
    topic: str | None = None
    lang: str | None = None
    terms: tuple[str, ...] = ()
    ids: tuple[str, ...] | None = None
    slug: str | None = None
    mine: bool = False
    first: int = 20
    after: tuple[datetime, str] | None = None


@dataclass(frozen=True)
class CatalogueRow:
    course_id: str
    editor_view: bool
    created_at: datetime


@dataclass(frozen=True)
class Inspection:
    """One streamed read of an uploaded object: its hash, first bytes, size and ZIP entries (if a ZIP)."""

    sha256: str
    head: bytes
    size: int
    zip_names: list[str] | None


@dataclass(frozen=True)
class UploadForm:
    """A presigned POST: the browser sends ``fields`` (in order) and then the file as ``file``, to ``url``."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str | None
    etag: str | None


class CourseRepository(Protocol):
    """The working drafts: courses with their co-owners, modules and lessons."""

    async def slug_taken(self, slug: str) -> bool: ...

    async def add(self, course: Course) -> None:
        """Raises :class:`SlugTaken` when the slug is used (also by a concurrent creation)."""
        ...

    async def get(self, course_id: str, *, lock: bool = False) -> Course | None:
        """The whole draft; ``lock`` holds it for this unit of work (edits and publishes are serialized)."""
        ...

    async def get_many(self, course_ids: Sequence[str]) -> dict[str, Course]: ...

    async def save_fields(self, course: Course) -> None: ...

    async def bump_revision(self, course_id: str) -> int: ...

    async def bump_owner_revision(self, course_id: str) -> int:
        """Count one change of the owner or co-owners; returns the new ownership revision."""
        ...

    async def archive(self, course_id: str) -> datetime: ...

    async def add_co_owner(self, course_id: str, trainer_id: str) -> None: ...

    async def remove_co_owner(self, course_id: str, trainer_id: str) -> bool: ...

    async def course_id_of_module(self, module_id: str) -> str | None: ...

    async def course_id_of_lesson(self, lesson_id: str) -> str | None: ...

    async def add_module(self, course_id: str, module: Module) -> None: ...

    async def rename_module(self, module_id: str, titles: dict[str, str]) -> None: ...

    async def delete_module(self, module_id: str) -> None: ...

    async def set_module_positions(self, ordered_ids: Sequence[str]) -> None: ...

    async def add_lesson(self, course_id: str, lesson: Lesson) -> None: ...

    async def update_lesson(self, lesson: Lesson) -> None: ...

    async def delete_lesson(self, lesson_id: str) -> None: ...

    async def set_lesson_positions(self, ordered_ids: Sequence[str]) -> None: ...


class KnownTrainerRepository(Protocol):
    """Ids seen with the trainer (or admin) role in a verified token: the only possible co-owners."""

    async def remember(self, trainer_id: str) -> None: ...

    async def is_known(self, trainer_id: str) -> bool: ...


class VersionRepository(Protocol):
    """Published versions: immutable snapshots, one per publish."""

    async def add(
        self, course: Course, version: int, snapshot: dict[str, Any], published_by: str, at: datetime
    ) -> None:
        """Store version ``version`` of ``course`` and mark the course published at that version."""
        ...

    async def get(self, course_id: str, version: int | None = None) -> Course | None:
        """A published version as learners see it (the latest when ``version`` is None)."""
        ...

    async def get_many(self, course_ids: Sequence[str], version: int | None = None) -> dict[str, Course]: ...


class CatalogueRepository(Protocol):
    async def page(self, query: CatalogueQuery, viewer: Principal | None) -> tuple[list[CatalogueRow], int, bool]:
        """One page (newest first), the total count, and whether more follow."""
        ...


class MaterialRepository(Protocol):
    async def add(self, material: Material, *, uploaded_by: str, upload_expires_at: datetime) -> None: ...

    async def get(self, material_id: str, *, lock: bool = False) -> Material | None: ...

    async def mark(
        self,
        material_id: str,
        status: MaterialStatus,
        *,
        sha256: str | None = None,
        etag: str | None = None,
        reason: str | None = None,
    ) -> None: ...

    async def expired_pending(self, older_than: datetime, limit: int = 100) -> list[Material]:
        """PENDING materials requested before ``older_than``, locked so that one cleaner handles each."""
        ...

    async def unswept_quarantines(self, now: datetime, limit: int = 100) -> list[str]:
        """Ids of confirmed or rejected materials whose upload policy expired before ``now`` and whose
        quarantine key was not swept yet, locked so that one cleaner handles each."""
        ...

    async def mark_quarantine_swept(self, material_ids: Sequence[str]) -> None: ...


class EnrollmentRepository(Protocol):
    """Who is enrolled where and on which version, as progress announces it.

    ``changed_at`` is when progress decided the change (the event's time): a change older than the last
    one applied to the enrolment is ignored, so a late ``created`` does not undo a later withdrawal.
    """

    async def add(
        self,
        enrollment_id: str,
        course_id: str,
        course_version: int,
        learner_id: str,
        at: datetime,
        *,
        changed_at: datetime | None = None,
    ) -> None:
        """Record an enrolment (``at``: when), or re-activate a withdrawn one (progress re-announces a come-back).

        ``changed_at`` (default ``at``) orders the events of one enrolment.
        """
        ...

    async def withdraw(
        self,
        enrollment_id: str,
        course_id: str,
        course_version: int,
        learner_id: str,
        at: datetime,
        *,
        changed_at: datetime | None = None,
    ) -> None:
        """Mark the enrolment withdrawn at ``at`` (recorded withdrawn when its creation has not arrived yet)."""
        ...

    async def is_enrolled(self, course_id: str, learner_id: str) -> bool:
        """Whether the learner has an active enrolment in the course."""
        ...

    async def pinned_versions(self, course_id: str, learner_id: str) -> list[int]:
        """The course versions of the learner's active (not withdrawn) enrolments in the course."""
        ...


class MaterialStore(Protocol):
    """The materials bucket."""

    def upload_form(self, key: str, ttl: timedelta, *, content_type: str, size: int) -> UploadForm:
        """A presigned POST policy for exactly ``key``, ``content_type`` and ``size`` bytes, valid for ``ttl``."""
        ...

    def download_url(self, key: str, ttl: timedelta, filename: str) -> str: ...

    async def stat(self, key: str) -> StoredObject | None:
        """The stored object's size, type and ETag, or None when there is none."""
        ...

    async def copy(self, source: str, target: str) -> None:
        """Copy an object inside the bucket, server-side (the bytes do not pass through the service)."""
        ...

    async def inspect(self, key: str, *, max_bytes: int) -> Inspection:
        """Stream the object once; stops after ``max_bytes + 1`` bytes (the size is then wrong anyway)."""
        ...

    async def remove(self, key: str) -> None:
        """Removing a missing object is not an error."""
        ...


class LearnerDataRepository(Protocol):
    """What courses holds about one person (ids only), for a learner's export."""

    async def export(self, learner_id: str) -> dict[str, Any]: ...
