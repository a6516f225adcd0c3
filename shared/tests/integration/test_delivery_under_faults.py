"""Delivery under real faults: a database that is away or hung, an unpublishable row, a large outage.

Each test puts a :class:`tests.support.faults.FaultyLink` between one client and the real server,
so the failures are the ones production sees (connection refused, resets, reads that never return).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from lms_shared.db import Timeouts, asyncpg_dsn, make_engine, make_sessionmaker
from lms_shared.dlq import LetterFilter, iter_dead_letters, list_dead_letters, replay_matching
from lms_shared.errors import BadInput
from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope
from lms_shared.inbox import EventConsumer
from lms_shared.outbox import OutboxRelay, add_event, parked_rows, unpark
from lms_shared.uow import SqlAlchemyUnitOfWork
from tests.support.faults import FaultyLink

from .conftest import EFFECT, INBOX, OUTBOX

pytestmark = pytest.mark.integration

FAST = Timeouts(statement_ms=5_000, command_seconds=2.0, idle_in_transaction_ms=10_000, connect_seconds=2.0)


def event_type(tag: str) -> type[Payload]:
    """A payload type of this test alone, so no other test's consumer sees its events (and vice versa)."""

    class Happened(Payload):
        TYPE: ClassVar[str] = f"lms.test.{tag.replace('-', '_')}.happened.v1"
        SOURCE: ClassVar[str] = "test"
        n: int = 0

        def subject_key(self) -> str:
            return f"{tag}-{self.n}"

    return Happened


async def effects(engine: Any, note: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(EFFECT).where(EFFECT.c.note == note)) or 0)


async def wait_for(check: Any, timeout: float) -> bool:
    for _ in range(int(timeout / 0.1)):
        if await check():
            return True
        await asyncio.sleep(0.1)
    return bool(await check())


def recording(note: str) -> Any:
    async def apply(uow: Any, payload: Any, envelope: Envelope) -> None:
        await uow.session.execute(insert(EFFECT).values(event_id=envelope.id, note=note))

    return apply


@pytest.fixture
def link_to_db(shared_db_url: str) -> Any:
    url = make_url(shared_db_url)
    link = FaultyLink(url.host or "127.0.0.1", int(url.port or 5432))
    yield link, url.set(port=link.port).render_as_string(hide_password=False)
    link.close()


def behind_a_faulty_link(js: Any, via_link: str, tag: str) -> tuple[str, str, Any, EventConsumer, Envelope]:
    """A consumer of a test-only event type whose database connections all go through the link."""
    note = f"{tag}-{uuid.uuid4().hex[:8]}"
    kind = event_type(note)
    faulty = make_engine(via_link, pool_size=2, timeouts=FAST)
    durable = f"it-{note}"
    consumer = EventConsumer(
        js,
        lambda: SqlAlchemyUnitOfWork(make_sessionmaker(faulty), OUTBOX),
        INBOX,
        durable,
        {kind: recording(note)},
        max_deliveries=2,
        max_backoff=0.5,
    )
    return note, durable, faulty, consumer, kind().envelope()


async def _run_while(consumer: EventConsumer, body: Any) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await body()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_a_database_outage_is_retried_until_it_passes_and_never_dead_lettered(
    engine: Any, js: Any, link_to_db: Any
) -> None:
    """Before: every exception counted as a failed delivery, so 2 deliveries into an outage parked the event."""
    link, via_link = link_to_db
    note, durable, faulty, consumer, env = behind_a_faulty_link(js, via_link, "outage")

    async def body() -> None:
        link.cut()
        await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": env.id})
        # Far longer than two deliveries: the consumer keeps trying while the database is away.
        assert await wait_for(lambda: _at_least(consumer.stats.transient, 4), 20)
        assert consumer.stats.dead_lettered == 0
        assert await effects(engine, note) == 0
        link.restore()
        assert await wait_for(lambda: _effects_are(engine, note, 1), 30), "applied once the database was back"

    try:
        await _run_while(consumer, body)
    finally:
        await faulty.dispose()
    assert await effects(engine, note) == 1
    assert await list_dead_letters(js, durable) == []


async def test_a_hung_database_times_out_and_is_retried(engine: Any, js: Any, link_to_db: Any) -> None:
    """A connection that answers nothing (half-open) fails within the command timeout, then retries."""
    link, via_link = link_to_db
    note, durable, faulty, consumer, env = behind_a_faulty_link(js, via_link, "hang")
    async with faulty.connect() as conn:  # a pooled connection that will be half-open during the hang
        await conn.exec_driver_sql("SELECT 1")

    async def body() -> None:
        link.hang()
        await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": env.id})
        assert await wait_for(lambda: _at_least(consumer.stats.transient, 2), 25), "timeouts are seen as transient"
        assert consumer.stats.dead_lettered == 0
        link.restore()
        assert await wait_for(lambda: _effects_are(engine, note, 1), 40)

    try:
        await _run_while(consumer, body)
    finally:
        await faulty.dispose()
    assert await list_dead_letters(js, durable) == []


