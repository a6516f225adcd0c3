"""The courses use cases: authoring, publishing, materials and the catalogue.

Every handler authorizes its caller itself (the gateway's checks are only a first line), runs in one
transaction, and for publish/archive writes the event to the outbox in that same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from courses.adapters import repository as repo
from courses.adapters.orm import outbox
from courses.bootstrap import CoursesApp
from courses.domain.materials import (
    allowed_list,
    allowed_type,
    mismatch_reason,
    normalize_content_type,
    object_key,
    sanitize_filename,
    sniff,
)
from courses.domain.model import (
    Course,
    CourseStatus,
    Lesson,
    LessonKind,
    Material,
    MaterialStatus,
    Module,
    Question,
    Quiz,
    QuizOption,
)
from courses.domain.snapshot import published_event, to_snapshot
from courses.service_layer import commands as cmd
from courses.service_layer.commands import as_dict
from lms_shared.auth import Principal, Role
from lms_shared.db import transaction, utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import CourseArchivedV1
from lms_shared.logging import get_logger
from lms_shared.outbox import add_event

log = get_logger(__name__)


def _new_id() -> str:
    return str(uuid.uuid4())


def _human_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    size = float(n)
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            break
    return f"{size:.1f} {unit}"


def _human_duration(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds // 3600} hour(s)"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds // 60} minute(s)"
    return f"{seconds} second(s)"


# --- authorization helpers -----------------------------------------------------------------------


async def _course_for_edit(
    session: AsyncSession, course_id: str, principal: Principal, *, allow_archived: bool = False
) -> Course:
    """The draft, locked for this transaction, after checking the caller may edit it."""
    course = await repo.load_course(session, course_id, lock=True)
    if course is None:
        raise NotFound(f"There is no course with id {course_id}.")
    if not course.can_edit(principal):
        raise Forbidden("Only the course's trainers (owner and co-owners) and admins can change this course.")
    if course.status is CourseStatus.ARCHIVED and not allow_archived:
        raise Conflict("This course is archived and can no longer be edited.")
    return course


async def _course_of_module(session: AsyncSession, module_id: str, principal: Principal) -> tuple[Course, Module]:
    course_id = await repo.course_id_of_module(session, module_id)
    if course_id is None:
        raise NotFound(f"There is no module with id {module_id}.")
    course = await _course_for_edit(session, course_id, principal)
    module = next(m for m in course.modules if m.id == module_id)
    return course, module


async def _course_of_lesson(
    session: AsyncSession, lesson_id: str, principal: Principal
) -> tuple[Course, Module, Lesson]:
    course_id = await repo.course_id_of_lesson(session, lesson_id)
    if course_id is None:
        raise NotFound(f"There is no lesson with id {lesson_id}.")
    course = await _course_for_edit(session, course_id, principal)
    for module in course.modules:
        for lesson in module.lessons:
            if lesson.id == lesson_id:
                return course, module, lesson
    raise NotFound(f"There is no lesson with id {lesson_id}.")  # deleted between the two reads


def _require_default_title(titles: dict[str, str], default_language: str) -> None:
    if default_language not in titles:
        raise BadInput(
            f"Give a title in the course's default language ({default_language}); "
            f"the titles given are in: {', '.join(sorted(titles)) or 'none'}."
        )


async def _reload(session: AsyncSession, course_id: str) -> Course:
    course = await repo.load_course(session, course_id)
    assert course is not None  # we hold its row lock
    return course


def _placed(items: list[str], item_id: str, position: int | None) -> list[str]:
    """``items`` with ``item_id`` moved (or inserted) at 1-based ``position`` (end when None or too large)."""
    rest = [i for i in items if i != item_id]
    index = len(rest) if position is None else min(max(position, 1), len(rest) + 1) - 1
    return [*rest[:index], item_id, *rest[index:]]


# --- courses -------------------------------------------------------------------------------------


async def create_course(app: CoursesApp, principal: Principal, c: cmd.CreateCourse) -> Course:
    """A new draft course owned by the calling trainer (or admin)."""
    principal.require(Role.TRAINER)
    titles = as_dict(c.titles)
    _require_default_title(titles, c.default_language)
    course = Course(
        id=_new_id(),
        slug=c.slug,
        owner_id=principal.sub,
        default_language=c.default_language,
        titles=titles,
        summaries=as_dict(c.summaries),
        topics=list(dict.fromkeys(c.topics or [])),
        auto_issue=c.auto_issue_certificate if c.auto_issue_certificate is not None else True,
        template_id=c.certificate_template_id,
    )
    conflict = Conflict(f"The slug {c.slug!r} is already used by another course; choose another one.")
    try:
        async with transaction(app.sessions) as session:
            if await repo.slug_taken(session, c.slug):
                raise conflict
            await repo.insert_course(session, course)
            return await _reload(session, course.id)
    except IntegrityError as exc:  # two creations with the same slug at once
        raise conflict from exc


async def update_course(app: CoursesApp, principal: Principal, course_id: str, c: cmd.UpdateCourse) -> Course:
    """Change the draft's texts, topics or certificate policy (the published version is untouched)."""
    async with transaction(app.sessions) as session:
        course = await _course_for_edit(session, course_id, principal)
        if c.titles is not None:
            course.titles = as_dict(c.titles)
        if c.summaries is not None:
            course.summaries = as_dict(c.summaries)
        if c.topics is not None:
            course.topics = list(dict.fromkeys(c.topics))
        if c.auto_issue_certificate is not None:
            course.auto_issue = c.auto_issue_certificate
        if c.default_language is not None:
            course.default_language = c.default_language
        if "certificate_template_id" in c.model_fields_set:
            course.template_id = c.certificate_template_id
        _require_default_title(course.titles, course.default_language)
        await repo.save_course_fields(session, course)
        await repo.bump_revision(session, course_id)
        return await _reload(session, course_id)


