"""Group commit on the real stack: completions arriving together share transactions, and a member
that fails, in the service or in the database, fails alone (entrypoints/completions.py).

Rows written by one transaction carry its id in ``xmin``: lesson rows of different enrolments with
the same ``xmin`` were committed by one group.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CourseCompletedV1, LessonCompletedV1
from services.progress.tests.integration.support import (
    Api,
    course_published,
    eventually,
    publish,
    quiz_lesson,
    stream_events,
    text_lesson,
    uid,
)

pytestmark = pytest.mark.integration
Outbox = Callable[[str, str], Awaitable[list[str]]]


async def course_with_learners(
    nats_js: JetStreamContext, api: Callable[..., Api], n: int, extra: list[dict[str, Any]] | None = None
) -> tuple[str, list[tuple[Api, dict[str, Any]]]]:
    """A course of two text lessons (plus ``extra``), ``n`` learners enrolled who completed the first.

    Each learner comes back with a client of their own on a fresh connection: uvicorn closes a
    keep-alive connection after 5 s idle, and on a loaded machine a request can meet that close
    ("Server disconnected without sending a response"), which is not what these tests are about."""
    course_id = uid("course")
    lessons = [text_lesson(f"{course_id}-1", 1), text_lesson(f"{course_id}-2", 2), *(extra or [])]
    await publish(nats_js, course_published(course_id, lessons))
    subs = [uid("learner") for _ in range(n)]
    people = [(sub, await api(sub).enroll_when_published(course_id)) for sub in subs]
    done = await asyncio.gather(*(api(sub).complete(e["id"], f"{course_id}-1") for sub, e in people))
    assert all(r.status_code == 200 for r in done), [r.text for r in done]
    return course_id, [(api(sub), e) for sub, e in people]


async def groups_of(db: asyncpg.Pool, enrollment_ids: list[str], lesson_id: str) -> Counter[str]:
    """How many of these enrolments' ``lesson_id`` rows each transaction wrote."""
    rows = await db.fetch(
        "SELECT xmin::text AS tx FROM lesson_progress WHERE enrollment_id = ANY($1::text[]) AND lesson_id = $2",
        enrollment_ids,
        lesson_id,
    )
    return Counter(r["tx"] for r in rows)


async def test_completions_at_once_share_transactions_and_each_refusal_stays_its_own(
    nats_js: JetStreamContext, api: Callable[..., Api], db: asyncpg.Pool, outbox_events: Outbox
) -> None:
    course_id, people = await course_with_learners(nats_js, api, 40, [quiz_lesson("quiz-x", 3, required=False)])
    last = f"{course_id}-2"
    intruder = api(uid("intruder"))
    victim = people[5][1]["id"]
    calls: list[Awaitable[Any]] = [lr.complete(e["id"], last) for lr, e in people]
    calls.insert(10, people[0][0].complete(people[0][1]["id"], "quiz-x"))  # a quiz: 422, completes nothing
    calls.insert(20, intruder.complete(victim, last))  # someone else's enrolment: 404, as ever
    calls.insert(30, people[1][0].complete(people[1][1]["id"], f"{course_id}-nope"))  # not in the course: 404
    answers = await asyncio.gather(*calls)

    refused = [answers.pop(30), answers.pop(20), answers.pop(10)][::-1]
    assert [r.status_code for r in refused] == [422, 404, 404], [r.text for r in refused]
    assert refused[0].json()["error"]["code"] == "BAD_USER_INPUT"
    assert refused[1].json()["error"]["code"] == "NOT_FOUND" and "not yours" in refused[1].json()["error"]["message"]
    assert all(r.status_code == 200 and r.json()["status"] == "COMPLETED" for r in answers), [
        r.text for r in answers if r.status_code != 200
    ]
    ids = [e["id"] for _, e in people]
    for eid in ids:
        assert len(await outbox_events(CourseCompletedV1.TYPE, eid)) == 1
        assert len(await outbox_events(LessonCompletedV1.TYPE, eid)) == 2
    written = await groups_of(db, ids, last)
    assert sum(written.values()) == 40
    assert max(written.values()) >= 2, f"no two completions shared a transaction: {written}"

    async def all_on_stream() -> Counter[str] | None:
        seen = Counter(e.subject_key for e in await stream_events(nats_js, CourseCompletedV1.TYPE))
        mine = Counter({k: v for k, v in seen.items() if k in set(ids)})
        return mine if set(mine) == set(ids) else None

    assert set((await eventually(all_on_stream, timeout=30)).values()) == {1}


async def test_a_member_the_database_refuses_fails_alone_and_the_group_loses_nobody(
    nats_js: JetStreamContext, api: Callable[..., Api], db: asyncpg.Pool, outbox_events: Outbox
) -> None:
    """A database error in a group's one write statement rolls the whole group back; every member
    then runs alone, so only the one the database refuses fails (500, nothing stored)."""
    course_id, people = await course_with_learners(nats_js, api, 30)
    last = f"{course_id}-2"
    doomed = people[7][1]["id"]
    function = f"refuse_{uid('t').replace('-', '_')}"
    await db.execute(
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.enrollment_id = '{doomed}' THEN RAISE EXCEPTION 'refused by the test'; END IF;
            RETURN NEW;
        END $$"""
    )
    await db.execute(
        f"CREATE TRIGGER {function} BEFORE INSERT ON lesson_progress FOR EACH ROW EXECUTE FUNCTION {function}()"
    )
    try:
        answers = await asyncio.gather(*(lr.complete(e["id"], last) for lr, e in people))
    finally:
        await db.execute(f"DROP TRIGGER {function} ON lesson_progress")
        await db.execute(f"DROP FUNCTION {function}()")

    by_id = {e["id"]: r for (_, e), r in zip(people, answers, strict=True)}
    failed = by_id.pop(doomed)
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "UNAVAILABLE", failed.text
    assert all(r.status_code == 200 and r.json()["status"] == "COMPLETED" for r in by_id.values()), [
        r.text for r in by_id.values() if r.status_code != 200
    ]
    for eid in by_id:
        assert len(await outbox_events(CourseCompletedV1.TYPE, eid)) == 1
    assert await outbox_events(CourseCompletedV1.TYPE, doomed) == []
    assert (await people[7][0].get(doomed)).json()["status"] == "ACTIVE"
    # The learner tries again once the database takes it: completed, once.
    assert (await people[7][0].complete(doomed, last)).json()["status"] == "COMPLETED"
    assert len(await outbox_events(CourseCompletedV1.TYPE, doomed)) == 1
