"""The course aggregate: a working draft of modules, lessons, quizzes and materials, and the rules
for publishing it as an immutable version.

Pure Python: no database, no HTTP. The service layer loads an aggregate, asks it questions
(``can_edit``, ``publish_problems``) and persists what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from courses.domain.live import CertificateKind, LiveSession, RegistrationPolicy, Survey, survey_problems
from lms_shared.auth import Principal
from lms_shared.i18n import SUPPORTED_LANGUAGES, pick

Localized = dict[str, str]


class CourseStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class LessonKind(StrEnum):
    TEXT = "TEXT"
    VIDEO = "VIDEO"
    DOCUMENT = "DOCUMENT"
    QUIZ = "QUIZ"
    # Issue 15: a scheduled session (attendance completes it) and a feedback form.
    LIVE = "LIVE"
    SURVEY = "SURVEY"


class MaterialStatus(StrEnum):
    PENDING = "PENDING"
    READY = "READY"
    REJECTED = "REJECTED"


@dataclass
class QuizOption:
    id: str
    labels: Localized
    correct: bool


@dataclass
class Question:
    id: str
    prompts: Localized
    options: list[QuizOption]
    # None: decided by the answer key (more than one correct option makes it multiple choice).
    multiple_declared: bool | None = None

    @property
    def correct_count(self) -> int:
        return sum(1 for o in self.options if o.correct)

    @property
    def multiple(self) -> bool:
        if self.multiple_declared is not None:
            return self.multiple_declared
        return self.correct_count > 1


@dataclass
class Quiz:
    pass_score: int
    questions: list[Question]


@dataclass
class Material:
    id: str
    course_id: str
    filename: str
    content_type: str
    size: int
    status: MaterialStatus
    sha256: str | None = None
    rejection_reason: str | None = None
    object_key: str = ""
    # The confirmed object's ETag at ``object_key``: a download is refused if the object changed since.
    etag: str | None = None


@dataclass
class Lesson:
    id: str
    module_id: str
    position: int
    kind: LessonKind
    titles: Localized
    bodies: Localized = field(default_factory=dict)
    duration_minutes: int | None = None
    required: bool = True
    material_id: str | None = None
    material: Material | None = None
    quiz: Quiz | None = None
    live: LiveSession | None = None
    survey: Survey | None = None
    course_id: str | None = None


@dataclass
class Module:
    id: str
    position: int
    titles: Localized
    lessons: list[Lesson] = field(default_factory=list)


@dataclass
class Course:
    id: str
    slug: str
    owner_id: str
    default_language: str
    titles: Localized
    summaries: Localized = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)
    co_owner_ids: list[str] = field(default_factory=list)
    auto_issue: bool = True
    template_id: str | None = None
    status: CourseStatus = CourseStatus.DRAFT
    version: int = 0
    revision: int = 0
    published_revision: int = 0
    # Counts ownership changes (course.owners_changed); course.published carries it too.
    owner_revision: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    published_at: datetime | None = None
    modules: list[Module] = field(default_factory=list)
    # Set on a frozen version: the newest version, which may be later than the one shown.
    latest_version: int | None = None
    registration: RegistrationPolicy = field(default_factory=RegistrationPolicy)
    certificate_kind: CertificateKind = CertificateKind.COMPLETION
    # Days without progress after which an ACTIVE learner is reminded (notifications); None = never.
    inactivity_reminder_days: int | None = None

    @property
    def trainer_ids(self) -> list[str]:
        return [self.owner_id, *self.co_owner_ids]

    def can_edit(self, principal: Principal | None) -> bool:
        """Owners, co-owners and admins edit; nobody else, whatever their role."""
        if principal is None:
            return False
        return principal.is_admin or principal.sub in self.trainer_ids

    @property
    def has_unpublished_changes(self) -> bool:
        return self.version == 0 or self.revision != self.published_revision

    @property
    def languages(self) -> list[str]:
        """Languages with a title, the default first, then in the suite's usual order."""
        present = set(self.titles)
        ordered = [self.default_language] if self.default_language in present else []
        ordered += [code for code in SUPPORTED_LANGUAGES if code in present and code not in ordered]
        ordered += sorted(present - set(ordered))
        return ordered

    def lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def incomplete_languages(self) -> list[str]:
        """Languages of the course in which some text is missing, in :attr:`languages` order.

        A language is the course's when the course has a title in it. It is incomplete when any
        text that exists in some language lacks it: the summary, a module or lesson title, a lesson's
        body, a quiz question or option. A learner reading that language would meet the fallback
        language there, which is what the publish dialog warns about.
        """
        texts: list[Localized] = [self.summaries] if self.summaries else []
        for module in self.modules:
            texts.append(module.titles)
            for lesson in module.lessons:
                texts.append(lesson.titles)
                if lesson.bodies:
                    texts.append(lesson.bodies)
                for question in lesson.quiz.questions if lesson.quiz else []:
                    texts.append(question.prompts)
                    texts.extend(option.labels for option in question.options)
                if lesson.live and lesson.live.venues:
                    texts.append(lesson.live.venues)
                for sq in lesson.survey.questions if lesson.survey else []:
                    texts.append(sq.prompts)
                    texts.extend(option.labels for option in sq.options)
        return [lang for lang in self.languages if any(not (t.get(lang) or "").strip() for t in texts)]

    def label(self, texts: Localized) -> str:
        """A title as a trainer reads it in an error message: default language, else any."""
        return pick(texts, None, None, self.default_language) or "(untitled)"

    def publish_problems(self) -> list[str]:
        """Everything that stops this draft from being published, each saying what to fix."""
        problems: list[str] = []
        if not self.titles.get(self.default_language):
            problems.append(f"Add a course title in the default language ({self.default_language}).")
        if not self.modules:
            problems.append("Add at least one module with a lesson: an empty course cannot be published.")
        for module in self.modules:
            where_m = f"module {module.position} “{self.label(module.titles)}”"
            if not module.titles.get(self.default_language):
                problems.append(f"Give {where_m} a title in the default language ({self.default_language}).")
            if not module.lessons:
                problems.append(f"Add a lesson to {where_m}, or delete the module.")
            for lesson in module.lessons:
                problems.extend(self._lesson_problems(where_m, lesson))
        return problems

    def _lesson_problems(self, where_m: str, lesson: Lesson) -> list[str]:
        where = f"lesson {lesson.position} “{self.label(lesson.titles)}” in {where_m}"
        problems: list[str] = []
        if not lesson.titles.get(self.default_language):
            problems.append(f"Give {where} a title in the default language ({self.default_language}).")
        if lesson.kind in (LessonKind.VIDEO, LessonKind.DOCUMENT) and lesson.material_id is None:
            problems.append(f"Attach a material to {where}: {lesson.kind.value} lessons need an uploaded file.")
        if lesson.material_id is not None:
            material = lesson.material
            if material is None or material.status is not MaterialStatus.READY:
                state = material.status.value if material else "missing"
                problems.append(
                    f"The material of {where} is {state}, not READY: finish its upload with "
                    "confirmMaterialUpload, or attach another file."
                )
        if lesson.kind is LessonKind.QUIZ:
            if lesson.quiz is None or not lesson.quiz.questions:
                problems.append(f"Add questions to the quiz of {where}.")
            else:
                for n, question in enumerate(lesson.quiz.questions, start=1):
                    problems.extend(_question_problems(f"question {n} of {where}", question))
        if lesson.kind is LessonKind.LIVE and lesson.live is None:
            problems.append(f"Schedule {where}: a LIVE lesson needs its session (start, end, time zone).")
        if lesson.kind is LessonKind.SURVEY:
            problems.extend(f"In {where}: {p}." for p in survey_problems(lesson.survey))
        return problems


def _question_problems(where: str, question: Question) -> list[str]:
    problems: list[str] = []
    if len(question.options) < 2:
        problems.append(f"Give {where} at least two options.")
    if question.correct_count == 0:
        problems.append(f"Mark at least one option of {where} as correct.")
    elif question.multiple_declared is False and question.correct_count > 1:
        problems.append(
            f"{where[0].upper()}{where[1:]} is single choice but has {question.correct_count} correct "
            "options: keep one, or make it multiple choice."
        )
    return problems
