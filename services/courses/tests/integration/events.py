"""Reading what the courses service published on JetStream, as its consumers would."""

from __future__ import annotations

import asyncio
import time

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM


async def events_for(
    nats_url: str, subject: str, subject_key: str, *, count: int = 1, timeout: float = 20
) -> list[Envelope]:
    """The events on ``subject`` about ``subject_key``; waits until ``count`` arrived (or times out)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            subject, stream=EVENTS_STREAM, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        found: list[Envelope] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < count:
            try:
                msgs = await sub.fetch(100, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                await asyncio.sleep(0.2)
                continue
            for m in msgs:
                await m.ack()
                env = Envelope.from_bytes(m.data)
                if env.subject_key == subject_key:
                    found.append(env)
        await sub.unsubscribe()
        return found
    finally:
        await nc.close()


async def publish(nats_url: str, envelope: Envelope) -> None:
    """Publish an event the way another service's outbox relay does."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id})
    finally:
        await nc.close()
