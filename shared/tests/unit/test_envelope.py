from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms_shared.events.catalogue import CourseCompletedV1, parse_payload
from lms_shared.events.envelope import Envelope

pytestmark = pytest.mark.unit


def completed() -> CourseCompletedV1:
    return CourseCompletedV1(
        enrollment_id="e1",
        course_id="c1",
        course_version=2,
        course_titles={"kk": "Қала"},
        course_default_language="kk",
        learner_id="l1",
        learner_name="Әлия Қасымқызы",
        completed_at=datetime(2026, 11, 27, tzinfo=UTC),
    )


def test_envelope_round_trips_through_bytes_with_every_letter() -> None:
    env = completed().envelope()
    back = Envelope.from_bytes(env.to_bytes())
    assert back == env
    payload = parse_payload(back)
    assert isinstance(payload, CourseCompletedV1) and payload.learner_name == "Әлия Қасымқызы"


def test_envelope_carries_type_source_key_and_a_fresh_id() -> None:
    a, b = completed().envelope(), completed().envelope()
    assert a.type == "lms.progress.course.completed.v1" == a.subject
    assert a.source == "progress" and a.subject_key == "e1" and a.minor_version == 1
    assert a.id != b.id
    assert a.time.tzinfo is not None


def test_unknown_fields_from_a_newer_minor_are_ignored() -> None:
    env = completed().envelope()
    newer = env.model_copy(update={"data": {**env.data, "cohort": "2026-spring"}, "minor_version": 1})
    assert parse_payload(newer) == completed()


def test_learner_is_nested_and_flat_fields_are_kept_for_minor_zero_readers() -> None:
    """Minor 1 nests the learner; a producer names it once, both shapes are on the wire."""
    from lms_shared.events.catalogue import LearnerData

    event = CourseCompletedV1(
        enrollment_id="e1",
        course_id="c1",
        course_version=1,
        course_titles={"kk": "Қала"},
        course_default_language="kk",
        learner=LearnerData(id="l1", name="Әлия", org="KZ", municipality="Almaty", locale="kk", email="a@example.kz"),
        completed_at=datetime(2026, 11, 27, tzinfo=UTC),
    )
    data = event.model_dump(mode="json")
    assert data["learner"]["email"] == "a@example.kz"
    assert (data["learner_id"], data["learner_name"], data["org"], data["locale"]) == ("l1", "Әлия", "KZ", "kk")


def test_an_event_of_minor_zero_parses_with_its_learner_nested() -> None:
    old = completed().model_dump(mode="json")
    old.pop("learner")
    parsed = CourseCompletedV1.model_validate(old)
    assert parsed.person.id == "l1" and parsed.person.name == "Әлия Қасымқызы"
