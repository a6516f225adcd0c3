"""Cache generations against the real servers: the gateway app over the stack's Valkey and NATS, with
the three services scripted (respx) so that a test decides when an upstream answer arrives.

- A catalogue read still waiting for its upstream answer when an invalidation runs (on this instance
  or another one sharing Redis) does not make that answer the cached one.
- Events published while the gateway's NATS connection is down are lost to it; after the reconnect
  (a real one, through a :class:`tests.support.faults.FaultyLink`) nothing they could have changed is
  still served from a cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import respx
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from gateway.app import create_app
from gateway.cache import GENERATION_KEY, CatalogueCache, PublishedVersions
from gateway.clients import SERVICES, ServiceClients
from gateway.config import GatewaySettings
from gateway.events import EventHub
from gateway.ratelimit import RateLimiter
from gateway.responses import ViewerResponses
from gateway.state import GatewayState
from lms_shared.auth import TokenVerifier
from tests.support.faults import FaultyLink
from tests.support.graphql import GraphQLClient, eventually
from tests.support.tokens import make_token

pytestmark = pytest.mark.integration

SECRET = "integration-cache-secret-long-enough-for-hs256"
# Not the stack gateway's database: its own invalidations must not move these tests' generation.
REDIS_DB = 9
LIST = '{ courses(topic: "housing") { totalCount } }'
PINNED = "{ myEnrollments { course { id status } } }"


def course(course_id: str, status: str = "PUBLISHED") -> dict[str, Any]:
    return {
        "id": course_id,
        "slug": f"slug-{course_id}",
        "titles": [{"lang": "az", "text": f"Kurs {course_id}"}],
        "summaries": [],
        "languages": ["az"],
        "defaultLanguage": "az",
        "topics": ["housing"],
        "status": status,
        "version": 1,
        "isDraft": False,
        "ownerId": "trainer-1",
        "coOwnerIds": [],
        "certificatePolicy": {"autoIssue": True, "templateId": None},
        "modules": [],
    }


def enrollment(course_id: str) -> dict[str, Any]:
    return {
        "id": f"e-{course_id}",
        "courseId": course_id,
        "learnerId": "u1",
        "learnerName": "Rəşad Əliyev",
        "courseVersion": 1,
        "status": "ACTIVE",
        "progressPercent": 0.0,
        "enrolledAt": "2026-11-01T09:00:00+00:00",
        "completedAt": None,
        "lessons": [],
        "resumeLessonId": None,
        "certificate": None,
    }


def listing(courses: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"nodes": courses, "pageInfo": {"hasNextPage": False}, "totalCount": len(courses)})


@dataclass
class Gateway:
    state: GatewayState
    courses: respx.MockRouter
    progress: respx.MockRouter
    graphql: GraphQLClient

    async def gql(self, query: str, token: str | None = None) -> dict[str, Any]:
        return await self.graphql.raw(query, token=token)


@pytest.fixture
async def redis_url(stack_env: dict[str, str]) -> AsyncIterator[str]:
    parts = urlsplit(stack_env["LMS_REDIS_URL"])
    url = f"redis://{parts.netloc}/{REDIS_DB}"
    redis = Redis.from_url(url)
    await redis.flushdb()
    yield url
    await redis.flushdb()
    await redis.aclose()


@pytest.fixture
async def make_gateway(redis_url: str) -> AsyncIterator[Callable[..., Gateway]]:
    """``make_gateway(**settings)``: the real gateway app over the stack's Redis, services scripted."""
    made: list[Gateway] = []

    def make(via: str | None = None, **overrides: Any) -> Gateway:
        settings = GatewaySettings(
            jwt_secret=SECRET,
            env="test",
            redis_url=via or redis_url,
            courses_url="http://courses.test",
            progress_url="http://progress.test",
            certificates_url="http://certificates.test",
            upstream_retries=0,
            **{"response_cache_seconds": 0, **overrides},
        )
        routers = {
            name: respx.MockRouter(base_url=getattr(settings, f"{name}_url"), assert_all_called=False)
            for name in SERVICES
        }
        transports = {name: httpx.MockTransport(r.async_handler) for name, r in routers.items()}
        redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        state = GatewayState(
            settings=settings,
            verifier=TokenVerifier(settings),
            clients=ServiceClients(settings, transports=transports),
            redis=redis,
            catalogue=CatalogueCache(redis, settings.catalogue_cache_seconds),
            versions=PublishedVersions(ttl_seconds=settings.published_version_cache_seconds),
            limiter=RateLimiter(redis),
            responses=ViewerResponses(settings.response_cache_seconds),
        )
        app = create_app(settings, state)
        client = GraphQLClient("http://gateway.test", transport=httpx.ASGITransport(app=app))
        gw = Gateway(state, routers["courses"], routers["progress"], client)
        made.append(gw)
        return gw

    yield make
    for gw in made:
        await gw.graphql.aclose()
        await gw.state.clients.aclose()
        await gw.state.redis.aclose()


