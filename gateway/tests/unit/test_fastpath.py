"""The fast path for cached answers (gateway/fastpath.py): ETags, 304s, and nothing it may not serve.

A cached answer skips routing, Strawberry and validation, so these tests pin what must still hold:
a changed or invalid document is never answered from the cache, an ETag never matches another
viewer's (or an older) answer, the token is verified and the rate limit counted on every request, and
errors are reported as before.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
from graphql import GraphQLObjectType

from gateway.app import GatewayRouter
from gateway.config import GatewaySettings
from gateway.events import EventHub
from gateway.fastpath import VerifiedTokens
from gateway.schema import LEAN, build_schema
from lms_shared.errors import Unauthenticated

from .fakes import SECRET, Harness, make_harness
from .samples import sample_course, sample_enrollment
from .test_response_cache import _event

DASH = "{ myEnrollments { id progressPercent course { title } } }"


@pytest.fixture
async def cached() -> AsyncIterator[Harness]:
    h = make_harness(response_cache_seconds=30)
    h.courses.get("/v1/courses").respond(json={"nodes": [sample_course("c1")]})
    h.progress.get("/v1/enrollments/mine").respond(json={"nodes": [sample_enrollment("c1")]})
    yield h
    await h.aclose()


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Queries the GraphQL router executed (the fast path's answers never get there)."""
    seen: list[str] = []
    original = GatewayRouter.execute_single

    async def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append("executed")
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(GatewayRouter, "execute_single", counting)
    return seen


