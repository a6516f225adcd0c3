"""The pieces a service process holds for its lifetime, started and stopped in one place.

Each service's ``bootstrap.py`` builds a :class:`Runtime`, registers its consumers, and hands it to
the FastAPI lifespan; tests build one against the real servers or swap the parts for fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from prometheus_client import Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lms_shared.auth import TokenVerifier
from lms_shared.db import Timeouts, make_engine, make_sessionmaker
from lms_shared.jetstream import DLQ_STREAM, EVENTS_STREAM, JOBS_STREAM, connect
from lms_shared.logging import get_logger
from lms_shared.settings import Settings
from lms_shared.storage import ObjectStore

log = get_logger(__name__)

OUTBOX_PENDING = Gauge("lms_outbox_pending", "Outbox events not yet published", ["service"])
OUTBOX_PARKED_ROWS = Gauge(
    "lms_outbox_parked_rows", "Outbox events parked after a permanent publish failure (alert when > 0)", ["service"]
)
STREAM_USAGE = Gauge(
    "lms_jetstream_stream_usage_ratio", "Bytes stored in a stream over its max_bytes (alert above 0.8)", ["stream"]
)
STREAM_BYTES = Gauge("lms_jetstream_stream_bytes", "Bytes stored in a JetStream stream", ["stream"])
OUTBOX_OLDEST = Gauge(
    "lms_outbox_oldest_pending_seconds", "Age of the oldest unpublished outbox event (relay lag)", ["service"]
)


class Runtime:
    """Database engine, NATS connection, object store and background tasks of one service process."""

    def __init__(self, service: str, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.engine: AsyncEngine = make_engine(
            settings.database_url(service), settings.db_pool_size, Timeouts.of(settings)
        )
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)
        self.verifier = TokenVerifier(settings)
        self.store: ObjectStore | None = None
        self.nc: NATS | None = None
        self.js: JetStreamContext | None = None
        self.stop_event = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, *, buckets: tuple[str, ...] = ()) -> None:
        from lms_shared.telemetry import setup_tracing

        setup_tracing(self.service)
        self.nc, self.js = await connect(self.settings.nats_url, self.service, self.settings)
        if buckets:
            self.store = ObjectStore(self.settings, self.settings.s3_public_endpoint or None)
            for b in buckets:
                await self.store.ensure_bucket(b)
        self.spawn("outbox-metrics", self._watch_outbox)

    async def _watch_outbox(self, stop: asyncio.Event) -> None:
        """Export the relay's lag from the service's own /metrics (relays have no HTTP port)."""
        query = text(
            "SELECT count(*) FILTER (WHERE parked_at IS NULL), "
            "coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL)), 0), "
            "count(*) FILTER (WHERE parked_at IS NOT NULL) "
            "FROM outbox_message WHERE sent_at IS NULL"
        )
        while not stop.is_set():
            try:
                async with self.engine.connect() as conn:
                    pending, oldest, parked = (await conn.execute(query)).one()
                OUTBOX_PENDING.labels(self.service).set(pending)
                OUTBOX_OLDEST.labels(self.service).set(float(oldest))
                OUTBOX_PARKED_ROWS.labels(self.service).set(parked)
            except Exception as exc:  # noqa: BLE001 - a metric must never take the service down
                log.debug("runtime.outbox_metrics_failed", error=repr(exc))
            await self._watch_streams()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=5.0)

    async def _watch_streams(self) -> None:
        if self.js is None:
            return
        for name in (EVENTS_STREAM, JOBS_STREAM, DLQ_STREAM):
            try:
                info = await self.js.stream_info(name)
            except Exception as exc:  # noqa: BLE001 - NATS away: the metric waits for the next round
                log.debug("runtime.stream_metrics_failed", stream=name, error=repr(exc))
                continue
            size = float(info.state.bytes or 0)
            STREAM_BYTES.labels(name).set(size)
            limit = info.config.max_bytes or 0
            STREAM_USAGE.labels(name).set(size / limit if limit > 0 else 0.0)

    def spawn(self, name: str, factory: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Run a background loop until stop; a crash is logged and the loop restarted."""

        async def guarded() -> None:
            while not self.stop_event.is_set():
                try:
                    await factory(self.stop_event)
                    return
                except Exception as exc:
                    log.exception("runtime.task_crashed", task=name, error=repr(exc))
                    await asyncio.sleep(1.0)

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def stop(self) -> None:
        self.stop_event.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=10)
            for t in pending:
                t.cancel()
        if self.nc is not None and self.nc.is_connected:
            with contextlib.suppress(Exception):
                await self.nc.drain()
        await self.engine.dispose()
        from lms_shared.telemetry import shutdown_tracing

        shutdown_tracing()

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[None]]]:
        async def database() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        async def nats() -> None:
            if self.nc is None or not self.nc.is_connected:
                raise ConnectionError("NATS is not connected")

        checks: dict[str, Callable[[], Awaitable[None]]] = {"database": database, "nats": nats}
        if self.store is not None:
            store = self.store
            bucket_names = [self.settings.s3_materials_bucket, self.settings.s3_certificates_bucket]

            async def s3() -> None:
                if not any([await store.bucket_exists(b) for b in bucket_names]):
                    raise ConnectionError("no bucket reachable")

            checks["s3"] = s3
        return checks


# What nginx uses by default; uvicorn's own default (5 s) equals httpx's keep-alive expiry, a race.
KEEP_ALIVE_SECONDS = 75


def serve(app: str, service: str, settings: Settings) -> None:
    """Run a service's ASGI app with uvicorn on its configured port."""
    import os

    import uvicorn

    from lms_shared.logging import configure_logging

    configure_logging(service, settings.log_level, settings.log_json)
    port = int(os.environ.get("PORT") or settings.service_port(service))
    uvicorn.run(
        app,
        host=settings.host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        # Longer than any client keeps an idle connection (httpx: 5 s): the client, not the server,
        # closes it, so a request is never sent on a connection the server is closing at that moment.
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        loop="uvloop",
        http="httptools",
    )
