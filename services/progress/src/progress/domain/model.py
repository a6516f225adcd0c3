"""Learner progress, as pure rules: what a course version asks of a learner, and how far they are.

Nothing here touches the database or the network: the service layer loads a :class:`CourseVersion`
(from the ``course.published`` snapshot) and the learner's :class:`LessonRecord` rows, and asks this
module what the enrolment looks like and whether it is complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from lms_shared.errors import BadInput, NotFound
from lms_shared.names import NameRefused, clean_name
from progress.domain.attendance import LiveWindow
from progress.domain.surveys import Survey


class EnrollmentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    # Registration (issue 15, domain/registration.py): waiting for approval (holds a seat), waiting
    # for a seat, refused by a trainer or a country admin.
    PENDING = "PENDING"
    WAITLISTED = "WAITLISTED"
    REJECTED = "REJECTED"


class LessonStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


QUIZ = "QUIZ"


@dataclass(frozen=True)
class QuizQuestion:
    id: str
    multiple: bool
    option_ids: frozenset[str]
    correct_ids: frozenset[str]


@dataclass(frozen=True)
class Quiz:
    pass_score: int
    questions: tuple[QuizQuestion, ...]


@dataclass(frozen=True)
class Lesson:
    id: str
    kind: str
    required: bool
    quiz: Quiz | None = None
    live: LiveWindow | None = None  # LIVE lessons (domain/attendance.py)
    survey: Survey | None = None  # SURVEY lessons (domain/surveys.py)


@dataclass(frozen=True)
class CourseVersion:
    """One immutable published version of a course, lessons in reading order."""

    course_id: str
    version: int
    lessons: tuple[Lesson, ...]
    titles: Mapping[str, str]
    default_language: str
    owner_ids: frozenset[str]
    _by_id: dict[str, Lesson] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({lesson.id: lesson for lesson in self.lessons})

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> CourseVersion:
        """Build from the ``data`` of a ``lms.courses.course.published.v1`` event."""
        lessons: list[Lesson] = []
        for module in sorted(snapshot["modules"], key=lambda m: (m["position"], m["id"])):
            for raw in sorted(module["lessons"], key=lambda item: (item["position"], item["id"])):
                quiz = None
                if raw.get("quiz"):
                    quiz = Quiz(
                        pass_score=int(raw["quiz"]["pass_score"]),
                        questions=tuple(
                            QuizQuestion(
                                id=q["id"],
                                multiple=bool(q["multiple"]),
                                option_ids=frozenset(o["id"] for o in q["options"]),
                                correct_ids=frozenset(o["id"] for o in q["options"] if o["correct"]),
                            )
                            for q in raw["quiz"]["questions"]
                        ),
                    )
                lessons.append(
                    Lesson(
                        id=raw["id"],
                        kind=raw["kind"],
                        required=bool(raw.get("required", True)),
                        quiz=quiz,
                        live=LiveWindow.from_snapshot(raw["live"]) if raw.get("live") else None,
                        survey=Survey.from_snapshot(raw["survey"]) if raw.get("survey") else None,
                    )
                )
        return cls(
            course_id=snapshot["course_id"],
            version=int(snapshot["version"]),
            lessons=tuple(lessons),
            titles=dict(snapshot.get("titles") or {}),
            default_language=snapshot["default_language"],
            owner_ids=frozenset([snapshot["owner_id"], *(snapshot.get("co_owner_ids") or [])]),
        )

    def lesson(self, lesson_id: str) -> Lesson:
        """The lesson of this version, or NOT_FOUND naming the version the learner is pinned to."""
        found = self._by_id.get(lesson_id)
        if found is None:
            raise NotFound(
                f"Lesson {lesson_id} is not part of version {self.version} of this course, "
                "the version this enrolment follows."
            )
        return found

    @property
    def counted_lessons(self) -> tuple[Lesson, ...]:
        """The lessons completion depends on: the required ones.

        A course whose lessons are all optional would otherwise be complete on enrolment, which
        certifies nothing; then every lesson counts.
        """
        required = tuple(lesson for lesson in self.lessons if lesson.required)
        return required or self.lessons


@dataclass(frozen=True)
class LessonRecord:
    """What the learner has done in one lesson (absent = not started)."""

    lesson_id: str
    completed_at: datetime | None
    attempts: int = 0
    best_score: int | None = None

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


@dataclass(frozen=True)
class LessonView:
    lesson_id: str
    status: LessonStatus
    completed_at: datetime | None
    best_score: int | None
    attempts: int


@dataclass(frozen=True)
class ProgressView:
    """What a learner coming back wants to know about their enrolment."""

    lessons: tuple[LessonView, ...]
    progress_percent: float
    resume_lesson_id: str | None
    complete: bool
    score: int | None


def summarize(course: CourseVersion, records: Iterable[LessonRecord]) -> ProgressView:
    """Per-lesson status, share of counted lessons done, where to resume, and whether it is complete."""
    by_id = {r.lesson_id: r for r in records}
    views: list[LessonView] = []
    for lesson in course.lessons:
        rec = by_id.get(lesson.id)
        if rec is None:
            views.append(LessonView(lesson.id, LessonStatus.NOT_STARTED, None, None, 0))
            continue
        status = LessonStatus.COMPLETED if rec.completed else LessonStatus.IN_PROGRESS
        views.append(LessonView(lesson.id, status, rec.completed_at, rec.best_score, rec.attempts))
    counted = course.counted_lessons
    done = [lesson for lesson in counted if (r := by_id.get(lesson.id)) is not None and r.completed]
    remaining = [lesson for lesson in counted if lesson not in done]
    complete = bool(counted) and not remaining
    percent = 100.0 if complete else (round(100.0 * len(done) / len(counted), 1) if counted else 0.0)
    quiz_scores = [
        r.best_score
        for lesson in counted
        if lesson.kind == QUIZ and (r := by_id.get(lesson.id)) is not None and r.best_score is not None
    ]
    score = round(sum(quiz_scores) / len(quiz_scores)) if quiz_scores else None
    return ProgressView(
        lessons=tuple(views),
        progress_percent=percent,
        resume_lesson_id=remaining[0].id if remaining else None,
        complete=complete,
        score=score,
    )


@dataclass(frozen=True)
class QuizAnswer:
    question_id: str
    option_ids: tuple[str, ...]


@dataclass(frozen=True)
class QuizGrade:
    score: int
    passed: bool
    correct: int
    total: int
    # Per question, in the quiz's order: (question id, answered right). Never which option is right.
    questions: tuple[tuple[str, bool], ...] = ()


def grade_quiz(quiz: Quiz, answers: Sequence[QuizAnswer]) -> QuizGrade:
    """Grade against the answer key: a question is right when exactly its correct options are chosen.

    Unanswered questions count as wrong. Malformed answers are refused rather than counted as wrong,
    so a client bug never silently costs a learner an attempt.
    """
    questions = {q.id: q for q in quiz.questions}
    option_owner = {o: q.id for q in quiz.questions for o in q.option_ids}
    chosen: dict[str, frozenset[str]] = {}
    for answer in answers:
        question = questions.get(answer.question_id)
        if question is None:
            raise BadInput(f"Question {answer.question_id} is not part of this quiz.")
        if answer.question_id in chosen:
            raise BadInput(f"Question {answer.question_id} is answered more than once; send one answer per question.")
        options = frozenset(answer.option_ids)
        for option in options:
            owner = option_owner.get(option)
            if owner is None:
                raise BadInput(f"Option {option} is not an option of question {answer.question_id}.")
            if owner != answer.question_id:
                raise BadInput(f"Option {option} belongs to question {owner}, not to question {answer.question_id}.")
        if not question.multiple and len(options) > 1:
            raise BadInput(f"Question {answer.question_id} takes a single answer; choose one option.")
        chosen[answer.question_id] = options
    total = len(quiz.questions)
    right = tuple((q.id, chosen.get(q.id) == q.correct_ids) for q in quiz.questions)
    correct = sum(1 for _, ok in right if ok)
    score = round(100 * correct / total) if total else 100
    return QuizGrade(score=score, passed=score >= quiz.pass_score, correct=correct, total=total, questions=right)


MAX_COHORT = 10_000
# Column sizes of the enrolment table: longer values are refused with a message, never truncated.
FIELD_LIMITS = {"learnerId": 255, "name": 300, "org": 64, "municipality": 200}


def oversized_field(values: Mapping[str, str | None]) -> str | None:
    """A message naming the first value longer than its column allows, or None."""
    for key, limit in FIELD_LIMITS.items():
        value = values.get(key)
        if value is not None and len(value) > limit:
            return f"{key} is longer than {limit} characters."
    return None


@dataclass(frozen=True)
class CohortMember:
    learner_id: str
    name: str
    org: str | None = None
    municipality: str | None = None


@dataclass(frozen=True)
class CohortFailure:
    recipient: str
    reason: str


def screen_cohort(members: Sequence[Mapping[str, Any]]) -> tuple[list[CohortMember], list[CohortFailure]]:
    """Split a cohort list into members to enrol and failures to report (blank fields, duplicates).

    Each learner listed more than once is enrolled once and reported once.
    """
    if len(members) > MAX_COHORT:
        raise BadInput(
            f"A cohort can enrol at most {MAX_COHORT:,} learners per call; this list has {len(members):,}. "
            "Split it into several calls."
        )
    accepted: dict[str, CohortMember] = {}
    failures: list[CohortFailure] = []
    reported_duplicates: set[str] = set()
    for index, raw in enumerate(members, start=1):
        learner_id = _clean(raw.get("learnerId"))
        name = _clean(raw.get("name"))
        if learner_id is None:
            failures.append(CohortFailure(name or f"row {index}", "learnerId is required."))
            continue
        if name is None:
            failures.append(CohortFailure(learner_id, "name is required (it is printed on the certificate)."))
            continue
        try:
            name = clean_name(name).name
        except NameRefused as refused:
            failures.append(CohortFailure(learner_id, f"{refused}."))
            continue
        member = {
            "learnerId": learner_id,
            "name": name,
            "org": _clean(raw.get("org")),
            "municipality": _clean(raw.get("municipality")),
        }
        too_long = oversized_field(member)
        if too_long is not None:
            failures.append(CohortFailure(learner_id[:255], too_long))
            continue
        if learner_id in accepted:
            if learner_id not in reported_duplicates:
                reported_duplicates.add(learner_id)
                failures.append(CohortFailure(learner_id, "listed more than once; enrolled once."))
            continue
        accepted[learner_id] = CohortMember(
            learner_id=learner_id, name=name, org=member["org"], municipality=member["municipality"]
        )
    return list(accepted.values()), failures


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped or None
