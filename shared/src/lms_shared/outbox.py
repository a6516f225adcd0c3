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
import time
from collections.abc import Sequence
from typing import Any

import asyncpg
from nats.js import JetStreamContext
from prometheus_client import Counter
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

from lms_shared.db import Timeouts
from lms_shared.errors import BadInput
from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope
from lms_shared.faults import is_transient
from lms_shared.logging import get_logger, request_id_var
from lms_shared.settings import get_settings

log = get_logger(__name__)

NOTIFY_CHANNEL = "lms_outbox"
_INITIAL_BACKOFF = 0.2
_MAX_BACKOFF = 10.0
# /healthz fails when the relay loop has not turned for this long: longer than any back-off or a
# database call (capped by the command timeout) may take.
_STALL_SECONDS = 90.0
OUTBOX_PARKED = Counter("lms_outbox_parked_total", "Outbox rows parked after a permanent publish failure")
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
        # Set when the row failed deterministically (e.g. larger than NATS accepts): it is no longer
        # tried, so it cannot slow its relay; `python -m lms_shared.outbox --unpark` puts it back.
        Column("parked_at", DateTime(timezone=True), nullable=True),
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


class EventTooLarge(BadInput):
    """A change would need an event larger than ``LMS_EVENT_MAX_BYTES``: refused before anything is saved."""


def encoded(envelope: Envelope, limit: int | None = None) -> bytes:
    """The envelope's bytes, refused with :class:`EventTooLarge` over the limit.

    Checked where the event is staged, in the transaction of the change that causes it: the change is
    refused with a clear message instead of leaving the outbox a row NATS can never take.
    """
    raw = envelope.to_bytes()
    limit = limit if limit is not None else get_settings().event_max_bytes
    if len(raw) > limit:
        what = envelope.type.split(".")[2] if envelope.type.count(".") >= 3 else envelope.type
        raise EventTooLarge(
            f"This change is too large to save: other services learn it from one {len(raw):,}-byte "
            f"'{what}' event, and events are limited to {limit:,} bytes. Nothing was saved; make it "
            "smaller (for a course: fewer modules and lessons, or shorter titles in fewer languages)."
        )
    return raw


