"""Every event payload stays compatible with its snapshotted JSON Schema within its major version."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from lms_shared.events.catalogue import CATALOGUE, CourseCompletedV1, Payload
from lms_shared.events.snapshot import SCHEMA_DIR, current_schemas, incompatibilities, snapshot_path

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_payload_matches_its_snapshot(event_type: str) -> None:
    path = snapshot_path(event_type)
    assert path.exists(), f"no snapshot for {event_type}: run `make schemas` and commit it"
    problems = incompatibilities(json.loads(path.read_text()), current_schemas()[event_type])
    assert problems == [], f"{event_type} changed incompatibly: {problems}"


def test_no_event_type_disappeared() -> None:
    snapshotted = {p.name.removesuffix(".json") for p in SCHEMA_DIR.glob("*.json")}
    assert snapshotted <= set(CATALOGUE), f"event types removed: {sorted(snapshotted - set(CATALOGUE))}"


def test_every_type_name_carries_its_major_version() -> None:
    for event_type in CATALOGUE:
        assert event_type.startswith("lms.") and event_type.rsplit(".", 1)[-1].startswith("v")


# The checker itself must be able to fail, or the tests above prove nothing.


def _schema(cls: type[Payload]) -> dict:
    return cls.model_json_schema(mode="serialization")


def test_checker_rejects_a_removed_field() -> None:
    old = _schema(CourseCompletedV1)
    new = json.loads(json.dumps(old))
    del new["properties"]["learner_name"]
    new["required"].remove("learner_name")
    assert any("learner_name: removed" in p for p in incompatibilities(old, new))


def test_checker_rejects_a_changed_type() -> None:
    old = _schema(CourseCompletedV1)
    new = json.loads(json.dumps(old))
    new["properties"]["course_version"] = {"type": "string"}
    assert any("course_version: type changed" in p for p in incompatibilities(old, new))


def test_checker_rejects_a_new_required_field_but_accepts_an_optional_one() -> None:
    class Required(CourseCompletedV1):
        TYPE: ClassVar[str] = "x"
        cohort: str

    class Optional(CourseCompletedV1):
        TYPE: ClassVar[str] = "x"
        cohort: str | None = None

    old = _schema(CourseCompletedV1)
    assert any("cohort: new property is required" in p for p in incompatibilities(old, _schema(Required)))
    assert incompatibilities(old, _schema(Optional)) == []