async def test_a_deterministic_failure_is_still_parked_after_n_tries(engine: Any, js: Any) -> None:
    note = f"poison-{uuid.uuid4().hex[:8]}"
    kind = event_type(note)

    async def reject(uow: Any, payload: Any, envelope: Envelope) -> None:
        raise BadInput("this course id is not acceptable")

    sessions = make_sessionmaker(engine)
    durable = f"it-poison-{note}"
    consumer = EventConsumer(
        js, lambda: SqlAlchemyUnitOfWork(sessions, OUTBOX), INBOX, durable, {kind: reject}, max_deliveries=3
    )
    env = kind().envelope()
    await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": env.id})

    async def body() -> None:
        assert await wait_for(lambda: _at_least(consumer.stats.dead_lettered, 1), 30)

    await _run_while(consumer, body)
    assert consumer.stats.retried == 2 and consumer.stats.transient == 0
    [letter] = await list_dead_letters(js, durable)
    assert "BadInput" in letter.reason and letter.original_subject == env.subject and letter.parked_at is not None


async def test_dead_letters_of_a_large_outage_are_all_listed_replayed_and_removed(engine: Any, js: Any) -> None:
    """Before: list/replay saw only the oldest 1,000 letters, and replay re-sent the same ones forever."""
    note = f"many-{uuid.uuid4().hex[:8]}"
    kind = event_type(note)
    broken = True

    async def apply(uow: Any, payload: Any, envelope: Envelope) -> None:
        if broken:
            raise ValueError("rule violated")
        await uow.session.execute(insert(EFFECT).values(event_id=envelope.id, note=note))

    sessions = make_sessionmaker(engine)
    durable = f"it-many-{note}"
    consumer = EventConsumer(
        js, lambda: SqlAlchemyUnitOfWork(sessions, OUTBOX), INBOX, durable, {kind: apply}, max_deliveries=1
    )
    count = 1_050
    for i in range(count):
        env = kind(n=i).envelope()
        await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": env.id})

    async def parked() -> None:
        assert await wait_for(lambda: _at_least(consumer.stats.dead_lettered, count), 120)

    await _run_while(consumer, parked)
    where = LetterFilter(consumer=durable, event_type=kind.TYPE)
    assert len([x async for x in iter_dead_letters(js, where)]) == count
    first_page = await list_dead_letters(js, durable, limit=1000)
    second_page = await list_dead_letters(js, durable, limit=1000, after_seq=first_page[-1].seq)
    assert len(first_page) == 1000 and len(second_page) == count - 1000
    assert {x.seq for x in first_page}.isdisjoint({x.seq for x in second_page})

    broken = False
    assert await replay_matching(js, where) == count

    async def applied() -> None:
        assert await wait_for(lambda: _effects_are(engine, note, count), 120)

    await _run_while(consumer, applied)
    assert [x async for x in iter_dead_letters(js, where)] == [], "replayed letters are removed"


async def test_an_unpublishable_row_is_parked_and_does_not_slow_the_others(engine: Any, js: Any) -> None:
    """Before: one oversize row failed every batch and the relay crawled at its back-off rate, for good."""
    sessions = make_sessionmaker(engine)
    tag = uuid.uuid4().hex[:8]
    huge = Envelope(type=f"lms.test.{tag}.huge.v1", source="test", subject_key=tag, data={"blob": "x" * 2_000_000})
    small = [
        Envelope(type=f"lms.test.{tag}.small.v1", source="test", subject_key=f"{tag}-{i}", data={"i": i})
        for i in range(300)
    ]
    async with sessions() as s, s.begin():
        await add_event(s, OUTBOX, small[0])
        # Staging refuses it now (LMS_EVENT_MAX_BYTES); a row that got in anyway (staged before the
        # limit existed, or with the limit set above NATS's max_payload) must still not hurt the rest.
        await s.execute(
            insert(OUTBOX).values(event_id=huge.id, subject=huge.subject, payload=huge.to_bytes(), headers={})
        )
        for env in small[1:]:
            await add_event(s, OUTBOX, env)

    dsn = asyncpg_dsn(engine.url.render_as_string(hide_password=False))
    relay = OutboxRelay(dsn, js, batch=100, poll_interval=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))

    async def all_small_sent() -> bool:
        async with engine.connect() as conn:
            n = await conn.scalar(
                select(func.count())
                .select_from(OUTBOX)
                .where(OUTBOX.c.event_id.in_([e.id for e in small]), OUTBOX.c.sent_at.is_not(None))
            )
        return n == len(small)

    try:
        started = asyncio.get_running_loop().time()
        assert await wait_for(all_small_sent, 30)
        elapsed = asyncio.get_running_loop().time() - started
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    # 300 rows at the old back-off-bound rate took over 6 s; unblocked they take well under that.
    assert elapsed < 6, f"300 small rows took {elapsed:.1f} s next to a parked one"
    parked = [r for r in await parked_rows(dsn) if r["event_id"] == huge.id]
    assert len(parked) == 1 and "MaxPayload" in parked[0]["last_error"]
    assert await unpark(dsn, huge.id) == 1
    assert not [r for r in await parked_rows(dsn) if r["event_id"] == huge.id]


async def _at_least(value: int, n: int) -> bool:
    return value >= n


async def _effects_are(engine: Any, note: str, n: int) -> bool:
    return await effects(engine, note) == n
