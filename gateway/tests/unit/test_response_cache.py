"""The per-viewer response cache: repeated dashboards are cheap, and never stale after a change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest

from gateway.cache import PublishedVersions
from gateway.events import EventHub
from gateway.responses import ViewerResponses

from .fakes import Harness, make_harness
from .samples import sample_course, sample_enrollment

DASH = "{ myEnrollments { id progressPercent course { title } } }"


@pytest.fixture
async def cached() -> AsyncIterator[Harness]:
    h = make_harness(response_cache_seconds=30)
    h.courses.get("/v1/courses").respond(json={"nodes": [sample_course("c1")]})
    h.progress.get("/v1/enrollments/mine").respond(json={"nodes": [sample_enrollment("c1")]})
    yield h
    await h.aclose()


def _event(subject: str, **data: Any) -> Any:
    return SimpleNamespace(subject=subject, data=orjson.dumps({"data": data}), headers={})


async def test_a_repeated_dashboard_is_answered_from_memory(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    first = await cached.gql(DASH, token)
    assert await cached.gql(DASH, token) == first
    assert len(cached.progress.calls) == 1
    # Another viewer never gets the first one's answer.
    await cached.gql(DASH, tok("u2"))
    assert len(cached.progress.calls) == 2


async def test_a_dashboard_with_a_waiting_list_place_is_never_kept(tok: Any) -> None:
    """A place moves up when someone ahead leaves, and no event tells the learners behind (issue 15)."""
    h = make_harness(response_cache_seconds=30)
    waiting = sample_enrollment("c1") | {"status": "WAITLISTED", "waitlistPosition": 3}
    h.courses.get("/v1/courses").respond(json={"nodes": [sample_course("c1")]})
    h.progress.get("/v1/enrollments/mine").respond(json={"nodes": [waiting]})
    try:
        query = "{ myEnrollments { id status waitlistPosition } }"
        token = tok("u1")
        first = await h.gql(query, token)
        assert first["data"]["myEnrollments"][0]["waitlistPosition"] == 3, first
        await h.gql(query, token)
        assert len(h.progress.calls) == 2, "an answer with a waiting-list place was served from memory"
    finally:
        await h.aclose()


async def test_the_viewers_own_mutation_drops_their_entries(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    await cached.gql(DASH, token)
    done = sample_enrollment("c1", cert_id=None)
    cached.progress.post("/v1/enrollments/e-c1/lessons/c1-l2/complete").respond(json=done)
    await cached.gql('mutation { completeLesson(enrollmentId: "e-c1", lessonId: "c1-l2") { id } }', token)
    await cached.gql(DASH, token)
    assert [c.request.method for c in cached.progress.calls] == ["GET", "POST", "GET"]


@pytest.mark.parametrize(
    "subject",
    [
        "lms.progress.lesson.completed.v1",
        "lms.progress.enrollment.created.v1",
        "lms.certificates.certificate.issued.v1",
        "lms.certificates.certificate.revoked.v1",
    ],
)
async def test_a_learner_event_drops_that_learners_entries(cached: Harness, tok: Any, subject: str) -> None:
    no_nats: Any = None
    hub = EventHub(no_nats, cached.state.catalogue, cached.state.responses)
    await cached.gql(DASH, tok("u1"))
    await cached.gql(DASH, tok("u2"))
    await hub._on_learner_event(_event(subject, learner_id="u1"))
    await cached.gql(DASH, tok("u1"))
    await cached.gql(DASH, tok("u2"))
    assert len(cached.progress.calls) == 3, "u1 refetched, u2 still cached"


async def test_other_queries_and_failures_are_not_cached(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    cached.courses.get("/v1/courses/c1").respond(json=sample_course("c1"))
    q = '{ course(id: "c1") { id enrollment { id } } }'
    await cached.gql(q, token)
    await cached.gql(q, token)
    assert len(cached.progress.calls) == 2
    cached.certificates.get("/v1/certificates/mine").mock(side_effect=httpx.ConnectError)
    await cached.gql("{ myCertificates { id } }", token)
    cached.certificates.get("/v1/certificates/mine").respond(json={"nodes": []})
    assert (await cached.gql("{ myCertificates { id } }", token))["data"] == {"myCertificates": []}


async def test_archiving_forgets_the_pinned_versions(cached: Harness, tok: Any) -> None:
    no_nats: Any = None
    hub = EventHub(no_nats, cached.state.catalogue, cached.state.responses, cached.state.versions)
    await cached.gql(DASH, tok("u1"))
    assert len(cached.state.versions) == 1
    await hub._on_catalogue_event(_event("lms.courses.course.archived.v1", course_id="c1", version=1))
    assert len(cached.state.versions) == 0 and len(cached.state.responses) == 0


def test_the_viewer_cache_is_bounded_least_recently_used_first() -> None:
    responses = ViewerResponses(30, max_entries=2)
    responses.put("u1", "a", {"n": 1})
    responses.put("u2", "a", {"n": 2})
    assert responses.get("u1", "a") == {"n": 1}  # u1 is now the most recently used
    responses.put("u3", "a", {"n": 3})
    assert (responses.get("u1", "a"), responses.get("u2", "a"), responses.get("u3", "a")) == ({"n": 1}, None, {"n": 3})
    assert len(responses) == 2
    # The evicted viewer's index went with the entry: a new answer for them is cached and dropped as usual.
    responses.put("u2", "b", {"n": 4})
    responses.forget_viewer("u2", "test")
    assert responses.get("u2", "b") is None and responses.get("u3", "a") == {"n": 3}


async def test_viewer_entries_expire_after_the_ttl() -> None:
    responses = ViewerResponses(0.05)
    responses.put("u1", "a", {"n": 1})
    assert responses.get("u1", "a") == {"n": 1}
    await asyncio.sleep(0.08)
    assert responses.get("u1", "a") is None
    responses.put("u2", "a", {"n": 2})  # writing drops what expired, index included
    assert len(responses) == 1 and responses.get("u2", "a") == {"n": 2}


def test_published_versions_are_bounded_least_recently_used_first() -> None:
    versions = PublishedVersions(max_entries=2)
    versions.put(sample_course("c1"), 1)
    versions.put(sample_course("c2"), 1)
    assert versions.get("c1", 1) is not None
    versions.put(sample_course("c3"), 1)
    assert [versions.get(c, 1) is not None for c in ("c1", "c2", "c3")] == [True, False, True]
    versions.forget_course("c1")
    assert versions.get("c1", 1) is None and len(versions) == 1