async def post(h: Harness, token: str | None, query: str = DASH, **headers: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return await h.client.post("/graphql", json={"query": query}, headers={**auth, **headers})


async def get(h: Harness, token: str, query: str = DASH, **headers: str) -> httpx.Response:
    return await h.client.get(
        "/graphql", params={"query": query}, headers={"Authorization": f"Bearer {token}", **headers}
    )


async def test_a_repeat_skips_graphql_and_carries_the_same_etag(
    cached: Harness, tok: Any, executions: list[str]
) -> None:
    token = tok("u1")
    first = await post(cached, token)
    second = await post(cached, token)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and b"myEnrollments" in first.content
    assert first.headers["etag"] == second.headers["etag"], "the full path's answer names the ETag it was cached under"
    assert second.headers["cache-control"] == "private, no-cache" and second.headers["vary"] == "Authorization"
    assert executions == ["executed"], "the repeat went through Strawberry"
    assert len(cached.progress.calls) == 1
    # The gateway's own middleware still ran on the fast path.
    assert second.headers["x-request-id"] and second.headers["x-content-type-options"] == "nosniff"


async def test_the_web_clients_named_query_with_variables_is_served_from_the_cache(
    cached: Harness, tok: Any, executions: list[str]
) -> None:
    """The web client's "My learning" query: named, with variables, no operationName sent."""
    query = "query Mine($ui: String) { myEnrollments { id course { id title(lang: $ui) } } }"
    token = tok("u1")
    body = {"query": query, "variables": {"ui": "az"}}
    headers = {"Authorization": f"Bearer {token}"}
    first = await cached.client.post("/graphql", json=body, headers=headers)
    second = await cached.client.post("/graphql", json=body, headers=headers)
    named = await cached.client.post("/graphql", json=body | {"operationName": "Mine"}, headers=headers)
    assert first.content == second.content == named.content and "etag" in second.headers
    assert executions == ["executed", "executed"], "only the request naming its operation is another entry"
    other = await cached.client.post("/graphql", json={"query": query, "variables": {"ui": "kk"}}, headers=headers)
    assert other.status_code == 200 and len(executions) == 3, "other variables were answered from the cache"


async def test_graphql_response_clients_get_their_media_type(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    accept = {"Accept": "application/graphql-response+json"}
    first = await post(cached, token, **accept)
    second = await post(cached, token, **accept)
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["content-type"].startswith("application/graphql-response+json")


async def test_get_with_a_matching_etag_is_304_and_a_changed_answer_is_not(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    first = await get(cached, token)
    etag = first.headers["etag"]
    unchanged = await get(cached, token, **{"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag
    # The learner completes a lesson: the event drops their answer, the next one is new.
    no_nats: Any = None
    hub = EventHub(no_nats, cached.state.catalogue, cached.state.responses)
    await hub._on_learner_event(_event("lms.progress.lesson.completed.v1", learner_id="u1"))
    done = sample_enrollment("c1") | {"progressPercent": 100.0}
    cached.progress.get("/v1/enrollments/mine").respond(json={"nodes": [done]})
    fresh = await get(cached, token, **{"If-None-Match": etag})
    assert fresh.status_code == 200 and b"100" in fresh.content
    again = await get(cached, token, **{"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag, "an older answer's ETag matched"


async def test_a_post_is_never_answered_304(cached: Harness, tok: Any) -> None:
    """RFC 9110: 304 only for GET and HEAD."""
    token = tok("u1")
    etag = (await post(cached, token)).headers["etag"]
    again = await post(cached, token, **{"If-None-Match": etag})
    assert again.status_code == 200 and b"myEnrollments" in again.content


async def test_an_etag_never_matches_another_viewers_answer(cached: Harness, tok: Any) -> None:
    # Both learners get the same bytes from the fakes: only the ETag's viewer part tells them apart.
    a, b = tok("u1"), tok("u2")
    first_a = await get(cached, a)
    first_b = await get(cached, b)
    await get(cached, b)  # now cached for u2 too
    assert first_a.content == first_b.content
    assert first_a.headers["etag"] != first_b.headers["etag"]
    other = await get(cached, b, **{"If-None-Match": first_a.headers["etag"]})
    assert other.status_code == 200 and other.headers["etag"] == first_b.headers["etag"]
    assert len(cached.progress.calls) == 2


async def test_a_changed_or_invalid_document_takes_the_full_path(cached: Harness, tok: Any) -> None:
    token = tok("u1")
    await post(cached, token)
    await post(cached, token)  # served from the cache
    unknown = await post(cached, token, DASH.replace("progressPercent", "progressPercent secret"))
    assert unknown.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert unknown.json()["data"] is None
    broken = await post(cached, token, DASH + " }")
    assert broken.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "etag" not in broken.headers and "etag" not in unknown.headers
    # The same text again is refused again: refusals are never cached.
    assert (await post(cached, token, DASH + " }")).json()["errors"]
    changed = await post(cached, token, DASH.replace("progressPercent", "status"))
    assert changed.json()["data"]["myEnrollments"][0]["status"] == "ACTIVE"


async def test_the_token_is_checked_on_every_cached_answer(cached: Harness, tok: Any) -> None:
    await post(cached, tok("u1"))
    expired = tok("u1", exp=int(time.time()) - 3600)
    refused = await post(cached, expired)
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    anonymous = await post(cached, None)
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    forged = tok("u1")[:-4] + "AAAA"
    assert (await post(cached, forged)).json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_with_other_claims_never_gets_the_old_answer(cached: Harness, tok: Any) -> None:
    """`viewer` shows the token's claims and the language picks titles: both belong to the fingerprint."""
    query = "{ viewer { id name roles locale } }"
    az = await post(cached, tok("u1", locale="az"), query)
    assert (await post(cached, tok("u1", locale="az"), query)).content == az.content
    kk = await post(cached, tok("u1", locale="kk"), query)
    assert kk.json()["data"]["viewer"]["locale"] == "kk"
    trainer = await post(cached, tok("u1", roles=["trainer"], locale="az"), query)
    assert trainer.json()["data"]["viewer"]["roles"] == ["TRAINER"]


async def test_cached_answers_count_against_the_rate_limit(tok: Any) -> None:
    h = make_harness(response_cache_seconds=30, rate_limit_per_minute=2)
    h.courses.get("/v1/courses").respond(json={"nodes": [sample_course("c1")]})
    h.progress.get("/v1/enrollments/mine").respond(json={"nodes": [sample_enrollment("c1")]})
    try:
        token = tok("u1")
        assert (await post(h, token)).status_code == 200
        assert (await post(h, token)).status_code == 200  # from the cache: counted
        third = await post(h, token)
        assert third.status_code == 429 and int(third.headers["retry-after"]) >= 1
        assert third.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # The window's counter expires with its window (set by its first request only).
        keys = [k async for k in h.state.redis.scan_iter("gw:rl:user:u1:*")]
        assert len(keys) == 1 and 0 < await h.state.redis.ttl(keys[0]) <= 61
        assert int(await h.state.redis.get(keys[0])) == 3
    finally:
        await h.aclose()


async def test_mutations_and_idempotent_requests_never_take_the_fast_path(
    cached: Harness, tok: Any, executions: list[str]
) -> None:
    token = tok("u1")
    await post(cached, token)
    await post(cached, token, **{"Idempotency-Key": "k1"})
    assert executions == ["executed", "executed"]
    over_get = await cached.client.get(
        "/graphql",
        params={"query": 'mutation { withdraw(enrollmentId: "e-c1") { id } }'},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert over_get.status_code == 405


class CountingVerifier:
    """Stands in for TokenVerifier: counts verifications, refuses once told to."""

    def __init__(self) -> None:
        self.calls = 0
        self.refuse = False

    async def verify(self, token: str) -> Any:
        self.calls += 1
        if self.refuse:
            raise Unauthenticated("The token has expired; sign in again.")
        return SimpleNamespace(sub="u1", token=token)


def _token(exp: float) -> str:
    # Only the payload is read by VerifiedTokens (after the verifier accepted the token).
    payload = base64.urlsafe_b64encode(orjson.dumps({"sub": "u1", "exp": int(exp)})).rstrip(b"=").decode()
    return f"h.{payload}.s"


async def test_a_verified_token_is_remembered_briefly_and_never_past_its_expiry() -> None:
    now = [1_000_000.0]
    verifier = CountingVerifier()
    tokens = VerifiedTokens(verifier, seconds=30, clock=lambda: now[0])
    long_lived = _token(now[0] + 3600)
    await tokens.principal(long_lived)
    await tokens.principal(long_lived)
    assert verifier.calls == 1
    now[0] += 31  # the memo's own bound
    await tokens.principal(long_lived)
    assert verifier.calls == 2
    # A token expiring in 5 s: remembered until exp + the verifier's 30 s leeway, not 30 s after now.
    short = _token(now[0] + 5)
    await tokens.principal(short)
    now[0] += 20
    await tokens.principal(short)
    assert verifier.calls == 3
    now[0] += 16  # past exp + leeway: asked again, and the verifier refuses it
    verifier.refuse = True
    with pytest.raises(Unauthenticated):
        await tokens.principal(short)
    with pytest.raises(Unauthenticated):
        await tokens.principal(short)  # refusals are never remembered
    assert verifier.calls == 5


async def test_only_the_exact_token_is_remembered() -> None:
    verifier = CountingVerifier()
    tokens = VerifiedTokens(verifier, maxsize=2)
    exp = time.time() + 3600
    a, b, c = _token(exp), _token(exp + 1), _token(exp + 2)
    for t in (a, b, a, c, a):
        await tokens.principal(t)
    # a, b verified; a remembered; c evicts the oldest (a); a verified again.
    assert verifier.calls == 4


def test_lean_resolvers_never_touch_a_guarded_field() -> None:
    """graphql-core calls plain JSON reads and the LEAN resolvers directly; a field with a permission
    class or an extension keeps Strawberry's resolver, so its check still runs."""
    schema = build_schema(GatewaySettings(jwt_secret=SECRET, env="test"))
    lean = guarded = 0
    for gql_type in schema._schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        for gql_field in gql_type.fields.values():
            field = gql_field.extensions["strawberry-definition"]
            direct = gql_field.resolve is not None and gql_field.resolve.__module__ == "gateway.schema"
            if field.extensions or gql_type.name in ("Query", "Mutation", "Subscription"):
                assert not direct, f"{gql_type.name}.{gql_field.name} lost Strawberry's resolver"
                guarded += 1
            elif field.base_resolver is not None and field.base_resolver.wrapped_func not in LEAN:
                assert not direct
            elif direct:
                lean += 1
    assert guarded > 50 and lean > 200


async def test_concurrent_repeats_wait_for_the_one_executing(tok: Any) -> None:
    """An expired entry under load: one execution upstream, not one per waiting client."""
    h = make_harness(response_cache_seconds=30)
    h.courses.get("/v1/courses").respond(json={"nodes": [sample_course("c1")]})

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.2)
        return httpx.Response(200, json={"nodes": [sample_enrollment("c1")]})

    h.progress.get("/v1/enrollments/mine").mock(side_effect=slow)
    try:
        token = tok("u1")
        answers = await asyncio.gather(*(post(h, token) for _ in range(10)))
        assert len(h.progress.calls) == 1
        assert {a.content for a in answers} == {answers[0].content} and b"myEnrollments" in answers[0].content
        # Another viewer's same query never waits for (or gets) u1's.
        other = await asyncio.gather(post(h, tok("u2")), post(h, tok("u1")))
        assert len(h.progress.calls) == 2 and other[0].headers["etag"] != other[1].headers["etag"]
    finally:
        await h.aclose()


async def test_waiting_repeats_of_a_failed_query_report_their_own_error(tok: Any) -> None:
    h = make_harness(response_cache_seconds=30)
    h.courses.get("/v1/courses").respond(json={"nodes": [sample_course("c1")]})

    async def down(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.1)
        return httpx.Response(503, json={"error": {"code": "UNAVAILABLE", "message": "down"}})

    h.progress.get("/v1/enrollments/mine").mock(side_effect=down)
    try:
        answers = await asyncio.gather(*(post(h, tok("u1")) for _ in range(3)))
        for a in answers:
            assert a.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE" and "etag" not in a.headers
        assert len(h.state.responses) == 0
    finally:
        await h.aclose()
