"""Notifications on the real stack: a history delivered shuffled, with duplicates, ends as the in-order one.

The unit test's history (services/notifications/tests/unit/test_shuffled_delivery.py: enrolments, a
registration approved, a withdrawal, a course whose live session moves in version 2, a certificate
issued and revoked, a bulk job) is published once in commit order and twice shuffled, each copy under
its own ids, some events of the shuffled copies a second time under a new ``Nats-Msg-Id``. The running
service's consumers apply them; the notifications, staged emails, pending reminders and enrolments each
copy left must be the in-order copy's (course updates aside, see the unit test).
"""

from __future__ import annotations

import json
import random
import re
import uuid
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from lms_shared.events.envelope import Envelope
from services.notifications.tests.integration.support import drained, publish_all, uid
from services.notifications.tests.unit.test_shuffled_delivery import history

pytestmark = pytest.mark.integration

IDS = re.compile(r"\b(c1|e1|e2|e3|l1|l2|l3|cert-1|job1|admin1|l-live|l-text)\b")


def copy_of(run: str) -> list[Envelope]:
    """The history with every id of it prefixed by ``run``, each event under a fresh envelope id."""

    def prefixed(env: Envelope) -> Envelope:
        data = json.loads(IDS.sub(lambda m: f"{run}-{m.group(1)}", json.dumps(env.data)))
        return env.model_copy(
            update={"id": str(uuid.uuid4()), "data": data, "subject_key": IDS.sub(f"{run}-\\1", env.subject_key)}
        )

    return [prefixed(env) for _, env in history()]


async def rows_of(db: asyncpg.Pool, run: str) -> dict[str, Any]:
    like = f"{run}-%"
    notes = await db.fetch(
        "SELECT n.recipient_id, n.kind, n.dedupe_key, n.params, n.url, d.to_address FROM notification n"
        " LEFT JOIN email_delivery d ON d.notification_id = n.id"
        " WHERE n.recipient_id LIKE $1 AND n.kind <> 'COURSE_UPDATED' ORDER BY n.dedupe_key",
        like,
    )
    updates = await db.fetch(
        "SELECT recipient_id, count(*) AS n FROM notification WHERE recipient_id LIKE $1 AND kind = 'COURSE_UPDATED'"
        " GROUP BY recipient_id",
        like,
    )
    assert all(r["n"] == 1 for r in updates), "a course update notified twice"
    pending = await db.fetch(
        "SELECT key, fingerprint, due_at, params FROM notification_schedule WHERE recipient_id LIKE $1"
        " AND status = 'PENDING' ORDER BY key",
        like,
    )
    enrollments = await db.fetch(
        "SELECT enrollment_id, status, status_at, last_activity_at FROM enrollment WHERE learner_id LIKE $1"
        " ORDER BY enrollment_id",
        like,
    )
    text = json.dumps(
        {
            "notifications": [dict(r) for r in notes],
            "pending": [dict(r) for r in pending],
            "enrollments": [dict(r) for r in enrollments],
        },
        default=str,
        sort_keys=True,
    )
    normalized: dict[str, Any] = json.loads(text.replace(run, "RUN"))
    return normalized


async def test_shuffled_and_duplicated_deliveries_end_as_the_in_order_history(
    nats_js: JetStreamContext, ndb: asyncpg.Pool
) -> None:
    prefix = uid("shuf")
    runs = {name: copy_of(f"{prefix}{name}") for name in ("o", "s1", "s2")}
    deliveries: list[tuple[Envelope, bool]] = [(e, False) for e in runs["o"]]
    for seed, name in enumerate(("s1", "s2")):
        rng = random.Random(seed)
        copy = [(e, False) for e in runs[name]] + [(e, True) for e in rng.sample(runs[name], 5)]
        rng.shuffle(copy)
        deliveries += copy
    last = await publish_all(nats_js, deliveries)
    await drained(nats_js, ndb, [e for envelopes in runs.values() for e in envelopes], last)

    in_order = await rows_of(ndb, f"{prefix}o")
    kinds = sorted((n["recipient_id"], n["kind"]) for n in in_order["notifications"])
    assert kinds == [
        ("RUN-admin1", "BULK_JOB_FINISHED"),
        ("RUN-l1", "CERTIFICATE_ISSUED"),
        ("RUN-l1", "CERTIFICATE_REVOKED"),
        ("RUN-l2", "ENROLLED"),
        ("RUN-l3", "REGISTRATION_APPROVED"),
    ]
    assert {n["kind"]: n["to_address"] for n in in_order["notifications"] if n["recipient_id"] == "RUN-l1"} == {
        "CERTIFICATE_ISSUED": "RUN-l1@example.org",
        "CERTIFICATE_REVOKED": "RUN-l1@example.org",
    }
    assert len(in_order["pending"]) == 6
    for name in ("s1", "s2"):
        assert await rows_of(ndb, f"{prefix}{name}") == in_order, f"copy {name} differs from the in-order one"
