"""Publishing rules of the course aggregate, and the frozen snapshot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

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
from courses.domain.snapshot import from_snapshot, published_event, to_snapshot
from lms_shared.auth import Principal, Role

pytestmark = pytest.mark.unit


def course(*modules: Module) -> Course:
    return Course(
        id="c1", slug="pb", owner_id="t1", default_language="az", titles={"az": "Büdcə"}, modules=list(modules)
    )


def text_lesson(n: int = 1, **kw: object) -> Lesson:
    return Lesson(id=f"l{n}", module_id="m1", position=n, kind=LessonKind.TEXT, titles={"az": f"Dərs {n}"}, **kw)  # type: ignore[arg-type]


def question(*correct: bool, multiple: bool | None = None) -> Question:
    return Question(
        id="q1",
        prompts={"az": "Sual"},
        options=[QuizOption(f"o{i}", {"az": f"Cavab {i}"}, c) for i, c in enumerate(correct)],
        multiple_declared=multiple,
    )


def test_an_empty_course_cannot_be_published() -> None:
    [problem] = course().publish_problems()
    assert "empty course" in problem


def test_a_course_with_a_text_lesson_can_be_published() -> None:
    assert course(Module("m1", 1, {"az": "Giriş"}, [text_lesson()])).publish_problems() == []


def test_every_problem_is_listed_with_where_it_is() -> None:
    quiz_lesson = Lesson(
        id="l2",
        module_id="m1",
        position=2,
        kind=LessonKind.QUIZ,
        titles={"az": "Test"},
        quiz=Quiz(70, [question(False, False)]),
    )
    video = Lesson(
        id="l3",
        module_id="m1",
        position=3,
        kind=LessonKind.VIDEO,
        titles={"az": "Video"},
        material_id="mat",
        material=Material("mat", "c1", "v.mp4", "video/mp4", 10, MaterialStatus.PENDING),
    )
    document = Lesson(id="l4", module_id="m1", position=4, kind=LessonKind.DOCUMENT, titles={"kk": "Құжат"})
    problems = course(
        Module("m1", 1, {"az": "Giriş"}, [text_lesson(), quiz_lesson, video, document])
    ).publish_problems()
    text = " ".join(problems)
    assert "Mark at least one option of question 1 of lesson 2 “Test”" in text
    assert "The material of lesson 3 “Video”" in text and "PENDING" in text
    assert "Attach a material to lesson 4" in text
    assert "Give lesson 4 “Құжат” in module 1 “Giriş” a title in the default language (az)" in text
    assert len(problems) == 4


def test_single_choice_with_two_correct_options_is_refused_but_multiple_is_fine() -> None:
    def quiz_course(q: Question) -> Course:
        lesson = Lesson(
            id="l1", module_id="m1", position=1, kind=LessonKind.QUIZ, titles={"az": "T"}, quiz=Quiz(50, [q])
        )
        return course(Module("m1", 1, {"az": "M"}, [lesson]))

    [problem] = quiz_course(question(True, True, False, multiple=False)).publish_problems()
    assert "single choice but has 2 correct options" in problem
    assert quiz_course(question(True, True, False)).publish_problems() == []
    assert question(True, True).multiple is True and question(True, False).multiple is False


def test_a_quiz_lesson_without_questions_is_refused() -> None:
    lesson = Lesson(id="l1", module_id="m1", position=1, kind=LessonKind.QUIZ, titles={"az": "T"})
    [problem] = course(Module("m1", 1, {"az": "M"}, [lesson])).publish_problems()
    assert "Add questions to the quiz" in problem


def test_only_owners_co_owners_and_admins_edit() -> None:
    c = course()
    c.co_owner_ids = ["t2"]

    def who(sub: str, *roles: Role) -> Principal:
        return Principal(sub=sub, name=sub, roles=frozenset(roles))

    assert c.can_edit(who("t1", Role.TRAINER)) and c.can_edit(who("t2", Role.TRAINER))
    assert c.can_edit(who("root", Role.ADMIN))
    assert not c.can_edit(who("t3", Role.TRAINER)) and not c.can_edit(None)


def test_the_snapshot_round_trips_and_the_event_carries_the_answer_key() -> None:
    quiz_lesson = Lesson(
        id="l2",
        module_id="m1",
        position=2,
        kind=LessonKind.QUIZ,
        titles={"az": "Test", "ru": "Тест"},
        quiz=Quiz(70, [question(True, False)]),
    )
    c = course(Module("m1", 1, {"az": "Giriş"}, [text_lesson(bodies={"az": "# Mətn"}), quiz_lesson]))
    c.titles["kk"] = "Бюджет"
    frozen = from_snapshot(to_snapshot(c), version=3, status=CourseStatus.PUBLISHED, published_at=None)
    assert to_snapshot(frozen) == to_snapshot(c)
    assert frozen.version == 3 and frozen.modules[0].lessons[0].bodies == {"az": "# Mətn"}

    event = published_event(c, 3, datetime(2026, 1, 1, tzinfo=UTC))
    key = event.modules[0].lessons[1].quiz
    assert key is not None and [o.correct for o in key.questions[0].options] == [True, False]
    assert event.languages == ["az", "kk"]
