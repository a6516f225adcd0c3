"""Which of a course's languages a learner would read with gaps: what the publish dialog lists."""

from __future__ import annotations

import pytest

from courses.domain.model import Course, Lesson, LessonKind, Module, Question, Quiz, QuizOption

pytestmark = pytest.mark.unit

BOTH = {"en": "Budget", "az": "Büdcə"}


def lesson(n: int, titles: dict[str, str], **kw: object) -> Lesson:
    return Lesson(id=f"l{n}", module_id="m1", position=n, kind=LessonKind.TEXT, titles=titles, **kw)  # type: ignore[arg-type]


def course(*lessons: Lesson, titles: dict[str, str] | None = None, summaries: dict[str, str] | None = None) -> Course:
    return Course(
        id="c1",
        slug="pb",
        owner_id="t1",
        default_language="en",
        titles=titles or dict(BOTH),
        summaries=summaries or {},
        modules=[Module(id="m1", position=1, titles=dict(BOTH), lessons=list(lessons))],
    )


def test_a_course_translated_everywhere_is_complete() -> None:
    c = course(lesson(1, dict(BOTH), bodies={"en": "Text", "az": "Mətn"}), summaries={"en": "S", "az": "X"})
    assert c.incomplete_languages == []


def test_a_lesson_body_missing_in_one_language_makes_it_incomplete() -> None:
    # The reported case: the dialog claimed "English, Azərbaycanca" for a lesson with no Azerbaijani text.
    c = course(lesson(1, dict(BOTH), bodies={"en": "Only English text"}))
    assert c.incomplete_languages == ["az"]


def test_blank_text_counts_as_missing() -> None:
    c = course(lesson(1, {"en": "Lesson", "az": "   "}))
    assert c.incomplete_languages == ["az"]


def test_summary_module_titles_and_quiz_texts_are_checked() -> None:
    assert course(summaries={"en": "About"}).incomplete_languages == ["az"]
    quiz = Quiz(
        pass_score=50,
        questions=[
            Question(
                id="q1",
                prompts=dict(BOTH),
                options=[QuizOption("o1", dict(BOTH), True), QuizOption("o2", {"az": "Xeyr"}, False)],
            )
        ],
    )
    assert course(lesson(1, dict(BOTH), quiz=quiz)).incomplete_languages == ["en"]
    c = course()
    c.modules[0].titles = {"az": "Modul"}
    assert c.incomplete_languages == ["en"]


def test_only_the_courses_own_languages_are_listed_in_their_order() -> None:
    # A lesson translated into Kazakh does not add Kazakh to an English/Azerbaijani course.
    c = course(lesson(1, {"en": "L", "az": "D", "kk": "С"}), titles={"az": "Büdcə", "en": "Budget"})
    assert c.incomplete_languages == []
    c = course(lesson(1, {"kk": "Сабақ"}), titles={"az": "Büdcə", "en": "Budget", "kk": "Бюджет"})
    assert c.incomplete_languages == ["en", "az", "kk"]  # the lesson lacks en and az, the module kk
    c.modules[0].titles["kk"] = "Модуль"
    assert c.incomplete_languages == ["en", "az"]
