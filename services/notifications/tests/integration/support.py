"""Helpers of the notifications integration tests: publishing events as their producers would."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg
from nats.js import JetStreamContext

from lms_shared.events.envelope import Envelope
from lms_shared.jetstream import EVENTS_STREAM
from tests.support.graphql import eventually

__all__ = ["drained", "eventually", "publish_all", "uid"]

COURSES, PROGRESS, CERTIFICATES = "notifications-courses", "notifications-progress", "notifications-certificates"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def consumer_of(event_type: str) -> str:
    if event_type.startswith("lms.courses."):
        return COURSES
    if event_type.startswith("lms.progress."):
        return PROGRESS
    return CERTIFICATES


async def publish_all(js: JetStreamContext, deliveries: Sequence[tuple[Envelope, bool]]) -> dict[str, int]:
    """Publish in the given order (``True``: again, under a new Nats-Msg-Id, as a relay re-send past
    JetStream's de-duplication window); the last stream sequence per consumer."""
    last: dict[str, int] = {}
    for envelope, again in deliveries:
        msg_id = f"again-{uuid.uuid4()}" if again else envelope.id
        ack = await js.publish(envelope.subject, envelope.to_bytes(), headers={"Nats-Msg-Id": msg_id})
        assert not ack.duplicate, "every delivery must reach the stream"
        consumer = consumer_of(envelope.type)
        last[consumer] = max(last.get(consumer, 0), ack.seq)
    return last


async def drained(
    js: JetStreamContext, db: asyncpg.Pool, envelopes: Sequence[Envelope], last: dict[str, int], timeout: float = 120
) -> None:
    """Wait until every event is in the inbox and each consumer has acked past the last delivery."""
    by_consumer: dict[str, list[str]] = {}
    for e in envelopes:
        by_consumer.setdefault(consumer_of(e.type), []).append(e.id)

    async def done() -> bool:
        for consumer, ids in by_consumer.items():
            n = await db.fetchval(
                "SELECT count(*) FROM processed_event WHERE consumer = $1 AND event_id = ANY($2::text[])",
                consumer,
                ids,
            )
            info = await js.consumer_info(EVENTS_STREAM, consumer)
            if n != len(ids) or info.ack_floor is None or info.ack_floor.stream_seq < last[consumer]:
                return False
        return True

    await eventually(done, timeout=timeout)
