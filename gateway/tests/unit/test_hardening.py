"""Limits and protocol rules: depth, aliases, tokens, cost, introspection, POST-only mutations, size, CORS."""

from __future__ import annotations

from typing import Any

from tests.support.graphql import error_codes as codes

from .fakes import Harness, make_harness


async def test_deep_queries_are_refused_before_any_upstream_call(gw: Harness, tok: Any) -> None:
    deep = (
        "{ myEnrollments { course { enrollment { course { enrollment { course { enrollment { course { "
        "enrollment { course { enrollment { course { enrollment { id } } } } } } } } } } } } } }"
    )
    body = await gw.gql(deep, tok())
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert gw.upstream_requests() == 0


async def test_too_many_aliases_are_refused(gw: Harness) -> None:
    query = "{ " + " ".join(f'a{i}: verifyCertificate(code: "X{i}") {{ valid }}' for i in range(40)) + " }"
    body = await gw.gql(query)
    assert "aliases" in body["errors"][0]["message"]
    assert gw.upstream_requests() == 0


async def test_an_expensive_fan_out_is_refused(gw: Harness, tok: Any) -> None:
    query = """{ courses(first: 100) { nodes { modules { lessons { quiz { questions { options { id label } } } } } }
      } }"""
    body = await gw.gql(query, tok())
    assert codes(body) == {"BAD_USER_INPUT"}
    assert "too expensive" in body["errors"][0]["message"]
    assert gw.upstream_requests() == 0


async def test_too_many_tokens_are_refused(gw: Harness) -> None:
    query = "{ viewer { " + " ".join(["id"] * 5000) + " } }"
    body = await gw.gql(query)
    assert "token" in body["errors"][0]["message"].lower()


async def test_introspection_is_off_in_production_and_can_be_turned_on() -> None:
    oidc = {
        "jwt_secret": "",
        "jwt_jwks_url": "https://id.example/jwks",
        "jwt_issuer": "https://id.example",
        "jwt_audience": "kentbilim",
    }
    prod = make_harness(env="production", **oidc)
    on = make_harness(env="production", graphql_introspection=True, **oidc)
    try:
        body = await prod.gql("{ __schema { queryType { name } } }")
        assert "introspection" in body["errors"][0]["message"].lower()
        body = await on.gql("{ __schema { queryType { name } } }")
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    finally:
        await prod.aclose()
        await on.aclose()


async def test_mutations_over_get_are_405(gw: Harness, tok: Any) -> None:
    r = await gw.client.get(
        "/graphql",
        params={"query": 'mutation { enroll(courseId: "c1") { id } }'},
        headers={"Authorization": f"Bearer {tok()}", "Accept": "application/json"},
    )
    assert r.status_code == 405
    assert gw.upstream_requests() == 0


async def test_queries_over_get_work(gw: Harness) -> None:
    gw.certificates.get("/v1/verify/AB").respond(json={"code": "AB", "valid": False})
    r = await gw.client.get(
        "/graphql",
        params={"query": '{ verifyCertificate(code: "AB") { valid } }'},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 200 and r.json() == {"data": {"verifyCertificate": {"valid": False}}}


async def test_oversized_bodies_are_413() -> None:
    h = make_harness(max_request_bytes=2048)
    try:
        r = await h.client.post("/graphql", json={"query": "{ viewer { id } }", "variables": {"pad": "x" * 5000}})
        assert r.status_code == 413
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

        async def chunks() -> Any:
            for _ in range(10):
                yield b" " * 512

        r = await h.client.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
    finally:
        await h.aclose()


async def test_cors_allows_only_the_configured_origins() -> None:
    h = make_harness(cors_origins="https://app.kentbilim.example")
    try:
        pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
        ok = await h.client.options("/graphql", headers={"Origin": "https://app.kentbilim.example", **pre})
        assert ok.headers["access-control-allow-origin"] == "https://app.kentbilim.example"
        bad = await h.client.options("/graphql", headers={"Origin": "https://evil.example", **pre})
        assert "access-control-allow-origin" not in bad.headers
    finally:
        await h.aclose()


async def test_bad_json_is_a_400_with_a_reason(gw: Harness) -> None:
    r = await gw.client.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


async def test_health_and_metrics(gw: Harness, tok: Any) -> None:
    assert (await gw.client.get("/healthz")).json()["status"] == "ok"
    gw.progress.get("/v1/enrollments/mine").respond(json={"nodes": []})
    await gw.gql("{ myEnrollments { id } }", tok())
    await gw.gql("{ myEnrollments { id } }")
    text = (await gw.client.get("/metrics")).text
    assert 'lms_gateway_upstream_requests_total{method="GET",service="progress",status="200"}' in text
    assert 'lms_gateway_graphql_errors_total{code="UNAUTHENTICATED"}' in text
    assert 'lms_http_requests_total{method="POST",route="/graphql",service="gateway"' in text
