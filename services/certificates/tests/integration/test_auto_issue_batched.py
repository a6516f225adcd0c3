"""On the real stack: completions arriving together are certified in batches, exactly once (issue 19, item 4).

The completions travel through JetStream as progress's relay sends them; the certificates API's
consumer records a request per completion, and the certificate workers issue them in batches. The
last test kills the workers with SIGKILL in the middle of a burst: nothing lost, nothing doubled.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.db import asyncpg_dsn
from lms_shared.jetstream import connect

from .conftest import completion_event, course_event, publish, publish_course_to, wait_for

pytestmark = pytest.mark.integration

ISSUED_EVENTS = """
SELECT count(*) FROM outbox_message
WHERE subject = 'lms.certificates.certificate.issued.v1'
  AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'course_id' = $1
"""


async def publish_burst(js: JetStreamContext, events: list[Any]) -> None:
    await asyncio.gather(*(publish(js, e) for e in events))


async def test_a_burst_of_completions_is_certified_in_batches_once_each_despite_duplicates(
    nats_js: tuple[NATS, JetStreamContext], db: asyncpg.Pool
) -> None:
    js = nats_js[1]
    course = course_event(auto_issue=True, languages=["az", "ru"], default="az")
    await publish(js, course)

    async def known() -> bool:
        return bool(await db.fetchval("SELECT 1 FROM course WHERE id = $1", course.course_id))

    await wait_for(known)
    tag = uuid.uuid4().hex[:6]
    completions = [completion_event(course, f"b-{tag}-{i}", f"Rəşad Əliyev {i}") for i in range(150)]
    # Every fifth completion twice more, each copy with an event id of its own (as a relay re-send
    # past JetStream's duplicate window, or progress completing twice): the inbox cannot drop them,
    # only the request's key and the certificate's unique index stand before a second certificate.
    duplicates = completions[::5] * 2
    await publish_burst(js, completions + duplicates)

    async def all_issued() -> bool:
        n = await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id)
        return int(n) >= 150

    await wait_for(all_issued, timeout=180, interval=0.5)
    await asyncio.sleep(2)  # let any straggling duplicate be applied: it must add nothing

    rows = await db.fetch(
        "SELECT learner_id, status, issued_by, issued_at FROM certificate WHERE course_id = $1", course.course_id
    )
    assert len(rows) == 150 and len({r["learner_id"] for r in rows}) == 150
    assert {r["status"] for r in rows} == {"VALID"} and {r["issued_by"] for r in rows} == {"system:auto-issue"}
    # Certificates planned together share their issue time: fewer distinct times than certificates
    # means they went through batches, not one transaction per completion.
    assert len({r["issued_at"] for r in rows}) < 150
    assert await db.fetchval("SELECT count(*) FROM auto_issue_request WHERE course_id = $1", course.course_id) == 0

    async def announced() -> bool:
        return int(await db.fetchval(ISSUED_EVENTS, course.course_id)) >= 150

    await wait_for(announced, timeout=60)
    assert await db.fetchval(ISSUED_EVENTS, course.course_id) == 150, "one certificate.issued per certificate"


async def test_workers_killed_in_the_middle_of_a_burst_lose_nothing_and_double_nothing(own_stack: Any) -> None:
    stack = own_stack
    course = await publish_course_to(stack, auto_issue=True, languages=["az"], default="az")
    tag = uuid.uuid4().hex[:6]
    total = 400
    completions = [completion_event(course, f"k-{tag}-{i}", f"Мария Иванова {i}") for i in range(total)]
    db = await asyncpg.connect(asyncpg_dsn(stack.env["LMS_CERTIFICATES_DATABASE_URL"]))
    nc, js = await connect(stack.env["LMS_NATS_URL"], "certificates-auto-issue-kill-test")
    held = False
    try:
        await publish_burst(js, completions)

        async def some_issued() -> int | None:
            n = int(await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id))
            return n if n > 0 else None

        before_kill = await wait_for(some_issued, timeout=120, interval=0.05)
        # SIGKILL: no rollback from the worker's side, no cleanup; its connections simply drop.
        stack.hold_role("certificates-worker", 0, signal.SIGKILL)
        held = True
        after_kill = int(await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id))
        assert after_kill < total, "the burst was done before the kill; make it bigger"

        async def all_recorded() -> bool:  # the API's consumer goes on recording while no worker runs
            n = await db.fetchval("SELECT count(*) FROM completion WHERE course_id = $1", course.course_id)
            return int(n) == total

        await wait_for(all_recorded, timeout=120)
        waiting = await db.fetchval("SELECT count(*) FROM auto_issue_request WHERE course_id = $1", course.course_id)
        issued = await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id)
        assert issued == after_kill, "nothing is issued while the workers are down"
        assert int(waiting) + after_kill == total, "every completion is a certificate or a waiting request"
        assert before_kill <= after_kill

        stack.release_role("certificates-worker", 0)
        held = False

        async def all_issued() -> bool:
            n = await db.fetchval("SELECT count(*) FROM certificate WHERE course_id = $1", course.course_id)
            return int(n) >= total

        await wait_for(all_issued, timeout=240, interval=0.5)
        await asyncio.sleep(1)
        rows = await db.fetch("SELECT learner_id, status FROM certificate WHERE course_id = $1", course.course_id)
        assert len(rows) == total and len({r["learner_id"] for r in rows}) == total
        assert {r["status"] for r in rows} == {"VALID"}
        assert await db.fetchval("SELECT count(*) FROM auto_issue_request WHERE course_id = $1", course.course_id) == 0
        assert await db.fetchval("SELECT count(*) FROM auto_issue_failure WHERE course_id = $1", course.course_id) == 0
        audit = await db.fetchval(
            "SELECT count(*) FROM audit_log a JOIN certificate c ON c.id = a.certificate_id "
            "WHERE c.course_id = $1 AND a.action = 'issue'",
            course.course_id,
        )
        assert audit == total, "one audit entry per certificate: the killed batch's rolled back"
        assert await db.fetchval(ISSUED_EVENTS, course.course_id) == total
    finally:
        if held:
            stack.release_role("certificates-worker", 0)
        await nc.drain()
        await db.close()
