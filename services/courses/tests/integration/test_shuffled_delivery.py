"""Courses on real servers: enrolments delivered shuffled, with duplicates, end as the in-order ones.

The same enrolment history is published once in commit order and three times shuffled (each copy
under its own course ids), some events a second time under a new ``Nats-Msg-Id`` as a relay re-send
past JetStream's de-duplication window would. The running service's ``courses-enrollments``
consumer applies them; once it has acked every message, each copy's rows must equal the in-order one.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import nats
import pytest
from nats.js import JetStreamContext

from lms_shared.db import asyncpg_dsn
from lms_shared.events.catalogue import EnrollmentCreatedV1, LearnerData
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM
from tests.support.graphql import eventually

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DURABLE = "courses-enrollments"


@pytest.fixture
async def js(env: dict[str, str]) -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(env["LMS_NATS_URL"])
    yield nc.jetstream()
    await nc.close()


@pytest.fixture
async def db(env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(asyncpg_dsn(env["LMS_COURSES_DATABASE_URL"]), min_size=1, max_size=2)
    yield pool
    await pool.close()


def history(budget: str, housing: str) -> list[Envelope]:
    def enrolled(n: int, course_id: str, version: int, learner: str) -> Envelope:
        at = T0 + timedelta(minutes=n)
        return EnrollmentCreatedV1(
            enrollment_id=f"{course_id}-enr-{n}",
            course_id=course_id,
            course_version=version,
            learner=LearnerData(id=f"{budget}-{learner}", name=f"Learner {learner}"),  # l1, l2 in both courses
            enrolled_at=at,
        ).envelope(time=at)

    return [
        enrolled(1, budget, 1, "l1"),
        enrolled(2, budget, 1, "l2"),
        enrolled(3, budget, 2, "l3"),
        enrolled(4, housing, 1, "l1"),
        enrolled(5, housing, 1, "l2"),
    ]


async def rows_of(db: asyncpg.Pool, budget: str, housing: str) -> Any:
    rows = await db.fetch("SELECT * FROM course_enrollment WHERE course_id = ANY($1::text[])", [budget, housing])
    text = json.dumps([dict(r) for r in rows], default=str).replace(budget, "BUDGET").replace(housing, "HOUSING")
    return sorted(json.loads(text), key=lambda r: r["enrollment_id"])


async def test_shuffled_and_duplicated_enrolments_end_as_the_in_order_ones(
    js: JetStreamContext, db: asyncpg.Pool
) -> None:
    copies = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(4)]
    histories = [history(*c) for c in copies]
    deliveries: list[tuple[Envelope, bool]] = [(e, False) for e in histories[0]]
    for seed, events in enumerate(histories[1:]):
        rng = random.Random(seed)
        copy = [(e, False) for e in events] + [(e, True) for e in rng.sample(events, 3)]
        rng.shuffle(copy)
        deliveries += copy
    last = 0
    for envelope, again in deliveries:
        msg_id = f"again-{uuid.uuid4()}" if again else envelope.id
        ack = await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": msg_id})
        assert not ack.duplicate
        last = max(last, ack.seq)
    ids = [e.id for events in histories for e in events]

    async def drained() -> bool:
        n = await db.fetchval(
            "SELECT count(*) FROM processed_event WHERE consumer = $1 AND event_id = ANY($2::text[])", DURABLE, ids
        )
        info = await js.consumer_info(EVENTS_STREAM, DURABLE)
        return n == len(ids) and info.ack_floor is not None and info.ack_floor.stream_seq >= last

    await eventually(drained, timeout=60)
    in_order = await rows_of(db, *copies[0])
    for n, c in enumerate(copies[1:], start=1):
        assert await rows_of(db, *c) == in_order, f"shuffled copy {n} differs from the in-order one"
    assert [(r["enrollment_id"], r["course_id"], r["course_version"]) for r in in_order] == [
        ("BUDGET-enr-1", "BUDGET", 1),
        ("BUDGET-enr-2", "BUDGET", 1),
        ("BUDGET-enr-3", "BUDGET", 2),
        ("HOUSING-enr-4", "HOUSING", 1),
        ("HOUSING-enr-5", "HOUSING", 1),
    ]
