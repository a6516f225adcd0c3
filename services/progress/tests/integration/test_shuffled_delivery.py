"""Progress on the real stack: a history delivered shuffled, with duplicates, ends as the in-order one.

The same history (three versions of a course and its archiving, a course archived at once, one left
open, certificates issued, revoked and re-issued) is published once in commit order and three times
shuffled, each copy under its own ids. Some events of the shuffled copies are published a second
time under a new ``Nats-Msg-Id``, as a relay re-send past JetStream's de-duplication window would.
The running progress service's own consumers apply them; once they have acked every message, the
rows each copy left must be the same, and the in-order one the expected one.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from lms_shared.events.catalogue import (
    CertificateIssuedV1,
    CertificateRevokedV1,
    CourseArchivedV1,
    CoursePublishedV1,
    LearnerData,
    Payload,
)
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM
from services.progress.tests.integration.support import Api, course_published, eventually, text_lesson, uid

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
COURSES, CERTIFICATES = "progress-courses", "progress-certificates"
CONSUMER_OF = {  # event type -> the durable consumer of entrypoints/consumers.py that applies it
    CoursePublishedV1.TYPE: COURSES,
    CourseArchivedV1.TYPE: COURSES,
    CertificateIssuedV1.TYPE: CERTIFICATES,
    CertificateRevokedV1.TYPE: CERTIFICATES,
}


def history(run: str) -> list[Envelope]:
    """One copy of the history, in commit order; every id in it contains ``run``."""

    def published(course: str, version: int, co_owners: list[str], minutes: int) -> CoursePublishedV1:
        lessons = [text_lesson(f"{run}-{course}-l{n}", n) for n in range(1, version + 1)]
        event = course_published(f"{run}-{course}", lessons, version=version, co_owner_ids=co_owners)
        return event.model_copy(update={"published_at": T0 + timedelta(minutes=minutes)})

    def issued(cert: str, learner: str, minutes: int) -> CertificateIssuedV1:
        return CertificateIssuedV1(
            certificate_id=f"{run}-{cert}",
            code=f"KB-{run}-{cert}",
            course_id=f"{run}-budget",
            course_version=2,
            learner=LearnerData(id=f"{run}-{learner}", name=f"Learner {learner}"),
            enrollment_id=f"{run}-enr-{learner}",
            issued_at=T0 + timedelta(minutes=minutes),
        )

    def revoked(cert: str, learner: str, minutes: int) -> CertificateRevokedV1:
        return CertificateRevokedV1(
            certificate_id=f"{run}-{cert}",
            code=f"KB-{run}-{cert}",
            course_id=f"{run}-budget",
            learner_id=f"{run}-{learner}",
            reason="Issued by mistake",
            revoked_at=T0 + timedelta(minutes=minutes),
        )

    def archived(course: str, version: int, minutes: int) -> CourseArchivedV1:
        return CourseArchivedV1(
            course_id=f"{run}-{course}", version=version, archived_at=T0 + timedelta(minutes=minutes)
        )

    payloads: list[tuple[Payload, int]] = [
        (published("budget", 1, ["trainer-a"], 0), 0),
        (published("budget", 2, ["trainer-a", "trainer-b"], 10), 10),
        (issued("cert-1", "l1", 20), 20),
        (issued("cert-2", "l2", 21), 21),
        (published("budget", 3, ["trainer-b"], 30), 30),
        (revoked("cert-2", "l2", 40), 40),
        (issued("cert-3", "l2", 41), 41),
        (archived("budget", 3, 50), 50),
        (published("housing", 1, [], 5), 5),
        (archived("housing", 1, 6), 6),
        (published("civics", 1, [], 7), 7),
    ]
    return [p.envelope(time=T0 + timedelta(minutes=m)) for p, m in payloads]


async def publish_all(js: JetStreamContext, deliveries: list[tuple[Envelope, bool]]) -> dict[str, int]:
    """Publish in the given order (a redelivery under a new Nats-Msg-Id); the last sequence per consumer."""
    last: dict[str, int] = {}
    for envelope, again in deliveries:
        msg_id = f"again-{uuid.uuid4()}" if again else envelope.id
        ack = await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": msg_id})
        assert not ack.duplicate, "every delivery must reach the stream"
        consumer = CONSUMER_OF[envelope.type]
        last[consumer] = max(last.get(consumer, 0), ack.seq)
    return last


async def drained(js: JetStreamContext, db: asyncpg.Pool, envelopes: list[Envelope], last: dict[str, int]) -> None:
    """Wait until every event is in the inbox and each consumer has acked past the last delivery."""
    by_consumer: dict[str, list[str]] = {}
    for e in envelopes:
        by_consumer.setdefault(CONSUMER_OF[e.type], []).append(e.id)

    async def done() -> bool:
        for consumer, ids in by_consumer.items():
            n = await db.fetchval(
                "SELECT count(*) FROM processed_event WHERE consumer = $1 AND event_id = ANY($2::text[])",
                consumer,
                ids,
            )
            info = await js.consumer_info(EVENTS_STREAM, consumer)
            if n != len(ids) or info.ack_floor is None or info.ack_floor.stream_seq < last[consumer]:
                return False
        return True

    await eventually(done, timeout=90)


async def rows_of(db: asyncpg.Pool, run: str) -> dict[str, Any]:
    """Everything progress keeps about one copy, its ids written without the copy's prefix."""
    like = f"{run}-%"
    courses = await db.fetch("SELECT * FROM course WHERE course_id LIKE $1 ORDER BY course_id", like)
    versions = await db.fetch(
        "SELECT course_id, version, snapshot, received_at FROM course_version WHERE course_id LIKE $1"
        " ORDER BY course_id, version",
        like,
    )
    certificates = await db.fetch("SELECT * FROM certificate WHERE id LIKE $1 ORDER BY id", like)
    text = json.dumps(
        {
            "courses": [dict(r) for r in courses],
            "versions": [{**dict(r), "snapshot": json.loads(r["snapshot"])} for r in versions],
            "certificates": [dict(r) for r in certificates],
        },
        default=str,
        sort_keys=True,
    )
    normalized: dict[str, Any] = json.loads(text.replace(run, "RUN"))
    return normalized


