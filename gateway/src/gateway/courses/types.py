"""Course, its structure and its statistics, backed by the courses service's JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.context import Info, ctx_of
from gateway.progress.attendance_types import (
    Attendance,
    SurveyResult,
    course_attendance,
    course_attendance_csv_url,
    course_survey_results,
)
from gateway.types import (
    CertificateKind,
    CourseStatus,
    DateTime,
    Json,
    LessonKind,
    LocalizedText,
    MaterialStatus,
    PageInfo,
    localized,
)
from lms_shared.auth import Role

if TYPE_CHECKING:
    from gateway.courses.live_types import LiveSession, RegistrationPolicy, Survey
    from gateway.progress.types import Enrollment

LANG = "_lang"  # the course's default language, copied onto its parts for the fallback order


def _text(root: Json, key: str, info: Info, lang: str | None) -> str | None:
    return localized(root.get(key), lang, ctx_of(info).locale, root.get(LANG) or root.get("defaultLanguage"))


def annotate_languages(course: Json) -> Json:
    """Copy the course's default language onto its modules, lessons and quiz parts (once per version)."""
    if course.get(LANG):
        return course
    default = course.get("defaultLanguage")
    for m in course.get("modules") or []:
        m[LANG] = default
        for lesson in m.get("lessons") or []:
            lesson[LANG] = default
            lesson["_courseId"] = course.get("id")
            for q in (lesson.get("quiz") or {}).get("questions") or []:
                q[LANG] = default
                for o in q.get("options") or []:
                    o[LANG] = default
    course[LANG] = default
    return course


LangArg = Annotated[str | None, strawberry.argument(description="Answer in this language if the text has it.")]


def course_title(root: strawberry.Parent[Json], info: Info, lang: LangArg = strawberry.UNSET) -> str:
    """The course title in the fallback order; the slug if it has no title at all."""
    return _text(root, "titles", info, lang) or root.get("slug") or ""


def course_summary(root: strawberry.Parent[Json], info: Info, lang: LangArg = strawberry.UNSET) -> str | None:
    """The summary in the fallback order, or null."""
    return _text(root, "summaries", info, lang)


def part_title(root: strawberry.Parent[Json], info: Info, lang: LangArg = strawberry.UNSET) -> str:
    """A module's or lesson's title in the fallback order."""
    return _text(root, "titles", info, lang) or ""


def lesson_body(root: strawberry.Parent[Json], info: Info, lang: LangArg = strawberry.UNSET) -> str | None:
    """The lesson's Markdown in the fallback order, or null."""
    return _text(root, "bodies", info, lang)


def question_prompt(root: strawberry.Parent[Json], info: Info, lang: LangArg = strawberry.UNSET) -> str:
    """A quiz question in the fallback order."""
    return _text(root, "prompts", info, lang) or ""


def option_label(root: strawberry.Parent[Json], info: Info, lang: LangArg = strawberry.UNSET) -> str:
    """A quiz option in the fallback order."""
    return _text(root, "labels", info, lang) or ""


@strawberry.type(description="The answer key is never exposed: an option knows only its label.")
class QuizOption:
    id: strawberry.ID = strawberry.field(description="Option id, sent back in QuizAnswerInput.optionIds.")
    label: str = strawberry.field(resolver=option_label, description="The option's text.")
    labels: list[LocalizedText] = strawberry.field(
        default_factory=list, description="Addition: the option's text in every language it has (for editors)."
    )


@strawberry.type(description="One quiz question.")
class Question:
    id: strawberry.ID = strawberry.field(description="Question id, sent back in QuizAnswerInput.questionId.")
    prompt: str = strawberry.field(resolver=question_prompt, description="The question's text.")
    multiple: bool = strawberry.field(description="Whether more than one option may be chosen.")
    options: list[QuizOption] = strawberry.field(description="The choices, in display order.")


@strawberry.type(description="A quiz attached to a QUIZ lesson.")
class Quiz:
    passScore: int = strawberry.field(description="Score (0..100) needed to pass.")
    questions: list[Question] = strawberry.field(description="The questions, in order.")


