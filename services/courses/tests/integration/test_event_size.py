"""A course too large for one ``course.published`` event is refused at publish, with nothing saved.

Before, such a course was published, its event sat in the outbox for good (NATS refuses payloads over
``max_payload``) and progress and certificates never learnt the course. This folder's stack limits
events to 64 KiB (``LMS_EVENT_MAX_BYTES``, see conftest.py) so a few dozen lessons are enough.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from lms_shared.db import asyncpg_dsn
from lms_shared.i18n import SUPPORTED_LANGUAGES

from .conftest import EVENT_MAX_BYTES, new_course, texts

pytestmark = pytest.mark.integration


def long_titles(n: int) -> list[dict[str, str]]:
    return texts(**{lang: f"{lang} {n} " + "ə" * 180 for lang in SUPPORTED_LANGUAGES})


async def test_a_course_too_large_for_one_event_is_refused_and_stays_a_draft(people: Any, env: dict[str, str]) -> None:
    trainer = people("trainer")
    course = await new_course(trainer)
    cid = course["id"]
    module = await trainer.ok("POST", f"/v1/courses/{cid}/modules", json={"titles": long_titles(0)})
    for n in range(40):  # ~40 x 7 x 360 bytes: well over 64 KiB of titles
        await trainer.ok("POST", f"/v1/modules/{module['id']}/lessons", json={"kind": "TEXT", "titles": long_titles(n)})
    db = await asyncpg.connect(asyncpg_dsn(env["LMS_COURSES_DATABASE_URL"]))
    try:
        before = await db.fetchval("SELECT count(*) FROM outbox_message")
        r = await trainer.call("POST", f"/v1/courses/{cid}/publish")
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "BAD_USER_INPUT"
        assert f"limited to {EVENT_MAX_BYTES:,} bytes" in error["message"] and "Nothing was saved" in error["message"]
        assert await db.fetchval("SELECT count(*) FROM outbox_message") == before
        assert await db.fetchval("SELECT count(*) FROM course_version WHERE course_id = $1", cid) == 0
    finally:
        await db.close()
    draft = await trainer.ok("GET", f"/v1/courses/{cid}")
    assert draft["status"] == "DRAFT"

    # Made smaller, the same course publishes.
    lessons = await trainer.ok("GET", f"/v1/courses/{cid}")
    for lesson in lessons["modules"][0]["lessons"][5:]:
        await trainer.ok("DELETE", f"/v1/lessons/{lesson['id']}")
    published = await trainer.ok("POST", f"/v1/courses/{cid}/publish")
    assert published["version"] == 1