async def add_co_owner(app: CoursesApp, principal: Principal, course_id: str, c: cmd.AddCoOwner) -> Course:
    """Let another trainer edit and publish this course."""
    async with transaction(app.sessions) as session:
        course = await _course_for_edit(session, course_id, principal)
        if c.trainer_id != course.owner_id and c.trainer_id not in course.co_owner_ids:
            await repo.add_co_owner(session, course_id, c.trainer_id)
            # The co-owner list travels in course.published, so it is part of the next version.
            await repo.bump_revision(session, course_id)
        return await _reload(session, course_id)


async def remove_co_owner(app: CoursesApp, principal: Principal, course_id: str, trainer_id: str) -> Course:
    async with transaction(app.sessions) as session:
        await _course_for_edit(session, course_id, principal)
        if not await repo.remove_co_owner(session, course_id, trainer_id):
            raise NotFound(f"{trainer_id} is not a co-owner of this course.")
        await repo.bump_revision(session, course_id)
        return await _reload(session, course_id)


# --- modules and lessons -------------------------------------------------------------------------


async def add_module(app: CoursesApp, principal: Principal, course_id: str, c: cmd.ModuleInput) -> Module:
    async with transaction(app.sessions) as session:
        course = await _course_for_edit(session, course_id, principal)
        module = Module(id=_new_id(), position=len(course.modules) + 1, titles=as_dict(c.titles))
        await repo.insert_module(session, course_id, module)
        await repo.set_module_positions(session, _placed([m.id for m in course.modules], module.id, c.position))
        await repo.bump_revision(session, course_id)
        return _find_module(await _reload(session, course_id), module.id)


async def update_module(app: CoursesApp, principal: Principal, module_id: str, c: cmd.ModulePatch) -> Module:
    """Rename a module and/or move it to another position."""
    async with transaction(app.sessions) as session:
        course, _ = await _course_of_module(session, module_id, principal)
        if c.titles is not None:
            await repo.update_module_titles(session, module_id, as_dict(c.titles))
        if c.position is not None:
            await repo.set_module_positions(session, _placed([m.id for m in course.modules], module_id, c.position))
        await repo.bump_revision(session, course.id)
        return _find_module(await _reload(session, course.id), module_id)


