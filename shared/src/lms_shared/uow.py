"""The unit of work every service uses: one transaction, its repositories, and the events it stages.

This is the cosmicpython pattern (docs/CONTRIBUTING.md, "The service template"):

* a route (or an event consumer, or a worker) *opens* the unit of work: ``async with uow_factory() as uow``;
* a handler in ``service_layer`` takes the unit of work and the ports it needs, reads and writes through
  the repositories the unit of work exposes, stages events with :meth:`UnitOfWork.publish`, and ends
  with ``await uow.commit()``;
* leaving the ``async with`` block without a commit rolls everything back, staged events included.

Staged events are written to the service's outbox *inside* the transaction, just before COMMIT, so
the change and its announcement are stored together or not at all (docs/events.md).

Handlers see only the :class:`UnitOfWork` protocol below, so their unit tests pass a fake one
(``lms_shared.testing`` has none on purpose: each service's fake lives in its ``tests/unit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope
from lms_shared.idempotency import IdempotencyStore, StoredResponse
from lms_shared.outbox import add_events_bulk


class UnitOfWork(Protocol):
    """What the service layer may do with a transaction; repositories are attributes of subclasses."""

    def publish(self, *events: Payload | Envelope) -> None:
        """Stage events; they reach the outbox only if this unit of work commits."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class IdempotentUnitOfWork(UnitOfWork, Protocol):
    """What an idempotent route needs (lms_shared.idempotency.run_idempotent): claim the key, defer
    the handler's commit, then commit the effect together with the stored response."""

    async def claim_key(self, principal: str, key: str, print_: str) -> StoredResponse | None: ...

    def defer_commit(self) -> None: ...

    async def commit_with_response(self, principal: str, key: str, response: StoredResponse) -> None: ...


class SqlAlchemyUnitOfWork:
    """One SQLAlchemy session in one transaction; subclasses build their repositories in :meth:`bind`.

    ``commit`` may be called more than once (a long handler can commit in steps); after a commit the
    session begins a new transaction on its next statement.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], outbox: Table, idempotency: Table | None = None
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._idempotency = IdempotencyStore(idempotency) if idempotency is not None else None
        self._staged: list[Payload | Envelope] = []
        self._session: AsyncSession | None = None
        self._deferred = False
        self.committed = False

    @property
    def session(self) -> AsyncSession:
        """The open session; for adapters (repositories, the inbox), never for the service layer."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use 'async with uow'")
        return self._session

    def bind(self, session: AsyncSession) -> None:
        """Create the repositories on ``session``; subclasses override this."""

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self._staged = []
        self._deferred = False
        self.committed = False
        self.bind(self._session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            # Whatever was not committed is undone, staged events with it. After a commit with nothing
            # since, there is no transaction: skipping the no-op rollback saves ~40 us per request.
            self._staged = []
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()

    def publish(self, *events: Payload | Envelope) -> None:
        self._staged.extend(events)

    @property
    def staged(self) -> Sequence[Payload | Envelope]:
        return tuple(self._staged)

    async def flush_events(self) -> list[Envelope]:
        """Write the staged events to the outbox in the open transaction (done by :meth:`commit`)."""
        staged, self._staged = self._staged, []
        # One statement for any number of events (the insert and the relay's NOTIFY together).
        return await add_events_bulk(self.session, self._outbox, staged)

    async def commit(self) -> None:
        await self.flush_events()
        if self._deferred:
            # An idempotent route commits later, together with the response it stores.
            await self.session.flush()
            return
        await self.session.commit()
        self.committed = True

    def defer_commit(self) -> None:
        self._deferred = True

    def _store(self) -> IdempotencyStore:
        if self._idempotency is None:
            raise RuntimeError("this unit of work was built without an idempotency table")
        return self._idempotency

    async def claim_key(self, principal: str, key: str, print_: str) -> StoredResponse | None:
        return await self._store().claim(self.session, principal, key, print_)

    async def commit_with_response(self, principal: str, key: str, response: StoredResponse) -> None:
        await self._store().complete(self.session, principal, key, response)
        self._deferred = False
        await self.commit()

    async def rollback(self) -> None:
        self._staged = []
        await self.session.rollback()
