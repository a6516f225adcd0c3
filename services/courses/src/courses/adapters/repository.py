"""Loading and saving the course aggregate with SQLAlchemy Core: every SQL statement of the service.

A course is small (tens of lessons), so it is loaded whole. Every edit first locks the course row
(``SELECT … FOR UPDATE``): edits and publishes of one course are serialized, so a publish never
freezes half an edit, and two concurrent edits never overwrite each other.

Each class implements one Protocol of ``service_layer/ports.py`` over the unit of work's session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, and_, case, delete, exists, false, func, insert, or_, select, true, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from courses.adapters.orm import (
    course,
    course_co_owner,
    course_enrollment,
    course_version,
    known_trainer,
    lesson,
    material,
    module,
)
from courses.domain.live import (
    CertificateKind,
    live_from_json,
    live_to_json,
    registration_from_json,
    registration_to_json,
    survey_from_json,
    survey_to_json,
)
from courses.domain.model import (
    Course,
    CourseStatus,
    Lesson,
    LessonKind,
    Material,
    MaterialStatus,
    Module,
)
from courses.domain.search import search_document, topic_key
from courses.domain.snapshot import from_snapshot, quiz_from_json, quiz_to_json
from courses.domain.topics import matching_keys
from courses.service_layer.ports import CatalogueQuery, CatalogueRow, SlugTaken
from lms_shared.auth import Principal


def _material(row: Any) -> Material:
    return Material(
        id=row.id,
        course_id=row.course_id,
        filename=row.filename,
        content_type=row.content_type,
        size=int(row.size),
        status=MaterialStatus(row.status),
        sha256=row.sha256,
        rejection_reason=row.rejection_reason,
        object_key=row.object_key,
        etag=row.etag,
    )


def draft_columns(c: Course) -> dict[str, Any]:
    """The course row's values derived from the aggregate (content plus search helpers)."""
    return {
        "default_language": c.default_language,
        "titles": c.titles,
        "summaries": c.summaries,
        "topics": c.topics,
        "topic_keys": sorted({topic_key(t) for t in c.topics}),
        "languages": c.languages,
        "search_text": search_document([*c.titles.values(), *c.summaries.values()]),
        "auto_issue": c.auto_issue,
        "template_id": c.template_id,
        "registration": registration_to_json(c.registration),
        "certificate_kind": c.certificate_kind.value,
        "inactivity_reminder_days": c.inactivity_reminder_days,
    }


def _lesson_values(x: Lesson) -> dict[str, Any]:
    return {
        "module_id": x.module_id,
        "position": x.position,
        "kind": x.kind.value,
        "titles": x.titles,
        "bodies": x.bodies,
        "duration_minutes": x.duration_minutes,
        "required": x.required,
        "material_id": x.material_id,
        "quiz": quiz_to_json(x.quiz) if x.quiz else None,
        "live": live_to_json(x.live) if x.live else None,
        "survey": survey_to_json(x.survey) if x.survey else None,
    }