async def delete_module(app: CoursesApp, principal: Principal, module_id: str) -> Module:
    """Remove a module and its lessons from the draft (published versions keep them)."""
    async with transaction(app.sessions) as session:
        course, module = await _course_of_module(session, module_id, principal)
        await repo.delete_module(session, module_id)
        await repo.set_module_positions(session, [m.id for m in course.modules if m.id != module_id])
        await repo.bump_revision(session, course.id)
        return module


def _find_module(course: Course, module_id: str) -> Module:
    return next(m for m in course.modules if m.id == module_id)


def _build_quiz(q: cmd.QuizInput, existing: Quiz | None) -> Quiz:
    """The quiz from its input, keeping the ids of questions and options the trainer refers to."""
    known_questions = {x.id: x for x in existing.questions} if existing else {}
    questions = []
    for n, qi in enumerate(q.questions, start=1):
        old = known_questions.get(qi.id) if qi.id else None
        if qi.id and old is None:
            raise BadInput(f"Question {n}: the id {qi.id!r} is not a question of this quiz; omit it for a new one.")
        known_options = {o.id for o in old.options} if old else set()
        options = []
        for m, oi in enumerate(qi.options, start=1):
            if oi.id and oi.id not in known_options:
                raise BadInput(f"Question {n}, option {m}: the id {oi.id!r} is unknown; omit it for a new option.")
            options.append(QuizOption(id=oi.id or _new_id(), labels=as_dict(oi.labels), correct=oi.correct))
        questions.append(
            Question(
                id=old.id if old else _new_id(),
                prompts=as_dict(qi.prompts),
                options=options,
                multiple_declared=qi.multiple,
            )
        )
    return Quiz(pass_score=q.pass_score, questions=questions)


async def _check_material(session: AsyncSession, course: Course, material_id: str | None) -> None:
    if material_id is None:
        return
    material = await repo.get_material(session, material_id)
    if material is None or material.course_id != course.id:
        raise BadInput(
            f"materialId {material_id} is not a material of this course: upload the file with "
            "requestMaterialUpload on this course first."
        )


def _check_lesson_shape(kind: LessonKind, quiz: Quiz | None) -> None:
    if quiz is not None and kind is not LessonKind.QUIZ:
        raise BadInput(
            f"Only QUIZ lessons have a quiz; this lesson is {kind.value}. Remove the quiz or change the kind."
        )


async def add_lesson(app: CoursesApp, principal: Principal, module_id: str, c: cmd.LessonInput) -> Lesson:
    async with transaction(app.sessions) as session:
        course, module = await _course_of_module(session, module_id, principal)
        quiz = _build_quiz(c.quiz, None) if c.quiz else None
        _check_lesson_shape(c.kind, quiz)
        await _check_material(session, course, c.material_id)
        lesson = Lesson(
            id=_new_id(),
            module_id=module_id,
            position=len(module.lessons) + 1,
            kind=c.kind,
            titles=as_dict(c.titles),
            bodies=as_dict(c.bodies),
            duration_minutes=c.duration_minutes,
            required=c.required if c.required is not None else True,
            material_id=c.material_id,
            quiz=quiz,
        )
        await repo.insert_lesson(session, course.id, lesson)
        await repo.set_lesson_positions(session, _placed([x.id for x in module.lessons], lesson.id, c.position))
        await repo.bump_revision(session, course.id)
        return _find_lesson(await _reload(session, course.id), lesson.id)


