"""Settings shared by every process, read from ``LMS_*`` environment variables.

One class for the whole suite keeps the names in one place; each process reads the fields it needs.
The README's configuration table lists every variable; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
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

    courses_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/courses"
    progress_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/progress"
    certificates_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/certificates"
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

    nats_url: str = "nats://127.0.0.1:14222"
    # JetStream streams: replicas is a floor (a stream created with more keeps them); sizes are limits
    # with alerts (lms_jetstream_stream_usage_ratio), so events never fill the volume.
    nats_replicas: int = Field(default=1, ge=1, le=5)
    events_max_bytes: int = Field(default=8 * 1024**3, ge=-1)
    jobs_max_bytes: int = Field(default=2 * 1024**3, ge=-1)
    dlq_max_bytes: int = Field(default=1024**3, ge=-1)
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

    # Consumers: deliveries before a message is parked on the dead-letter subject.
    max_deliveries: int = 5

    def database_url(self, service: str) -> str:
        """The database URL of one service (each service owns one database)."""
        return str(getattr(self, f"{service}_database_url"))

    def service_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))


@lru_cache
def get_settings() -> Settings:
    return Settings()