async def material_download_url(root: strawberry.Parent[Json], info: Info) -> str | None:
    """A presigned link for viewers the courses service allows; null otherwise, and for materials not READY."""
    ctx = ctx_of(info)
    if ctx.principal is None or root.get("status") != "READY":
        return None
    return await ctx.loaders.download_url(str(root["id"]))


@strawberry.type(description="A file attached to a lesson; the bytes live in the object store.")
class Material:
    id: strawberry.ID = strawberry.field(description="Material id.")
    filename: str = strawberry.field(description="The uploaded file's name.")
    contentType: str = strawberry.field(description="MIME type, e.g. application/pdf.")
    size: int = strawberry.field(description="Size in bytes.")
    sha256: str | None = strawberry.field(description="Checksum of the stored bytes, once confirmed.")
    status: MaterialStatus = strawberry.field(description="Whether the upload arrived and passed the checks.")
    downloadUrl: str | None = strawberry.field(
        resolver=material_download_url,
        description="A short-lived presigned GET URL; only for the course's trainers, admins and enrolled learners.",
    )


@strawberry.type(description="Addition: one field of an HTML form, sent as it is.")
class FormField:
    name: str = strawberry.field(description="The field's name.")
    value: str = strawberry.field(description="The field's value.")


@strawberry.type(description="Where to upload a material's bytes.")
class MaterialUpload:
    material: Material = strawberry.field(description="The material, PENDING until confirmed.")
    uploadUrl: str = strawberry.field(
        description=(
            "Presigned POST URL of the object store: send a multipart/form-data POST with uploadFields (in "
            "order) and then the file as the last part, named `file`; then call confirmMaterialUpload."
        )
    )
    uploadMethod: str = strawberry.field(
        description="Addition: the HTTP method to upload with: always POST (a presigned POST policy)."
    )
    uploadFields: list[FormField] = strawberry.field(
        description=(
            "Addition: the POST policy's form fields (key, Content-Type, policy, signature …). It admits only "
            "this material's quarantine key, the declared contentType and exactly the declared size."
        )
    )
    expiresAt: DateTime = strawberry.field(description="When uploadUrl stops working.")


_LIVE = "gateway.courses.live_types"


def lesson_live(root: strawberry.Parent[Json]) -> Annotated[LiveSession, strawberry.lazy(_LIVE)] | None:
    """The session of a LIVE lesson, told which lesson and course it belongs to (for progress's answers)."""
    raw = root.get("live")
    if not raw:
        return None
    course_id = root.get("_courseId") or root.get("courseId")
    session: Any = {**raw, LANG: root.get(LANG), "_lessonId": root.get("id"), "_courseId": course_id}
    return session


def lesson_survey(root: strawberry.Parent[Json]) -> Annotated[Survey, strawberry.lazy(_LIVE)] | None:
    """The questions of a SURVEY lesson (never answers: those are progress's)."""
    raw = root.get("survey")
    if not raw:
        return None
    lang = root.get(LANG)
    for q in raw.get("questions") or []:
        q[LANG] = lang
        for o in q.get("options") or []:
            o[LANG] = lang
    survey: Any = raw
    return survey


@strawberry.type(description="One step of a module.")
class Lesson:
    id: strawberry.ID = strawberry.field(description="Lesson id.")
    position: int = strawberry.field(description="Order within the module, from 1.")
    kind: LessonKind = strawberry.field(description="What the lesson holds.")
    title: str = strawberry.field(resolver=part_title, description="The lesson's title.")
    body: str | None = strawberry.field(resolver=lesson_body, description="Markdown.")
    titles: list[LocalizedText] = strawberry.field(
        default_factory=list, description="Addition: the title in every language it has (for editors)."
    )
    bodies: list[LocalizedText] = strawberry.field(
        default_factory=list, description="Addition: the Markdown text in every language it has (for editors)."
    )
    durationMinutes: int | None = strawberry.field(description="Expected study time.")
    required: bool = strawberry.field(description="Whether completion of the course needs this lesson.")
    material: Material | None = strawberry.field(description="The attached file, if any.")
    quiz: Quiz | None = strawberry.field(description="The quiz, for QUIZ lessons.")
    live: Annotated[LiveSession, strawberry.lazy(_LIVE)] | None = strawberry.field(
        resolver=lesson_live, description="The session, for LIVE lessons."
    )
    survey: Annotated[Survey, strawberry.lazy(_LIVE)] | None = strawberry.field(
        resolver=lesson_survey, description="The feedback form, for SURVEY lessons."
    )


