"""On the real stack: one name the font cannot print costs only that recipient (issue 12, item 8).

Completions and the course travel through JetStream as progress's and courses' relays send them;
the certificates service stores the course, issues the others, records the failure where an admin
sees it, and dead-letters nothing. A corrected name then issues exactly one certificate.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.dlq import LetterFilter, iter_dead_letters

from .conftest import completion_event, course_event, publish, wait_for

pytestmark = pytest.mark.integration

UNPRINTABLE = "Aigerim \U0001f600 Sadykova"  # an emoji: no glyph in the certificate font


async def test_an_unprintable_name_is_recorded_and_fixed_while_the_course_and_the_others_go_on(
    nats_js: tuple[NATS, JetStreamContext],
    certs: httpx.AsyncClient,
    db: asyncpg.Pool,
    admin: dict[str, str],
    token_for: Callable[..., str],
) -> None:
    js = nats_js[1]
    since = datetime.now(UTC) - timedelta(seconds=1)
    owner = f"trainer-{uuid.uuid4().hex[:8]}"
    course = course_event(auto_issue=True, languages=["az", "ru"], default="az", owner=owner)
    tag = uuid.uuid4().hex[:8]
    names = {f"l1-{tag}": "Rəşad Əliyev", f"l2-{tag}": UNPRINTABLE, f"l3-{tag}": "Мария Иванова"}
    # The completions overtake the course: all three wait for it, then are issued when it arrives.
    for learner, name in names.items():
        await publish(js, completion_event(course, learner, name))

    async def waiting() -> bool:
        n = await db.fetchval("SELECT count(*) FROM completion WHERE course_id = $1", course.course_id)
        return int(n) == 3

    await wait_for(waiting, timeout=60)
    course_env = await publish(js, course)

    async def settled() -> bool:
        issued = await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id)
        failed = await db.fetchval("SELECT count(*) FROM auto_issue_failure WHERE course_id = $1", course.course_id)
        return int(issued) == 2 and int(failed) == 1

    await wait_for(settled, timeout=90)
    assert await db.fetchval("SELECT version FROM course WHERE id = $1", course.course_id) == 1
    assert await db.fetchval(
        "SELECT 1 FROM processed_event WHERE consumer = 'certificates-courses' AND event_id = $1", course_env.id
    ), "course.published was applied (committed), not rolled back"
    holders = {
        r["learner_id"]
        for r in await db.fetch("SELECT learner_id FROM certificate WHERE course_id = $1", course.course_id)
    }
    assert holders == {f"l1-{tag}", f"l3-{tag}"}

    # A completion after the course is known, with a name that cannot be printed either.
    late = f"l4-{tag}"
    await publish(js, completion_event(course, late, "Дана \U0001f393"))

    async def two_failures() -> list[dict[str, Any]] | None:
        r = await certs.get("/v1/auto-issue-failures", params={"courseId": course.course_id}, headers=admin)
        assert r.status_code == 200, r.text
        nodes: list[dict[str, Any]] = r.json()["nodes"]
        return nodes if len(nodes) == 2 else None

    nodes = await wait_for(two_failures, timeout=60)
    by_learner = {n["learnerId"]: n for n in nodes}
    failure = by_learner[f"l2-{tag}"]
    assert failure["name"] == UNPRINTABLE and failure["reasonCode"] == "RENDER_FAILED"
    assert "U+1F600" in failure["reason"] and failure["resolvedAt"] is None and failure["attempts"] == 1
    assert by_learner[late]["reasonCode"] == "RENDER_FAILED"

    # The course's trainer sees them too; another trainer and a learner do not.
    owner_token = {"Authorization": f"Bearer {token_for(owner, 'Timur Trainer', ['trainer'])}"}
    r = await certs.get("/v1/auto-issue-failures", params={"courseId": course.course_id}, headers=owner_token)
    assert r.status_code == 200 and len(r.json()["nodes"]) == 2, r.text
    stranger = {"Authorization": f"Bearer {token_for('trainer-other', 'Other', ['trainer'])}"}
    r = await certs.get("/v1/auto-issue-failures", params={"courseId": course.course_id}, headers=stranger)
    assert r.status_code == 403, r.text
    r = await certs.post(f"/v1/auto-issue-failures/{failure['id']}/retry", json={"name": "X"}, headers=owner_token)
    assert r.status_code == 403, r.text

    # The fix: a corrected name issues exactly one certificate; a second retry returns it again.
    bad = await certs.post(
        f"/v1/auto-issue-failures/{failure['id']}/retry", json={"name": "Aigerim\u0007 Sadykova"}, headers=admin
    )
    assert bad.status_code == 422, bad.text
    fixed = await certs.post(
        f"/v1/auto-issue-failures/{failure['id']}/retry", json={"name": "Aigerim Sadykova"}, headers=admin
    )
    assert fixed.status_code == 201, fixed.text
    cert = fixed.json()
    assert cert["learnerName"] == "Aigerim Sadykova" and cert["courseId"] == course.course_id
    assert cert["status"] == "VALID"
    again = await certs.post(
        f"/v1/auto-issue-failures/{failure['id']}/retry", json={"name": "Aigerim S."}, headers=admin
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == cert["id"] and again.json()["learnerName"] == "Aigerim Sadykova"
    count = await db.fetchval(
        "SELECT count(*) FROM certificate WHERE course_id = $1 AND learner_id = $2", course.course_id, f"l2-{tag}"
    )
    assert count == 1
    assert await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id) == 3
    r = await certs.get("/v1/auto-issue-failures", params={"courseId": course.course_id}, headers=admin)
    assert [n["learnerId"] for n in r.json()["nodes"]] == [late], "the fixed one is no longer open"
    r = await certs.get(
        "/v1/auto-issue-failures", params={"courseId": course.course_id, "includeResolved": "true"}, headers=admin
    )
    resolved = {n["learnerId"]: n for n in r.json()["nodes"]}[f"l2-{tag}"]
    assert resolved["certificateId"] == cert["id"] and resolved["resolvedAt"]

    # Nothing of this course was parked as a dead letter by any certificates consumer.
    letters = [
        letter
        async for letter in iter_dead_letters(js, LetterFilter(since=since))
        if letter.consumer.startswith("certificates-")
        and json.loads(letter.data).get("data", {}).get("course_id") == course.course_id
    ]
    assert letters == []
