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
    """How long a chunk may make no progress before JetStream hands it to another worker."""
    worker_stuck_after_seconds: float = Field(default=300.0, ge=1)
    """A QUEUED or RUNNING job with PENDING items and no sign of life from any worker for this long
    has its pending chunks queued again by the workers' watchdog."""
    print_batch_max_certificates: int = Field(default=10_000, ge=1, le=100_000)
    """Most certificates one print batch (merged PDF or ZIP) takes."""
    print_lease_seconds: float = Field(default=60.0, ge=5)
    """How long a worker may go without progress on a print batch before another worker takes it over."""
    issuer_private_key: str = ""
    """PEM of the Ed25519 issuer key (production); development keeps one in the data folder."""
    issuer_retired_keys: str = ""
    """Public keys of retired issuer keys (JSON list of JWKs or PEMs, JWK Set, PEM blocks): published, never sign."""
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    """Base port of a worker's Prometheus endpoint (replica N listens on port + N); 0 = no endpoint."""
    replica: int = Field(default=0, ge=0)
    """This process's replica number among the processes of its role (``LMS_REPLICA``, set by the launcher)."""
    issuer_name: str = ""
    """The issuer's name in the credential; defaults to the template's English issuer name."""
    data_integrity_proofs: bool = True
    """Issue every certificate with its Data Integrity proof (``eddsa-rdfc-2022``) beside the VC-JWT.
    False: the VC-JWT only at issue time; the Data Integrity form is then made on first read or by
    the backfill (the benchmark compares the two)."""


@lru_cache
def get_settings() -> CertificatesSettings:
    """The process's settings, read once from the environment."""
    return CertificatesSettings()