async def update_lesson(app: CoursesApp, principal: Principal, lesson_id: str, c: cmd.LessonPatch) -> Lesson:
    """Change the fields present in the patch; an explicit null clears materialId, quiz or duration."""
    async with transaction(app.sessions) as session:
        course, module, lesson = await _course_of_lesson(session, lesson_id, principal)
        given = c.model_fields_set
        if c.kind is not None:
            lesson.kind = c.kind
        if c.titles is not None:
            lesson.titles = as_dict(c.titles)
        if c.bodies is not None:
            lesson.bodies = as_dict(c.bodies)
        if "duration_minutes" in given:
            lesson.duration_minutes = c.duration_minutes
        if c.required is not None:
            lesson.required = c.required
        if "material_id" in given:
            await _check_material(session, course, c.material_id)
            lesson.material_id = c.material_id
        if "quiz" in given:
            lesson.quiz = _build_quiz(c.quiz, lesson.quiz) if c.quiz else None
        _check_lesson_shape(lesson.kind, lesson.quiz)
        await repo.update_lesson(session, lesson)
        if c.position is not None:
            await repo.set_lesson_positions(session, _placed([x.id for x in module.lessons], lesson_id, c.position))
        await repo.bump_revision(session, course.id)
        return _find_lesson(await _reload(session, course.id), lesson_id)


async def delete_lesson(app: CoursesApp, principal: Principal, lesson_id: str) -> Lesson:
    async with transaction(app.sessions) as session:
        course, module, lesson = await _course_of_lesson(session, lesson_id, principal)
        await repo.delete_lesson(session, lesson_id)
        await repo.set_lesson_positions(session, [x.id for x in module.lessons if x.id != lesson_id])
        await repo.bump_revision(session, course.id)
        return lesson


def _find_lesson(course: Course, lesson_id: str) -> Lesson:
    return next(x for x in course.lessons() if x.id == lesson_id)


# --- publishing ----------------------------------------------------------------------------------


async def publish_course(app: CoursesApp, principal: Principal, course_id: str) -> Course:
    """Freeze the draft as version N+1 and announce it (``lms.courses.course.published.v1``).

    The course row stays locked from the checks to the commit: a concurrent publish waits, then
    finds nothing new and gets CONFLICT, so one change never yields two versions.
    """
    async with transaction(app.sessions) as session:
        course = await _course_for_edit(session, course_id, principal)
        if course.version > 0 and not course.has_unpublished_changes:
            raise Conflict(
                f"Nothing new to publish: version {course.version} already contains every change. "
                "Edit the course first, then publish again."
            )
        problems = course.publish_problems()
        if problems:
            raise BadInput("The course cannot be published yet. " + " ".join(problems), details={"problems": problems})
        version = course.version + 1
        now = utcnow()
        await repo.insert_version(session, course, version, to_snapshot(course), principal.sub, now)
        await add_event(session, outbox, published_event(course, version, now))
        log.info("course.published", course_id=course_id, version=version)
        return await _reload(session, course_id)


async def archive_course(app: CoursesApp, principal: Principal, course_id: str) -> Course:
    """Stop new enrolments (``lms.courses.course.archived.v1``); enrolled learners carry on."""
    async with transaction(app.sessions) as session:
        course = await _course_for_edit(session, course_id, principal, allow_archived=True)
        if course.status is CourseStatus.ARCHIVED:
            raise Conflict("This course is already archived.")
        if course.version == 0:
            raise Conflict("This course was never published, so there is nothing to archive.")
        archived_at = await repo.archive(session, course_id)
        await add_event(
            session, outbox, CourseArchivedV1(course_id=course_id, version=course.version, archived_at=archived_at)
        )
        return await _reload(session, course_id)


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseView:
    course: Course
    is_draft: bool
    viewer_is_editor: bool


async def get_course(app: CoursesApp, principal: Principal | None, course_id: str, version: int | None) -> CourseView:
    """The working draft for its trainers and admins, else the latest (or the asked) published version."""
    async with app.sessions() as session:
        draft = await repo.load_course(session, course_id)
        if draft is None:
            raise NotFound(f"There is no course with id {course_id}.")
        editor = draft.can_edit(principal)
        if version is None and editor:
            return CourseView(draft, True, True)
        if draft.version == 0:
            raise NotFound(f"There is no course with id {course_id}.")  # drafts are private
        frozen = await repo.load_version(session, course_id, version)
        if frozen is None:
            raise NotFound(f"Course {course_id} has no published version {version} (the latest is {draft.version}).")
        return CourseView(frozen, False, editor)


