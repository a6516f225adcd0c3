"""Pruning of the bookkeeping tables every service has, run by its outbox relay.

- ``idempotency_record``: a stored response is needed only while a client may still retry with its key,
  ``LMS_IDEMPOTENCY_SECONDS`` (24 h, the same window as the gateway's).
- ``outbox_message``: a sent row is kept ``LMS_OUTBOX_KEEP_SENT_SECONDS`` (7 days) for inspection; parked
  and unsent rows are never pruned.
- ``processed_event`` (the inbox): kept ``LMS_INBOX_KEEP_SECONDS`` (35 days), longer than ``LMS_EVENTS``
  keeps an event (30 days), so a redelivered event always finds its row and is dropped.

Several relays of one service may run: ``pg_try_advisory_lock`` lets one of them prune at a time, and
deletes go in batches so no statement holds many locks or runs into the statement timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass

import asyncpg

from lms_shared.logging import get_logger

log = get_logger(__name__)

LOCK_KEY = 0x4B42_484B  # "KBHK": one pruner per database at a time
BATCH = 5000


@dataclass(frozen=True)
class Retention:
    idempotency_seconds: int = 24 * 3600
    outbox_sent_seconds: int = 7 * 24 * 3600
    inbox_seconds: int = 35 * 24 * 3600


# (table, the batch of ids to delete): each selects at most $2 rows older than $1 seconds.
_PRUNE = {
    "idempotency_record": (
        "DELETE FROM idempotency_record WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_record "
        "WHERE created_at < now() - make_interval(secs => $1) LIMIT $2))"
    ),
    "outbox_message": (
        "DELETE FROM outbox_message WHERE id = ANY(ARRAY(SELECT id FROM outbox_message "
        "WHERE sent_at < now() - make_interval(secs => $1) ORDER BY id LIMIT $2))"
    ),
    "processed_event": (
        "DELETE FROM processed_event WHERE ctid = ANY(ARRAY(SELECT ctid FROM processed_event "
        "WHERE processed_at < now() - make_interval(secs => $1) LIMIT $2))"
    ),
}


async def prune(conn: asyncpg.Connection, retention: Retention, batch: int = BATCH) -> dict[str, int]:
    """Delete what is past its retention; returns rows deleted per table (empty if another pruner runs)."""
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
        return {}
    try:
        present = {
            r["relname"]
            for r in await conn.fetch(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY($1::text[])", list(_PRUNE)
            )
        }
        keep = {
            "idempotency_record": retention.idempotency_seconds,
            "outbox_message": retention.outbox_sent_seconds,
            "processed_event": retention.inbox_seconds,
        }
        deleted: dict[str, int] = {}
        for table, statement in _PRUNE.items():
            if table not in present:
                continue
            total = 0
            while True:
                status = await conn.execute(statement, float(keep[table]), batch)
                n = int(status.split()[-1])
                total += n
                if n < batch:
                    break
            deleted[table] = total
        return deleted
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)


async def prune_forever(
    dsn: str, retention: Retention, interval: float, stop: asyncio.Event, *, command_timeout: float = 60.0
) -> None:
    """Prune every ``interval`` seconds (with jitter) until ``stop``; a failed round is logged and retried."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval * random.uniform(0.8, 1.2))
        if stop.is_set():
            return
        try:
            conn = await asyncpg.connect(dsn, timeout=10, command_timeout=command_timeout)
            try:
                deleted = await prune(conn, retention)
            finally:
                await conn.close()
        except Exception as exc:  # noqa: BLE001 - the database may be away; next round tries again
            log.warning("housekeeping.failed", error=repr(exc))
            continue
        if any(deleted.values()):
            log.info("housekeeping.pruned", **deleted)
