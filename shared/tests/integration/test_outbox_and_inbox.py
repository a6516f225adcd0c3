"""The delivery guarantees on the real Postgres and NATS: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import func, insert, select, text

from lms_shared.db import asyncpg_dsn, make_sessionmaker
from lms_shared.dlq import list_dead_letters, replay
from lms_shared.events.catalogue import CourseArchivedV1
from lms_shared.events.envelope import Envelope
from lms_shared.inbox import EventConsumer
from lms_shared.jetstream import EVENTS_STREAM, connect
from lms_shared.outbox import OutboxRelay, add_event
from lms_shared.uow import SqlAlchemyUnitOfWork

from .conftest import EFFECT, INBOX, OUTBOX

pytestmark = pytest.mark.integration


async def messages_on(js: Any, subject: str, wait: float = 1.5) -> list[Any]:
    """Every message stored on ``subject`` (an ephemeral consumer reads the stream from the start)."""
    sub = await js.pull_subscribe(
        subject,
        stream=EVENTS_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=10),
    )
    out: list[Any] = []
    while True:
        try:
            out += await sub.fetch(100, timeout=wait)
        except TimeoutError:
            break
    await sub.unsubscribe()
    return out


def uow_factory(engine: Any) -> Any:
    sessions = make_sessionmaker(engine)
    return lambda: SqlAlchemyUnitOfWork(sessions, OUTBOX)


def new_event(tag: str) -> Envelope:
    return Envelope(type=f"lms.test.{tag}.happened.v1", source="test", subject_key=tag, data={"tag": tag})


async def stage(engine: Any, env: Envelope) -> None:
    async with make_sessionmaker(engine)() as s, s.begin():
        await add_event(s, OUTBOX, env)


async def is_sent(engine: Any, env: Envelope) -> bool:
    async with engine.connect() as conn:
        sent = await conn.scalar(select(OUTBOX.c.sent_at).where(OUTBOX.c.event_id == env.id))
    return sent is not None


def relay_process(db_url: str, stack_env: dict[str, str], **extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **stack_env, "LMS_COURSES_DATABASE_URL": db_url, **extra}
    return subprocess.Popen(
        [sys.executable, "-m", "lms_shared.outbox", "--service", "courses"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_relay_killed_between_publish_and_mark_loses_nothing_and_doubles_nothing(
    engine: Any, js: Any, shared_db_url: str, stack_env: dict[str, str]
) -> None:
    env = new_event(uuid.uuid4().hex[:10])
    await stage(engine, env)

    crashing = relay_process(shared_db_url, stack_env, LMS_FAULT_RELAY_EXIT_AFTER_PUBLISH="1")
    assert await asyncio.to_thread(crashing.wait, 30) == 137, "the fault-injected relay should die mid-batch"
    assert not await is_sent(engine, env), "the crash happened before the row was marked sent"
    assert len(await messages_on(js, env.subject)) == 1, "the event reached the stream before the crash"

    healthy = relay_process(shared_db_url, stack_env)
    try:
        for _ in range(100):
            if await is_sent(engine, env):
                break
            await asyncio.sleep(0.1)
        assert await is_sent(engine, env), "the restarted relay re-sent and marked the row"
    finally:
        healthy.terminate()
        healthy.wait(10)
    stored = await messages_on(js, env.subject)
    assert len(stored) == 1, "JetStream de-duplicated the re-send by Nats-Msg-Id"
    assert Envelope.from_bytes(stored[0].data) == env


async def test_relay_rides_out_a_nats_outage(engine: Any, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    binary = str(Path(sys.executable).parent / "nats-server")
    cmd = [binary, "-js", "-sd", str(tmp_path), "-a", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    await asyncio.sleep(0.7)
    nc, js = await connect(f"nats://127.0.0.1:{port}", "outage-test")
    stop = asyncio.Event()
    relay = OutboxRelay(asyncpg_dsn(str(engine.url.render_as_string(hide_password=False))), js, poll_interval=0.2)
    task = asyncio.create_task(relay.run(stop))
    try:
        server.terminate()
        server.wait(10)
        env = new_event(uuid.uuid4().hex[:10])
        await stage(engine, env)
        await asyncio.sleep(1.5)
        assert not await is_sent(engine, env), "nothing can be sent while NATS is down"
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(150):
            if await is_sent(engine, env):
                break
            await asyncio.sleep(0.2)
        assert await is_sent(engine, env), "the relay published once NATS came back"
        assert len(await messages_on(js, env.subject)) == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await nc.close()
        server.terminate()
        server.wait(10)


def archived(course_id: str) -> CourseArchivedV1:
    return CourseArchivedV1(course_id=course_id, version=1, archived_at=datetime.now(UTC))


async def run_consumer(consumer: EventConsumer, until: Any, timeout: float = 20) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        for _ in range(int(timeout / 0.1)):
            if await until():
                return
            await asyncio.sleep(0.1)
        raise AssertionError("condition not reached in time")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def effects(engine: Any, course_id: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(EFFECT).where(EFFECT.c.note == course_id)) or 0)


async def test_a_redelivered_event_has_no_second_effect(engine: Any, js: Any) -> None:
    course_id = f"c-{uuid.uuid4().hex[:8]}"
    env = archived(course_id).envelope()
    # The same envelope twice under different message ids, as after a relay re-send outside the
    # de-duplication window: only the inbox can stop the second effect.
    await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": f"{env.id}-a"})
    await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": f"{env.id}-b"})

    async def apply(uow: Any, payload: CourseArchivedV1, envelope: Envelope) -> None:
        if payload.course_id == course_id:
            await uow.session.execute(insert(EFFECT).values(event_id=envelope.id, note=course_id))

    durable = f"it-dedup-{course_id}"
    consumer = EventConsumer(js, uow_factory(engine), INBOX, durable, {CourseArchivedV1: apply})

    async def seen_both() -> bool:
        # Other tests publish envelopes twice too: wait until the whole stream is handled and acked.
        try:
            info = await js.consumer_info(EVENTS_STREAM, durable)
        except NotFoundError:
            return False  # not created yet
        return info.num_pending == 0 and info.num_ack_pending == 0 and await effects(engine, course_id) >= 1

    await run_consumer(consumer, seen_both, timeout=90)
    assert await effects(engine, course_id) == 1


async def test_a_poison_message_is_dead_lettered_then_replayed(engine: Any, js: Any) -> None:
    course_id = f"c-{uuid.uuid4().hex[:8]}"
    env = archived(course_id).envelope()
    await js.publish(env.subject, env.to_bytes(), headers={"Nats-Msg-Id": env.id})
    broken = True

    async def apply(uow: Any, payload: CourseArchivedV1, envelope: Envelope) -> None:
        if payload.course_id != course_id:
            return
        if broken:
            raise RuntimeError("downstream rule violated")
        await uow.session.execute(insert(EFFECT).values(event_id=envelope.id, note=course_id))

    durable = f"it-dlq-{course_id}"
    consumer = EventConsumer(js, uow_factory(engine), INBOX, durable, {CourseArchivedV1: apply}, max_deliveries=2)

    async def parked() -> bool:
        return consumer.stats.dead_lettered >= 1

    await run_consumer(consumer, parked)
    assert await effects(engine, course_id) == 0
    letters = [d for d in await list_dead_letters(js, durable) if Envelope.from_bytes(d.data).id == env.id]
    assert len(letters) == 1
    assert "downstream rule violated" in letters[0].reason and letters[0].original_subject == env.subject

    broken = False
    await replay(js, letters[0])

    async def applied() -> bool:
        return await effects(engine, course_id) == 1

    await run_consumer(consumer, applied)


async def ignore(uow: Any, payload: Any, envelope: Envelope) -> None:
    """A handler with no effect, for consumers whose test is about the envelope, not the event."""


async def test_a_malformed_message_goes_straight_to_the_dead_letters(engine: Any, js: Any) -> None:
    durable = f"it-malformed-{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(js, uow_factory(engine), INBOX, durable, {CourseArchivedV1: ignore})
    await js.publish(CourseArchivedV1.TYPE, b"{not json", headers={"Nats-Msg-Id": durable})

    async def parked() -> bool:
        return consumer.stats.dead_lettered >= 1

    await run_consumer(consumer, parked)
    letters = await list_dead_letters(js, durable)
    assert [d.data for d in letters] == [b"{not json"]
    assert "malformed" in letters[0].reason


async def test_outbox_row_and_state_change_share_one_transaction(engine: Any) -> None:
    env = new_event(uuid.uuid4().hex[:10])
    with pytest.raises(RuntimeError):
        async with make_sessionmaker(engine)() as s, s.begin():
            await add_event(s, OUTBOX, env)
            await s.execute(text("SELECT 1"))
            raise RuntimeError("the change failed")
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(OUTBOX).where(OUTBOX.c.event_id == env.id)) == 0


async def outbox_has(engine: Any, env: Envelope) -> bool:
    async with engine.connect() as conn:
        n = await conn.scalar(select(func.count()).select_from(OUTBOX).where(OUTBOX.c.event_id == env.id))
    return bool(n)


async def test_a_unit_of_work_writes_its_staged_events_only_when_it_commits(engine: Any) -> None:
    committed, abandoned, failed = (new_event(uuid.uuid4().hex[:10]) for _ in range(3))
    async with uow_factory(engine)() as uow:
        uow.publish(committed)
        await uow.commit()
    async with uow_factory(engine)() as uow:
        uow.publish(abandoned)  # the handler returned without committing
    with pytest.raises(RuntimeError):
        async with uow_factory(engine)() as uow:
            uow.publish(failed)
            raise RuntimeError("the change failed")
    assert await outbox_has(engine, committed)
    assert not await outbox_has(engine, abandoned)
    assert not await outbox_has(engine, failed)
