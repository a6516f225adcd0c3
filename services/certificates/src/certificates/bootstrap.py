"""The one place where the real adapters are wired: database, NATS, S3, renderer, issuer key."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from certificates.adapters.credentials import VcJwtSigner, load_issuer_key, load_retired_keys
from certificates.adapters.pdf import CertificateRenderer
from certificates.adapters.storage import S3PdfStore
from certificates.config import CertificatesSettings, get_certificates_settings
from certificates.entrypoints.consumers import build_consumers
from certificates.service_layer.issuing import Issuer
from certificates.service_layer.templates import TemplateProvider
from lms_shared.inbox import EventConsumer
from lms_shared.runtime import Runtime

SERVICE = "certificates"


@dataclass
class Container:
    """Everything a certificates process holds for its lifetime."""

    settings: CertificatesSettings
    runtime: Runtime
    store: S3PdfStore
    signer: VcJwtSigner
    issuer: Issuer
    templates: TemplateProvider
    executor: ThreadPoolExecutor
    consumers: list[EventConsumer] = field(default_factory=list)

    async def save_image(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self.store.put_object, key, data, "application/octet-stream")

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[None]]]:
        """The runtime's checks (database, NATS) plus the certificates bucket."""

        async def s3() -> None:
            await asyncio.to_thread(self.store.check_bucket)

        return self.runtime.readiness_checks() | {"s3": s3}

    def start_consumers(self) -> None:
        assert self.runtime.js is not None, "start the runtime first"
        self.consumers = build_consumers(
            self.runtime.js, self.runtime.sessions, self.issuer, self.templates, self.settings.max_deliveries
        )
        for consumer in self.consumers:
            self.runtime.spawn(consumer.durable, consumer.run)

    async def stop(self) -> None:
        await self.runtime.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)


async def build_container(settings: CertificatesSettings | None = None, *, threads: int | None = None) -> Container:
    """Connect to the servers and load the issuer key and the fonts (once per process)."""
    settings = settings or get_certificates_settings()
    # fontTools narrates every subsetting step at INFO; that is noise in a service log.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    runtime = Runtime(SERVICE, settings)
    await runtime.start()
    store = S3PdfStore(settings, pool_size=max(8, (threads or settings.worker_threads) * 2))
    await asyncio.to_thread(store.ensure_bucket)
    key = load_issuer_key(settings)
    signer = VcJwtSigner(key, settings.public_url, load_retired_keys(settings))
    executor = ThreadPoolExecutor(max_workers=threads or settings.worker_threads, thread_name_prefix="issue")
    issuer = Issuer(
        renderer=CertificateRenderer(),
        signer=signer,
        store=store,
        executor=executor,
        public_url=settings.public_url,
        # Codes are derived from ids with a key only this service holds (see derive_code).
        code_secret=hashlib.sha256(b"kentbilim certificate codes|" + key.private_pem()).digest(),
    )
    templates = TemplateProvider(lambda k: asyncio.to_thread(store.get_object, k))
    return Container(settings, runtime, store, signer, issuer, templates, executor)
