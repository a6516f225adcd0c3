"""The one place where the real adapters are chosen: database, NATS, S3, renderer, issuer key, metrics.

Every certificates process (the API, a bulk worker) calls :func:`build` once and takes what it needs
from the :class:`Container`; tests build one with fakes instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Table

from certificates.adapters import jsonld_contexts, orm
from certificates.adapters.batched_consumer import BatchedEventConsumer
from certificates.adapters.credentials import VcJwtSigner, load_issuer_key, load_retired_keys
from certificates.adapters.metrics import PrometheusMetrics, refresh_bulk_jobs_running, start_worker_metrics_server
from certificates.adapters.pdf import CertificateRenderer
from certificates.adapters.print_batch import S3PrintOutput
from certificates.adapters.storage import S3ImageStore, S3PdfStore
from certificates.adapters.unit_of_work import SqlAlchemyCertificatesUnitOfWork
from certificates.adapters.wakeups import AutoIssueWakeups
from certificates.config import CertificatesSettings, get_settings
from certificates.service_layer.ports import BulkLimits, Ports
from certificates.service_layer.templates import TemplateProvider
from lms_shared.runtime import Runtime

SERVICE = "certificates"
__all__ = ["BatchedEventConsumer", "Container", "build", "jsonld_context"]


def jsonld_context(name: str) -> bytes | None:
    """A vendored JSON-LD context by file name (served at ``/v1/contexts/{name}``); None if unknown."""
    return jsonld_contexts.served_file(name)


@dataclass
class Container:
    """Everything a certificates process holds for its lifetime."""

    settings: CertificatesSettings
    runtime: Runtime
    ports: Ports
    pdf_store: S3PdfStore
    executor: ThreadPoolExecutor
    stoppers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def inbox(self) -> Table:
        """The ``processed_event`` table the event consumers record into."""
        return orm.inbox

    def uow(self) -> SqlAlchemyCertificatesUnitOfWork:
        """A new unit of work (enter it with ``async with``)."""
        return SqlAlchemyCertificatesUnitOfWork(self.runtime.sessions)

    def auto_issue_wakeups(self) -> AutoIssueWakeups:
        """The LISTEN connection that wakes a worker when automatic-issue requests commit."""
        return AutoIssueWakeups(self.settings)

    @property
    def signer(self) -> VcJwtSigner:
        signer = self.ports.signer
        assert isinstance(signer, VcJwtSigner)
        return signer

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[None]]]:
        """The runtime's checks (database, NATS) plus the certificates bucket."""

        async def s3() -> None:
            await asyncio.to_thread(self.pdf_store.check_bucket)

        return self.runtime.readiness_checks() | {"s3": s3}

    def start_api_background(self) -> None:
        """What an API process runs besides its routes: the bulk-jobs gauge (consumers are started apart)."""
        self.runtime.spawn("bulk-jobs-gauge", lambda stop: refresh_bulk_jobs_running(self.runtime.sessions, stop))

    def start_worker_metrics(self) -> None:
        """A worker's own Prometheus endpoint (``LMS_WORKER_METRICS_PORT`` + replica), if configured."""
        s = self.settings
        stop = start_worker_metrics_server(s.host, s.worker_metrics_port, s.replica)
        if stop is not None:
            self.stoppers.append(stop)

    async def stop(self) -> None:
        for stop in self.stoppers:
            with contextlib.suppress(Exception):
                stop()
        await self.runtime.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)


async def build(settings: CertificatesSettings | None = None, *, threads: int | None = None) -> Container:
    """Connect to the servers and load the issuer key and the fonts (once per process)."""
    settings = settings or get_settings()
    # fontTools narrates every subsetting step at INFO; that is noise in a service log.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    runtime = Runtime(SERVICE, settings)
    await runtime.start()
    workers = threads or settings.worker_threads
    store = S3PdfStore(settings, pool_size=max(8, workers * 2))
    await asyncio.to_thread(store.ensure_bucket)
    key = load_issuer_key(settings)
    signer = VcJwtSigner(
        key, settings.public_url, load_retired_keys(settings), data_integrity=settings.data_integrity_proofs
    )
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="issue")
    images = S3ImageStore(store)
    ports = Ports(
        renderer=CertificateRenderer(),
        signer=signer,
        pdfs=store,
        images=images,
        templates=TemplateProvider(images.load_image),
        executor=executor,
        metrics=PrometheusMetrics(),
        public_url=settings.public_url,
        # Codes are derived from ids with a key only this service holds (see derive_code).
        code_secret=hashlib.sha256(b"kentbilim certificate codes|" + key.private_pem()).digest(),
        limits=BulkLimits(max_recipients=settings.bulk_max_recipients, chunk_size=settings.bulk_chunk_size),
        prints=S3PrintOutput(store),
    )
    return Container(settings, runtime, ports, store, executor)
