"""Crashes in the middle: exactly one course.completed per enrolment on the stream, whatever dies when.

- The relay is killed right after publishing and before marking the rows sent (fault injection
  ``LMS_FAULT_RELAY_EXIT_AFTER_PUBLISH=1``): the next relay publishes the same rows again and
  JetStream drops the duplicates by ``Nats-Msg-Id``.
- The progress service is killed with SIGKILL while learners are completing lessons: requests in
  flight fail, clients retry (completion is idempotent), nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
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

pytestmark = [pytest.mark.integration, pytest.mark.slow]
COMPLETED = CourseCompletedV1.TYPE


async def completions_on_stream(js: JetStreamContext, enrollment_ids: set[str]) -> Counter[str]:
    return Counter(e.subject_key for e in await stream_events(js, COMPLETED) if e.subject_key in enrollment_ids)


async def test_relay_dying_between_publish_and_mark_sent_delivers_once(
    stack: Any, nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    course_id = uid("course")
    await publish(nats_js, course_published(course_id, [text_lesson(f"{course_id}-l", 1)]))
    learner = api(uid("learner"))
    e = await learner.enroll_when_published(course_id)

    await asyncio.to_thread(stack.stop_role, "progress-relay")
    faulty = subprocess.Popen(
        [stack.python, "-m", "lms_shared.outbox", "--service", "progress"],
        env=stack.child_env({"LMS_FAULT_RELAY_EXIT_AFTER_PUBLISH": "1"}),
        cwd=stack.repo_root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert (await learner.complete(e["id"], f"{course_id}-l")).json()["status"] == "COMPLETED"
        code = await asyncio.to_thread(faulty.wait, 30)
        assert code == 137, "the fault-injected relay should exit right after publishing"
    finally:
        if faulty.poll() is None:
            faulty.kill()
            faulty.wait()
    # Published, but the relay died before recording it: the row is still pending.
    pending = await db.fetchval(
        "SELECT count(*) FROM outbox_message WHERE subject = $1 AND sent_at IS NULL AND "
        "convert_from(payload, 'UTF8')::jsonb ->> 'subject_key' = $2",
        COMPLETED,
        e["id"],
    )
    assert pending == 1
    assert await completions_on_stream(nats_js, {e["id"]}) == Counter({e["id"]: 1})

    await asyncio.to_thread(stack.start_role, "progress-relay")

    async def resent() -> bool:
        left = await db.fetchval(
            "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL AND "
            "convert_from(payload, 'UTF8')::jsonb ->> 'subject_key' = $1",
            e["id"],
        )
        return left == 0

    await eventually(resent, timeout=30)
    assert await completions_on_stream(nats_js, {e["id"]}) == Counter({e["id"]: 1})


async def test_progress_killed_mid_traffic_loses_and_doubles_no_completion(
    stack: Any, nats_js: JetStreamContext, api: Callable[..., Api], progress_url: str
) -> None:
    course_id = uid("course")
    lesson_ids = [f"{course_id}-{i}" for i in range(1, 6)]
    await publish(nats_js, course_published(course_id, [text_lesson(x, i) for i, x in enumerate(lesson_ids, 1)]))
    learners = [api(uid("learner")) for _ in range(60)]
    enrollments = [await lr.enroll_when_published(course_id) for lr in learners]
    interrupted = 0

    async def complete_with_retry(learner: Api, enrollment_id: str, lesson_id: str) -> None:
        """What a client does when the service vanishes: try again until it answers."""
        nonlocal interrupted
        for _ in range(300):
            try:
                r = await learner.complete(enrollment_id, lesson_id)
                if r.status_code == 200:
                    return
                assert r.status_code >= 500, r.text
            except httpx.TransportError:
                interrupted += 1
            await asyncio.sleep(0.1)
        raise AssertionError(f"lesson {lesson_id} never completed")

    async def study(learner: Api, e: dict[str, Any]) -> None:
        for lesson_id in lesson_ids:
            await complete_with_retry(learner, e["id"], lesson_id)

    traffic = asyncio.gather(*(study(lr, e) for lr, e in zip(learners, enrollments, strict=True)))
    await asyncio.sleep(0.3)
    assert not traffic.done(), "the kill must land while learners are still studying"
    await asyncio.to_thread(stack.kill_role, "progress")
    await asyncio.to_thread(stack.restart_role, "progress", 0)
    await asyncio.to_thread(stack.wait_healthy, 60, ["progress"])
    await traffic
    assert interrupted > 0, "no request was cut off: the test did not exercise a crash"

    ids = {e["id"] for e in enrollments}
    for learner, e in zip(learners, enrollments, strict=True):
        assert (await learner.get(e["id"])).json()["status"] == "COMPLETED"

    async def all_on_stream() -> Counter[str] | None:
        seen = await completions_on_stream(nats_js, ids)
        return seen if set(seen) == ids else None

    seen = await eventually(all_on_stream, timeout=30)
    assert set(seen.values()) == {1}, {k: v for k, v in seen.items() if v != 1}
