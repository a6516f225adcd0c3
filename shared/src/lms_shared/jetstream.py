"""NATS JetStream connection and the streams the suite relies on.

``LMS_EVENTS`` carries domain events (``lms.>``, kept, de-duplicated by ``Nats-Msg-Id``);
``LMS_JOBS`` is a work queue (``jobs.>``) whose messages are removed once a worker acks them.
Streams are declared idempotently by whichever process starts first.
"""

from __future__ import annotations

import asyncio

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from lms_shared.logging import get_logger

log = get_logger(__name__)

EVENTS_STREAM = "LMS_EVENTS"
JOBS_STREAM = "LMS_JOBS"
DLQ_PREFIX = "lms.dlq"
DEDUP_WINDOW_SECONDS = 600.0

STREAMS = (
    StreamConfig(
        name=EVENTS_STREAM,
        subjects=["lms.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=30 * 24 * 3600.0,
        duplicate_window=DEDUP_WINDOW_SECONDS,
        discard=DiscardPolicy.OLD,
    ),
    StreamConfig(
        name=JOBS_STREAM,
        subjects=["jobs.>"],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        duplicate_window=DEDUP_WINDOW_SECONDS,
    ),
)


async def connect(url: str, name: str) -> tuple[NATS, JetStreamContext]:
    """Connect with unlimited reconnects: a NATS restart must not take a service down."""

    async def on_error(exc: Exception) -> None:
        log.warning("nats.error", error=str(exc))

    nc = await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        error_cb=on_error,
        connect_timeout=5,
    )
    js = nc.jetstream(timeout=10)
    await ensure_streams(js)
    return nc, js


async def ensure_streams(js: JetStreamContext) -> None:
    for cfg in STREAMS:
        for attempt in range(5):
            try:
                await js.add_stream(cfg)
                break
            except BadRequestError:
                # Already exists with another config: update it to ours (additive settings only).
                await js.update_stream(cfg)
                break
            except Exception:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
