"""The walking-skeleton slice of progress: course.published in, enrol, complete, course.completed out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CourseCompletedV1
from services.progress.tests.integration.support import (
    Api,
    course_published,
    eventually,
    publish,
    stream_events,
    text_lesson,
    uid,
)

pytestmark = pytest.mark.integration

COMPLETED = CourseCompletedV1.TYPE


async def test_one_lesson_course_completes_and_announces_it_once(
    nats_js: JetStreamContext,
    api: Callable[..., Api],
    outbox_events: Callable[[str, str], Awaitable[list[str]]],
) -> None:
    course_id = uid("course")
    lesson_id = f"{course_id}-l1"
    await publish(nats_js, course_published(course_id, [text_lesson(lesson_id, 1)]))
    learner_id = uid("learner")
    learner = api(learner_id, "Rəşad Əliyev", ["learner"], org="AZ", municipality="Baku", locale="az")

    enrollment = await learner.enroll_when_published(course_id)
    assert enrollment["status"] == "ACTIVE"
    assert enrollment["courseVersion"] == 1
    assert enrollment["resumeLessonId"] == lesson_id
    assert [(x["lessonId"], x["status"]) for x in enrollment["lessons"]] == [(lesson_id, "NOT_STARTED")]

    r = await learner.complete(enrollment["id"], lesson_id)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "COMPLETED"
    assert done["progressPercent"] == 100
    assert done["resumeLessonId"] is None
    assert done["completedAt"] is not None
    assert await outbox_events(COMPLETED, enrollment["id"]) != []

    async def on_stream() -> list[Any]:
        return [e for e in await stream_events(nats_js, COMPLETED) if e.subject_key == enrollment["id"]]

    events = await eventually(on_stream)
    assert len(events) == 1
    payload = CourseCompletedV1.model_validate(events[0].data)
    assert payload.learner_id == learner_id
    assert payload.learner_name == "Rəşad Əliyev"
    assert (payload.org, payload.municipality, payload.locale) == ("AZ", "Baku", "az")
    assert payload.course_id == course_id
    assert payload.course_version == 1
    assert payload.course_titles["kk"] == "Қатысымдық бюджет"
    assert payload.course_default_language == "az"
    assert payload.score is None
