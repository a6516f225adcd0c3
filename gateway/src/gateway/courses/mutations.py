"""Course authoring mutations. The gateway checks the trainer role; the courses service checks ownership."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.courses.live_types import SurveyQuestionKind
from gateway.courses.types import Course, Lesson, Material, MaterialUpload, Module
from gateway.types import CertificateKind, DateTime, LessonKind, LocalizedTextInput, input_json
from lms_shared.errors import BadInput


@strawberry.input(description="Seats reserved for one member state.")
class CountryQuotaInput:
    org: str = strawberry.field(description="Member state, ISO 3166 alpha-2 (e.g. AZ).")
    seats: int = strawberry.field(description="Seats reserved for it (at least 1).")


@strawberry.input(description="Who gets a seat; replaces the course's whole policy.")
class RegistrationPolicyInput:
    capacity: int | None = strawberry.field(default=strawberry.UNSET, description="Seats; null = unlimited.")
    approvalRequired: bool | None = strawberry.field(default=False, description="Enrolments wait for approval.")
    quotas: list[CountryQuotaInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Seats per member state; their sum may not exceed the capacity."
    )
    closesAt: DateTime | None = strawberry.field(default=strawberry.UNSET, description="When registration closes.")
    waitlist: bool | None = strawberry.field(default=True, description="Keep a waiting list when seats run out.")


@strawberry.input(description="The session of a LIVE lesson.")
class LiveSessionInput:
    startsAt: DateTime = strawberry.field(description="Start, with its offset (e.g. 2026-05-14T09:00:00+04:00).")
    endsAt: DateTime = strawberry.field(description="End, later than the start.")
    timezone: str = strawberry.field(description="IANA zone the session is announced in, e.g. Asia/Baku.")
    venues: list[LocalizedTextInput] | None = strawberry.field(
        default=strawberry.UNSET, description="The venue, per language."
    )
    onlineUrl: str | None = strawberry.field(default=strawberry.UNSET, description="An https:// join link.")
    capacity: int | None = strawberry.field(default=strawberry.UNSET, description="Seats; null = unlimited.")


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
    registration: RegistrationPolicyInput | None = strawberry.field(
        default=strawberry.UNSET, description="Capacity, quotas, approval, closing date, waiting list."
    )
    certificateKind: CertificateKind | None = strawberry.field(
        default=CertificateKind.COMPLETION, description="Certificate of completion or of participation."
    )
    inactivityReminderDays: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Addition: remind ACTIVE learners after this many days (1..365) without progress.",
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
    registration: RegistrationPolicyInput | None = strawberry.field(
        default=strawberry.UNSET, description="A new registration policy (replaces the whole policy)."
    )
    certificateKind: CertificateKind | None = strawberry.field(
        default=strawberry.UNSET, description="Certificate of completion or of participation."
    )
    inactivityReminderDays: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Addition: remind ACTIVE learners after this many days (1..365) without progress; null = off.",
    )


@strawberry.input(description="A module of a course.")
class ModuleInput:
    titles: list[LocalizedTextInput] = strawberry.field(description="The module's title in one or more languages.")
    position: int | None = strawberry.field(default=strawberry.UNSET, description="Where to insert; default last.")


@strawberry.input(description="One option of a quiz question.")
class QuizOptionInput:
    labels: list[LocalizedTextInput] = strawberry.field(description="The option's text.")
    correct: bool = strawberry.field(
        description="Whether choosing it is right (never shown to learners); ignored for survey options."
    )
    id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Addition: the id of an existing option this input keeps (edits keep ids stable); omit for new.",
    )


@strawberry.input(description="One quiz question.")
class QuestionInput:
    prompts: list[LocalizedTextInput] = strawberry.field(description="The question's text.")
    options: list[QuizOptionInput] = strawberry.field(description="Two or more options.")


@strawberry.input(description="A quiz for a QUIZ lesson.")
class QuizInput:
    passScore: int = strawberry.field(description="Score (0..100) needed to pass.")
    questions: list[QuestionInput] = strawberry.field(description="One or more questions.")


@strawberry.input(description="One question of a feedback survey.")
class SurveyQuestionInput:
    kind: SurveyQuestionKind = strawberry.field(description="Rating, free text or single choice.")
    prompts: list[LocalizedTextInput] = strawberry.field(description="The question's text.")
    scale: int | None = strawberry.field(default=strawberry.UNSET, description="RATING: 2..10 (default 5).")
    options: list[QuizOptionInput] | None = strawberry.field(
        default=strawberry.UNSET, description="SINGLE_CHOICE: two or more options."
    )
    id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Addition: the id of an existing question this input keeps (edits keep ids stable); omit for new.",
    )


@strawberry.input(description="The feedback form of a SURVEY lesson.")
class SurveyInput:
    anonymous: bool | None = strawberry.field(default=True, description="Never link answers to learners.")
    questions: list[SurveyQuestionInput] = strawberry.field(description="One or more questions.")


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
    live: LiveSessionInput | None = strawberry.field(
        default=strawberry.UNSET, description="The session, for LIVE lessons."
    )
    survey: SurveyInput | None = strawberry.field(
        default=strawberry.UNSET, description="The feedback form, for SURVEY lessons."
    )


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
    live: LiveSessionInput | None = strawberry.field(
        default=strawberry.UNSET, description="A new session (replaces it; moving a session = edit and publish)."
    )
    survey: SurveyInput | None = strawberry.field(
        default=strawberry.UNSET, description="A new feedback form (question ids kept for questions sent back)."
    )


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
