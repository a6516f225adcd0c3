"""Catalogue cache, rate limits and idempotency keys (over fakeredis)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from .fakes import Harness, make_harness
from .samples import sample_course

LIST = '{ courses(topic: "housing") { totalCount nodes { id title } } }'


def _catalogue(gw: Harness, courses: list[dict[str, Any]]) -> None:
    gw.courses.get("/v1/courses").mock(
        side_effect=lambda r: httpx.Response(
            200,
            json={"nodes": courses, "pageInfo": {"endCursor": None, "hasNextPage": False}, "totalCount": len(courses)},
        )
    )


async def test_the_public_catalogue_is_cached_and_publishing_invalidates_it(gw: Harness, tok: Any) -> None:
    courses = [sample_course("c1")]
    _catalogue(gw, courses)
    learner = tok("l1", ["learner"])
    assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 1
    assert (await gw.gql(LIST, learner))["data"]["courses"]["totalCount"] == 1
    assert len(gw.courses.calls) == 1, "anonymous visitors and learners share the cached page"

    courses.append(sample_course("c2"))
    gw.courses.post("/v1/courses/c2/publish").respond(json=sample_course("c2"))
    await gw.gql('mutation { publishCourse(id: "c2") { id } }', tok("trainer-1", ["trainer"]))
    assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 2


async def test_an_event_invalidates_the_catalogue(gw: Harness) -> None:
    courses = [sample_course("c1")]
    _catalogue(gw, courses)
    await gw.gql(LIST)
    courses.append(sample_course("c2"))
    assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 1  # still cached
    await gw.state.catalogue.invalidate("lms.courses.course.published.v1")
    assert (await gw.gql(LIST))["data"]["courses"]["totalCount"] == 2


async def test_trainers_never_get_a_shared_page(gw: Harness, tok: Any) -> None:
    _catalogue(gw, [sample_course("c1")])
    trainer = tok("t1", ["trainer"])
    await gw.gql(LIST, trainer)
    await gw.gql(LIST, trainer)
    assert len(gw.courses.calls) == 2


async def test_rate_limit_per_user_is_rate_limited_with_retry_after(tok: Any) -> None:
    h = make_harness(rate_limit_per_minute=3)
    try:
        h.progress.get("/v1/enrollments/mine").respond(json={"nodes": []})
        token = tok("busy", ["learner"])
        for _ in range(3):
            assert (await h.gql("{ myEnrollments { id } }", token))["data"] == {"myEnrollments": []}
        r = await h.client.post(
            "/graphql", json={"query": "{ myEnrollments { id } }"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 429
        err = r.json()["errors"][0]
        assert err["extensions"]["code"] == "RATE_LIMITED" and err["extensions"]["retryAfter"] >= 1
        assert int(r.headers["retry-after"]) >= 1
        # Another user is not affected.
        assert (await h.gql("{ myEnrollments { id } }", tok("calm", ["learner"])))["data"] == {"myEnrollments": []}
    finally:
        await h.aclose()


async def test_verify_certificate_is_limited_per_ip() -> None:
    h = make_harness(verify_rate_limit_per_minute=2)
    try:
        h.certificates.get("/v1/verify/AB").respond(json={"code": "AB", "valid": False})
        q = '{ verifyCertificate(code: "AB") { valid } }'
        assert (await h.gql(q))["data"]["verifyCertificate"]["valid"] is False
        assert (await h.gql(q))["data"]["verifyCertificate"]["valid"] is False
        body = await h.gql(q)
        assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert "limit is 2 per minute" in body["errors"][0]["message"]  # the configured limit, not the default 30
    finally:
        await h.aclose()


ENROLL = 'mutation { enroll(courseId: "c1") { id status } }'


async def _enroll(gw: Harness, token: str, key: str, query: str = ENROLL) -> dict[str, Any]:
    r = await gw.client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    )
    body: dict[str, Any] = r.json()
    return body


async def test_a_retried_mutation_returns_the_first_result(gw: Harness, tok: Any) -> None:
    made = {"n": 0}

    def enroll(req: httpx.Request) -> httpx.Response:
        made["n"] += 1
        return httpx.Response(200, json={"id": f"e{made['n']}", "status": "ACTIVE"})

    gw.progress.post("/v1/enrollments").mock(side_effect=enroll)
    token = tok("l1")
    first = await _enroll(gw, token, "k-1")
    again = await _enroll(gw, token, "k-1")
    assert first == again == {"data": {"enroll": {"id": "e1", "status": "ACTIVE"}}}
    assert made["n"] == 1
    # Keys are per user: the same key from someone else is a different request.
    assert (await _enroll(gw, tok("l2"), "k-1"))["data"]["enroll"]["id"] == "e2"
    # The same key on a different request is refused.
    other = await _enroll(gw, token, "k-1", 'mutation { enroll(courseId: "c2") { id status } }')
    assert other["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_concurrent_duplicate_gets_conflict(gw: Harness, tok: Any) -> None:
    release = asyncio.Event()

    async def slow_enroll(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200, json={"id": "e1", "status": "ACTIVE"})

    gw.progress.post("/v1/enrollments").mock(side_effect=slow_enroll)
    token = tok("l1")
    first = asyncio.create_task(_enroll(gw, token, "k-9"))
    await asyncio.sleep(0.05)
    duplicate = await _enroll(gw, token, "k-9")
    assert duplicate["errors"][0]["extensions"]["code"] == "CONFLICT"
    release.set()
    assert (await first)["data"]["enroll"]["id"] == "e1"


async def test_a_failed_first_attempt_is_not_replayed(gw: Harness, tok: Any) -> None:
    gw.progress.post("/v1/enrollments").mock(
        side_effect=[
            httpx.Response(503, json={"error": {"code": "UNAVAILABLE", "message": "x"}}),
            httpx.Response(200, json={"id": "e1", "status": "ACTIVE"}),
        ]
    )
    token = tok("l1")
    assert (await _enroll(gw, token, "k-2"))["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert (await _enroll(gw, token, "k-2"))["data"]["enroll"]["id"] == "e1"


async def test_the_key_reaches_the_services_one_per_mutating_call(gw: Harness, tok: Any) -> None:
    """The services store the key with the effect: a retry after a gateway timeout replays there."""
    seen: list[str | None] = []

    def enroll(req: httpx.Request) -> httpx.Response:
        seen.append(req.headers.get("Idempotency-Key"))
        return httpx.Response(200, json={"id": f"e{len(seen)}", "status": "ACTIVE"})

    gw.progress.post("/v1/enrollments").mock(side_effect=enroll)
    two = 'mutation { a: enroll(courseId: "c1") { id } b: enroll(courseId: "c2") { id } }'
    await _enroll(gw, tok("l1"), "key-7", two)
    assert seen == ["key-7#1", "key-7#2"], "each mutating call gets its own stable derived key"
    seen.clear()
    await gw.client.post("/graphql", json={"query": ENROLL}, headers={"Authorization": f"Bearer {tok('l1')}"})
    assert seen == [None], "no key from the caller, none passed on"
