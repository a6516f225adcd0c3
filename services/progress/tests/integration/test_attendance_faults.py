"""Check-in when things fail (issue 15, "what if it fails?"), on a progress stack of its own.

- Postgres unreachable for a while (a :class:`tests.support.faults.FaultyLink` between progress and
  its database, cut then restored): check-in answers 503 UNAVAILABLE (retry), never a 500, and once
  the database is back the same check-in succeeds and is recorded exactly once.
- progress killed (SIGKILL) after a check-in committed and before any relay published it: the events
  wait in the outbox, and the relay publishes them once it runs, exactly once.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from lms_shared.db import asyncpg_dsn
from lms_shared.jetstream import connect
from services.progress.tests.integration.support import Api, course_published, eventually, publish, stream_events, uid
from services.progress.tests.integration.test_attendance import live_lesson
from tests.support.faults import FaultyLink
from tests.support.stack import service_stack
from tests.support.tokens import make_token

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RECORDED = "lms.progress.attendance.recorded.v1"
LESSON_DONE = "lms.progress.lesson.completed.v1"


@pytest.fixture(scope="module")
def outage_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = Path(tmp_path_factory.mktemp("progress-checkin-outage"))
    with service_stack(path, "progress", ("progress", "progress-relay")) as stack:
        yield stack


def _through(link: FaultyLink, url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{link.port}" if parts.username else f"127.0.0.1:{link.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _restart_progress(stack: Any, **env: str) -> None:
    stack.stop_role("progress")
    spec = stack.roles["progress"]
    stack.roles["progress"] = dataclasses.replace(spec, replica_env={**spec.replica_env, **env})
    stack.start_role("progress")
    stack.wait_healthy(timeout=120, names=["progress"])


@pytest.fixture
async def db(outage_stack: Any) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(asyncpg_dsn(outage_stack.env["LMS_PROGRESS_DATABASE_URL"]), min_size=1, max_size=2)
    yield pool
    await pool.close()


def _api(stack: Any, sub: str, roles: list[str], **claims: Any) -> Api:
    token = make_token(stack.env["LMS_JWT_SECRET"], sub=sub, name=f"Person {sub}", roles=roles, **claims)
    return Api(stack.env["LMS_PROGRESS_URL"], token)


async def _forum(stack: Any) -> tuple[str, str, Api]:
    nc, js = await connect(stack.env["LMS_NATS_URL"], "progress-outage-tests")
    try:
        course_id, owner = uid("forum"), uid("trainer")
        await publish(js, course_published(course_id, [live_lesson(f"{course_id}-d1", 1)], owner_id=owner))
    finally:
        await nc.drain()
    return course_id, f"{course_id}-d1", _api(stack, owner, ["trainer"])


async def test_check_in_while_postgres_is_down_is_retryable_and_recorded_once(
    outage_stack: Any, db: asyncpg.Pool
) -> None:
    env = outage_stack.env
    db_url = env["LMS_PROGRESS_DATABASE_URL"]
    parts = urlsplit(db_url)
    link = FaultyLink(parts.hostname or "127.0.0.1", int(parts.port or 5432))
    await asyncio.to_thread(_restart_progress, outage_stack, LMS_PROGRESS_DATABASE_URL=_through(link, db_url))
    course_id, lesson_id, trainer = await _forum(outage_stack)
    learner = _api(outage_stack, uid("learner"), ["learner"], org="AZ")
    try:
        e = await learner.enroll_when_published(course_id)
        code = (await trainer.http.post("/v1/check-in-codes", json={"lessonId": lesson_id})).json()["code"]
        path = f"/v1/enrollments/{e['id']}/lessons/{lesson_id}/check-in"

        link.cut()
        for _ in range(3):
            down = await learner.http.post(path, json={"code": code})
            assert down.status_code == 503, down.text
            assert down.json()["error"]["code"] == "UNAVAILABLE"
            await asyncio.sleep(1)

        link.restore()
        for _ in range(30):
            back = await learner.http.post(path, json={"code": code})
            if back.status_code == 200:
                break
            assert back.status_code == 503, back.text  # never a 500 while the pool reconnects
            await asyncio.sleep(1)
        assert back.status_code == 200 and back.json()["status"] == "COMPLETED"
        assert (await learner.http.post(path, json={"code": code})).json() == back.json()
    finally:
        link.restore()
        await learner.close()
        await trainer.close()
    assert await db.fetchval("SELECT count(*) FROM attendance WHERE enrollment_id = $1", e["id"]) == 1
    for subject, key in ((RECORDED, f"{e['id']}:{lesson_id}"), (LESSON_DONE, e["id"])):
        staged = await db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE subject = $1"
            " AND convert_from(payload, 'UTF8')::jsonb ->> 'subject_key' = $2",
            subject,
            key,
        )
        assert staged == 1, subject
    await asyncio.to_thread(_restart_progress, outage_stack, LMS_PROGRESS_DATABASE_URL=db_url)
    link.close()


async def test_a_crash_after_the_check_in_committed_loses_no_event(outage_stack: Any) -> None:
    course_id, lesson_id, trainer = await _forum(outage_stack)
    learner = _api(outage_stack, uid("learner"), ["learner"], org="KZ")
    e = await learner.enroll_when_published(course_id)
    code = (await trainer.http.post("/v1/check-in-codes", json={"lessonId": lesson_id})).json()["code"]
    await asyncio.to_thread(outage_stack.stop_role, "progress-relay")
    try:
        r = await learner.http.post(f"/v1/enrollments/{e['id']}/lessons/{lesson_id}/check-in", json={"code": code})
        assert r.status_code == 200, r.text
        await asyncio.to_thread(outage_stack.kill_role, "progress")
    finally:
        await learner.close()
        await trainer.close()
        await asyncio.to_thread(outage_stack.start_role, "progress-relay")
    nc, js = await connect(outage_stack.env["LMS_NATS_URL"], "progress-outage-tests")
    key = f"{e['id']}:{lesson_id}"
    try:

        async def published() -> Counter[str] | None:
            seen = Counter(x.subject_key for x in await stream_events(js, RECORDED) if x.subject_key == key)
            return seen or None

        assert await eventually(published, timeout=60) == Counter({key: 1})
        await asyncio.sleep(2)  # nothing more arrives later
        assert await published() == Counter({key: 1})
    finally:
        await nc.drain()
        await asyncio.to_thread(outage_stack.start_role, "progress")
