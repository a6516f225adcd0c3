"""Transactional outbox: an event is written in the same transaction as the change it announces.

A relay (``python -m lms_shared.outbox --service NAME``, or in-process) publishes pending rows to
JetStream with ``Nats-Msg-Id`` = event id and then marks them sent. A crash between publish and mark
only re-sends; JetStream drops the duplicate inside its window and consumers' inboxes drop it after.
The relay wakes on ``NOTIFY lms_outbox`` (sent at commit) and also polls, so a lost notification costs
at most one poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections.abc import Sequence
from typing import Any

import asyncpg
from nats.js import JetStreamContext
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope
from lms_shared.logging import get_logger, request_id_var

log = get_logger(__name__)

NOTIFY_CHANNEL = "lms_outbox"
_BULK_CHUNK = 5000  # rows per INSERT in add_events_bulk (4 bind parameters each)


def outbox_table(metadata: MetaData) -> Table:
    """The ``outbox_message`` table, declared on a service's own metadata (each service has one)."""
    return Table(
        "outbox_message",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("subject", String(255), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_message_pending", "id", postgresql_where=text("sent_at IS NULL")),
    )


def event_headers() -> dict[str, str]:
    """The headers every staged event carries: the request that caused it and the trace context."""
    from lms_shared.tracing import inject_headers  # local: tracing is optional at import time

    headers: dict[str, str] = {}
    rid = request_id_var.get()
    if rid:
        headers["Lms-Request-Id"] = rid
    inject_headers(headers)
    return headers


async def add_event(session: AsyncSession, table: Table, event: Payload | Envelope) -> Envelope:
    """Stage an event in the caller's transaction; it is published only if that transaction commits."""
    envelope = event if isinstance(event, Envelope) else event.envelope()
    headers = event_headers()
    await session.execute(
        insert(table).values(
            event_id=envelope.id, subject=envelope.subject, payload=envelope.to_bytes(), headers=headers
        )
    )
    await session.execute(text("SELECT pg_notify(:c, '')"), {"c": NOTIFY_CHANNEL})
    return envelope


async def add_events_bulk(session: AsyncSession, table: Table, events: Sequence[Payload | Envelope]) -> list[Envelope]:
    """Stage many events in the caller's transaction with one multi-row insert and one notification.

    Same rows as :func:`add_event`; meant for bulk operations (a cohort of thousands) and hot paths
    that stage several events at once.
    """
    if not events:
        return []
    envelopes = [e if isinstance(e, Envelope) else e.envelope() for e in events]
    headers = event_headers()
    rows = [
        {"event_id": env.id, "subject": env.subject, "payload": env.to_bytes(), "headers": headers} for env in envelopes
    ]
    # One statement per chunk: a multi-row INSERT with the NOTIFY riding along as its outer SELECT,
    # so staging events costs one round trip. Chunks keep under the driver's 32,767 bind parameters.
    for start in range(0, len(rows), _BULK_CHUNK):
        staged = insert(table).values(rows[start : start + _BULK_CHUNK]).returning(table.c.id).cte("staged")
        await session.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")).add_cte(staged))
    return envelopes


class OutboxRelay:
    """Publishes pending outbox rows in order, in batches, with retry and backoff."""

    def __init__(self, dsn: str, js: JetStreamContext, *, batch: int = 500, poll_interval: float = 1.0):
        self._dsn = dsn
        self._js = js
        self._batch = batch
        self._poll = poll_interval
        self._wake = asyncio.Event()
        # Fault injection for the crash tests: exit right after publishing, before marking sent.
        self._crash_after_publish = os.environ.get("LMS_FAULT_RELAY_EXIT_AFTER_PUBLISH") == "1"

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                await self._run_connected(stop)
                backoff = 0.2
            except Exception as exc:  # noqa: BLE001 - any failure: back off and reconnect, never die
                log.warning("outbox.relay_error", error=repr(exc), retry_in=backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 10.0) * (0.8 + random.random() * 0.4)

    async def _run_connected(self, stop: asyncio.Event) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn)
        try:
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            while not stop.is_set():
                sent = await self.publish_pending(conn)
                if sent >= self._batch:
                    continue
                self._wake.clear()
                waiter = asyncio.create_task(self._wake.wait())
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({waiter, stopper}, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                stopper.cancel()
        finally:
            await conn.close(timeout=5)

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        """Publish one batch; returns how many rows were sent."""
        async with conn.transaction():
            # SKIP LOCKED lets several relay replicas share one outbox without sending a row twice
            # at the same moment; ordering is kept per relay batch, which is what consumers need.
            rows = await conn.fetch(
                "SELECT id, event_id, subject, payload, headers FROM outbox_message "
                "WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch,
            )
            if not rows:
                return 0
            results = await asyncio.gather(*(self._publish(r) for r in rows), return_exceptions=True)
            if self._crash_after_publish:
                log.warning("outbox.fault_injected_exit", published=len(rows))
                os._exit(137)
            ok = [r["id"] for r, res in zip(rows, results, strict=True) if not isinstance(res, BaseException)]
            failed = [
                (r["id"], repr(res)) for r, res in zip(rows, results, strict=True) if isinstance(res, BaseException)
            ]
            if ok:
                await conn.execute(
                    "UPDATE outbox_message SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])",
                    ok,
                )
            for row_id, err in failed:
                await conn.execute(
                    "UPDATE outbox_message SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                    row_id,
                    err[:2000],
                )
        if failed:
            # Leave them pending; the caller's loop retries after backing off.
            raise RuntimeError(f"{len(failed)} outbox events could not be published: {failed[0][1]}")
        return len(ok)

    async def _publish(self, row: Any) -> None:
        headers = dict(_json(row["headers"]))
        headers["Nats-Msg-Id"] = row["event_id"]
        await self._js.publish(row["subject"], bytes(row["payload"]), headers=headers, timeout=10)


def _json(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        import orjson

        loaded = orjson.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return dict(value or {})


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def pending_count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL"))
    finally:
        await conn.close()


def main() -> None:
    """``python -m lms_shared.outbox --service courses``: run one service's relay until SIGTERM."""
    import argparse
    import signal

    from lms_shared.jetstream import connect
    from lms_shared.logging import configure_logging
    from lms_shared.settings import get_settings

    parser = argparse.ArgumentParser(description="Publish a service's outbox to NATS JetStream.")
    parser.add_argument("--service", required=True, choices=["courses", "progress", "certificates"])
    args = parser.parse_args()
    settings = get_settings()
    configure_logging(f"{args.service}-relay", settings.log_level, settings.log_json)
    from lms_shared.telemetry import setup_tracing

    setup_tracing(f"{args.service}-relay")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        nc, js = await connect(settings.nats_url, f"{args.service}-relay")
        from lms_shared.db import asyncpg_dsn

        relay = OutboxRelay(asyncpg_dsn(settings.database_url(args.service)), js)
        log.info("outbox.relay_started", service=args.service)
        try:
            await relay.run(stop)
        finally:
            await nc.drain()

    asyncio.run(run())


if __name__ == "__main__":
    main()
