"""An event consumer that applies runs of one event type in one transaction (the completions consumer).

:class:`lms_shared.inbox.EventConsumer` applies each event in a transaction of its own: for a burst
of ``course.completed`` (a forum's participants finishing within minutes) that is several round
trips and a commit per completion, and the API process spent its time there while the workers
waited for requests. This subclass keeps the inbox, the ack after commit and the base class's
failure handling, and only changes how a fetched batch is applied (see the class).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.msg import Msg
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert

from lms_shared.events.envelope import Envelope
from lms_shared.inbox import EVENTS_HANDLED, EventConsumer
from lms_shared.logging import get_logger

log = get_logger(__name__)


BatchHandler = Callable[[Any, list[tuple[Any, Envelope]]], Awaitable[None]]
"""``handler(uow, [(payload, envelope), ...])``: the effect of the one-event handler for each, in order."""


class BatchedEventConsumer(EventConsumer):
    """An :class:`EventConsumer` that applies a run of consecutive events of one type in one transaction.

    Each fetched batch is cut into runs in delivery order: consecutive events of a type with a batch
    handler are applied together (their inbox rows, their effects, one commit, then one ack each);
    any other event is applied on its own, in its place, as the base class does. So the order of
    events is kept (an erasure after a completion of the same learner still comes after it). A run
    that fails is applied again one event at a time by the base class, whose classification
    (transient: retried without limit; permanent: dead-lettered after ``max_deliveries``) then
    applies to each event alone: one bad event never holds up the others.
    """

    def __init__(self, *args: Any, batch_handlers: dict[Any, BatchHandler], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch_handlers = {p.TYPE: (p, h) for p, h in batch_handlers.items()}

    async def handle_batch(self, msgs: list[Msg]) -> None:
        runs: list[tuple[str | None, list[tuple[Msg, Envelope | None]]]] = []
        for m in msgs:
            try:
                env: Envelope | None = Envelope.from_bytes(m.data)
            except (ValidationError, ValueError):
                env = None
            kind = env.type if env is not None and env.type in self._batch_handlers else None
            if kind is not None and runs and runs[-1][0] == kind:
                runs[-1][1].append((m, env))
            else:
                runs.append((kind, [(m, env)]))
        for kind, items in runs:
            if kind is None:
                for m, one in items:
                    await self.handle(m, one)
            else:
                await self._handle_run(kind, [(m, e) for m, e in items if e is not None])

    async def _handle_run(self, kind: str, items: list[tuple[Msg, Envelope]]) -> None:
        payload_cls, handler = self._batch_handlers[kind]
        parsed: list[tuple[Msg, Envelope, Any]] = []
        for m, env in items:
            try:
                parsed.append((m, env, payload_cls.model_validate(env.data)))
            except ValidationError:
                await self.handle(m, env)  # the base class dead-letters it, with the reason
        if not parsed:
            return
        try:
            fresh = await self._apply_run(parsed, handler)
        except Exception as exc:  # noqa: BLE001 - one at a time, each with its own verdict
            log.warning("consumer.run_failed", consumer=self.durable, events=len(parsed), error=repr(exc)[:500])
            for m, env, _ in parsed:
                await self.handle(m, env)
            return
        for m, env, _ in parsed:
            applied = env.id in fresh
            fresh.discard(env.id)
            if applied:
                self.stats.handled += 1
            else:
                self.stats.duplicates += 1
            EVENTS_HANDLED.labels(self.durable, env.type, "applied" if applied else "duplicate").inc()
            await m.ack()

    async def _apply_run(self, parsed: list[tuple[Msg, Envelope, Any]], handler: BatchHandler) -> set[str]:
        """The inbox rows and the handler's effects in one transaction; the ids that were new."""
        async with self._uow_factory() as uow:
            result = await uow.session.execute(
                pg_insert(self._inbox)
                .values([{"consumer": self.durable, "event_id": e.id, "event_type": e.type} for _, e, _ in parsed])
                .on_conflict_do_nothing()
                .returning(self._inbox.c.event_id)
            )
            fresh = set(result.scalars())
            new: list[tuple[Any, Envelope]] = []
            for _, env, payload in parsed:
                if env.id in fresh and all(env.id != e.id for _, e in new):  # the same event twice in a run
                    new.append((payload, env))
            if new:
                await handler(uow, new)
            await uow.commit()
        return fresh
