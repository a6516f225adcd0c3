"""Generation stamps: an answer read before an invalidation is never cached after it; missed events
(a NATS reconnect, a slow consumer) drop what they could have invalidated; published versions expire.

The catalogue's races against real Redis (and a real NATS reconnect) are in
gateway/tests/integration/test_cache_generations.py.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
from nats.errors import SlowConsumerError

from gateway.cache import Generations, PublishedVersions
from gateway.events import EventHub

from .fakes import Harness, make_harness
from .samples import sample_course, sample_enrollment

ARCHIVED = "lms.courses.course.archived.v1"
PINNED = "{ myEnrollments { course { id status } } }"
LIST = '{ courses(topic: "housing") { totalCount } }'


def _event(subject: str, **data: Any) -> Any:
    return SimpleNamespace(subject=subject, data=orjson.dumps({"data": data}), headers={})


def _hub(h: Harness) -> EventHub:
    no_nats: Any = None
    return EventHub(no_nats, h.state.catalogue, h.state.responses, h.state.versions)


def _listing(courses: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"nodes": courses, "pageInfo": {"hasNextPage": False}, "totalCount": len(courses)})


class HeldUpstream:
    """An upstream listing that answers with what it read on arrival, but only once released."""

    def __init__(self, status: str = "PUBLISHED") -> None:
        self.status = status
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = [sample_course("c1", status=self.status)]  # read now, before anything changes
        self.arrived.set()
        await self.release.wait()
        return _listing(answer)


async def test_an_archive_heard_while_a_version_is_read_is_not_undone_by_that_read(gw: Harness, tok: Any) -> None:
    gw.progress.get("/v1/enrollments/mine").respond(json={"nodes": [sample_enrollment("c1")]})
    upstream = HeldUpstream()
    gw.courses.get("/v1/courses").mock(side_effect=upstream)
    token = tok("u1")

    reading = asyncio.create_task(gw.gql(PINNED, token))
    await upstream.arrived.wait()
    upstream.status = "ARCHIVED"
    await _hub(gw)._on_catalogue_event(_event(ARCHIVED, course_id="c1", version=1))
    upstream.release.set()
    first = await reading
    assert first["data"]["myEnrollments"][0]["course"]["status"] == "PUBLISHED", "answered as it was read"

    assert len(gw.state.versions) == 0, "the answer read before the archive was not cached after it"
    again = await gw.gql(PINNED, token)
    assert again["data"]["myEnrollments"][0]["course"]["status"] == "ARCHIVED"


def test_published_versions_expire_after_their_ttl() -> None:
    now = [1000.0]
    versions = PublishedVersions(ttl_seconds=300, clock=lambda: now[0])
    versions.put(sample_course("c1"), 1)
    now[0] += 299
    assert versions.get("c1", 1) is not None
    now[0] += 2
    assert versions.get("c1", 1) is None and len(versions) == 0


def test_a_stamp_is_stale_for_its_scope_once_bumped_and_for_every_scope_once_cleared() -> None:
    gens = Generations(max_scopes=2)
    before = gens.stamp()
    gens.bump("c1")
    assert not gens.current("c1", before) and gens.current("c2", before)
    after = gens.stamp()
    assert gens.current("c1", after)
    gens.bump_all()
    assert not gens.current("c2", after)
    assert gens.current("c2", gens.stamp())


def test_forgetting_old_bumps_errs_on_the_side_of_not_caching() -> None:
    gens = Generations(max_scopes=2)
    old = gens.stamp()
    for scope in ("c1", "c2", "c3"):  # c1's bump is forgotten beyond the bound
        gens.bump(scope)
    assert not gens.current("c1", old), "a forgotten bump still makes earlier stamps stale"
    assert gens.current("c1", gens.stamp())


async def test_a_reconnect_drops_every_cache_and_refuses_reads_in_flight(tok: Any) -> None:
    h = make_harness(response_cache_seconds=30)
    try:
        courses = [sample_course("c1")]
        h.courses.get("/v1/courses").mock(side_effect=lambda r: _listing(courses))
        h.progress.get("/v1/enrollments/mine").respond(json={"nodes": [sample_enrollment("c1")]})
        token = tok("u1")
        await h.gql(PINNED, token)
        await h.gql(LIST)
        assert len(h.state.versions) == 1 and len(h.state.responses) == 1
        in_flight = h.state.versions.stamp()
        courses.append(sample_course("c2"))  # a course.published this instance never heard

        await _hub(h).on_reconnected()

        assert len(h.state.versions) == 0 and len(h.state.responses) == 0
        assert not h.state.versions.put(sample_course("c1"), 1, in_flight), "a read begun before is refused"
        assert (await h.gql(LIST))["data"]["courses"]["totalCount"] == 2, "the catalogue is read again"
    finally:
        await h.aclose()


async def test_a_slow_consumer_resyncs_and_other_errors_do_not(gw: Harness) -> None:
    hub = _hub(gw)
    gw.state.versions.put(sample_course("c1"), 1)
    await hub.on_error(TimeoutError())
    assert len(gw.state.versions) == 1
    no_subscription: Any = None
    await hub.on_error(SlowConsumerError(subject=ARCHIVED, reply="", sid=1, sub=no_subscription))
    assert len(gw.state.versions) == 0
