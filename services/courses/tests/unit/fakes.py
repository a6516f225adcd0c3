"""In-memory stand-ins for the courses ports: a unit of work, its repositories, and the materials bucket.

They keep what a real transaction would store, and hand out copies, so a handler that forgets to save
a change is caught exactly as it would be against PostgreSQL.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from courses.domain.model import Course, CourseStatus, Lesson, Material, MaterialStatus, Module
from courses.domain.snapshot import from_snapshot
from courses.service_layer.ports import (
    CatalogueQuery,
    CatalogueRow,
    Inspection,
    SlugTaken,
    StoredObject,
    UploadForm,
)
from lms_shared.auth import Principal
from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class FakeMaterialRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Material] = {}
        self.created: dict[str, datetime] = {}
        self.uploaded_by: dict[str, str] = {}
        self.upload_expires: dict[str, datetime] = {}
        self.swept: set[str] = set()

    async def add(self, material: Material, *, uploaded_by: str, upload_expires_at: datetime) -> None:
        self.rows[material.id] = copy.deepcopy(material)
        self.created[material.id] = datetime.now(UTC)
        self.uploaded_by[material.id] = uploaded_by
        self.upload_expires[material.id] = upload_expires_at

    async def unswept_quarantines(self, now: datetime, limit: int = 100) -> list[str]:
        return [
            m.id
            for m in self.rows.values()
            if m.status is not MaterialStatus.PENDING and m.id not in self.swept and self.upload_expires[m.id] < now
        ][:limit]

    async def mark_quarantine_swept(self, material_ids: Sequence[str]) -> None:
        self.swept.update(material_ids)

    async def get(self, material_id: str, *, lock: bool = False) -> Material | None:
        found = self.rows.get(material_id)
        return copy.deepcopy(found) if found else None

    async def mark(
        self,
        material_id: str,
        status: MaterialStatus,
        *,
        sha256: str | None = None,
        etag: str | None = None,
        reason: str | None = None,
    ) -> None:
        m = self.rows[material_id]
        m.status, m.rejection_reason = status, reason
        if status is MaterialStatus.READY:
            m.sha256, m.etag = sha256, etag

    async def expired_pending(self, older_than: datetime, limit: int = 100) -> list[Material]:
        expired = [
            m for m in self.rows.values() if m.status is MaterialStatus.PENDING and self.created[m.id] < older_than
        ]
        return copy.deepcopy(expired[:limit])


class FakeCourseRepository:
    def __init__(self, materials: FakeMaterialRepository) -> None:
        self.rows: dict[str, Course] = {}
        self.locked: list[str] = []
        self._materials = materials

    async def slug_taken(self, slug: str) -> bool:
        return any(c.slug == slug for c in self.rows.values())

    async def add(self, course: Course) -> None:
        if await self.slug_taken(course.slug):
            raise SlugTaken(course.slug)
        stored = copy.deepcopy(course)
        stored.created_at = stored.updated_at = NOW
        self.rows[course.id] = stored

    def _loaded(self, course: Course) -> Course:
        c = copy.deepcopy(course)
        for module in c.modules:
            module.lessons.sort(key=lambda x: x.position)
            for lesson in module.lessons:
                lesson.material = self._materials.rows.get(lesson.material_id or "")
        c.modules.sort(key=lambda m: m.position)
        return c

    async def get(self, course_id: str, *, lock: bool = False) -> Course | None:
        if lock:
            self.locked.append(course_id)
        found = self.rows.get(course_id)
        return self._loaded(found) if found else None

    async def get_many(self, course_ids: Sequence[str]) -> dict[str, Course]:
        return {i: self._loaded(self.rows[i]) for i in course_ids if i in self.rows}

    async def save_fields(self, course: Course) -> None:
        stored = self.rows[course.id]
        for name in ("default_language", "titles", "summaries", "topics", "auto_issue", "template_id"):
            setattr(stored, name, copy.deepcopy(getattr(course, name)))

    async def bump_revision(self, course_id: str) -> int:
        self.rows[course_id].revision += 1
        return self.rows[course_id].revision

    async def bump_owner_revision(self, course_id: str) -> int:
        self.rows[course_id].owner_revision += 1
        return self.rows[course_id].owner_revision

    async def archive(self, course_id: str) -> datetime:
        self.rows[course_id].status = CourseStatus.ARCHIVED
        return NOW

    async def add_co_owner(self, course_id: str, trainer_id: str) -> None:
        if trainer_id not in self.rows[course_id].co_owner_ids:
            self.rows[course_id].co_owner_ids.append(trainer_id)

    async def remove_co_owner(self, course_id: str, trainer_id: str) -> bool:
        owners = self.rows[course_id].co_owner_ids
        if trainer_id not in owners:
            return False
        owners.remove(trainer_id)
        return True

    def _modules(self) -> dict[str, tuple[Course, Module]]:
        return {m.id: (c, m) for c in self.rows.values() for m in c.modules}

    def _lessons(self) -> dict[str, tuple[Module, Lesson]]:
        return {x.id: (m, x) for c in self.rows.values() for m in c.modules for x in m.lessons}

    async def course_id_of_module(self, module_id: str) -> str | None:
        found = self._modules().get(module_id)
        return found[0].id if found else None

    async def course_id_of_lesson(self, lesson_id: str) -> str | None:
        for c in self.rows.values():
            if any(x.id == lesson_id for x in c.lessons()):
                return c.id
        return None

    async def add_module(self, course_id: str, module: Module) -> None:
        self.rows[course_id].modules.append(copy.deepcopy(module))

    async def rename_module(self, module_id: str, titles: dict[str, str]) -> None:
        self._modules()[module_id][1].titles = dict(titles)

    async def delete_module(self, module_id: str) -> None:
        course, module = self._modules()[module_id]
        course.modules.remove(module)

    async def set_module_positions(self, ordered_ids: Sequence[str]) -> None:
        modules = self._modules()
        for pos, module_id in enumerate(ordered_ids, start=1):
            modules[module_id][1].position = pos

    async def add_lesson(self, course_id: str, lesson: Lesson) -> None:
        self._modules()[lesson.module_id][1].lessons.append(copy.deepcopy(lesson))

    async def update_lesson(self, lesson: Lesson) -> None:
        module, old = self._lessons()[lesson.id]
        stored = copy.deepcopy(lesson)
        stored.material = None
        module.lessons[module.lessons.index(old)] = stored

    async def delete_lesson(self, lesson_id: str) -> None:
        module, lesson = self._lessons()[lesson_id]
        module.lessons.remove(lesson)

    async def set_lesson_positions(self, ordered_ids: Sequence[str]) -> None:
        lessons = self._lessons()
        for pos, lesson_id in enumerate(ordered_ids, start=1):
            lessons[lesson_id][1].position = pos


class FakeVersionRepository:
    def __init__(self, courses: FakeCourseRepository) -> None:
        self.snapshots: dict[tuple[str, int], dict[str, Any]] = {}
        self._courses = courses

    async def add(
        self, course: Course, version: int, snapshot: dict[str, Any], published_by: str, at: datetime
    ) -> None:
        self.snapshots[(course.id, version)] = copy.deepcopy(snapshot)
        stored = self._courses.rows[course.id]
        stored.version, stored.status = version, CourseStatus.PUBLISHED
        stored.published_revision, stored.published_at = course.revision, at

    async def get(self, course_id: str, version: int | None = None) -> Course | None:
        return (await self.get_many([course_id], version)).get(course_id)

    async def get_many(self, course_ids: Sequence[str], version: int | None = None) -> dict[str, Course]:
        found = {}
        for course_id in course_ids:
            draft = self._courses.rows.get(course_id)
            wanted = version or (draft.version if draft else 0)
            snapshot = self.snapshots.get((course_id, wanted))
            if draft is not None and snapshot is not None:
                frozen = from_snapshot(snapshot, version=wanted, status=draft.status, published_at=draft.published_at)
                frozen.latest_version = draft.version
                found[course_id] = frozen
        return found


class FakeCatalogueRepository:
    """Drafts for their editors, published courses for everyone; filters by ids only."""

    def __init__(self, courses: FakeCourseRepository) -> None:
        self._courses = courses

    async def page(self, query: CatalogueQuery, viewer: Principal | None) -> tuple[list[CatalogueRow], int, bool]:
        rows = []
        for c in self._courses.rows.values():
            editor = c.can_edit(viewer)
            if (editor or c.status is CourseStatus.PUBLISHED) and (query.ids is None or c.id in query.ids):
                rows.append(CatalogueRow(c.id, editor, c.created_at or NOW))
        return rows[: query.first], len(rows), len(rows) > query.first


class FakeEnrollmentRepository:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, int, str, datetime]] = {}
        self.withdrawn: dict[str, datetime | None] = {}
        self.changed: dict[str, datetime] = {}

    def _apply(
        self, enrollment_id: str, row: tuple[str, int, str, datetime], withdrawn: datetime | None, changed: datetime
    ) -> None:
        seen = self.rows.get(enrollment_id)
        self.rows[enrollment_id] = row if seen is None else (*seen[:3], min(seen[3], row[3]))
        last = self.changed.get(enrollment_id)
        if last is None or last < changed:
            self.withdrawn[enrollment_id], self.changed[enrollment_id] = withdrawn, changed

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
        self._apply(enrollment_id, (course_id, course_version, learner_id, at), None, changed_at or at)

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
        self._apply(enrollment_id, (course_id, course_version, learner_id, at), at, changed_at or at)

    async def pinned_versions(self, course_id: str, learner_id: str) -> list[int]:
        return sorted(
            {
                r[1]
                for eid, r in self.rows.items()
                if r[0] == course_id and r[2] == learner_id and self.withdrawn.get(eid) is None
            }
        )

    async def is_enrolled(self, course_id: str, learner_id: str) -> bool:
        return bool(await self.pinned_versions(course_id, learner_id))


class FakeKnownTrainerRepository:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def remember(self, trainer_id: str) -> None:
        self.ids.add(trainer_id)

    async def is_known(self, trainer_id: str) -> bool:
        return trainer_id in self.ids


class FakeUnitOfWork:
    """``CoursesUnitOfWork`` in memory: ``events`` holds what was committed, ``staged`` what is pending."""

    def __init__(self) -> None:
        self.materials = FakeMaterialRepository()
        self.courses = FakeCourseRepository(self.materials)
        self.versions = FakeVersionRepository(self.courses)
        self.catalogue = FakeCatalogueRepository(self.courses)
        self.enrollments = FakeEnrollmentRepository()
        self.trainers = FakeKnownTrainerRepository()
        self.staged: list[Payload | Envelope] = []
        self.events: list[Payload | Envelope] = []
        self.commits = 0

    @property
    def committed(self) -> bool:
        return self.commits > 0

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.staged = []

    def publish(self, *events: Payload | Envelope) -> None:
        self.staged.extend(events)

    async def commit(self) -> None:
        self.events.extend(self.staged)
        self.staged = []
        self.commits += 1

    async def rollback(self) -> None:
        self.staged = []


class FakeMaterialStore:
    """The materials bucket: ``objects`` maps keys to bytes a test 'uploaded', ``types`` to their Content-Type."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.types: dict[str, str] = {}
        self.removed: list[str] = []
        self.policies: dict[str, tuple[str, int]] = {}

    def upload_form(self, key: str, ttl: timedelta, *, content_type: str, size: int) -> UploadForm:
        self.policies[key] = (content_type, size)
        return UploadForm(
            url="https://s3.test/materials",
            fields={"key": key, "Content-Type": content_type, "policy": f"ttl={int(ttl.total_seconds())}"},
        )

    def post(self, key: str, data: bytes, content_type: str) -> None:
        """What a browser's POST does, policy ignored (the real store enforces it)."""
        self.objects[key], self.types[key] = data, content_type

    async def stat(self, key: str) -> StoredObject | None:
        import hashlib

        data = self.objects.get(key)
        if data is None:
            return None
        return StoredObject(size=len(data), content_type=self.types.get(key), etag=hashlib.md5(data).hexdigest())  # noqa: S324

    async def copy(self, source: str, target: str) -> None:
        self.objects[target] = self.objects[source]
        self.types[target] = self.types.get(source, "")

    def download_url(self, key: str, ttl: timedelta, filename: str) -> str:
        return f"https://s3.test/{key}?get&ttl={int(ttl.total_seconds())}&filename={filename}"

    async def inspect(self, key: str, *, max_bytes: int) -> Inspection:
        import hashlib

        data = self.objects[key][: max_bytes + 1]
        return Inspection(sha256=hashlib.sha256(data).hexdigest(), head=data[:512], size=len(data), zip_names=None)

    async def remove(self, key: str) -> None:
        self.objects.pop(key, None)
        self.removed.append(key)