@dataclass(frozen=True)
class CataloguePage:
    views: list[CourseView]
    total: int
    has_next: bool
    end_cursor: tuple[datetime, str] | None


async def list_courses(app: CoursesApp, principal: Principal | None, query: repo.CatalogueQuery) -> CataloguePage:
    async with app.sessions() as session:
        rows, total, has_next = await repo.list_catalogue(session, query, principal)
        drafts = await repo.load_courses(session, [r.course_id for r in rows if r.editor_view])
        published = await repo.load_versions(session, [r.course_id for r in rows if not r.editor_view])
        views = []
        for row in rows:
            loaded = drafts.get(row.course_id) if row.editor_view else published.get(row.course_id)
            if loaded is not None:
                views.append(CourseView(loaded, row.editor_view, row.editor_view))
        end = (rows[-1].created_at, rows[-1].course_id) if rows else None
        return CataloguePage(views, total, has_next, end)


# --- materials -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialUpload:
    material: Material
    upload_url: str
    expires_at: datetime


async def request_material_upload(
    app: CoursesApp, principal: Principal, course_id: str, c: cmd.RequestMaterialUpload
) -> MaterialUpload:
    """Check the declared file, record a PENDING material and sign a PUT URL (at most 15 minutes)."""
    declared = allowed_type(c.content_type)
    if declared is None:
        raise BadInput(
            f"Files of type {normalize_content_type(c.content_type)!r} cannot be uploaded. Accepted: {allowed_list()}."
        )
    limit = app.config.material_max_bytes
    if c.size > limit:
        raise BadInput(f"The file is {_human_size(c.size)}; materials can be at most {_human_size(limit)}.")
    filename = sanitize_filename(c.filename)
    ttl = timedelta(seconds=app.config.material_upload_ttl_seconds)
    async with transaction(app.sessions) as session:
        await _course_for_edit(session, course_id, principal)
        material_id = _new_id()
        material = Material(
            id=material_id,
            course_id=course_id,
            filename=filename,
            content_type=declared.content_type,
            size=c.size,
            status=MaterialStatus.PENDING,
            object_key=object_key(course_id, material_id, filename),
        )
        expires_at = utcnow() + ttl
        await repo.insert_material(session, material, uploaded_by=principal.sub, upload_expires_at=expires_at)
    url = app.store.presigned_put(app.bucket, material.object_key, ttl)
    return MaterialUpload(material, url, expires_at)


async def _reject(app: CoursesApp, material: Material, reason: str) -> BadInput:
    """Mark the material REJECTED with ``reason`` and delete its bytes; returns the error to raise."""
    async with transaction(app.sessions) as session:
        current = await repo.get_material(session, material.id, lock=True)
        if current is not None and current.status is MaterialStatus.PENDING:
            await repo.mark_material(session, material.id, MaterialStatus.REJECTED, reason=reason)
    await app.store.remove(app.bucket, material.object_key)
    log.info("material.rejected", material_id=material.id, reason=reason)
    material.status, material.rejection_reason = MaterialStatus.REJECTED, reason
    return BadInput(
        f"{reason} The upload was rejected; request a new one.",
        details={"materialId": material.id, "status": "REJECTED"},
    )


async def _material_for_trainer(app: CoursesApp, principal: Principal, material_id: str) -> Material:
    async with app.sessions() as session:
        material = await repo.get_material(session, material_id)
        if material is None:
            raise NotFound(f"There is no material with id {material_id}.")
        course = await repo.load_course(session, material.course_id)
        if course is None or not course.can_edit(principal):
            raise Forbidden("Only the course's trainers and admins can confirm its uploads.")
        return material


