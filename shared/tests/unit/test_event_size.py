"""Events over ``LMS_EVENT_MAX_BYTES`` are refused where they are staged, not left in the outbox for good."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lms_shared.events.catalogue import CourseArchivedV1
from lms_shared.outbox import EventTooLarge, add_event, encoded

pytestmark = pytest.mark.unit


def event() -> Any:
    return CourseArchivedV1(course_id="c" * 40, version=1, archived_at=datetime(2026, 1, 1, tzinfo=UTC)).envelope()


def test_an_event_within_the_limit_is_its_envelope_bytes() -> None:
    env = event()
    assert encoded(env, limit=10_000) == env.to_bytes()


def test_an_event_over_the_limit_is_refused_with_its_size_and_the_limit() -> None:
    env = event()
    size = len(env.to_bytes())
    with pytest.raises(EventTooLarge) as refused:
        encoded(env, limit=size - 1)
    message = str(refused.value)
    assert f"{size:,}-byte" in message and f"limited to {size - 1:,} bytes" in message
    assert "Nothing was saved" in message and refused.value.code == "BAD_USER_INPUT"


class RecordingSession:
    def __init__(self) -> None:
        self.statements: list[Any] = []

    async def execute(self, statement: Any, *args: Any) -> None:
        self.statements.append(statement)


async def test_add_event_refuses_before_writing_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    from lms_shared import outbox

    monkeypatch.setattr(outbox, "get_settings", lambda: type("S", (), {"event_max_bytes": 100})())
    session = RecordingSession()
    with pytest.raises(EventTooLarge):
        await add_event(session, object(), event())  # type: ignore[arg-type]
    assert session.statements == []
