"""The courses use cases on fakes: who may do what, what is validated, what is committed and announced."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from courses.domain.materials import quarantine_key
from courses.domain.model import CourseStatus, LessonKind, MaterialStatus
from courses.service_layer import authoring, catalogue, events, materials, publishing
from courses.service_layer import commands as cmd
from courses.service_layer.materials import MaterialLimits
from courses.service_layer.ports import CatalogueQuery
from lms_shared.auth import Principal, Role
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import CourseArchivedV1, CoursePublishedV1, EnrollmentCreatedV1, LearnerData

from .fakes import FakeMaterialStore, FakeUnitOfWork

pytestmark = pytest.mark.unit

OWNER = Principal(sub="t-owner", name="Aygün", roles=frozenset({Role.TRAINER}))
OTHER_TRAINER = Principal(sub="t-other", name="Elif", roles=frozenset({Role.TRAINER}))
ADMIN = Principal(sub="a-1", name="Admin", roles=frozenset({Role.ADMIN}))
LEARNER = Principal(sub="l-1", name="Bakyt", roles=frozenset({Role.LEARNER}))
LIMITS = MaterialLimits(
    max_bytes=1000,
    upload_ttl=timedelta(minutes=15),
    pending_ttl=timedelta(hours=1),
    download_ttl=timedelta(minutes=5),
)
PDF = b"%PDF-1.7\n" + b"x" * 91


def enrollment(
    enrollment_id: str, course_id: str, version: int, learner: LearnerData, at: datetime
) -> EnrollmentCreatedV1:
    """The event as progress produces it: the learner nested only (the flat fields are filled in)."""
    return EnrollmentCreatedV1.model_validate(
        {
            "enrollment_id": enrollment_id,
            "course_id": course_id,
            "course_version": version,
            "learner": learner,
            "enrolled_at": at,
        }
    )


def texts(**by_lang: str) -> list[dict[str, str]]:
    return [{"lang": k, "text": v} for k, v in by_lang.items()]


def create(slug: str = "budgets-101", **extra: Any) -> cmd.CreateCourse:
    return cmd.CreateCourse.model_validate(
        {"slug": slug, "titles": texts(az="Büdcə"), "defaultLanguage": "az", **extra}
    )


async def new_course(uow: FakeUnitOfWork, slug: str = "budgets-101") -> str:
    return (await authoring.create_course(uow, OWNER, create(slug))).id


async def publishable(uow: FakeUnitOfWork) -> tuple[str, str, str]:
    """A course with one module holding one TEXT lesson: (course id, module id, lesson id)."""
    course_id = await new_course(uow)
    module = await authoring.add_module(
        uow, OWNER, course_id, cmd.ModuleInput.model_validate({"titles": texts(az="Giriş")})
    )
    lesson = await authoring.add_lesson(
        uow, OWNER, module.id, cmd.LessonInput.model_validate({"kind": "TEXT", "titles": texts(az="Dərs 1")})
    )
    return course_id, module.id, lesson.id


# --- authoring -----------------------------------------------------------------------------------


async def test_a_trainer_creates_a_draft_they_own_and_it_is_committed() -> None:
    uow = FakeUnitOfWork()
    course = await authoring.create_course(uow, OWNER, create(topics=["budget", "budget", "city"]))
    assert uow.committed and uow.events == []
    stored = uow.courses.rows[course.id]
    assert (stored.owner_id, stored.status, stored.version) == ("t-owner", CourseStatus.DRAFT, 0)
    assert stored.topics == ["budget", "city"]  # duplicates dropped, order kept


async def test_a_learner_cannot_create_a_course_and_nothing_is_stored() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Forbidden):
        await authoring.create_course(uow, LEARNER, create())
    assert uow.courses.rows == {} and not uow.committed


async def test_a_title_in_the_default_language_is_required() -> None:
    uow = FakeUnitOfWork()
    body = cmd.CreateCourse.model_validate({"slug": "x-1", "titles": texts(tr="Bütçe"), "defaultLanguage": "az"})
    with pytest.raises(BadInput, match=r"default language \(az\).*given are in: tr"):
        await authoring.create_course(uow, OWNER, body)
    assert not uow.committed


async def test_a_used_slug_is_a_conflict() -> None:
    uow = FakeUnitOfWork()
    await new_course(uow, "same-slug")
    with pytest.raises(Conflict, match="same-slug"):
        await authoring.create_course(uow, OTHER_TRAINER, create("same-slug"))
    assert len(uow.courses.rows) == 1 and uow.commits == 1


async def test_only_owners_co_owners_and_admins_edit_and_every_edit_bumps_the_revision() -> None:
    uow = FakeUnitOfWork()
    course_id = await new_course(uow)
    patch = cmd.UpdateCourse.model_validate({"summaries": texts(az="Qısa")})
    with pytest.raises(Forbidden):
        await authoring.update_course(uow, OTHER_TRAINER, course_id, patch)
    with pytest.raises(Forbidden):
        await authoring.update_course(uow, LEARNER, course_id, patch)
    assert uow.courses.rows[course_id].revision == 0 and uow.commits == 1

    await uow.trainers.remember(OTHER_TRAINER.sub)  # seen signed in as a trainer (finding 11a)
    await authoring.add_co_owner(uow, OWNER, course_id, cmd.AddCoOwner(trainer_id=OTHER_TRAINER.sub))
    updated = await authoring.update_course(uow, OTHER_TRAINER, course_id, patch)
    assert updated.summaries == {"az": "Qısa"} and updated.co_owner_ids == ["t-other"]
    assert uow.courses.rows[course_id].revision == 2 and uow.commits == 3
    await authoring.update_course(uow, ADMIN, course_id, cmd.UpdateCourse.model_validate({"topics": ["x"]}))
    assert uow.courses.rows[course_id].topics == ["x"]
    assert course_id in uow.courses.locked  # edits lock the course row


async def test_unknown_ids_are_not_found() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(NotFound):
        await authoring.update_course(uow, OWNER, "nope", cmd.UpdateCourse())
    with pytest.raises(NotFound):
        await authoring.delete_module(uow, OWNER, "nope")
    with pytest.raises(NotFound):
        await authoring.delete_lesson(uow, OWNER, "nope")
    with pytest.raises(NotFound, match="not a co-owner"):
        await authoring.remove_co_owner(uow, OWNER, await new_course(uow), "t-nobody")


async def test_modules_and_lessons_land_where_asked() -> None:
    uow = FakeUnitOfWork()
    course_id, first, _ = await publishable(uow)
    second = await authoring.add_module(
        uow, OWNER, course_id, cmd.ModuleInput.model_validate({"titles": texts(az="İkinci"), "position": 1})
    )
    assert second.position == 1
    assert [m.id for m in uow.courses.rows[course_id].modules if m.position == 2] == [first]
    await authoring.delete_module(uow, OWNER, second.id)
    assert [(m.id, m.position) for m in uow.courses.rows[course_id].modules] == [(first, 1)]


async def test_a_quiz_only_fits_a_quiz_lesson_and_materials_must_belong_to_the_course() -> None:
    uow = FakeUnitOfWork()
    _, module_id, lesson_id = await publishable(uow)
    quiz = {"passScore": 50, "questions": []}
    with pytest.raises(BadInput, match="Only QUIZ lessons have a quiz"):
        await authoring.add_lesson(
            uow,
            OWNER,
            module_id,
            cmd.LessonInput.model_validate({"kind": "TEXT", "titles": texts(az="X"), "quiz": quiz}),
        )
    with pytest.raises(BadInput, match="is not a material of this course"):
        await authoring.update_lesson(uow, OWNER, lesson_id, cmd.LessonPatch.model_validate({"materialId": "m-9"}))
    commits = uow.commits
    changed = await authoring.update_lesson(uow, OWNER, lesson_id, cmd.LessonPatch.model_validate({"kind": "QUIZ"}))
    assert changed.kind is LessonKind.QUIZ and uow.commits == commits + 1


# --- publishing ----------------------------------------------------------------------------------


async def test_publishing_stages_exactly_one_event_and_commits_it_with_the_version() -> None:
    uow = FakeUnitOfWork()
    course_id, _, lesson_id = await publishable(uow)
    published = await publishing.publish_course(uow, OWNER, course_id)
    assert published.version == 1 and published.status is CourseStatus.PUBLISHED
    assert len(uow.events) == 1 and uow.staged == []
    event = uow.events[0]
    assert isinstance(event, CoursePublishedV1)
    assert (event.course_id, event.version) == (course_id, 1)
    assert [x.id for m in event.modules for x in m.lessons] == [lesson_id]
    assert (course_id, 1) in uow.versions.snapshots


async def test_publishing_nothing_new_is_a_conflict_and_announces_nothing() -> None:
    uow = FakeUnitOfWork()
    course_id, _, _ = await publishable(uow)
    await publishing.publish_course(uow, OWNER, course_id)
    commits = uow.commits
    with pytest.raises(Conflict, match="Nothing new to publish"):
        await publishing.publish_course(uow, OWNER, course_id)
    assert uow.commits == commits and len(uow.events) == 1


async def test_an_incomplete_draft_lists_every_problem_and_is_not_published() -> None:
    uow = FakeUnitOfWork()
    course_id = await new_course(uow)
    await authoring.add_module(uow, OWNER, course_id, cmd.ModuleInput.model_validate({"titles": texts(tr="Boş")}))
    with pytest.raises(BadInput) as raised:
        await publishing.publish_course(uow, OWNER, course_id)
    problems = raised.value.details["problems"]
    assert len(problems) == 2 and "default language (az)" in problems[0] and "Add a lesson" in problems[1]
    assert uow.events == [] and uow.versions.snapshots == {}


async def test_only_the_course_trainers_publish() -> None:
    uow = FakeUnitOfWork()
    course_id, _, _ = await publishable(uow)
    with pytest.raises(Forbidden):
        await publishing.publish_course(uow, OTHER_TRAINER, course_id)
    assert uow.events == [] and uow.staged == []


async def test_archiving_announces_it_once_and_only_after_a_publish() -> None:
    uow = FakeUnitOfWork()
    course_id, _, _ = await publishable(uow)
    with pytest.raises(Conflict, match="never published"):
        await publishing.archive_course(uow, OWNER, course_id)
    await publishing.publish_course(uow, OWNER, course_id)
    archived = await publishing.archive_course(uow, OWNER, course_id)
    assert archived.status is CourseStatus.ARCHIVED
    assert [type(e) for e in uow.events] == [CoursePublishedV1, CourseArchivedV1]
    with pytest.raises(Conflict, match="already archived"):
        await publishing.archive_course(uow, OWNER, course_id)
    with pytest.raises(Conflict, match="archived"):
        await authoring.update_course(uow, OWNER, course_id, cmd.UpdateCourse.model_validate({"topics": ["y"]}))
    assert len(uow.events) == 2


# --- reading -------------------------------------------------------------------------------------


async def test_drafts_are_private_and_learners_see_the_published_version() -> None:
    uow = FakeUnitOfWork()
    course_id, _, _ = await publishable(uow)
    with pytest.raises(NotFound):
        await catalogue.get_course(uow, LEARNER, course_id, None)
    assert (await catalogue.get_course(uow, OWNER, course_id, None)).is_draft

    await publishing.publish_course(uow, OWNER, course_id)
    await authoring.update_course(
        uow, OWNER, course_id, cmd.UpdateCourse.model_validate({"summaries": texts(az="Yeni")})
    )
    seen = await catalogue.get_course(uow, LEARNER, course_id, None)
    assert not seen.is_draft and seen.course.version == 1 and seen.course.summaries == {}
    with pytest.raises(NotFound, match="no published version 7"):
        await catalogue.get_course(uow, LEARNER, course_id, 7)
    page = await catalogue.list_courses(uow, LEARNER, CatalogueQuery())
    assert [(v.course.id, v.is_draft) for v in page.views] == [(course_id, False)] and page.total == 1


# --- materials -----------------------------------------------------------------------------------


async def request_upload(uow: FakeUnitOfWork, store: FakeMaterialStore, course_id: str, size: int = len(PDF)) -> str:
    body = cmd.RequestMaterialUpload(filename="Guide 1.pdf", content_type="application/pdf", size=size)
    upload = await materials.request_material_upload(uow, OWNER, course_id, body, store, LIMITS)
    assert upload.material.status is MaterialStatus.PENDING and upload.upload_url.startswith("https://s3.test/")
    return upload.material.id


async def test_uploads_of_unknown_types_or_too_large_files_are_refused_before_anything_is_stored() -> None:
    uow, store = FakeUnitOfWork(), FakeMaterialStore()
    course_id = await new_course(uow)
    exe = cmd.RequestMaterialUpload(filename="a.exe", content_type="application/x-msdownload", size=10)
    with pytest.raises(BadInput, match="cannot be uploaded"):
        await materials.request_material_upload(uow, OWNER, course_id, exe, store, LIMITS)
    big = cmd.RequestMaterialUpload(filename="a.pdf", content_type="application/pdf", size=LIMITS.max_bytes + 1)
    with pytest.raises(BadInput, match="at most 1000 bytes"):
        await materials.request_material_upload(uow, OWNER, course_id, big, store, LIMITS)
    with pytest.raises(Forbidden):
        body = cmd.RequestMaterialUpload(filename="a.pdf", content_type="application/pdf", size=10)
        await materials.request_material_upload(uow, OTHER_TRAINER, course_id, body, store, LIMITS)
    assert uow.materials.rows == {}


async def test_a_confirmed_upload_is_hashed_and_ready_and_enrolled_learners_may_download_it() -> None:
    uow, store = FakeUnitOfWork(), FakeMaterialStore()
    course_id, module_id, _ = await publishable(uow)
    material_id = await request_upload(uow, store, course_id)
    with pytest.raises(BadInput, match="No file has been uploaded"):
        await materials.confirm_material_upload(uow, OWNER, material_id, store)
    key = uow.materials.rows[material_id].object_key
    store.post(quarantine_key(material_id), PDF, "application/pdf")
    with pytest.raises(Forbidden):
        await materials.confirm_material_upload(uow, OTHER_TRAINER, material_id, store)
    ready = await materials.confirm_material_upload(uow, OWNER, material_id, store)
    assert ready.status is MaterialStatus.READY and ready.sha256 == hashlib.sha256(PDF).hexdigest()
    assert store.objects[key] == PDF and quarantine_key(material_id) not in store.objects
    lesson = cmd.LessonInput.model_validate({"kind": "DOCUMENT", "titles": texts(az="Plan"), "materialId": material_id})
    await authoring.add_lesson(uow, OWNER, module_id, lesson)
    await publishing.publish_course(uow, OWNER, course_id)

    with pytest.raises(Forbidden, match="Enrol"):
        await materials.material_download_url(uow, LEARNER, material_id, store, LIMITS)
    enrolled = enrollment("e-1", course_id, 1, LearnerData(id=LEARNER.sub, name=LEARNER.name), datetime.now(UTC))
    await events.on_enrollment_created(uow, enrolled, enrolled.envelope())
    url, expires_at = await materials.material_download_url(uow, LEARNER, material_id, store, LIMITS)
    assert (key in url and "filename=Guide_1.pdf" in url) or "filename=Guide" in url
    assert timedelta(minutes=4) < expires_at - datetime.now(UTC) <= LIMITS.download_ttl


async def test_a_file_that_is_not_what_was_declared_is_rejected_and_deleted() -> None:
    uow, store = FakeUnitOfWork(), FakeMaterialStore()
    course_id = await new_course(uow)
    material_id = await request_upload(uow, store, course_id)
    key = uow.materials.rows[material_id].object_key
    store.post(quarantine_key(material_id), b"\x89PNG\r\n\x1a\n" + b"x" * (len(PDF) - 8), "application/pdf")
    with pytest.raises(BadInput, match="rejected") as raised:
        await materials.confirm_material_upload(uow, OWNER, material_id, store)
    assert raised.value.details == {"materialId": material_id, "status": "REJECTED"}
    assert uow.materials.rows[material_id].status is MaterialStatus.REJECTED
    assert store.removed == [quarantine_key(material_id), key] and key not in store.objects
    with pytest.raises(Conflict, match="rejected"):
        await materials.confirm_material_upload(uow, OWNER, material_id, store)


async def test_a_size_other_than_declared_is_rejected() -> None:
    uow, store = FakeUnitOfWork(), FakeMaterialStore()
    material_id = await request_upload(uow, store, await new_course(uow))
    store.post(quarantine_key(material_id), PDF + b"more", "application/pdf")
    with pytest.raises(BadInput, match=f"{len(PDF) + 4} bytes but {len(PDF)} bytes were declared"):
        await materials.confirm_material_upload(uow, OWNER, material_id, store)
    assert uow.materials.rows[material_id].status is MaterialStatus.REJECTED


async def test_uploads_never_confirmed_are_rejected_after_the_pending_lifetime() -> None:
    uow, store = FakeUnitOfWork(), FakeMaterialStore()
    course_id = await new_course(uow)
    old_id, fresh_id = await request_upload(uow, store, course_id), await request_upload(uow, store, course_id)
    uow.materials.created[old_id] -= timedelta(hours=2)
    assert await materials.reject_expired_uploads(uow, store, LIMITS) == 1
    old = uow.materials.rows[old_id]
    assert old.status is MaterialStatus.REJECTED and "within 1 hour(s)" in (old.rejection_reason or "")
    assert uow.materials.rows[fresh_id].status is MaterialStatus.PENDING
    assert store.removed == [quarantine_key(old_id), old.object_key]


# --- consumed events -----------------------------------------------------------------------------


async def test_an_enrolment_is_recorded_once_for_the_learner_the_event_names() -> None:
    uow = FakeUnitOfWork()
    event = enrollment(
        "e-7", "c-1", 2, LearnerData(id="l-42", name="Dilnoza", org="UZ"), datetime(2026, 12, 1, tzinfo=UTC)
    )
    await events.on_enrollment_created(uow, event, event.envelope())
    await events.on_enrollment_created(uow, event, event.envelope())
    assert uow.enrollments.rows == {"e-7": ("c-1", 2, "l-42", datetime(2026, 12, 1, tzinfo=UTC))}
    assert await uow.enrollments.is_enrolled("c-1", "l-42")
