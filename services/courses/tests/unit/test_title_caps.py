"""Titles are capped where they enter: a course title is printed on certificates (issue 13, finding 14)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from courses.service_layer.commands import TITLE_MAX, CreateCourse, LessonInput, ModuleInput, UpdateCourse

pytestmark = pytest.mark.unit


def texts(text: str) -> list[dict[str, str]]:
    return [{"lang": "en", "text": "Fine"}, {"lang": "kk", "text": text}]


@pytest.mark.parametrize(
    "build",
    [
        lambda t: CreateCourse(slug="capped-course", titles=texts(t), defaultLanguage="en"),
        lambda t: UpdateCourse(titles=texts(t)),
        lambda t: ModuleInput(titles=texts(t)),
        lambda t: LessonInput(kind="TEXT", titles=texts(t)),
    ],
)
def test_a_title_over_the_cap_is_refused_naming_the_language_and_the_limit(build: object) -> None:
    assert build("ә" * TITLE_MAX)  # type: ignore[operator]
    with pytest.raises(ValidationError) as refused:
        build("ә" * (TITLE_MAX + 1))  # type: ignore[operator]
    assert f"the title in 'kk' is {TITLE_MAX + 1:,} characters long; the limit is {TITLE_MAX:,}" in str(refused.value)


def test_summaries_and_lesson_bodies_stay_long() -> None:
    course = CreateCourse(
        slug="long-summary", titles=texts("ok"), defaultLanguage="en", summaries=[{"lang": "en", "text": "s" * 5000}]
    )
    assert len(course.summaries or []) == 1
    assert LessonInput(kind="TEXT", titles=texts("ok"), bodies=[{"lang": "en", "text": "b" * 50_000}])
