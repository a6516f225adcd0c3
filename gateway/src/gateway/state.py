"""What one gateway process holds for its lifetime: clients, Redis, the verifier, the event hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

from gateway.cache import CatalogueCache, PublishedVersions
from gateway.clients import ServiceClients
from gateway.config import GatewaySettings
from gateway.ratelimit import RateLimiter
from gateway.responses import ViewerResponses
from lms_shared.auth import TokenVerifier

if TYPE_CHECKING:
    from gateway.events import EventHub


@dataclass
class GatewayState:
    """The long-lived parts every request's context borrows."""

    settings: GatewaySettings
    verifier: TokenVerifier
    clients: ServiceClients
    redis: Redis
    catalogue: CatalogueCache
    versions: PublishedVersions
    limiter: RateLimiter
    responses: ViewerResponses = field(default_factory=lambda: ViewerResponses(0))
    hub: EventHub | None = None
    extra: dict[str, Any] = field(default_factory=dict)
