"""Settings shared by every process, read from ``LMS_*`` environment variables.

One class for the whole suite keeps the names in one place; each process reads the fields it needs.
The README's configuration table lists every variable; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of a Kentbilim process."""

    model_config = SettingsConfigDict(env_prefix="LMS_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path(".lms")
    host: str = "127.0.0.1"
    public_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True

    gateway_port: int = 8000
    courses_port: int = 8101
    progress_port: int = 8102
    certificates_port: int = 8103
    notifications_port: int = 8104

    courses_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/courses"
    progress_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/progress"
    certificates_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/certificates"
    notifications_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/notifications"
    db_pool_size: int = 10
    # A hung or half-open database connection must fail, not hold a request, a chunk or a job forever.
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)
    """Server-side cap of one statement (0 = none)."""
    db_command_timeout_seconds: float = Field(default=45.0, gt=0)
    """Client-side cap of one round trip, which also catches a connection that silently died."""
    db_idle_in_transaction_timeout_ms: int = Field(default=120_000, ge=0)
    """The server ends a transaction left idle this long (a process frozen mid-transaction)."""
    db_connect_timeout_seconds: float = Field(default=10.0, gt=0)

    courses_url: str = "http://127.0.0.1:8101"
    progress_url: str = "http://127.0.0.1:8102"
    certificates_url: str = "http://127.0.0.1:8103"
    notifications_url: str = "http://127.0.0.1:8104"

    nats_url: str = "nats://127.0.0.1:14222"
    # This process's NATS user (deploy/k8s/README.md, "NATS credentials"): each service has its own, allowed
    # to publish only its own subjects. Empty user: no credentials, or those in nats_url (user:pass@).
    nats_user: str = ""
    nats_password: str = ""
    # Passwords by user, for launchers that give every process the same variables (the local one):
    # used when nats_password is empty. Deployments set LMS_NATS_PASSWORD instead.
    nats_passwords: dict[str, str] = Field(default_factory=dict)
    # JetStream streams: replicas is a floor (a stream created with more keeps them); sizes are limits
    # with alerts (lms_jetstream_stream_usage_ratio), so events never fill the volume.
    nats_replicas: int = Field(default=1, ge=1, le=5)
    events_max_bytes: int = Field(default=8 * 1024**3, ge=-1)
    jobs_max_bytes: int = Field(default=2 * 1024**3, ge=-1)
    dlq_max_bytes: int = Field(default=1024**3, ge=-1)
    # How long JetStream remembers a Nats-Msg-Id: a relay re-sending a row within it is dropped by the
    # server; after it, consumers' inboxes still drop the copy (docs/events.md, "Delivery").
    # Largest event a service may stage (envelope bytes). Must stay below NATS's max_payload in every
    # deployment (1 MiB by default, 8 MB in compose); a change that would need a bigger event is refused.
    event_max_bytes: int = Field(default=1_000_000, ge=1024, le=64 * 1024**2)
    events_duplicate_window_seconds: float = Field(default=600.0, ge=1.0, le=86400.0)
    redis_url: str = "redis://127.0.0.1:16379/0"

    s3_endpoint: str = "127.0.0.1:18333"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_secure: bool = False
    s3_public_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_materials_bucket: str = "lms-materials"
    s3_certificates_bucket: str = "lms-certificates"
    s3_presign_seconds: int = Field(default=300, ge=1, le=900)

    jwt_secret: str = ""
    jwt_jwks_url: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_algorithms: str = "RS256,ES256"
    # The gateway's demo sign-in (/auth/dev-token) outside production: offered to loopback callers of a
    # loopback-bound gateway only, unless this is set (a shared test cluster). Never in production.
    dev_signin: bool = False

    # How long a stored Idempotency-Key answer is kept: the gateway's replay window, and the services'
    # (pruned by lms_shared.housekeeping, run by each outbox relay, with the other bookkeeping rows below).
    idempotency_seconds: int = Field(default=24 * 3600, ge=60)
    outbox_keep_sent_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    inbox_keep_seconds: int = Field(default=35 * 24 * 3600, ge=3600)
    housekeeping_interval_seconds: float = Field(default=600.0, ge=1.0)

    # Consumers: deliveries before a message is parked on the dead-letter subject.
    max_deliveries: int = 5

    def database_url(self, service: str) -> str:
        """The database URL of one service (each service owns one database)."""
        return str(getattr(self, f"{service}_database_url"))

    def service_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    @model_validator(mode="after")
    def _one_nats_login(self) -> Settings:
        """With ``LMS_NATS_USER`` set, credentials in ``LMS_NATS_URL`` (the launcher's admin) are dropped:
        a connection that forgets :meth:`nats_auth` is refused rather than logged in as someone else."""
        if self.nats_user and "@" in self.nats_url:
            servers = []
            for server in self.nats_url.split(","):
                scheme, sep, rest = server.partition("://")
                servers.append(f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else server.rpartition("@")[2])
            self.nats_url = ",".join(servers)
        return self

    def nats_auth(self) -> dict[str, str]:
        """``user``/``password`` options for ``nats.connect`` (they win over credentials in the URL)."""
        if not self.nats_user:
            return {}
        return {"user": self.nats_user, "password": self.nats_password or self.nats_passwords.get(self.nats_user, "")}


@lru_cache
def get_settings() -> Settings:
    return Settings()
