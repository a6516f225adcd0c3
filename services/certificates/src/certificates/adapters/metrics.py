"""Prometheus metrics of the certificates API and workers (the dashboard's certificate panels).

Counters of things written to the database are bumped only after the transaction that wrote them
committed (:func:`after_commit`): a chunk that rolls back and is retried must not count twice.

Each process exports its own values: the API on its ``/metrics``, a worker on
``LMS_WORKER_METRICS_PORT`` + its replica number (see :func:`start_worker_metrics_server`).
``lms_bulk_jobs_running`` is read from the database by every API replica, so every replica reports
the same number: aggregate it with ``max``, not ``sum``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Final

from prometheus_client import Counter, Gauge, Histogram, start_http_server
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from certificates.adapters import orm
from certificates.service_layer.ports import IssueMode
from lms_shared.logging import get_logger

log = get_logger(__name__)

CERTIFICATES_ISSUED: Final = Counter(
    "lms_certificates_issued_total",
    "Certificates committed to the database, by how they were issued (single = admin, auto = on completion).",
    ["mode"],
)
BULK_JOBS_RUNNING: Final = Gauge(
    "lms_bulk_jobs_running", "Bulk issue jobs QUEUED or RUNNING (read from the database; the same on every replica)."
)
BULK_JOBS_FINISHED: Final = Counter(
    "lms_bulk_jobs_finished_total", "Bulk issue jobs that ended, by final status.", ["status"]
)
ISSUE_DURATION: Final = Histogram(
    "lms_certificate_issue_duration_seconds",
    "Render + sign + upload of one certificate (before the database write).",
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
for _mode in ("single", "auto", "bulk"):
    CERTIFICATES_ISSUED.labels(_mode)  # export 0 from the start, so rate() has a first sample

_CALLBACKS: Final = "certificates.after_commit"
_LISTENING: Final = "certificates.after_commit.listening"
BULK_GAUGE_INTERVAL_SECONDS: Final = 5.0


def after_commit(session: AsyncSession | Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction commits; forget it on rollback."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(_CALLBACKS, []).append(callback)
    if not sync.info.get(_LISTENING):
        sync.info[_LISTENING] = True
        event.listen(sync, "after_commit", _run_callbacks)
        event.listen(sync, "after_rollback", _drop_callbacks)


def _run_callbacks(session: Session) -> None:
    for callback in session.info.pop(_CALLBACKS, []):
        callback()


def _drop_callbacks(session: Session) -> None:
    session.info.pop(_CALLBACKS, None)


class PrometheusMetrics:
    """The ``Metrics`` port; the service layer calls the counters from ``uow.on_commit`` callbacks."""

    def observe_issue_seconds(self, seconds: float) -> None:
        ISSUE_DURATION.observe(seconds)

    def certificates_issued(self, mode: IssueMode, count: int) -> None:
        if count:
            CERTIFICATES_ISSUED.labels(mode).inc(count)

    def bulk_job_finished(self, status: str) -> None:
        BULK_JOBS_FINISHED.labels(status).inc()


async def refresh_bulk_jobs_running(sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event) -> None:
    """Keep ``lms_bulk_jobs_running`` up to date from the database until ``stop`` (API processes)."""
    j = orm.bulk_job.c
    query = select(func.count()).select_from(orm.bulk_job).where(j.status.in_(("QUEUED", "RUNNING")))
    while not stop.is_set():
        try:
            async with sessions() as session:
                BULK_JOBS_RUNNING.set(int(await session.scalar(query) or 0))
        except Exception as exc:  # noqa: BLE001 - a metric must never take the service down
            log.warning("metrics.bulk_jobs_refresh_failed", error=repr(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=BULK_GAUGE_INTERVAL_SECONDS)


def start_worker_metrics_server(host: str, base_port: int, replica: int) -> Callable[[], None] | None:
    """Serve this worker's metrics on ``host:base_port + replica``; returns how to stop it.

    Workers have no HTTP API; the replica offset lets several workers on one host (the local
    launcher, Compose with ``scale``) each have a port. ``base_port`` 0 means no endpoint.
    """
    if base_port == 0:
        return None
    port = base_port + replica
    try:
        server, thread = start_http_server(port, addr=host)
    except OSError as exc:
        raise RuntimeError(
            f"cannot serve worker metrics on {host}:{port} (LMS_WORKER_METRICS_PORT={base_port} + replica "
            f"{replica}): {exc}; choose a free base port or set LMS_WORKER_METRICS_PORT=0"
        ) from exc
    log.info("worker.metrics_listening", host=host, port=port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
