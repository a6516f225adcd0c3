"""Certificates on the real stack: a history delivered shuffled, with duplicates, ends as the in-order one.

Two versions of an automatic course with learners completing each (one finishing version 1 after
version 2 came out) and a course issued by hand are published once in commit order and three times
shuffled, each copy under its own ids; some events of the shuffled copies come a second time under a
new ``Nats-Msg-Id``, as a relay re-send past JetStream's de-duplication window would. The running
service's consumers apply them and its certificate workers issue the recorded requests in batches
(rendering, signing and storing real PDFs); once the consumers have acked everything (including any
``auto_issue.requested`` event the service sent itself) and no request waits, each copy's rows
must equal the in-order copy's: the latest version kept, one valid certificate per learner with the
title of the version they completed, nothing left waiting.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.events.catalogue import CertificatePolicy, CourseCompletedV1, CoursePublishedV1, LearnerData
from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM
from tests.support.graphql import eventually

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CONSUMER_OF = {CoursePublishedV1.TYPE: "certificates-courses", CourseCompletedV1.TYPE: "certificates-completions"}
AUTO_ISSUE_REQUESTED = "lms.certificates.auto_issue.requested.v1"


def history(run: str) -> list[Envelope]:
    def published(course: str, version: int, *, auto_issue: bool = True) -> Envelope:
        at = T0 + timedelta(minutes=10 * version)
        return CoursePublishedV1(
            course_id=f"{run}-{course}",
            version=version,
            slug=f"{run}-{course}",
            owner_id="trainer-1",
            default_language="az",
            languages=["az", "kk"],
            titles={"az": f"Mənzil v{version}", "kk": f"Тұрғын үй v{version}"},
            modules=[],
            certificate_policy=CertificatePolicy(auto_issue=auto_issue),
            published_at=at,
        ).envelope(time=at)

    def completed(course: str, version: int, learner: str, minutes: int) -> Envelope:
        at = T0 + timedelta(minutes=minutes)
        return CourseCompletedV1(
            enrollment_id=f"{run}-enr-{course}-{learner}",
            course_id=f"{run}-{course}",
            course_version=version,
            course_titles={"az": f"Mənzil v{version}", "kk": f"Тұрғын үй v{version}"},
            course_default_language="az",
            learner=LearnerData(id=f"{run}-{learner}", name=f"Öyrənən {learner}", locale="kk", org="AZ"),
            completed_at=at,
        ).envelope(time=at)

    return [
        published("housing", 1),
        completed("housing", 1, "l1", 11),
        completed("housing", 1, "l2", 12),
        published("housing", 2),
        completed("housing", 2, "l3", 21),
        completed("housing", 1, "l4", 22),
        published("budget", 1, auto_issue=False),
        completed("budget", 1, "l1", 15),
    ]


async def rows_of(db: asyncpg.Pool, run: str) -> Any:
    like = f"{run}-%"
    courses = await db.fetch(
        "SELECT id, version, slug, titles, languages, auto_issue, template_id, published_at FROM course"
        " WHERE id LIKE $1",
        like,
    )
    completions = await db.fetch(
        "SELECT course_id, learner_id, enrollment_id, course_version, course_titles, completed_at, awaiting_course"
        " FROM completion WHERE course_id LIKE $1",
        like,
    )
    certificates = await db.fetch(
        "SELECT course_id, course_version, learner_id, enrollment_id, lang, course_title, status FROM certificate"
        " WHERE course_id LIKE $1",
        like,
    )
    text = json.dumps(
        {
            "courses": [dict(r) for r in courses],
            "completions": [dict(r) for r in completions],
            "certificates": [dict(r) for r in certificates],
        },
        default=str,
    ).replace(run, "RUN")
    found: dict[str, list[dict[str, Any]]] = json.loads(text)
    return {k: sorted(v, key=lambda r: json.dumps(r, sort_keys=True)) for k, v in found.items()}


async def nothing_waiting(db: asyncpg.Pool, prefix: str) -> bool:
    """Whether the certificate workers have settled every automatic-issue request of the run's courses."""
    waiting = await db.fetchval("SELECT count(*) FROM auto_issue_request WHERE course_id LIKE $1", f"{prefix}%")
    return bool(waiting == 0)