async def confirm_material_upload(app: CoursesApp, principal: Principal, material_id: str) -> Material:
    """Check the uploaded object (exists, size, real type), hash it, and make the material READY.

    The bytes are streamed once outside any transaction (a large video takes a while); the status is
    then set only if the material is still PENDING, so a concurrent confirm or cleanup wins cleanly.
    """
    material = await _material_for_trainer(app, principal, material_id)
    if material.status is MaterialStatus.READY:
        return material  # confirming twice is harmless
    if material.status is MaterialStatus.REJECTED:
        raise Conflict(f"This upload was rejected ({material.rejection_reason}) Request a new upload.")
    info = await app.store.stat(app.bucket, material.object_key)
    if info is None:
        raise BadInput(
            "No file has been uploaded for this material yet: PUT the bytes to the uploadUrl first, then confirm."
        )
    if info.size != material.size:
        raise await _reject(
            app, material, f"The uploaded file has {info.size} bytes but {material.size} bytes were declared."
        )
    seen = await app.inspector.inspect(app.bucket, material.object_key, max_bytes=material.size)
    if seen.size != material.size:
        raise await _reject(
            app, material, f"The uploaded file has {seen.size} bytes but {material.size} were declared."
        )
    declared = allowed_type(material.content_type)
    assert declared is not None  # checked when the upload was requested
    reason = mismatch_reason(declared, sniff(seen.head, seen.zip_names))
    if reason:
        raise await _reject(app, material, reason)
    async with transaction(app.sessions) as session:
        current = await repo.get_material(session, material_id, lock=True)
        if current is None or current.status is MaterialStatus.REJECTED:
            raise Conflict("This upload expired before it was confirmed; request a new upload.")
        if current.status is MaterialStatus.PENDING:
            await repo.mark_material(session, material_id, MaterialStatus.READY, sha256=seen.sha256)
        confirmed = await repo.get_material(session, material_id)
        assert confirmed is not None
        return confirmed


async def get_material(app: CoursesApp, principal: Principal, material_id: str) -> Material:
    """A material's metadata, for those who may download it."""
    return await _downloadable(app, principal, material_id, need_ready=False)


async def _downloadable(app: CoursesApp, principal: Principal, material_id: str, *, need_ready: bool) -> Material:
    async with app.sessions() as session:
        material = await repo.get_material(session, material_id)
        if material is None:
            raise NotFound(f"There is no material with id {material_id}.")
        course = await repo.load_course(session, material.course_id)
        assert course is not None  # materials are deleted with their course
        if not course.can_edit(principal) and not await repo.is_enrolled(session, course.id, principal.sub):
            raise Forbidden("Enrol in this course to download its materials.")
    if need_ready and material.status is not MaterialStatus.READY:
        raise Conflict(f"This material is {material.status.value}, not READY, so it cannot be downloaded.")
    return material


async def material_download_url(app: CoursesApp, principal: Principal, material_id: str) -> tuple[str, datetime]:
    """A short-lived presigned GET for the course's trainers, admins and enrolled learners."""
    material = await _downloadable(app, principal, material_id, need_ready=True)
    ttl = timedelta(seconds=app.settings.s3_presign_seconds)
    url = app.store.presigned_get(app.bucket, material.object_key, ttl, filename=material.filename)
    return url, utcnow() + ttl


async def reject_expired_uploads(app: CoursesApp) -> int:
    """Mark PENDING materials older than the pending TTL as REJECTED and delete their objects."""
    ttl = app.config.material_pending_ttl_seconds
    cutoff = utcnow() - timedelta(seconds=ttl)
    async with transaction(app.sessions) as session:
        expired = await repo.expired_pending_materials(session, cutoff)
        for m in expired:
            await app.store.remove(app.bucket, m.object_key)  # removing a missing object is not an error in S3
            await repo.mark_material(
                session,
                m.id,
                MaterialStatus.REJECTED,
                reason=f"The upload was not confirmed within {_human_duration(ttl)}; request a new upload.",
            )
    if expired:
        log.info("material.expired_uploads_rejected", count=len(expired))
    return len(expired)