async def test_shuffled_and_duplicated_deliveries_end_as_the_in_order_history(
    nats_js: JetStreamContext, db: asyncpg.Pool, api: Callable[..., Api]
) -> None:
    prefix = uid("shuf")
    runs = {name: history(f"{prefix}{name}") for name in ("o", "s1", "s2", "s3")}
    deliveries: list[tuple[Envelope, bool]] = [(e, False) for e in runs["o"]]
    for seed, name in enumerate(("s1", "s2", "s3")):
        rng = random.Random(seed)
        copy = [(e, False) for e in runs[name]] + [(e, True) for e in rng.sample(runs[name], 4)]
        rng.shuffle(copy)
        deliveries += copy
    last = await publish_all(nats_js, deliveries)
    await drained(nats_js, db, [e for envelopes in runs.values() for e in envelopes], last)

    in_order = await rows_of(db, f"{prefix}o")
    for name in ("s1", "s2", "s3"):
        assert await rows_of(db, f"{prefix}{name}") == in_order, f"copy {name} differs from the in-order one"
    by_id = {c["course_id"]: c for c in in_order["courses"]}
    assert {k: (c["current_version"], c["archived_version"], sorted(c["co_owner_ids"])) for k, c in by_id.items()} == {
        "RUN-budget": (3, 3, ["trainer-b"]),
        "RUN-housing": (1, 1, []),
        "RUN-civics": (1, None, []),
    }
    assert [(v["course_id"], v["version"]) for v in in_order["versions"]] == [
        ("RUN-budget", 1),
        ("RUN-budget", 2),
        ("RUN-budget", 3),
        ("RUN-civics", 1),
        ("RUN-housing", 1),
    ]
    assert {c["id"]: (c["revoked"], c["enrollment_id"]) for c in in_order["certificates"]} == {
        "RUN-cert-1": (False, "RUN-enr-l1"),
        "RUN-cert-2": (True, "RUN-enr-l2"),
        "RUN-cert-3": (False, "RUN-enr-l2"),
    }

    # What a learner sees, on a shuffled copy: archived stays archived, the open course pins its version.
    learner = api(uid("learner"))
    assert (await learner.enroll(f"{prefix}s1-budget")).status_code == 409
    assert (await learner.enroll(f"{prefix}s1-housing")).status_code == 409
    opened = await learner.enroll(f"{prefix}s1-civics")
    assert opened.status_code == 201, opened.text
    assert opened.json()["courseVersion"] == 1