async def own_requests_applied(db: asyncpg.Pool, prefix: str) -> bool:
    """Whether the requests the service sent itself (for completions that waited) are applied too,
    and the certificate workers have issued every request recorded for the run's courses."""
    own = await db.fetch(
        "SELECT event_id FROM outbox_message WHERE subject = $1"
        " AND convert_from(payload, 'UTF8')::jsonb ->> 'subject_key' LIKE $2",
        AUTO_ISSUE_REQUESTED,
        f"{prefix}%",
    )
    pending = await db.fetchval(
        "SELECT count(*) FROM unnest($1::text[]) AS x(event_id)"
        " WHERE NOT EXISTS (SELECT 1 FROM processed_event p WHERE p.event_id = x.event_id)",
        [r["event_id"] for r in own],
    )
    return bool(pending == 0) and await nothing_waiting(db, prefix)


async def test_shuffled_and_duplicated_deliveries_end_as_the_in_order_history(
    nats_js: tuple[NATS, JetStreamContext], db: asyncpg.Pool
) -> None:
    _, js = nats_js
    prefix = f"shuf{uuid.uuid4().hex[:8]}"
    runs = {name: history(f"{prefix}{name}") for name in ("o", "s1", "s2", "s3")}
    deliveries: list[tuple[Envelope, bool]] = [(e, False) for e in runs["o"]]
    for seed, name in enumerate(("s1", "s2", "s3")):
        rng = random.Random(seed)
        copy = [(e, False) for e in runs[name]] + [(e, True) for e in rng.sample(runs[name], 4)]
        rng.shuffle(copy)
        deliveries += copy
    last: dict[str, int] = {}
    for envelope, again in deliveries:
        msg_id = f"again-{uuid.uuid4()}" if again else envelope.id
        ack = await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": msg_id})
        assert not ack.duplicate, "every delivery must reach the stream"
        consumer = CONSUMER_OF[envelope.type]
        last[consumer] = max(last.get(consumer, 0), ack.seq)
    expected = [(CONSUMER_OF[e.type], e.id) for envelopes in runs.values() for e in envelopes]

    async def drained() -> bool:
        applied = await db.fetchval(
            "SELECT count(*) FROM processed_event p JOIN unnest($1::text[], $2::text[]) AS x(consumer, event_id)"
            " USING (consumer, event_id)",
            [c for c, _ in expected],
            [i for _, i in expected],
        )
        if applied != len(expected):
            return False
        for consumer, seq in last.items():
            info = await js.consumer_info(EVENTS_STREAM, consumer)
            if info.ack_floor is None or info.ack_floor.stream_seq < seq:
                return False
        return await own_requests_applied(db, prefix)

    await eventually(drained, timeout=120)

    in_order = await rows_of(db, f"{prefix}o")
    for name in ("s1", "s2", "s3"):
        assert await rows_of(db, f"{prefix}{name}") == in_order, f"copy {name} differs from the in-order one"
    assert sorted((c["id"], c["version"]) for c in in_order["courses"]) == [("RUN-budget", 1), ("RUN-housing", 2)]
    assert sorted((c["learner_id"], c["status"], c["course_title"], c["lang"]) for c in in_order["certificates"]) == [
        ("RUN-l1", "VALID", "Тұрғын үй v1", "kk"),
        ("RUN-l2", "VALID", "Тұрғын үй v1", "kk"),
        ("RUN-l3", "VALID", "Тұрғын үй v2", "kk"),
        ("RUN-l4", "VALID", "Тұрғын үй v1", "kk"),
    ]
    assert len(in_order["completions"]) == 5
    assert not any(c["awaiting_course"] for c in in_order["completions"])


async def test_a_completion_overtaking_its_version_still_gets_its_certificate(
    nats_js: tuple[NATS, JetStreamContext], db: asyncpg.Pool
) -> None:
    _, js = nats_js
    run = f"shuf{uuid.uuid4().hex[:8]}"
    v1, _, _, v2, l3_done, *_ = history(run)
    manual_v1 = CoursePublishedV1.model_validate(
        {**v1.data, "certificate_policy": {"auto_issue": False, "template_id": None}}
    ).envelope(time=v1.time)

    async def applied(envelope: Envelope) -> None:
        consumer = CONSUMER_OF[envelope.type]

        async def done() -> bool:
            found = await db.fetchval(
                "SELECT 1 FROM processed_event WHERE consumer = $1 AND event_id = $2", consumer, envelope.id
            )
            return bool(found)

        await eventually(done, timeout=60)

    # Version 2's course.published is retried (nak'd) and overtaken by a completion of version 2.
    for envelope in (manual_v1, l3_done, v2):
        await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id})
        await applied(envelope)

    await eventually(lambda: own_requests_applied(db, run), timeout=60)
    valid = await db.fetchval(
        "SELECT count(*) FROM certificate WHERE course_id = $1 AND learner_id = $2 AND status = 'VALID'",
        f"{run}-housing",
        f"{run}-l3",
    )
    assert valid == 1, "the learner of automatic version 2 has exactly one certificate"
