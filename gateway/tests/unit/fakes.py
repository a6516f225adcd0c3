"""The real gateway app over maintained fakes: fakeredis for Redis, respx routers for the services.

The GraphQL layer, permissions, loaders, caches and error mapping under test stay the real ones; only
the gateway's network neighbours are replaced. Each service is a ``respx.MockRouter`` on its own base
URL: a test routes what it needs (``gw.courses.get("/v1/courses/c1").respond(json=...)``), takes a
service down (``.mock(side_effect=httpx.ConnectError)``) and reads what was sent (``gw.courses.calls``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import respx
from fakeredis import FakeAsyncRedis
from respx.models import AllMockedAssertionError

from gateway.app import create_app
from gateway.cache import CatalogueCache, PublishedVersions
from gateway.clients import SERVICES, ServiceClients
from gateway.config import GatewaySettings
from gateway.ratelimit import RateLimiter
from gateway.responses import ViewerResponses
from gateway.state import GatewayState
from lms_shared.auth import TokenVerifier
from tests.support.graphql import GraphQLClient

SECRET = "unit-test-secret-with-enough-length-for-hs256"

NO_ROUTE = {"error": {"code": "NOT_FOUND", "message": "No such thing."}}


def service_transport(router: respx.MockRouter) -> httpx.MockTransport:
    """The router as an httpx transport; a path no test routed answers 404, as a real service would."""

    async def handle(request: httpx.Request) -> httpx.Response:
        try:
            return await router.async_handler(request)
        except AllMockedAssertionError:
            response = httpx.Response(404, json=NO_ROUTE)
            router.record(request, response=response)
            return response

    return httpx.MockTransport(handle)


@dataclass
class Harness:
    """The real gateway app over fake neighbours, and a GraphQL client for it."""

    settings: GatewaySettings
    state: GatewayState
    courses: respx.MockRouter
    progress: respx.MockRouter
    certificates: respx.MockRouter
    app: Any
    graphql: GraphQLClient
    notifications: respx.MockRouter | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """Plain HTTP to the gateway app (health, static files, headers, status codes)."""
        return self.graphql.http

    def upstream_requests(self) -> int:
        routers = (self.courses, self.progress, self.certificates, self.notifications)
        return sum(len(router.calls) for router in routers if router is not None)

    async def gql(
        self, query: str, token: str | None = None, headers: dict[str, str] | None = None, **variables: Any
    ) -> dict[str, Any]:
        """The whole GraphQL response body for one request as ``token`` (anonymous without)."""
        return await self.graphql.raw(query, token=token, headers=headers, **variables)

    async def aclose(self) -> None:
        await self.graphql.aclose()
        await self.state.clients.aclose()
        await self.state.redis.aclose()


def make_harness(web_dist: Path | None = None, **overrides: Any) -> Harness:
    defaults: dict[str, Any] = {
        "jwt_secret": SECRET,
        "env": "test",
        "courses_url": "http://courses.test",
        "progress_url": "http://progress.test",
        "certificates_url": "http://certificates.test",
        "notifications_url": "http://notifications.test",
        "upstream_retries": 1,
        "response_cache_seconds": 0,
    }
    settings = GatewaySettings(**{**defaults, **overrides})
    routers = {
        name: respx.MockRouter(base_url=getattr(settings, f"{name}_url"), assert_all_called=False) for name in SERVICES
    }
    clients = ServiceClients(settings, transports={name: service_transport(r) for name, r in routers.items()})
    redis: Any = FakeAsyncRedis()
    state = GatewayState(
        settings=settings,
        verifier=TokenVerifier(settings),
        clients=clients,
        redis=redis,
        catalogue=CatalogueCache(redis, settings.catalogue_cache_seconds),
        versions=PublishedVersions(),
        limiter=RateLimiter(redis),
        responses=ViewerResponses(settings.response_cache_seconds),
    )
    app = create_app(settings, state, web_dist) if web_dist is not None else create_app(settings, state)
    graphql = GraphQLClient("http://gateway.test", transport=httpx.ASGITransport(app=app))
    return Harness(
        settings,
        state,
        routers["courses"],
        routers["progress"],
        routers["certificates"],
        app,
        graphql,
        routers["notifications"],
    )
