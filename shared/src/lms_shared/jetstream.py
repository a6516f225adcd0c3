"""NATS JetStream connection and the streams the suite relies on.

``LMS_EVENTS`` carries domain events (``lms.>``, kept, de-duplicated by ``Nats-Msg-Id``);
``LMS_JOBS`` is a work queue (``jobs.>``) whose messages are removed once a worker acks them.
Streams are declared idempotently by whichever process starts first.
"""

from __future__ import annotations

import asyncio
import dataclasses

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from lms_shared.logging import get_logger
from lms_shared.settings import Settings, get_settings

log = get_logger(__name__)

EVENTS_STREAM = "LMS_EVENTS"
JOBS_STREAM = "LMS_JOBS"
DLQ_STREAM = "LMS_DLQ"
DLQ_SUBJECT_PREFIX = "dlq"
LEGACY_DLQ_PREFIX = "lms.dlq"  # first release: letters on LMS_EVENTS, still listed and replayed
DAY = 24 * 3600.0


def dlq_subject(consumer: str, event_type: str | None) -> str:
    """``dlq.<consumer>.<event type>`` (``malformed`` when the envelope could not be read)."""
    return f"{DLQ_SUBJECT_PREFIX}.{consumer}.{event_type or 'malformed'}"


def stream_configs(settings: Settings | None = None) -> tuple[StreamConfig, ...]:
    """The three streams, sized from settings (``LMS_EVENTS_MAX_BYTES`` …, ``LMS_NATS_REPLICAS``)."""
    settings = settings or get_settings()
    replicas = settings.nats_replicas
    window = settings.events_duplicate_window_seconds
    return (
        # A log with retention: when full, the oldest (long consumed) events go first.
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=["lms.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=30 * DAY,
            max_bytes=settings.events_max_bytes,
            duplicate_window=window,
            discard=DiscardPolicy.OLD,
            num_replicas=replicas,
        ),
        # Queued work is never dropped: when full, new chunks are refused and their job retries.
        StreamConfig(
            name=JOBS_STREAM,
            subjects=["jobs.>"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            max_bytes=settings.jobs_max_bytes,
            duplicate_window=window,
            discard=DiscardPolicy.NEW,
            num_replicas=replicas,
        ),
        # Dead letters are kept a year and never discarded silently: when full, parking fails and the
        # message stays on its stream to be retried (lms_shared.inbox).
        StreamConfig(
            name=DLQ_STREAM,
            subjects=[f"{DLQ_SUBJECT_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=365 * DAY,
            max_bytes=settings.dlq_max_bytes,
            duplicate_window=window,
            discard=DiscardPolicy.NEW,
            num_replicas=replicas,
        ),
    )


# The fields we own; anything else an operator set on a stream (placement, mirrors, sources …) stays.
_NUMERIC_FIELDS = ("max_age", "max_bytes", "duplicate_window")
_MANAGED_FIELDS = ("subjects", "retention", "storage", "max_age", "max_bytes", "duplicate_window", "discard")


def merged_config(existing: StreamConfig, wanted: StreamConfig) -> StreamConfig | None:
    """``existing`` updated with what we manage, or None when nothing needs to change.

    Replicas only ever grow: a stream an operator created with ``--replicas 3`` keeps 3. Subjects are
    the union, so a subject added by hand is not taken away. Retention and storage cannot change on a
    live stream, so they are left as they are (and logged when they differ).
    """
    changes: dict[str, object] = {}
    for name in _MANAGED_FIELDS:
        have, want = getattr(existing, name), getattr(wanted, name)
        if name in ("retention", "storage"):
            if have is not None and have != want:
                log.warning("jetstream.stream_immutable_field_differs", stream=wanted.name, field=name, have=str(have))
            continue
        if name == "subjects":
            union = sorted(set(have or []) | set(want or []))
            if union != sorted(have or []):
                changes[name] = union
            continue
        if (have or 0) != (want or 0) if name in _NUMERIC_FIELDS else have != want:
            changes[name] = want
    replicas = max(existing.num_replicas or 1, wanted.num_replicas or 1)
    if replicas != (existing.num_replicas or 1):
        changes["num_replicas"] = replicas
    if not changes:
        return None
    return dataclasses.replace(existing, **changes)  # type: ignore[arg-type]


async def connect(url: str, name: str, settings: Settings | None = None) -> tuple[NATS, JetStreamContext]:
    """Connect with unlimited reconnects: a NATS restart must not take a service down.

    Logs in as ``LMS_NATS_USER`` when set (it wins over credentials in ``url``), else with what ``url``
    carries (``nats://user:pass@host:port``, e.g. the local launcher's admin URL in tests).
    """

    async def on_error(exc: Exception) -> None:
        log.warning("nats.error", error=str(exc))

    auth = (settings or get_settings()).nats_auth()
    nc = await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        error_cb=on_error,
        connect_timeout=5,
        user=auth.get("user"),
        password=auth.get("password"),
    )
    js = nc.jetstream(timeout=10)
    await ensure_streams(js, settings)
    return nc, js


async def ensure_streams(js: JetStreamContext, settings: Settings | None = None) -> None:
    """Create the streams, or merge our settings into existing ones (never overwriting an operator's)."""
    for cfg in stream_configs(settings):
        for attempt in range(5):
            try:
                await _ensure_stream(js, cfg)
                break
            except Exception:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))


async def _ensure_stream(js: JetStreamContext, cfg: StreamConfig) -> None:
    assert cfg.name is not None
    try:
        info = await js.stream_info(cfg.name)
    except NotFoundError:
        try:
            await js.add_stream(cfg)
            return
        except BadRequestError:
            info = await js.stream_info(cfg.name)  # another process created it in the meantime
    update = merged_config(info.config, cfg)
    if update is not None:
        log.info("jetstream.stream_updated", stream=cfg.name)
        await js.update_stream(update)
