"""The per-viewer response cache: repeated dashboards are cheap, and never stale after a change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from gateway.events import EventHub
from gateway.testing import Harness, make_harness, sample_course, sample_enrollment

DASH = "{ myEnrollments { id progressPercent course { title } } }"


@pytest.fixture
async def cached() -> AsyncIterator[Harness]:
    h = make_harness(response_cache_seconds=30)
    h.courses.route("GET", "/v1/courses", {"nodes": [sample_course("c1")]})
    h.progress.route("GET", "/v1/enrollments/mine", {"nodes": [sample_enrollment("c1")]})
    yield h
    await h.client.aclose()


def _event(subject: str, **data: Any) -> Any:
    return SimpleNamespace(subject=subject, data=orjson.dumps({"data": data}), headers={})


async def test_a_repeated_dashboard_is_answered_from_memory(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    first = await cached.gql(DASH, token)
    assert await cached.gql(DASH, token) == first
    assert len(cached.progress.requests) == 1
    # Another viewer never gets the first one's answer.
    await cached.gql(DASH, tok("u2"))
    assert len(cached.progress.requests) == 2


async def test_the_viewers_own_mutation_drops_their_entries(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    await cached.gql(DASH, token)
    done = sample_enrollment("c1", cert_id=None)
    cached.progress.route("POST", "/v1/enrollments/e-c1/lessons/c1-l2/complete", done)
    await cached.gql('mutation { completeLesson(enrollmentId: "e-c1", lessonId: "c1-l2") { id } }', token)
    await cached.gql(DASH, token)
    assert [r.method for r in cached.progress.requests] == ["GET", "POST", "GET"]


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
    assert len(cached.progress.requests) == 3, "u1 refetched, u2 still cached"


async def test_other_queries_and_failures_are_not_cached(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    cached.courses.route("GET", "/v1/courses/c1", sample_course("c1"))
    q = '{ course(id: "c1") { id enrollment { id } } }'
    await cached.gql(q, token)
    await cached.gql(q, token)
    assert len(cached.progress.requests) == 2
    cached.certificates.down = True
    await cached.gql("{ myCertificates { id } }", token)
    cached.certificates.down = False
    cached.certificates.route("GET", "/v1/certificates/mine", {"nodes": []})
    assert (await cached.gql("{ myCertificates { id } }", token))["data"] == {"myCertificates": []}


async def test_archiving_forgets_the_pinned_versions(cached: Harness, tok: Any) -> None:
    no_nats: Any = None
    hub = EventHub(no_nats, cached.state.catalogue, cached.state.responses, cached.state.versions)
    await cached.gql(DASH, tok("u1"))
    assert len(cached.state.versions) == 1
    await hub._on_catalogue_event(_event("lms.courses.course.archived.v1", course_id="c1", version=1))
    assert len(cached.state.versions) == 0 and len(cached.state.responses) == 0
