"""Course authoring mutations. The gateway checks the trainer role; the courses service checks ownership."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.courses.types import Course, Lesson, Material, MaterialUpload, Module
from gateway.types import LessonKind, LocalizedTextInput, input_json
from lms_shared.errors import BadInput


@strawberry.input(description="A new course, created as a draft owned by the caller.")
class CreateCourseInput:
    slug: str = strawberry.field(description="URL-friendly unique name: lower-case letters, digits and dashes.")
    titles: list[LocalizedTextInput] = strawberry.field(description="The title in one or more languages.")
    summaries: list[LocalizedTextInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Short descriptions."
    )
    defaultLanguage: str = strawberry.field(description="Used when a requested language is missing.")
    topics: list[str] | None = strawberry.field(default=strawberry.UNSET, description="Topics.")
    autoIssueCertificate: bool | None = strawberry.field(
        default=True, description="Issue a certificate as soon as a learner completes the course."
    )


@strawberry.input(description="Changes to a course's working draft; fields left out stay as they are.")
class UpdateCourseInput:
    titles: list[LocalizedTextInput] | None = strawberry.field(default=strawberry.UNSET, description="New titles.")
    summaries: list[LocalizedTextInput] | None = strawberry.field(
        default=strawberry.UNSET, description="New summaries."
    )
    topics: list[str] | None = strawberry.field(default=strawberry.UNSET, description="New topics.")
    autoIssueCertificate: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether completion issues a certificate."
    )


@strawberry.input(description="A module of a course.")
class ModuleInput:
    titles: list[LocalizedTextInput] = strawberry.field(description="The module's title in one or more languages.")
    position: int | None = strawberry.field(default=strawberry.UNSET, description="Where to insert; default last.")


@strawberry.input(description="One option of a quiz question.")
class QuizOptionInput:
    labels: list[LocalizedTextInput] = strawberry.field(description="The option's text.")
    correct: bool = strawberry.field(description="Whether choosing it is right (never shown to learners).")


@strawberry.input(description="One quiz question.")
class QuestionInput:
    prompts: list[LocalizedTextInput] = strawberry.field(description="The question's text.")
    options: list[QuizOptionInput] = strawberry.field(description="Two or more options.")


@strawberry.input(description="A quiz for a QUIZ lesson.")
class QuizInput:
    passScore: int = strawberry.field(description="Score (0..100) needed to pass.")
    questions: list[QuestionInput] = strawberry.field(description="One or more questions.")


@strawberry.input(description="A lesson of a module.")
class LessonInput:
    kind: LessonKind = strawberry.field(description="What the lesson holds.")
    titles: list[LocalizedTextInput] = strawberry.field(description="The lesson's title.")
    bodies: list[LocalizedTextInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Markdown text, per language."
    )
    durationMinutes: int | None = strawberry.field(default=strawberry.UNSET, description="Expected study time.")
    required: bool | None = strawberry.field(default=True, description="Whether completing the course needs it.")
    materialId: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="An uploaded material to attach."
    )
    quiz: QuizInput | None = strawberry.field(default=strawberry.UNSET, description="The quiz, for QUIZ lessons.")
    position: int | None = strawberry.field(default=strawberry.UNSET, description="Where to insert; default last.")


@strawberry.input(description="Changes to a lesson of a course's draft; fields left out stay as they are.")
class UpdateLessonInput:
    titles: list[LocalizedTextInput] | None = strawberry.field(default=strawberry.UNSET, description="New titles.")
    bodies: list[LocalizedTextInput] | None = strawberry.field(
        default=strawberry.UNSET, description="New Markdown texts, per language (replaces every language's text)."
    )
    durationMinutes: int | None = strawberry.field(default=strawberry.UNSET, description="Expected study time.")
    required: bool | None = strawberry.field(default=strawberry.UNSET, description="Whether completion needs it.")
    materialId: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null keeps the material; use clearMaterial to detach it."
    )
    clearMaterial: bool | None = strawberry.field(default=False, description="Detach the lesson's material.")
    quiz: QuizInput | None = strawberry.field(default=strawberry.UNSET, description="The quiz, for QUIZ lessons.")


def _body(value: Any) -> dict[str, Any]:
    body: dict[str, Any] = input_json(value)
    return {k: v for k, v in body.items() if v is not None}


async def _call(info: Info, method: str, path: str, body: Any = None) -> Any:
    ctx = ctx_of(info)
    return await ctx.state.clients.courses.request(method, path, token=ctx.token, json=body)


async def create_course(info: Info, input: CreateCourseInput) -> Course:
    """Create a draft course owned by the caller."""
    result: Course = await _call(info, "POST", "/v1/courses", _body(input))
    return result


async def update_course(info: Info, id: strawberry.ID, input: UpdateCourseInput) -> Course:
    """Change a course's working draft (published versions never change)."""
    result: Course = await _call(info, "PATCH", f"/v1/courses/{seg(id)}", _body(input))
    return result


