"""Housekeeping on the real Postgres: old bookkeeping rows go, everything still needed stays."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from lms_shared.db import asyncpg_dsn
from lms_shared.housekeeping import Retention, prune

pytestmark = pytest.mark.integration

HOUR = 3600


async def seed(conn: asyncpg.Connection, tag: str) -> None:
    """Rows an hour, a day and a month old in each table; outbox rows sent, unsent and parked."""
    for age in (HOUR, 25 * HOUR, 40 * 24 * HOUR):
        when = datetime.now(UTC) - timedelta(seconds=age)
        await conn.execute(
            "INSERT INTO idempotency_record (principal, key, fingerprint, status_code, response, created_at) "
            "VALUES ($1, $2, 'f', 200, '{}', $3)",
            tag,
            f"k{age}",
            when,
        )
        await conn.execute(
            "INSERT INTO processed_event (consumer, event_id, event_type, processed_at) VALUES ($1, $2, 't', $3)",
            tag,
            f"e{age}",
            when,
        )
        for state, sent, parked in (("sent", when, None), ("unsent", None, None), ("parked", None, when)):
            await conn.execute(
                "INSERT INTO outbox_message (event_id, subject, payload, created_at, sent_at, parked_at) "
                "VALUES ($1, 'lms.test', ''::bytea, $2, $3, $4)",
                f"{tag}-{state}-{age}",
                when,
                sent,
                parked,
            )


async def test_prune_keeps_what_may_still_be_needed_and_drops_the_rest(engine: Any, shared_db_url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(shared_db_url))
    tag = uuid.uuid4().hex[:8]
    try:
        await seed(conn, tag)
        # Small batches: the loop must keep deleting until a batch comes back short.
        deleted = await prune(conn, Retention(24 * HOUR, 7 * 24 * HOUR, 35 * 24 * HOUR), batch=1)
        keys = {r["key"] for r in await conn.fetch("SELECT key FROM idempotency_record WHERE principal = $1", tag)}
        inbox = {
            r["event_id"] for r in await conn.fetch("SELECT event_id FROM processed_event WHERE consumer = $1", tag)
        }
        outbox = {
            r["event_id"]
            for r in await conn.fetch("SELECT event_id FROM outbox_message WHERE event_id LIKE $1", f"{tag}-%")
        }
    finally:
        await conn.close()
    assert keys == {f"k{HOUR}"}, "keys older than the 24 h retry window go"
    assert inbox == {f"e{HOUR}", f"e{25 * HOUR}"}, "inbox rows stay longer than the stream keeps events"
    old = 40 * 24 * HOUR
    assert f"{tag}-sent-{old}" not in outbox and f"{tag}-sent-{25 * HOUR}" in outbox
    assert {f"{tag}-unsent-{old}", f"{tag}-parked-{old}"} <= outbox, "unsent and parked rows are never pruned"
    assert deleted["idempotency_record"] >= 2 and deleted["processed_event"] >= 1 and deleted["outbox_message"] >= 1


async def test_one_pruner_at_a_time(engine: Any, shared_db_url: str) -> None:
    first = await asyncpg.connect(asyncpg_dsn(shared_db_url))
    second = await asyncpg.connect(asyncpg_dsn(shared_db_url))
    try:
        from lms_shared.housekeeping import LOCK_KEY

        await first.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        assert await prune(second, Retention()) == {}, "another relay is pruning: this one skips the round"
        await first.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
        assert set(await prune(second, Retention())) == {"idempotency_record", "outbox_message", "processed_event"}
    finally:
        await asyncio.gather(first.close(), second.close())