class HeldListing:
    """The courses listing: answers with what it read on arrival, and only once released."""

    def __init__(self, courses: list[dict[str, Any]]) -> None:
        self.courses = courses
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    def hold(self) -> None:
        self.arrived.clear()
        self.release.clear()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = list(self.courses)  # read now, before anything changes
        self.arrived.set()
        await self.release.wait()
        return listing(answer)


@pytest.mark.parametrize("invalidated_by", ["this instance", "another instance"])
async def test_a_catalogue_answer_read_before_an_invalidation_is_not_served_after_it(
    make_gateway: Callable[..., Gateway], invalidated_by: str
) -> None:
    gw = make_gateway()
    upstream = HeldListing([course("c1")])
    gw.courses.get("/v1/courses").mock(side_effect=upstream)
    other = CatalogueCache(gw.state.redis, 300) if invalidated_by == "another instance" else gw.state.catalogue

    upstream.hold()
    reading = asyncio.create_task(gw.gql(LIST))
    await upstream.arrived.wait()
    upstream.courses.append(course("c2"))  # published while the read waits for its answer ...
    await other.invalidate("lms.courses.course.published.v1")  # ... and the event is heard
    upstream.release.set()
    assert (await reading)["data"]["courses"]["totalCount"] == 1, "answered as it was read"

    assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 2, "the stale answer is not served"
    assert len(gw.courses.calls) == 2
    assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 2
    assert len(gw.courses.calls) == 2, "the fresh answer is cached"


async def test_entries_are_not_served_once_the_generation_key_is_lost(make_gateway: Callable[..., Gateway]) -> None:
    gw = make_gateway()
    courses = [course("c1")]
    gw.courses.get("/v1/courses").mock(side_effect=lambda r: listing(courses))
    assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 1
    courses.append(course("c2"))
    # Evicted under maxmemory, or flushed: counting again must not revive what was cached under it.
    await gw.state.redis.delete(GENERATION_KEY)
    assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 2


async def test_an_invalidation_that_could_not_reach_redis_is_made_before_the_cache_is_used_again(
    make_gateway: Callable[..., Gateway], redis_url: str
) -> None:
    target = urlsplit(redis_url)
    link = FaultyLink(target.hostname or "127.0.0.1", int(target.port or 6379))
    try:
        gw = make_gateway(via=f"redis://127.0.0.1:{link.port}/{REDIS_DB}")
        courses = [course("c1")]
        gw.courses.get("/v1/courses").mock(side_effect=lambda r: listing(courses))
        assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 1
        courses.append(course("c2"))
        link.cut()  # Redis is away just when course.published is heard
        await gw.state.catalogue.invalidate("lms.courses.course.published.v1")
        link.restore()
        assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 2
    finally:
        link.close()


async def test_after_a_nats_reconnect_nothing_a_missed_event_changed_is_served_from_a_cache(
    make_gateway: Callable[..., Gateway], stack_env: dict[str, str]
) -> None:
    gw = make_gateway(response_cache_seconds=30)
    courses = [course("c1")]
    gw.courses.get("/v1/courses").mock(side_effect=lambda r: listing(courses))
    gw.progress.get("/v1/enrollments/mine").respond(json={"nodes": [enrollment("c1")]})
    token = make_token(SECRET, sub="u1", roles=["learner"])
    nats_url = urlsplit(stack_env["LMS_NATS_URL"])
    link = FaultyLink(nats_url.hostname or "127.0.0.1", int(nats_url.port or 4222))
    state = gw.state
    hub = await EventHub.connect(
        f"nats://127.0.0.1:{link.port}",
        state.catalogue,
        state.responses,
        state.versions,
        name="gateway-cache-test",
        reconnect_time_wait=0.1,
        user=nats_url.username,  # the stack's admin (LMS_NATS_URL carries it), through the link
        password=nats_url.password,
    )
    try:
        assert (await gw.gql(PINNED, token))["data"]["myEnrollments"][0]["course"]["status"] == "PUBLISHED"
        assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 1
        assert len(state.versions) == 1 and len(state.responses) == 1
        resyncs = _resyncs()

        link.cut()
        await eventually(lambda: _true(not hub.nc.is_connected), timeout=30, every=0.05)
        # Archived and published while the gateway cannot hear: these events are lost to it.
        courses[:] = [course("c1", status="ARCHIVED"), course("c2")]
        link.restore()
        await eventually(lambda: _true(_resyncs() > resyncs), timeout=30)

        assert hub.nc.is_connected
        assert len(state.versions) == 0 and len(state.responses) == 0
        after = (await gw.gql(PINNED, token))["data"]["myEnrollments"][0]["course"]["status"]
        assert after == "ARCHIVED"
        assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 2
    finally:
        await hub.nc.close()
        link.close()


async def _true(value: bool) -> bool:
    return value


def _resyncs() -> float:
    return REGISTRY.get_sample_value("lms_gateway_cache_resyncs_total", {"reason": "nats_reconnected"}) or 0.0
