"""The gateway's configuration: the suite's ``LMS_*`` settings plus the gateway's own knobs."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from lms_shared.settings import Settings


class GatewaySettings(Settings):
    """Everything :class:`lms_shared.settings.Settings` reads, plus limits only the gateway applies."""

    # The notifications service (issue 16): in-app notifications, preferences, unsubscribe links.
    notifications_url: str = "http://127.0.0.1:8104"

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
    # Checked in linear time before any other rule: fragments can double a document's size per line.
    max_fragments: int = Field(default=100, ge=1, le=500)
    max_expanded_fields: int = Field(default=5000, ge=10)
    # WebSocket (subscriptions only): message size, operations in flight per connection, and open
    # connections per user (per client IP when anonymous) on each gateway instance.
    ws_max_message_bytes: int = Field(default=64 * 1024, ge=1024)
    ws_max_operations: int = Field(default=10, ge=1)
    ws_max_connections_per_user: int = Field(default=5, ge=1)
    # None = decided by the environment: on in development and test, off in production.
    graphql_introspection: bool | None = None
    graphql_ide: bool | None = None
    cors_origins: str = ""

    upstream_timeout_seconds: float = Field(default=5.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=1.0, gt=0)
    upstream_retries: int = Field(default=2, ge=0, le=5)
    upstream_max_connections: int = Field(default=100, ge=1)

    catalogue_cache_seconds: int = Field(default=300, ge=1)
    # Published course versions in process memory; the TTL bounds a course.archived this instance missed.
    published_version_cache_seconds: int = Field(default=300, ge=1, le=3600)
    # The viewer's own dashboard queries, per viewer, in process memory; 0 turns it off.
    response_cache_seconds: float = Field(default=30, ge=0, le=300)
    trust_forwarded_for: bool = False
    # Prometheus /metrics on LMS_HOST:this port, never published (0: on the public port, development only).
    metrics_port: int = Field(default=0, ge=0, le=65535)

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