async def add_event(session: AsyncSession, table: Table, event: Payload | Envelope) -> Envelope:
    """Stage an event in the caller's transaction; it is published only if that transaction commits."""
    envelope = event if isinstance(event, Envelope) else event.envelope()
    payload = encoded(envelope)
    headers = event_headers()
    await session.execute(
        insert(table).values(event_id=envelope.id, subject=envelope.subject, payload=payload, headers=headers)
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
    limit = get_settings().event_max_bytes
    rows = [
        {"event_id": env.id, "subject": env.subject, "payload": encoded(env, limit), "headers": headers}
        for env in envelopes
    ]
    # One statement per chunk: a multi-row INSERT with the NOTIFY riding along as its outer SELECT,
    # so staging events costs one round trip. Chunks keep under the driver's 32,767 bind parameters.
    for start in range(0, len(rows), _BULK_CHUNK):
        staged = insert(table).values(rows[start : start + _BULK_CHUNK]).returning(table.c.id).cte("staged")
        await session.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")).add_cte(staged))
    return envelopes


class OutboxRelay:
    """Publishes pending outbox rows in order, in batches; isolates and parks rows that cannot be sent.

    A transient failure (NATS away or slow) leaves the rows pending and backs the relay off with
    jitter; the back-off resets on the next success. A permanent failure of one row (its payload is
    larger than NATS accepts, its subject is invalid) is counted on that row only, and after
    ``max_attempts`` (at once for an oversize payload) the row is parked with its reason: the other
    rows go on at full speed.
    """

    def __init__(
        self,
        dsn: str,
        js: JetStreamContext,
        *,
        batch: int = 500,
        poll_interval: float = 1.0,
        max_attempts: int = 5,
        timeouts: Timeouts | None = None,
    ):
        self._dsn = dsn
        self._js = js
        self._batch = batch
        self._poll = poll_interval
        self._max_attempts = max_attempts
        self._timeouts = timeouts or Timeouts()
        self._wake = asyncio.Event()
        self._backoff = _INITIAL_BACKOFF
        self.last_progress = time.monotonic()
        self.connected = False
        # Fault injection for the crash tests: exit right after publishing, before marking sent.
        self._crash_after_publish = os.environ.get("LMS_FAULT_RELAY_EXIT_AFTER_PUBLISH") == "1"

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._run_connected(stop)
            except Exception as exc:  # noqa: BLE001 - any failure: back off and reconnect, never die
                self.connected = False
                log.warning("outbox.relay_error", error=repr(exc)[:500], retry_in=round(self._backoff, 2))
                await _sleep_or_stop(stop, self._backoff)
                self._grow_backoff()

    def _grow_backoff(self) -> None:
        self._backoff = min(self._backoff * 2, _MAX_BACKOFF) * (0.8 + random.random() * 0.4)

    async def _run_connected(self, stop: asyncio.Event) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn, **self._timeouts.asyncpg_kwargs("kentbilim-relay"))
        try:
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            self.connected = True
            while not stop.is_set():
                self.last_progress = time.monotonic()
                try:
                    sent = await self.publish_pending(conn)
                except RelayBlocked as exc:
                    # NATS is away: keep the connection, wait, try again; the rows stay pending.
                    log.warning("outbox.publish_blocked", error=str(exc)[:500], retry_in=round(self._backoff, 2))
                    await _sleep_or_stop(stop, self._backoff)
                    self._grow_backoff()
                    continue
                self._backoff = _INITIAL_BACKOFF
                if sent >= self._batch:
                    continue
                self._wake.clear()
                waiter = asyncio.create_task(self._wake.wait())
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({waiter, stopper}, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                stopper.cancel()
        finally:
            self.connected = False
            await conn.close(timeout=5)

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        """Publish one batch; returns how many rows were sent. Raises RelayBlocked when NATS is away."""
        async with conn.transaction():
            # SKIP LOCKED lets several relay replicas share one outbox without sending a row twice
            # at the same moment; ordering is kept per relay batch, which is what consumers need.
            rows = await conn.fetch(
                "SELECT id, event_id, subject, payload, headers, attempts FROM outbox_message "
                "WHERE sent_at IS NULL AND parked_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch,
            )
            if not rows:
                return 0
            results = await asyncio.gather(*(self._publish(r) for r in rows), return_exceptions=True)
            if self._crash_after_publish:
                log.warning("outbox.fault_injected_exit", published=len(rows))
                os._exit(137)
            ok: list[int] = []
            transient: list[tuple[int, str]] = []
            for r, res in zip(rows, results, strict=True):
                if not isinstance(res, BaseException):
                    ok.append(r["id"])
                elif is_transient(res):
                    transient.append((r["id"], repr(res)))
                else:
                    await self._failed_permanently(conn, r, res)
            if ok:
                await conn.execute(
                    "UPDATE outbox_message SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])",
                    ok,
                )
            if transient:
                await conn.execute(
                    "UPDATE outbox_message SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])",
                    [row_id for row_id, _ in transient],
                    transient[0][1][:2000],
                )
        if transient and not ok:
            raise RelayBlocked(f"{len(transient)} outbox events could not be published: {transient[0][1]}")
        return len(ok)

    async def _failed_permanently(self, conn: asyncpg.Connection, row: Any, error: BaseException) -> None:
        attempts = int(row["attempts"]) + 1
        reason = f"{type(error).__name__}: {error}"[:2000]
        park = attempts >= self._max_attempts or type(error).__name__ == "MaxPayloadError"
        if park:
            reason = f"{reason} (payload {len(row['payload'])} bytes)"
            OUTBOX_PARKED.inc()
            log.error("outbox.row_parked", event_id=row["event_id"], subject=row["subject"], reason=reason)
        await conn.execute(
            "UPDATE outbox_message SET attempts = $2, last_error = $3, "
            "parked_at = CASE WHEN $4 THEN now() ELSE NULL END WHERE id = $1",
            row["id"],
            attempts,
            reason,
            park,
        )

    async def _publish(self, row: Any) -> None:
        headers = dict(_json(row["headers"]))
        headers["Nats-Msg-Id"] = row["event_id"]
        await self._js.publish(row["subject"], bytes(row["payload"]), headers=headers, timeout=10)


class RelayBlocked(Exception):
    """Every row of a batch failed for a transient reason: NATS is away or overloaded."""


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


async def parked_rows(dsn: str) -> list[Any]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(
            await conn.fetch(
                "SELECT id, event_id, subject, attempts, parked_at, last_error, length(payload) AS size "
                "FROM outbox_message WHERE parked_at IS NOT NULL AND sent_at IS NULL ORDER BY id"
            )
        )
    finally:
        await conn.close()


async def unpark(dsn: str, event_id: str | None) -> int:
    """Put parked rows (one, or all when ``event_id`` is None) back in line, attempts reset."""
    conn = await asyncpg.connect(dsn)
    try:
        result = await conn.execute(
            "UPDATE outbox_message SET parked_at = NULL, attempts = 0 "
            "WHERE parked_at IS NOT NULL AND sent_at IS NULL AND ($1::text IS NULL OR event_id = $1)",
            event_id,
        )
        await conn.execute(f"NOTIFY {NOTIFY_CHANNEL}")
        return int(result.split()[-1])
    finally:
        await conn.close()


def main() -> None:
    """``python -m lms_shared.outbox --service courses``: run one service's relay until SIGTERM.

    ``--parked`` lists the rows parked after a permanent failure; ``--unpark EVENT_ID|all`` puts them
    back in line once the cause is fixed (for example after raising NATS's max_payload).
    """
    import argparse
    import signal

    from lms_shared.db import asyncpg_dsn
    from lms_shared.housekeeping import Retention, prune_forever
    from lms_shared.jetstream import connect
    from lms_shared.logging import configure_logging
    from lms_shared.probe import serve_probes

    parser = argparse.ArgumentParser(description="Publish a service's outbox to NATS JetStream.")
    parser.add_argument("--service", required=True, choices=["courses", "progress", "certificates", "notifications"])
    parser.add_argument("--parked", action="store_true", help="list parked rows and exit")
    parser.add_argument("--unpark", metavar="EVENT_ID|all", help="put parked rows back in line and exit")
    parser.add_argument(
        "--health-port",
        type=int,
        default=None,
        help="serve /healthz, /readyz and /metrics on this port (default: LMS_<SERVICE>_RELAY_PORT, "
        "else LMS_RELAY_HEALTH_PORT; 0 = off)",
    )
    args = parser.parse_args()
    if args.health_port is None:
        env_port = os.environ.get(f"LMS_{args.service.upper()}_RELAY_PORT") or os.environ.get("LMS_RELAY_HEALTH_PORT")
        args.health_port = int(env_port or 0)
    settings = get_settings()
    dsn = asyncpg_dsn(settings.database_url(args.service))
    if args.parked:
        for row in asyncio.run(parked_rows(dsn)):
            print(f"{row['event_id']}\t{row['subject']}\t{row['size']} bytes\t{row['parked_at']}\t{row['last_error']}")
        return
    if args.unpark:
        n = asyncio.run(unpark(dsn, None if args.unpark == "all" else args.unpark))
        print(f"{n} rows back in line")
        return
    configure_logging(f"{args.service}-relay", settings.log_level, settings.log_json)
    from lms_shared.telemetry import setup_tracing

    setup_tracing(f"{args.service}-relay")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        nc, js = await connect(settings.nats_url, f"{args.service}-relay", settings)
        relay = OutboxRelay(dsn, js, timeouts=Timeouts.of(settings))
        retention = Retention(
            settings.idempotency_seconds, settings.outbox_keep_sent_seconds, settings.inbox_keep_seconds
        )
        tasks = [asyncio.create_task(prune_forever(dsn, retention, settings.housekeeping_interval_seconds, stop))]
        if args.health_port:
            # Alive while the loop turns (it does at least every poll interval or back-off, <= 10 s).
            tasks.append(
                asyncio.create_task(
                    serve_probes(
                        settings.host,
                        args.health_port,
                        alive=lambda: time.monotonic() - relay.last_progress < _STALL_SECONDS,
                        ready=lambda: relay.connected and nc.is_connected,
                        stop=stop,
                    )
                )
            )
        log.info("outbox.relay_started", service=args.service)
        try:
            await relay.run(stop)
        finally:
            for t in tasks:
                t.cancel()
            await nc.drain()

    asyncio.run(run())


if __name__ == "__main__":
    main()
