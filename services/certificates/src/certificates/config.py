"""Settings of the certificates service and its workers: the suite's ``LMS_*`` plus our own."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from lms_shared.settings import Settings


class CertificatesSettings(Settings):
    """``LMS_*`` variables; the ones below only the certificates processes read."""

    bulk_max_recipients: int = Field(default=50_000, ge=1)
    """Largest explicit recipient list one bulk job accepts."""
    bulk_chunk_size: int = Field(default=100, ge=1, le=1000)
    """Items per work-queue message; one chunk is one database transaction in a worker."""
    worker_threads: int = Field(default=4, ge=1, le=64)
    """Threads per worker that render, sign and upload certificates of a chunk."""
    worker_ack_wait_seconds: float = Field(default=30.0, ge=5)
    """How long a chunk may stay unacknowledged before JetStream hands it to another worker."""
    issuer_private_key: str = ""
    """PEM of the Ed25519 issuer key (production); development keeps one in the data folder."""
    issuer_name: str = ""
    """The issuer's name in the credential; defaults to the template's English issuer name."""


@lru_cache
def get_certificates_settings() -> CertificatesSettings:
    return CertificatesSettings()
