"""Idempotency-Key in a service: one effect per key, the first answer replayed, on the real Postgres."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from lms_shared.db import make_sessionmaker
from lms_shared.errors import Conflict, NotFound
from lms_shared.idempotency import StoredResponse, run_idempotent
from lms_shared.uow import SqlAlchemyUnitOfWork

from .conftest import EFFECT, IDEMPOTENCY, OUTBOX

pytestmark = pytest.mark.integration


def uow_factory(engine: Any) -> Any:
    sessions = make_sessionmaker(engine)
    return lambda: SqlAlchemyUnitOfWork(sessions, OUTBOX, IDEMPOTENCY)


async def effects(engine: Any, note: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(EFFECT).where(EFFECT.c.note == note)) or 0)


def creating(note: str, *, delay: float = 0.0) -> Any:
    """A 'handler' that creates one row and commits, as a mutation would, then answers with its id."""

    async def handler(uow: Any) -> StoredResponse:
        row_id = uuid.uuid4().hex
        await uow.session.execute(insert(EFFECT).values(event_id=row_id, note=note))
        await asyncio.sleep(delay)
        await uow.commit()
        return StoredResponse(201, {"id": row_id})

    return handler


async def call(engine: Any, principal: str, key: str | None, payload: Any, handler: Any) -> StoredResponse:
    async with uow_factory(engine)() as uow:
        return await run_idempotent(uow, principal, key, "POST /v1/things", payload, lambda: handler(uow))


async def test_a_retry_after_a_lost_answer_gets_the_first_result_and_no_second_effect(engine: Any) -> None:
    note, key = f"idem-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    first = await call(engine, "trainer-1", key, {"title": "Budget"}, creating(note))
    # The client never saw that answer (gateway timeout, crash) and retries with the same key.
    again = await call(engine, "trainer-1", key, {"title": "Budget"}, creating(note))
    assert again == first and first.status_code == 201
    assert await effects(engine, note) == 1


async def test_concurrent_requests_with_one_key_make_one_effect(engine: Any) -> None:
    note, key = f"idem-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    results = await asyncio.gather(
        *(call(engine, "admin-1", key, {"n": 1}, creating(note, delay=0.3)) for _ in range(5))
    )
    assert len({r.body["id"] for r in results}) == 1
    assert await effects(engine, note) == 1


async def test_the_key_is_the_callers_own(engine: Any) -> None:
    note, key = f"idem-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    a = await call(engine, "learner-a", key, {"n": 1}, creating(note))
    b = await call(engine, "learner-b", key, {"n": 1}, creating(note))
    assert a.body != b.body and await effects(engine, note) == 2


async def test_a_key_reused_for_another_request_is_refused(engine: Any) -> None:
    note, key = f"idem-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    await call(engine, "trainer-1", key, {"title": "Budget"}, creating(note))
    with pytest.raises(Conflict, match="different request"):
        await call(engine, "trainer-1", key, {"title": "Another course"}, creating(note))
    assert await effects(engine, note) == 1


async def test_a_failed_attempt_leaves_no_trace_and_the_retry_runs(engine: Any) -> None:
    note, key = f"idem-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex

    async def failing(uow: Any) -> StoredResponse:
        await uow.session.execute(insert(EFFECT).values(event_id=uuid.uuid4().hex, note=note))
        raise NotFound("There is no such course.")

    with pytest.raises(NotFound):
        await call(engine, "trainer-1", key, {"n": 1}, failing)
    assert await effects(engine, note) == 0
    done = await call(engine, "trainer-1", key, {"n": 1}, creating(note))
    assert done.status_code == 201 and await effects(engine, note) == 1


async def test_a_crash_before_commit_stores_nothing(engine: Any) -> None:
    """The process dies after the handler ran but before COMMIT: no effect, no key; the retry is the first."""
    note, key = f"idem-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    async with uow_factory(engine)() as uow:
        assert await uow.claim_key("trainer-1", key, "print") is None
        uow.defer_commit()
        await creating(note)(uow)
        # ... and the connection is gone: leaving the unit of work without committing.
    assert await effects(engine, note) == 0
    done = await call(engine, "trainer-1", key, {"n": 1}, creating(note))
    assert done.status_code == 201 and await effects(engine, note) == 1
