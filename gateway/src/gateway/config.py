"""The gateway's configuration: the suite's ``LMS_*`` settings plus the gateway's own knobs."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from lms_shared.settings import Settings


class GatewaySettings(Settings):
    """Everything :class:`lms_shared.settings.Settings` reads, plus limits only the gateway applies."""

    # Per-minute budgets (fixed window in Redis). Signed-in callers are counted by their subject,
    # anonymous ones by client IP; verifyCertificate has its own, stricter per-IP budget because it is
    # public and the obvious target for code guessing.
    rate_limit_per_minute: int = Field(default=600, ge=1)
    rate_limit_anonymous_per_minute: int = Field(default=120, ge=1)
    verify_rate_limit_per_minute: int = Field(default=30, ge=1)

    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=4000, ge=100)
    max_complexity: int = Field(default=5000, ge=10)
    # None = decided by the environment: on in development and test, off in production.
    graphql_introspection: bool | None = None
    graphql_ide: bool | None = None
    cors_origins: str = ""

    upstream_timeout_seconds: float = Field(default=5.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=1.0, gt=0)
    upstream_retries: int = Field(default=2, ge=0, le=5)
    upstream_max_connections: int = Field(default=100, ge=1)

    catalogue_cache_seconds: int = Field(default=300, ge=1)
    # The viewer's own dashboard queries, per viewer, in process memory; 0 turns it off.
    response_cache_seconds: float = Field(default=30, ge=0, le=300)
    idempotency_seconds: int = Field(default=24 * 3600, ge=60)
    trust_forwarded_for: bool = False

    @property
    def introspection_enabled(self) -> bool:
        """Explicit setting, else on everywhere but production."""
        if self.graphql_introspection is not None:
            return self.graphql_introspection
        return self.env != "production"

    @property
    def ide_enabled(self) -> bool:
        """Explicit setting, else GraphiQL in development only."""
        if self.graphql_ide is not None:
            return self.graphql_ide
        return self.env == "development"

    @property
    def cors_origin_list(self) -> list[str]:
        """LMS_CORS_ORIGINS as a list (empty: no cross-origin access)."""
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    """The process's settings, read once from the environment."""
    return GatewaySettings()