@strawberry.type(description="A chapter of a course.")
class Module:
    id: strawberry.ID = strawberry.field(description="Module id.")
    position: int = strawberry.field(description="Order within the course, from 1.")
    title: str = strawberry.field(resolver=part_title, description="The module's title.")
    titles: list[LocalizedText] = strawberry.field(
        default_factory=list, description="Addition: the title in every language it has (for editors)."
    )
    lessons: list[Lesson] = strawberry.field(description="The lessons, in order.")


@strawberry.type(description="Whether and how completing the course issues a certificate.")
class CertificatePolicy:
    autoIssue: bool = strawberry.field(description="Issue a certificate as soon as the course is completed.")
    templateId: strawberry.ID | None = strawberry.field(description="The certificate template; null = default.")
    kind: CertificateKind = strawberry.field(
        default=CertificateKind.COMPLETION,
        description="Certificate of completion, or of participation in an event (LIVE sessions).",
    )


@strawberry.type(description="Enrolments and completions in one group (a country or a municipality).")
class GroupCount:
    key: str = strawberry.field(description="The group: an ISO 3166 code or a municipality name.")
    enrolled: int = strawberry.field(description="Learners enrolled.")
    completed: int = strawberry.field(description="Learners who completed the course.")


@strawberry.type(description="How a course is going.")
class CourseStats:
    enrolled: int = strawberry.field(description="Learners enrolled.")
    completed: int = strawberry.field(description="Learners who completed the course.")
    certificatesIssued: int = strawberry.field(description="Certificates issued for the course.")
    byOrg: list[GroupCount] = strawberry.field(description="Counts per member state.")
    byMunicipality: list[GroupCount] = strawberry.field(description="Counts per municipality.")


def course_modules(root: strawberry.Parent[Json]) -> list[Module]:
    """The modules, with the course's default language copied onto every part."""
    modules: list[Module] = annotate_languages(root).get("modules") or []
    return modules


def course_lesson(root: strawberry.Parent[Json], id: strawberry.ID) -> Lesson | None:
    """One lesson of this view of the course (the editor's form asks for one lesson's details)."""
    for module in course_modules(root):
        for lesson in module.get("lessons") or []:  # type: ignore[attr-defined]
            if lesson.get("id") == id:
                found: Lesson = lesson
                return found
    return None


def course_policy(root: strawberry.Parent[Json]) -> CertificatePolicy:
    """The certificate policy (auto-issue by default, as the contract's input defaults)."""
    policy: Any = {"autoIssue": True, "templateId": None, "kind": "COMPLETION", **(root.get("certificatePolicy") or {})}
    return policy


_NO_LIMITS: Json = {"capacity": None, "approvalRequired": False, "quotas": [], "closesAt": None, "waitlist": True}


def course_registration(root: strawberry.Parent[Json]) -> Annotated[RegistrationPolicy, strawberry.lazy(_LIVE)]:
    """The registration policy; a course without one has no limits (the first release's behaviour)."""
    policy: Any = root.get("registration") or _NO_LIMITS
    return policy


def course_calendar_url(root: strawberry.Parent[Json], info: Info) -> str:
    """The public feed's absolute URL: the gateway serves GET /calendar/{courseId}.ics (from courses)."""
    base = ctx_of(info).state.settings.public_url.rstrip("/")
    return f"{base}/calendar/{root['id']}.ics"


async def course_enrollment(
    root: strawberry.Parent[Json], info: Info
) -> Annotated[Enrollment, strawberry.lazy("gateway.progress.types")] | None:
    """The viewer's enrolment in this course, batched across a page of courses."""
    result: Any = await ctx_of(info).loaders.enrollment_for_course(str(root["id"]))
    return result


