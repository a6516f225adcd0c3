"""The progress rules on their own: lesson order, completion, quiz grading, cohort screening."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lms_shared.errors import BadInput, NotFound
from progress.domain.model import (
    MAX_COHORT,
    CourseVersion,
    LessonRecord,
    LessonStatus,
    Quiz,
    QuizAnswer,
    grade_quiz,
    screen_cohort,
    summarize,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def snapshot(**overrides: Any) -> dict[str, Any]:
    quiz = {
        "pass_score": 60,
        "questions": [
            {
                "id": "q1",
                "multiple": False,
                "options": [{"id": "q1a", "correct": True}, {"id": "q1b", "correct": False}],
            },
            {
                "id": "q2",
                "multiple": True,
                "options": [
                    {"id": "q2a", "correct": True},
                    {"id": "q2b", "correct": True},
                    {"id": "q2c", "correct": False},
                ],
            },
        ],
    }
    data: dict[str, Any] = {
        "course_id": "c1",
        "version": 1,
        "owner_id": "t1",
        "co_owner_ids": ["t2"],
        "default_language": "az",
        "titles": {"az": "Büdcə"},
        # Deliberately out of order: reading order comes from positions, not from list order.
        "modules": [
            {
                "id": "m2",
                "position": 2,
                "lessons": [{"id": "quiz", "position": 1, "kind": "QUIZ", "required": True, "quiz": quiz}],
            },
            {
                "id": "m1",
                "position": 1,
                "lessons": [
                    {"id": "l2", "position": 2, "kind": "VIDEO", "required": False},
                    {"id": "l1", "position": 1, "kind": "TEXT", "required": True},
                ],
            },
        ],
    }
    data.update(overrides)
    return data


COURSE = CourseVersion.from_snapshot(snapshot())
_quiz = COURSE.lesson("quiz").quiz
assert _quiz is not None
QUIZ: Quiz = _quiz


def test_lessons_are_in_module_then_lesson_position_order() -> None:
    assert [lesson.id for lesson in COURSE.lessons] == ["l1", "l2", "quiz"]
    assert COURSE.owner_ids == {"t1", "t2"}


def test_a_lesson_of_another_course_is_not_found() -> None:
    with pytest.raises(NotFound, match="not part of version 1"):
        COURSE.lesson("lesson-of-another-course")


def test_fresh_enrolment_resumes_at_the_first_required_lesson() -> None:
    view = summarize(COURSE, [])
    assert view.progress_percent == 0
    assert view.resume_lesson_id == "l1"
    assert not view.complete
    assert [v.status for v in view.lessons] == [LessonStatus.NOT_STARTED] * 3


def test_optional_lessons_do_not_count_towards_progress() -> None:
    view = summarize(COURSE, [LessonRecord("l2", NOW)])
    assert view.progress_percent == 0
    view = summarize(COURSE, [LessonRecord("l1", NOW)])
    assert view.progress_percent == 50
    assert view.resume_lesson_id == "quiz"


def test_a_failed_quiz_is_in_progress_and_does_not_complete() -> None:
    view = summarize(COURSE, [LessonRecord("l1", NOW), LessonRecord("quiz", None, attempts=2, best_score=50)])
    assert view.lessons[2].status is LessonStatus.IN_PROGRESS
    assert view.lessons[2].attempts == 2
    assert not view.complete
    assert view.progress_percent == 50


def test_all_required_lessons_and_passed_quiz_complete_the_course() -> None:
    view = summarize(COURSE, [LessonRecord("l1", NOW), LessonRecord("quiz", NOW, attempts=1, best_score=100)])
    assert view.complete
    assert view.progress_percent == 100
    assert view.resume_lesson_id is None
    assert view.score == 100


def test_without_quiz_the_score_is_none() -> None:
    course = CourseVersion.from_snapshot(
        snapshot(modules=[{"id": "m", "position": 1, "lessons": [{"id": "a", "position": 1, "kind": "TEXT"}]}])
    )
    view = summarize(course, [LessonRecord("a", NOW)])
    assert view.complete
    assert view.score is None


def test_a_course_of_optional_lessons_needs_all_of_them() -> None:
    lessons = [{"id": x, "position": i, "kind": "TEXT", "required": False} for i, x in enumerate("ab")]
    course = CourseVersion.from_snapshot(snapshot(modules=[{"id": "m", "position": 1, "lessons": lessons}]))
    assert not summarize(course, []).complete
    assert summarize(course, [LessonRecord("a", NOW), LessonRecord("b", NOW)]).complete


def test_quiz_all_right() -> None:
    grade = grade_quiz(QUIZ, [QuizAnswer("q1", ("q1a",)), QuizAnswer("q2", ("q2b", "q2a"))])
    assert (grade.score, grade.passed, grade.correct) == (100, True, 2)


def test_quiz_multiple_choice_needs_exactly_the_correct_set() -> None:
    grade = grade_quiz(QUIZ, [QuizAnswer("q1", ("q1a",)), QuizAnswer("q2", ("q2a",))])
    assert (grade.score, grade.passed) == (50, False)
    grade = grade_quiz(QUIZ, [QuizAnswer("q1", ("q1a",)), QuizAnswer("q2", ("q2a", "q2b", "q2c"))])
    assert grade.score == 50


def test_quiz_grade_says_per_question_whether_it_was_right_in_quiz_order() -> None:
    # Issue 18, item 11: the learner learns which questions were wrong, never which option is right.
    grade = grade_quiz(QUIZ, [QuizAnswer("q2", ("q2a",)), QuizAnswer("q1", ("q1a",))])
    assert grade.questions == (("q1", True), ("q2", False))
    assert grade_quiz(QUIZ, []).questions == (("q1", False), ("q2", False))


def test_quiz_missing_questions_count_as_wrong() -> None:
    grade = grade_quiz(QUIZ, [QuizAnswer("q1", ("q1a",))])
    assert (grade.score, grade.passed) == (50, False)
    assert grade_quiz(QUIZ, []).score == 0


def test_quiz_refuses_an_option_of_another_question() -> None:
    with pytest.raises(BadInput, match="belongs to question q2"):
        grade_quiz(QUIZ, [QuizAnswer("q1", ("q2a",))])


def test_quiz_refuses_unknown_question_and_option() -> None:
    with pytest.raises(BadInput, match="not part of this quiz"):
        grade_quiz(QUIZ, [QuizAnswer("q9", ("q1a",))])
    with pytest.raises(BadInput, match="not an option"):
        grade_quiz(QUIZ, [QuizAnswer("q1", ("nope",))])


def test_quiz_refuses_several_options_on_a_single_choice_question() -> None:
    with pytest.raises(BadInput, match="single answer"):
        grade_quiz(QUIZ, [QuizAnswer("q1", ("q1a", "q1b"))])


def test_quiz_refuses_a_question_answered_twice() -> None:
    with pytest.raises(BadInput, match="more than once"):
        grade_quiz(QUIZ, [QuizAnswer("q1", ("q1a",)), QuizAnswer("q1", ("q1b",))])


def test_cohort_screening_reports_blanks_and_each_duplicate_once() -> None:
    members = [
        {"learnerId": "a", "name": "Aygün"},
        {"learnerId": "a", "name": "Aygün"},
        {"learnerId": "a", "name": "Aygün"},
        {"learnerId": " ", "name": "Nobody"},
        {"learnerId": "b", "name": ""},
        {"learnerId": "c", "name": "Қайрат", "org": "KZ", "municipality": "Almaty"},
    ]
    accepted, failures = screen_cohort(members)
    assert [m.learner_id for m in accepted] == ["a", "c"]
    assert accepted[1].municipality == "Almaty"
    assert [(f.recipient, f.reason.split(" ")[0]) for f in failures] == [
        ("a", "listed"),
        ("Nobody", "learnerId"),
        ("b", "name"),
    ]


def test_cohort_over_the_limit_is_refused() -> None:
    with pytest.raises(BadInput, match="at most 10,000"):
        screen_cohort([{"learnerId": str(i), "name": "x"} for i in range(MAX_COHORT + 1)])


def test_cohort_member_with_an_overlong_field_is_reported_not_truncated() -> None:
    accepted, failures = screen_cohort([{"learnerId": "a", "name": "x" * 301}, {"learnerId": "b", "name": "B"}])
    assert [m.learner_id for m in accepted] == ["b"]
    assert failures[0].reason == "name is longer than 300 characters."