async def add_module(info: Info, courseId: strawberry.ID, input: ModuleInput) -> Module:
    """Add a module to a course's draft."""
    result: Module = await _call(info, "POST", f"/v1/courses/{seg(courseId)}/modules", _body(input))
    return result


async def add_lesson(info: Info, moduleId: strawberry.ID, input: LessonInput) -> Lesson:
    """Add a lesson to a module of a course's draft."""
    result: Lesson = await _call(info, "POST", f"/v1/modules/{seg(moduleId)}/lessons", _body(input))
    return result


async def request_material_upload(
    info: Info, courseId: strawberry.ID, filename: str, contentType: str, size: int
) -> MaterialUpload:
    """Reserve a material and get a presigned POST policy (URL and form fields) to upload its bytes with."""
    if size <= 0:
        raise BadInput("'size' must be the file's size in bytes (more than 0).")
    body = {"filename": filename, "contentType": contentType, "size": size}
    result: MaterialUpload = await _call(info, "POST", f"/v1/courses/{seg(courseId)}/materials", body)
    return result


async def confirm_material_upload(info: Info, materialId: strawberry.ID) -> Material:
    """Check the uploaded bytes (size, checksum) and mark the material READY."""
    result: Material = await _call(info, "POST", f"/v1/materials/{seg(materialId)}/confirm")
    return result


async def move_module(info: Info, id: strawberry.ID, position: int) -> Module:
    """Move a module of a course's draft to another position (1 = first)."""
    if position < 1:
        raise BadInput("'position' starts at 1 (the first place).")
    result: Module = await _call(info, "PATCH", f"/v1/modules/{seg(id)}", {"position": position})
    return result


async def move_lesson(info: Info, id: strawberry.ID, position: int) -> Lesson:
    """Move a lesson within its module of a course's draft (1 = first)."""
    if position < 1:
        raise BadInput("'position' starts at 1 (the first place).")
    result: Lesson = await _call(info, "PATCH", f"/v1/lessons/{seg(id)}", {"position": position})
    return result


async def update_module(info: Info, id: strawberry.ID, input: ModuleInput) -> Module:
    """Rename a module of a course's draft (and move it, when `position` is given)."""
    if input.position is not None and input.position is not strawberry.UNSET and input.position < 1:
        raise BadInput("'position' starts at 1 (the first place).")
    result: Module = await _call(info, "PATCH", f"/v1/modules/{seg(id)}", _body(input))
    return result


async def delete_module(info: Info, id: strawberry.ID) -> bool:
    """Remove a module and its lessons from the draft; published versions keep them."""
    await _call(info, "DELETE", f"/v1/modules/{seg(id)}")
    return True


async def update_lesson(info: Info, id: strawberry.ID, input: UpdateLessonInput) -> Lesson:
    """Change a lesson of a course's draft; published versions never change."""
    body = _body(input)
    clear = body.pop("clearMaterial", False)
    if clear:
        if body.get("materialId"):
            raise BadInput("Pass either materialId (to attach a material) or clearMaterial (to detach it), not both.")
        body["materialId"] = None  # an explicit null detaches it (the service's patch rule)
    if not body:
        raise BadInput("Nothing to change: pass at least one field of the lesson.")
    result: Lesson = await _call(info, "PATCH", f"/v1/lessons/{seg(id)}", body)
    return result


async def delete_lesson(info: Info, id: strawberry.ID) -> bool:
    """Remove a lesson from the draft; published versions, and learners' progress in them, keep it."""
    await _call(info, "DELETE", f"/v1/lessons/{seg(id)}")
    return True


async def publish_course(info: Info, id: strawberry.ID) -> Course:
    """Publish the draft as a new immutable version."""
    result: Course = await _call(info, "POST", f"/v1/courses/{seg(id)}/publish")
    # This instance's readers see the new version at once; other instances learn it from the event.
    await ctx_of(info).state.catalogue.invalidate("publishCourse")
    return result


async def archive_course(info: Info, id: strawberry.ID) -> Course:
    """Stop new enrolments; enrolled learners carry on."""
    result: Course = await _call(info, "POST", f"/v1/courses/{seg(id)}/archive")
    await ctx_of(info).state.catalogue.invalidate("archiveCourse")
    return result