async def course_stats(root: strawberry.Parent[Json], info: Info) -> CourseStats | None:
    """Counts for the course's own trainers and admins, and for country admins of their own state
    (progress limits those to the state of the token's ``org``); null, without a call, for anyone else."""
    ctx = ctx_of(info)
    p = ctx.principal
    if p is None:
        return None
    # Only the course's own trainers, admins and country admins: everyone else gets null, no upstream call.
    owners = {str(root.get("ownerId")), *(str(i) for i in root.get("coOwnerIds") or [])}
    if not (p.is_admin or p.is_country_admin or (Role.TRAINER in p.roles and p.sub in owners)):
        return None
    result: Any = await ctx.loaders.stats(str(root["id"]))
    return result


def course_has_unpublished_changes(root: strawberry.Parent[Json]) -> bool:
    """Only a draft view (its trainers and admins) can differ from what is published; any other view is
    the published version itself."""
    return bool(root.get("hasUnpublishedChanges"))


@strawberry.type(description="A course: all its translations, its structure and its certificate policy.")
class Course:
    id: strawberry.ID = strawberry.field(description="Course id.")
    slug: str = strawberry.field(description="URL-friendly unique name.")
    title: str = strawberry.field(resolver=course_title, description="The title in the requested language.")
    titles: list[LocalizedText] = strawberry.field(description="The title in every language the course has.")
    summary: str | None = strawberry.field(resolver=course_summary, description="Short description.")
    languages: list[str] = strawberry.field(description="Languages the course is written in.")
    defaultLanguage: str = strawberry.field(description="Language used when the requested one is missing.")
    topics: list[str] = strawberry.field(description="Topics, e.g. housing, climate-adaptation.")
    status: CourseStatus = strawberry.field(description="Draft, published or archived.")
    version: int = strawberry.field(description="Latest published version; 0 while never published.")
    ownerId: strawberry.ID = strawberry.field(description="The trainer who created the course.")
    modules: list[Module] = strawberry.field(resolver=course_modules, description="The modules, in order.")
    lesson: Lesson | None = strawberry.field(
        resolver=course_lesson,
        description="Addition: one lesson of the course by id, as this view shows it; null when it has none such.",
    )
    hasUnpublishedChanges: bool = strawberry.field(
        resolver=course_has_unpublished_changes,
        description="True when the draft differs from the latest published version (false outside the draft view).",
    )
    incompleteLanguages: list[str] = strawberry.field(
        default_factory=list,
        description="Languages in which some title or lesson text is missing in the draft, for the publish dialog.",
    )
    certificatePolicy: CertificatePolicy = strawberry.field(
        resolver=course_policy, description="Whether completing the course issues a certificate."
    )
    enrollment: Annotated[Enrollment, strawberry.lazy("gateway.progress.types")] | None = strawberry.field(
        resolver=course_enrollment, description="The viewer's enrolment in this course, if any."
    )
    stats: CourseStats | None = strawberry.field(
        resolver=course_stats, description="Trainers of this course and admins only."
    )
    attendance: list[Attendance] | None = strawberry.field(
        resolver=course_attendance,
        description="Trainers of the course, admins, and country admins (their state's learners only).",
    )
    surveyResults: list[SurveyResult] | None = strawberry.field(
        resolver=course_survey_results,
        description="A SURVEY lesson's answers, aggregated (country admins: their state's respondents only).",
    )
    attendanceCsvUrl: str | None = strawberry.field(
        resolver=course_attendance_csv_url,
        description="Addition: a link valid for a few minutes to Course.attendance(lessonId) as CSV (UTF-8, formula"
        " cells neutralised); trainers of the course, admins and country admins (their state's learners) only.",
    )
    registration: Annotated[RegistrationPolicy, strawberry.lazy(_LIVE)] = strawberry.field(
        resolver=course_registration, description="Capacity, quotas per member state, approval, closing, waiting list."
    )
    calendarUrl: str = strawberry.field(
        resolver=course_calendar_url, description="iCalendar (RFC 5545) feed of the course's live sessions."
    )
    inactivityReminderDays: int | None = strawberry.field(
        default=None,
        description=("Addition: days without progress after which an ACTIVE learner is reminded; null = no reminder."),
    )


@strawberry.type(description="A page of courses.")
class CourseConnection:
    nodes: list[Course] = strawberry.field(description="The courses on this page.")
    pageInfo: PageInfo = strawberry.field(description="How to get the next page.")
    totalCount: int = strawberry.field(description="Courses matching the filters, on every page.")
