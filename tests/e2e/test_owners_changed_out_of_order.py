"""Owners in progress and certificates follow the highest ownership revision, whatever the order (issue 13, 7).

Events are published straight onto ``LMS_EVENTS`` as a relay would, in an order the outbox never
produces but redelivery can: the removal (revision 3) first, then the addition it undid (revision 2),
then a newer version published before the removal (revision 2). Each service's own database says
when it has applied the last one; the removed co-owner is refused by both all the same.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import CourseOwnersChangedV1, CoursePublishedV1, Payload
from lms_shared.jetstream import connect
from tests.support.graphql import eventually
from tests.support.tokens import auth

pytestmark = pytest.mark.e2e

OWNER = "trainer-owner"


def published(course_id: str, version: int, co_owners: list[str], owner_revision: int) -> CoursePublishedV1:
    lesson = {"id": f"{course_id}-l1", "position": 1, "kind": "TEXT", "titles": {"az": "Dərs 1"}}
    return CoursePublishedV1.model_validate(
        {
            "course_id": course_id,
            "version": version,
            "slug": f"slug-{course_id}",
            "owner_id": OWNER,
            "co_owner_ids": co_owners,
            "default_language": "az",
            "languages": ["az"],
            "titles": {"az": f"Büdcə v{version}"},
            "modules": [{"id": f"{course_id}-m1", "position": 1, "titles": {"az": "Giriş"}, "lessons": [lesson]}],
            "certificate_policy": {"auto_issue": False},
            "published_at": datetime.now(UTC),
            "owner_revision": owner_revision,
        }
    )


def owners_changed(course_id: str, co_owners: list[str], revision: int) -> CourseOwnersChangedV1:
    return CourseOwnersChangedV1(
        course_id=course_id, owner_id=OWNER, co_owner_ids=co_owners, revision=revision, changed_at=datetime.now(UTC)
    )


async def publish(js: JetStreamContext, event: Payload) -> None:
    envelope = event.envelope()
    await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id})


@pytest.fixture
async def js(stack_env: dict[str, str]) -> AsyncIterator[JetStreamContext]:
    nc, stream = await connect(stack_env["LMS_NATS_URL"], "owners-changed-tests")
    yield stream
    await nc.drain()


@pytest.fixture
async def databases(stack_env: dict[str, str]) -> AsyncIterator[dict[str, asyncpg.Pool]]:
    pools = {
        name: await asyncpg.create_pool(
            asyncpg_dsn(stack_env[f"LMS_{name.upper()}_DATABASE_URL"]), min_size=1, max_size=2
        )
        for name in ("progress", "certificates")
    }
    yield pools
    for pool in pools.values():
        await pool.close()


async def test_late_older_events_never_restore_a_removed_co_owner(
    stack_env: dict[str, str], token_for: Any, js: JetStreamContext, databases: dict[str, asyncpg.Pool]
) -> None:
    cid, co = f"course-{uuid.uuid4().hex[:10]}", f"co-{uuid.uuid4().hex[:8]}"
    progress, certificates = stack_env["LMS_PROGRESS_URL"], stack_env["LMS_CERTIFICATES_URL"]
    routes = [
        f"{progress}/v1/courses/{cid}/stats",
        f"{certificates}/v1/auto-issue-failures?courseId={cid}",
        f"{certificates}/v1/certificates?courseId={cid}",
    ]
    async with httpx.AsyncClient(timeout=10, headers=auth(token_for(co, "Erlan Nurlanov", ["trainer"]))) as http:

        async def statuses() -> list[int]:
            return [(await http.get(url)).status_code for url in routes]

        await publish(js, published(cid, 1, [co], owner_revision=1))
        await eventually(lambda: _all(statuses, 200), timeout=30)

        await publish(js, owners_changed(cid, [], revision=3))
        await eventually(lambda: _all(statuses, 403), timeout=30)
        await publish(js, owners_changed(cid, [co], revision=2))
        await publish(js, published(cid, 2, [co], owner_revision=2))

        # Both services have applied the last event once they hold version 2 (events of one course
        # are applied in the order they are delivered, and the owners_changed was published first).
        for db, query in (
            (databases["progress"], "SELECT current_version FROM course WHERE course_id = $1"),
            (databases["certificates"], "SELECT version FROM course WHERE id = $1"),
        ):
            await eventually(lambda db=db, query=query: _fetch_is(db, query, cid, 2), timeout=30)
        assert await statuses() == [403, 403, 403]
        assert await databases["progress"].fetchval("SELECT owner_revision FROM course WHERE course_id = $1", cid) == 3
        assert await databases["certificates"].fetchval("SELECT owner_revision FROM course WHERE id = $1", cid) == 3


async def _all(statuses: Any, code: int) -> bool:
    return all(s == code for s in await statuses())


async def _fetch_is(db: asyncpg.Pool, query: str, key: str, expected: int) -> bool:
    return bool(await db.fetchval(query, key) == expected)
