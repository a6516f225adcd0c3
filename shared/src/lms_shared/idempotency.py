"""``Idempotency-Key`` in the services: a retried mutation returns the first one's result, even after a crash.

The gateway forwards the client's key (scoped to the caller) to the service. The service stores the
key with the effect, in the same transaction:

1. At the start of the unit of work it *claims* the key (an insert into ``idempotency_record``). A
   concurrent request with the same key waits on that row until the first transaction ends.
2. The handler runs as usual; its ``commit()`` is deferred, so the effect and its events are only
   flushed.
3. The response is written into the claimed row and everything commits at once.

So a retry after a gateway timeout, a lost answer or a crashed process finds either a committed row
with the first response (replayed, whatever happened in between), or no row at all (the first
attempt never committed, and running it now is the first and only effect). A key reused for a
different request is refused. :meth:`IdempotencyStore.forget_older_than` prunes old rows; no service
schedules it yet, so rows stay until then (issue 12).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms_shared.errors import BadInput, Conflict

MAX_KEY_LENGTH = 255


def idempotency_table(metadata: MetaData) -> Table:
    """The ``idempotency_record`` table, declared on a service's own metadata."""
    return Table(
        "idempotency_record",
        metadata,
        Column("principal", String(255), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("response", JSONB, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_idempotency_record_created_at", "created_at"),
    )


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any


def fingerprint(operation: str, payload: Any) -> str:
    """What makes two requests "the same": the operation and its canonical JSON input."""
    canonical = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(operation.encode() + b"\n" + canonical).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadInput(f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} printable characters.")
    return key


class IdempotencyStore:
    """Claims, replays and completes keys on the unit of work's session (used by SqlAlchemyUnitOfWork)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def claim(self, session: AsyncSession, principal: str, key: str, print_: str) -> StoredResponse | None:
        """None when this transaction now owns the key; the first response when it was used before."""
        t = self.table
        claimed = await session.execute(
            pg_insert(t)
            .values(principal=principal, key=key, fingerprint=print_)
            .on_conflict_do_nothing()
            .returning(t.c.key)
        )
        if claimed.first() is not None:
            return None
        row = (
            await session.execute(
                select(t.c.fingerprint, t.c.status_code, t.c.response).where(t.c.principal == principal, t.c.key == key)
            )
        ).one()
        if row.fingerprint != print_:
            raise Conflict(
                "This Idempotency-Key was already used for a different request; use a new key for a new request."
            )
        return StoredResponse(int(row.status_code), row.response)

    async def complete(self, session: AsyncSession, principal: str, key: str, response: StoredResponse) -> None:
        t = self.table
        await session.execute(
            update(t)
            .where(t.c.principal == principal, t.c.key == key)
            .values(status_code=response.status_code, response=response.body)
        )

    async def forget_older_than(self, session: AsyncSession, seconds: int) -> int:
        t = self.table
        result = await session.execute(
            delete(t).where(t.c.created_at < func.now() - text(f"interval '{int(seconds)} seconds'"))
        )
        return int(getattr(result, "rowcount", 0) or 0)


Run = Callable[[], Awaitable[StoredResponse]]


async def run_idempotent(
    uow: Any, principal: str, key: str | None, operation: str, payload: Any, run: Run
) -> StoredResponse:
    """Run ``run`` (a handler call and its JSON) once per ``key``; replay its response afterwards.

    ``uow`` must be open. Without a key this is just ``run()``.
    """
    if key is None:
        return await run()
    key = check_key(key)
    print_ = fingerprint(operation, payload)
    stored = await uow.claim_key(principal, key, print_)
    if stored is not None:
        return StoredResponse(stored.status_code, stored.body)
    uow.defer_commit()
    response = await run()
    await uow.commit_with_response(principal, key, response)
    return response