class SqlAlchemyCourseRepository:
    """The working drafts (``course``, ``course_co_owner``, ``module``, ``lesson``)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def slug_taken(self, slug: str) -> bool:
        return (await self._session.execute(select(exists().where(course.c.slug == slug)))).scalar_one()

    async def add(self, c: Course) -> None:
        try:
            await self._session.execute(
                insert(course).values(
                    id=c.id, slug=c.slug, owner_id=c.owner_id, status=c.status.value, **draft_columns(c)
                )
            )
        except IntegrityError as exc:  # two creations with the same slug at once
            raise SlugTaken(c.slug) from exc

    async def get(self, course_id: str, *, lock: bool = False) -> Course | None:
        return (await self._load([course_id], lock=lock)).get(course_id)

    async def get_many(self, course_ids: Sequence[str]) -> dict[str, Course]:
        return await self._load(course_ids)

    async def _load(self, course_ids: Sequence[str], *, lock: bool = False) -> dict[str, Course]:
        """Several drafts in five queries, whatever their number (catalogue pages, DataLoader batches)."""
        if not course_ids:
            return {}
        session = self._session
        ids = list(dict.fromkeys(course_ids))
        query = select(course).where(course.c.id.in_(ids))
        if lock:
            query = query.with_for_update()
        rows = (await session.execute(query)).all()
        if not rows:
            return {}
        co_owners: dict[str, list[str]] = {}
        for r in (
            await session.execute(
                select(course_co_owner.c.course_id, course_co_owner.c.trainer_id)
                .where(course_co_owner.c.course_id.in_(ids))
                .order_by(course_co_owner.c.added_at, course_co_owner.c.trainer_id)
            )
        ).all():
            co_owners.setdefault(r.course_id, []).append(r.trainer_id)
        modules = (
            await session.execute(
                select(module).where(module.c.course_id.in_(ids)).order_by(module.c.position, module.c.created_at)
            )
        ).all()
        lessons = (
            await session.execute(
                select(lesson).where(lesson.c.course_id.in_(ids)).order_by(lesson.c.position, lesson.c.created_at)
            )
        ).all()
        material_ids = {r.material_id for r in lessons if r.material_id}
        materials: dict[str, Material] = {}
        if material_ids:
            for m in (await session.execute(select(material).where(material.c.id.in_(material_ids)))).all():
                materials[m.id] = _material(m)
        by_module: dict[str, list[Lesson]] = {m.id: [] for m in modules}
        for r in lessons:
            by_module[r.module_id].append(
                Lesson(
                    id=r.id,
                    module_id=r.module_id,
                    position=r.position,
                    kind=LessonKind(r.kind),
                    titles=dict(r.titles),
                    bodies=dict(r.bodies or {}),
                    duration_minutes=r.duration_minutes,
                    required=r.required,
                    material_id=r.material_id,
                    material=materials.get(r.material_id) if r.material_id else None,
                    quiz=quiz_from_json(r.quiz) if r.quiz else None,
                    live=live_from_json(r.live) if r.live else None,
                    course_id=r.course_id,
                    survey=survey_from_json(r.survey) if r.survey else None,
                )
            )
        by_course: dict[str, list[Module]] = {}
        for m in modules:
            by_course.setdefault(m.course_id, []).append(
                Module(id=m.id, position=m.position, titles=dict(m.titles), lessons=by_module[m.id])
            )
        return {
            row.id: Course(
                id=row.id,
                slug=row.slug,
                owner_id=row.owner_id,
                default_language=row.default_language,
                titles=dict(row.titles),
                summaries=dict(row.summaries or {}),
                topics=list(row.topics or []),
                co_owner_ids=co_owners.get(row.id, []),
                auto_issue=row.auto_issue,
                template_id=row.template_id,
                status=CourseStatus(row.status),
                version=row.version,
                revision=row.revision,
                published_revision=row.published_revision,
                owner_revision=row.owner_revision,
                created_at=row.created_at,
                updated_at=row.updated_at,
                published_at=row.published_at,
                modules=by_course.get(row.id, []),
                registration=registration_from_json(row.registration),
                certificate_kind=CertificateKind(row.certificate_kind),
                inactivity_reminder_days=row.inactivity_reminder_days,
            )
            for row in rows
        }

    async def save_fields(self, c: Course) -> None:
        await self._session.execute(update(course).where(course.c.id == c.id).values(**draft_columns(c)))

    async def bump_revision(self, course_id: str) -> int:
        """Record that the draft changed; returns the new revision."""
        result = await self._session.execute(
            update(course)
            .where(course.c.id == course_id)
            .values(revision=course.c.revision + 1, updated_at=func.now())
            .returning(course.c.revision)
        )
        return int(result.scalar_one())

    async def bump_owner_revision(self, course_id: str) -> int:
        """Record that the owner or co-owners changed; returns the new ownership revision."""
        result = await self._session.execute(
            update(course)
            .where(course.c.id == course_id)
            .values(owner_revision=course.c.owner_revision + 1)
            .returning(course.c.owner_revision)
        )
        return int(result.scalar_one())

    async def archive(self, course_id: str) -> datetime:
        result = await self._session.execute(
            update(course)
            .where(course.c.id == course_id)
            .values(status=CourseStatus.ARCHIVED.value, archived_at=func.now(), updated_at=func.now())
            .returning(course.c.archived_at)
        )
        archived_at: datetime = result.scalar_one()
        return archived_at

    async def add_co_owner(self, course_id: str, trainer_id: str) -> None:
        await self._session.execute(
            pg_insert(course_co_owner).values(course_id=course_id, trainer_id=trainer_id).on_conflict_do_nothing()
        )

    async def remove_co_owner(self, course_id: str, trainer_id: str) -> bool:
        result = await self._session.execute(
            delete(course_co_owner).where(
                and_(course_co_owner.c.course_id == course_id, course_co_owner.c.trainer_id == trainer_id)
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def course_id_of_module(self, module_id: str) -> str | None:
        query = select(module.c.course_id).where(module.c.id == module_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def course_id_of_lesson(self, lesson_id: str) -> str | None:
        query = select(lesson.c.course_id).where(lesson.c.id == lesson_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def _set_positions(self, table: Table, ordered_ids: Sequence[str]) -> None:
        """Rewrite positions 1..n in the given order (only rows whose position changes are touched)."""
        for pos, item_id in enumerate(ordered_ids, start=1):
            await self._session.execute(
                update(table).where(and_(table.c.id == item_id, table.c.position != pos)).values(position=pos)
            )

    async def set_module_positions(self, ordered_ids: Sequence[str]) -> None:
        await self._set_positions(module, ordered_ids)

    async def set_lesson_positions(self, ordered_ids: Sequence[str]) -> None:
        await self._set_positions(lesson, ordered_ids)

    async def add_module(self, course_id: str, m: Module) -> None:
        await self._session.execute(
            insert(module).values(id=m.id, course_id=course_id, position=m.position, titles=m.titles)
        )

    async def rename_module(self, module_id: str, titles: dict[str, str]) -> None:
        await self._session.execute(update(module).where(module.c.id == module_id).values(titles=titles))

    async def delete_module(self, module_id: str) -> None:
        await self._session.execute(delete(module).where(module.c.id == module_id))

    async def add_lesson(self, course_id: str, x: Lesson) -> None:
        await self._session.execute(insert(lesson).values(id=x.id, course_id=course_id, **_lesson_values(x)))

    async def update_lesson(self, x: Lesson) -> None:
        await self._session.execute(update(lesson).where(lesson.c.id == x.id).values(**_lesson_values(x)))

    async def delete_lesson(self, lesson_id: str) -> None:
        await self._session.execute(delete(lesson).where(lesson.c.id == lesson_id))


class SqlAlchemyVersionRepository:
    """Published versions (``course_version``), never updated once written."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, c: Course, version: int, snapshot: dict[str, Any], published_by: str, at: datetime) -> None:
        cols = draft_columns(c)
        await self._session.execute(
            insert(course_version).values(
                course_id=c.id,
                version=version,
                snapshot=snapshot,
                topic_keys=cols["topic_keys"],
                languages=cols["languages"],
                search_text=cols["search_text"],
                published_by=published_by,
                published_at=at,
            )
        )
        await self._session.execute(
            update(course)
            .where(course.c.id == c.id)
            .values(
                version=version,
                status=CourseStatus.PUBLISHED.value,
                published_revision=c.revision,
                published_at=at,
            )
        )

    async def get(self, course_id: str, version: int | None = None) -> Course | None:
        return (await self.get_many([course_id], version)).get(course_id)

    async def get_many(self, course_ids: Sequence[str], version: int | None = None) -> dict[str, Course]:
        """Published versions of several courses in one query (the latest of each when ``version`` is None)."""
        if not course_ids:
            return {}
        wanted = course.c.version if version is None else version
        rows = (
            await self._session.execute(
                select(
                    course.c.id,
                    course.c.status,
                    course.c.version.label("latest"),
                    course_version.c.version,
                    course_version.c.snapshot,
                    course_version.c.published_at,
                )
                .join(course_version, course_version.c.course_id == course.c.id)
                .where(
                    and_(course.c.id.in_(list(course_ids)), course.c.version > 0, course_version.c.version == wanted)
                )
            )
        ).all()
        result: dict[str, Course] = {}
        for r in rows:
            frozen = from_snapshot(
                r.snapshot, version=r.version, status=CourseStatus(r.status), published_at=r.published_at
            )
            frozen.latest_version = r.latest
            result[r.id] = frozen
        return result


class SqlAlchemyMaterialRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, m: Material, *, uploaded_by: str, upload_expires_at: datetime) -> None:
        await self._session.execute(
            insert(material).values(
                id=m.id,
                course_id=m.course_id,
                filename=m.filename,
                content_type=m.content_type,
                size=m.size,
                status=m.status.value,
                object_key=m.object_key,
                uploaded_by=uploaded_by,
                upload_expires_at=upload_expires_at,
            )
        )

    async def get(self, material_id: str, *, lock: bool = False) -> Material | None:
        query = select(material).where(material.c.id == material_id)
        if lock:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        return _material(row) if row else None

    async def mark(
        self,
        material_id: str,
        status: MaterialStatus,
        *,
        sha256: str | None = None,
        etag: str | None = None,
        reason: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status.value, "rejection_reason": reason}
        if status is MaterialStatus.READY:
            values |= {"sha256": sha256, "etag": etag, "confirmed_at": func.now()}
        await self._session.execute(update(material).where(material.c.id == material_id).values(**values))

    async def expired_pending(self, older_than: datetime, limit: int = 100) -> list[Material]:
        rows = (
            await self._session.execute(
                select(material)
                .where(and_(material.c.status == MaterialStatus.PENDING.value, material.c.created_at < older_than))
                .order_by(material.c.created_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        return [_material(r) for r in rows]

    async def unswept_quarantines(self, now: datetime, limit: int = 100) -> list[str]:
        rows = await self._session.execute(
            select(material.c.id)
            .where(
                and_(
                    material.c.status != MaterialStatus.PENDING.value,
                    material.c.quarantine_swept.is_(False),
                    material.c.upload_expires_at < now,
                )
            )
            .order_by(material.c.upload_expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [str(i) for i in rows.scalars()]

    async def mark_quarantine_swept(self, material_ids: Sequence[str]) -> None:
        if material_ids:
            await self._session.execute(
                update(material).where(material.c.id.in_(list(material_ids))).values(quarantine_swept=True)
            )


class SqlAlchemyEnrollmentRepository:
    """Who is enrolled where (``course_enrollment``), learned from progress's events."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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
        await self._apply(enrollment_id, course_id, course_version, learner_id, at, None, changed_at or at)

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
        await self._apply(enrollment_id, course_id, course_version, learner_id, at, at, changed_at or at)

    async def _apply(
        self,
        enrollment_id: str,
        course_id: str,
        course_version: int,
        learner_id: str,
        at: datetime,
        withdrawn_at: datetime | None,
        changed_at: datetime,
    ) -> None:
        stmt = pg_insert(course_enrollment).values(
            enrollment_id=enrollment_id,
            course_id=course_id,
            course_version=course_version,
            learner_id=learner_id,
            enrolled_at=at,
            withdrawn_at=withdrawn_at,
            changed_at=changed_at,
        )
        current = course_enrollment.c.changed_at
        # Rows from before changed_at existed have NULL there: any event is newer than them.
        newer = or_(current.is_(None), current < stmt.excluded.changed_at)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[course_enrollment.c.enrollment_id],
                set_={
                    # Whichever event came first, the enrolment began at the earliest time seen (a
                    # withdrawal overtaking its enrolment must not become the enrolment's start).
                    "enrolled_at": func.least(course_enrollment.c.enrolled_at, stmt.excluded.enrolled_at),
                    # The withdrawal state is the newest event's, by the envelope's time.
                    "withdrawn_at": case((newer, stmt.excluded.withdrawn_at), else_=course_enrollment.c.withdrawn_at),
                    "changed_at": case((newer, stmt.excluded.changed_at), else_=current),
                },
            )
        )

    async def pinned_versions(self, course_id: str, learner_id: str) -> list[int]:
        rows = await self._session.execute(
            select(course_enrollment.c.course_version)
            .where(
                and_(
                    course_enrollment.c.course_id == course_id,
                    course_enrollment.c.learner_id == learner_id,
                    course_enrollment.c.withdrawn_at.is_(None),
                )
            )
            .distinct()
        )
        return sorted(int(v) for v in rows.scalars())

    async def is_enrolled(self, course_id: str, learner_id: str) -> bool:
        return bool(await self.pinned_versions(course_id, learner_id))


# --- the catalogue -------------------------------------------------------------------------------


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _owned_by(sub: str) -> ColumnElement[bool]:
    return or_(
        course.c.owner_id == sub,
        exists().where(and_(course_co_owner.c.course_id == course.c.id, course_co_owner.c.trainer_id == sub)),
    )


def _is_editor(viewer: Principal | None) -> ColumnElement[bool]:
    if viewer is None:
        return false()
    if viewer.is_admin:
        return true()
    return _owned_by(viewer.sub)


def _catalogue_filter(q: CatalogueQuery, viewer: Principal | None) -> Select[Any]:
    """The matching courses, each flagged as seen as the draft (editors) or as the latest version."""
    editor = _is_editor(viewer)
    published = course_version.alias("published")
    base = select(course.c.id, course.c.created_at, editor.label("editor_view")).select_from(
        course.outerjoin(published, and_(published.c.course_id == course.c.id, published.c.version == course.c.version))
    )
    # Learners see what was published; trainers see their own drafts as they are now. Browsing shows
    # only courses open for enrolment; a lookup by id or slug (DataLoaders) also finds archived ones,
    # which their enrolled learners still study, exactly like GET /v1/courses/{id}.
    lookup = q.ids is not None or q.slug is not None
    visible = or_(editor, course.c.version > 0 if lookup else course.c.status == CourseStatus.PUBLISHED.value)
    conds: list[ColumnElement[bool]] = [visible]
    if q.mine:
        conds.append(_owned_by(viewer.sub) if viewer else false())
    if q.status is not None:
        conds.append(course.c.status == q.status.value)
    if q.ids is not None:
        conds.append(course.c.id.in_(q.ids))
    if q.slug is not None:
        conds.append(course.c.slug == q.slug)
    if q.topic:
        # The topic and the older tags mapped to it (courses.domain.topics).
        keys = matching_keys(q.topic)
        conds.append(
            or_(
                and_(editor, or_(*(course.c.topic_keys.any_() == k for k in keys))),
                and_(~editor, or_(*(published.c.topic_keys.any_() == k for k in keys))),
            )
        )
    if q.lang:
        conds.append(
            or_(
                and_(editor, course.c.languages.any_() == q.lang), and_(~editor, published.c.languages.any_() == q.lang)
            )
        )
    for term in q.terms:
        pattern = f"%{_like_escape(term)}%"
        conds.append(
            or_(
                and_(editor, course.c.search_text.like(pattern, escape="\\")),
                and_(~editor, published.c.search_text.like(pattern, escape="\\")),
            )
        )
    return base.where(and_(*conds))


class SqlAlchemyCatalogueRepository:
    """The catalogue: drafts for their trainers, the latest published version for everyone else."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(self, q: CatalogueQuery, viewer: Principal | None) -> tuple[list[CatalogueRow], int, bool]:
        base = _catalogue_filter(q, viewer)
        total = (await self._session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
        page = base
        if q.after is not None:
            page = page.where(tuple_(course.c.created_at, course.c.id) < tuple_(*q.after))
        page = page.order_by(course.c.created_at.desc(), course.c.id.desc())
        if q.ids is None:
            page = page.limit(q.first + 1)
        rows = (await self._session.execute(page)).all()
        has_next = q.ids is None and len(rows) > q.first
        rows = rows if q.ids is not None else rows[: q.first]
        return [CatalogueRow(r.id, bool(r.editor_view), r.created_at) for r in rows], int(total), has_next


class SqlAlchemyKnownTrainerRepository:
    """``known_trainer``: ids seen with the trainer or admin role (insert-if-absent)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(self, trainer_id: str) -> None:
        await self._session.execute(pg_insert(known_trainer).values(id=trainer_id).on_conflict_do_nothing())

    async def is_known(self, trainer_id: str) -> bool:
        query = select(exists().where(known_trainer.c.id == trainer_id))
        return bool((await self._session.execute(query)).scalar_one())
