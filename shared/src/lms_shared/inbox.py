"""Idempotent event consumption: durable pull consumers, explicit ack, an inbox, a dead-letter subject.

Each handled event's id is recorded in ``processed_event`` in the same transaction as its effect, so a
redelivery (after a crash, a lost ack or a relay re-send) finds the id and does nothing. A message that
fails is classified (``lms_shared.faults``): an infrastructure fault (database, NATS, S3 away, a
serialization failure) is retried without limit with jittered back-off; only a deterministic failure
counts, and after ``max_deliveries`` of those the message is parked on ``LMS_DLQ``
(``dlq.<consumer>.<type>``), acked on its original subject, and can be listed, replayed and deleted
with ``python -m lms_shared.dlq``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from prometheus_client import Counter, Histogram
from pydantic import ValidationError
from sqlalchemy import Column, DateTime, MetaData, String, Table, func, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.db import utcnow
from lms_shared.events.catalogue import CATALOGUE, Payload
from lms_shared.events.envelope import Envelope
from lms_shared.faults import TransientError, backoff_delay, is_transient
from lms_shared.jetstream import EVENTS_STREAM, dlq_subject
from lms_shared.logging import get_logger, request_id_var
from lms_shared.telemetry import consumer_span
from lms_shared.uow import SqlAlchemyUnitOfWork

log = get_logger(__name__)

EVENTS_HANDLED = Counter(
    "lms_events_handled_total", "Events taken off a durable consumer, by outcome", ["consumer", "type", "outcome"]
)
EVENTS_RETRIED = Counter(
    "lms_events_retried_total", "Deliveries handed back for a retry, by kind of failure", ["consumer", "kind"]
)
EVENTS_DEAD_LETTERED = Counter("lms_events_dead_lettered_total", "Events parked on a dead-letter subject", ["consumer"])
HANDLE_SECONDS = Histogram(
    "lms_event_handle_duration_seconds",
    "Time to apply one event, inbox included",
    ["consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

Handler = Callable[[Any, Any, Envelope], Awaitable[None]]
"""``handler(uow, payload, envelope)``: a service-layer function; the consumer commits after it returns."""


def processed_event_table(metadata: MetaData) -> Table:
    """The inbox: which events this service has already applied, per consumer."""
    return Table(
        "processed_event",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(255), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class RetryLater(TransientError):
    """Raised by a handler that cannot apply the event yet (e.g. it depends on one not yet seen)."""


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    retried: int = 0
    transient: int = 0
    dead_lettered: int = 0


class EventConsumer:
    """One durable pull consumer on ``LMS_EVENTS`` feeding typed service-layer handlers.

    Each event is applied in a fresh unit of work from ``uow_factory``: the inbox row, the handler's
    changes and the events it stages commit together.
    """

    def __init__(
        self,
        js: JetStreamContext,
        uow_factory: Callable[[], SqlAlchemyUnitOfWork],
        inbox: Table,
        durable: str,
        handlers: dict[type[Payload], Handler],
        *,
        max_deliveries: int = 5,
        batch: int = 100,
        ack_wait: float = 30.0,
        concurrency: int = 8,
        max_backoff: float = 15.0,
    ) -> None:
        self._js = js
        self._uow_factory = uow_factory
        self._inbox = inbox
        self.durable = durable
        self._handlers = {p.TYPE: (p, h) for p, h in handlers.items()}
        self._max_deliveries = max_deliveries
        self._batch = batch
        self._ack_wait = ack_wait
        self._sem = asyncio.Semaphore(concurrency)
        self._max_backoff = max_backoff
        # Permanent failures per event id, counted in this process (a restart gives a poison message a
        # few more tries, never fewer). JetStream's own delivery count also counts transient retries.
        self._permanent_failures: TTLCache[str, int] = TTLCache(maxsize=100_000, ttl=24 * 3600)
        self.stats = ConsumerStats()

    @property
    def subjects(self) -> list[str]:
        return sorted(self._handlers)

    @property
    def routes(self) -> dict[str, tuple[type[Payload], Handler]]:
        """Event type -> (payload class, handler): what this consumer applies, e.g. for tests of the wiring."""
        return dict(self._handlers)

    async def ensure(self) -> None:
        """Create or update the durable consumer (idempotent, safe from several replicas)."""
        cfg = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            filter_subjects=self.subjects,
            ack_wait=self._ack_wait,
            max_deliver=-1,  # we count deliveries ourselves and dead-letter explicitly
            max_ack_pending=10_000,
        )
        try:
            await self._js.consumer_info(EVENTS_STREAM, self.durable)
            await self._js.add_consumer(EVENTS_STREAM, cfg)  # updates filter subjects when they grow
        except NotFoundError:
            await self._js.add_consumer(EVENTS_STREAM, cfg)

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                await self.ensure()
                sub = await self._js.pull_subscribe_bind(self.durable, stream=EVENTS_STREAM)
                backoff = 0.2
                try:
                    while not stop.is_set():
                        try:
                            msgs = await sub.fetch(self._batch, timeout=1.0)
                        except TimeoutError:
                            continue
                        await self.handle_batch(msgs)
                finally:
                    # A pull subscription left open makes the connection's drain() wait its full
                    # timeout (30 s) at shutdown, past the launcher's grace period.
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
            except Exception as exc:  # noqa: BLE001 - NATS or DB away: back off, reconnect, carry on
                if stop.is_set():
                    break
                log.warning("consumer.error", consumer=self.durable, error=repr(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """Apply a batch: messages of one entity (subject_key) in order, different entities at once."""
        groups: OrderedDict[str, list[tuple[Msg, Envelope | None]]] = OrderedDict()
        for m in msgs:
            try:
                env: Envelope | None = Envelope.from_bytes(m.data)
                key = env.subject_key if env else ""
            except (ValidationError, ValueError):
                env, key = None, f"__malformed__{id(m)}"
            groups.setdefault(key, []).append((m, env))

        async def run_group(items: list[tuple[Msg, Envelope | None]]) -> None:
            async with self._sem:
                for m, env in items:
                    await self.handle(m, env)

        await asyncio.gather(*(run_group(g) for g in groups.values()))

    async def handle(self, msg: Msg, env: Envelope | None) -> None:
        if env is None:
            await self._dead_letter(msg, None, "malformed envelope: not valid JSON of the event envelope")
            return
        entry = self._handlers.get(env.type)
        if entry is None:
            await msg.ack()
            return
        payload_cls, handler = entry
        try:
            payload = payload_cls.model_validate(env.data)
        except ValidationError as exc:
            await self._dead_letter(msg, env, f"payload does not match {env.type}: {exc.errors()[:3]}")
            return
        token = request_id_var.set((msg.headers or {}).get("Lms-Request-Id"))
        try:
            with (
                consumer_span(f"{self.durable} {env.type}", msg.headers, event_id=env.id),
                HANDLE_SECONDS.labels(self.durable).time(),
            ):
                applied = await self._apply(env, payload, handler)
        except Exception as exc:  # noqa: BLE001 - classified: transient retried, permanent parked after N
            EVENTS_HANDLED.labels(self.durable, env.type, "failed").inc()
            await self._retry_or_dead_letter(msg, env, exc)
            return
        finally:
            request_id_var.reset(token)
        if applied:
            self.stats.handled += 1
        else:
            self.stats.duplicates += 1
        EVENTS_HANDLED.labels(self.durable, env.type, "applied" if applied else "duplicate").inc()
        await msg.ack()

    async def _apply(self, env: Envelope, payload: Payload, handler: Handler) -> bool:
        async with self._uow_factory() as uow:
            # The inbox row is written in the unit of work's transaction, before the handler's changes,
            # so both commit together or not at all.
            result = await uow.session.execute(
                pg_insert(self._inbox)
                .values(consumer=self.durable, event_id=env.id, event_type=env.type)
                .on_conflict_do_nothing()
                .returning(self._inbox.c.event_id)
            )
            if result.first() is None:
                return False  # seen before: the effect is already committed
            await handler(uow, payload, env)
            await uow.commit()
            return True

    async def _retry_or_dead_letter(self, msg: Msg, env: Envelope, exc: Exception) -> None:
        """Transient faults are retried without limit; only permanent failures lead to a dead letter."""
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        error = f"{type(exc).__name__}: {exc}"
        if is_transient(exc):
            self.stats.transient += 1
            EVENTS_RETRIED.labels(self.durable, "transient").inc()
            delay = backoff_delay(delivered, cap=self._max_backoff)
            log.warning(
                "consumer.transient_failure",
                consumer=self.durable,
                type=env.type,
                event_id=env.id,
                delivered=delivered,
                error=error[:500],
                retry_in=round(delay, 2),
            )
            await msg.nak(delay=delay)
            return
        failures = self._permanent_failures.get(env.id, 0) + 1
        self._permanent_failures[env.id] = failures
        if failures >= self._max_deliveries:
            self._permanent_failures.pop(env.id, None)
            await self._dead_letter(msg, env, error)
            return
        self.stats.retried += 1
        EVENTS_RETRIED.labels(self.durable, "permanent").inc()
        delay = backoff_delay(failures)
        log.warning(
            "consumer.retry",
            consumer=self.durable,
            type=env.type,
            event_id=env.id,
            failures=failures,
            error=error[:500],
            retry_in=round(delay, 2),
        )
        await msg.nak(delay=delay)

    async def _dead_letter(self, msg: Msg, env: Envelope | None, reason: str) -> None:
        """Park the message on ``LMS_DLQ`` and ack it; if parking fails, keep it and retry later."""
        event_id = env.id if env else (msg.headers or {}).get("Nats-Msg-Id", "unknown")
        headers = {
            "Nats-Msg-Id": f"dlq:{self.durable}:{event_id}",
            "Lms-Dlq-Consumer": self.durable,
            "Lms-Dlq-Original-Subject": msg.subject,
            "Lms-Dlq-Reason": reason[:1000],
            "Lms-Dlq-Deliveries": str(msg.metadata.num_delivered if msg.metadata else 1),
            "Lms-Dlq-Time": utcnow().isoformat(),
        }
        try:
            await self._js.publish(dlq_subject(self.durable, env.type if env else None), msg.data, headers=headers)
        except Exception as exc:  # noqa: BLE001 - NATS away or the DLQ full: never ack what is not parked
            log.error("consumer.dead_letter_failed", consumer=self.durable, event_id=event_id, error=repr(exc))
            await msg.nak(delay=backoff_delay(5, cap=self._max_backoff))
            return
        self.stats.dead_lettered += 1
        EVENTS_DEAD_LETTERED.labels(self.durable).inc()
        log.error("consumer.dead_lettered", consumer=self.durable, subject=msg.subject, reason=reason)
        await msg.ack()


def known_event_types() -> list[str]:
    return sorted(CATALOGUE)


async def delete_processed_before(session: AsyncSession, inbox: Table, days: int) -> None:
    """Housekeeping: forget inbox rows older than JetStream could ever redeliver."""
    await session.execute(
        inbox.delete().where(inbox.c.processed_at < func.now() - text(f"interval '{int(days)} days'"))
    )
