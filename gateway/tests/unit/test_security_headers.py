"""The gateway's response headers (issue 13, finding 8): a strict Content-Security-Policy, nosniff,
no framing, a referrer policy, and HSTS in production over https, on every kind of response; the
services send nosniff too. The browser side of the policy is tests/browser/test_csp.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.config import GatewaySettings
from gateway.middleware import content_security_policy
from lms_shared.web import install_common

from .fakes import Harness, make_harness

JWKS = {
    "jwt_secret": "",
    "jwt_jwks_url": "http://127.0.0.1:9/jwks",
    "jwt_issuer": "https://id.example",
    "jwt_audience": "kb",
}


def _directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.fixture
async def web(tmp_path: Path) -> Any:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text('<!doctype html><div id="app"></div>')
    h = make_harness(web_dist=dist, s3_endpoint="files.kentbilim.example", s3_secure=True)
    yield h
    await h.aclose()


async def test_every_kind_of_gateway_response_carries_the_headers(web: Harness) -> None:
    responses = {
        "web client": await web.client.get("/courses/c1"),
        "graphql": await web.client.post("/graphql", json={"query": "{ __typename }"}),
        "health": await web.client.get("/healthz"),
        "not found": await web.client.get("/assets/missing.js"),
        "too large": await web.client.post("/graphql", content=b"x" * (web.settings.max_request_bytes + 1)),
    }
    for what, r in responses.items():
        assert r.headers["x-content-type-options"] == "nosniff", what
        assert r.headers["x-frame-options"] == "DENY", what
        assert r.headers["referrer-policy"] == "same-origin", what
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], what
        assert "strict-transport-security" not in r.headers, f"{what}: no HSTS outside production"


async def test_the_policy_allows_only_our_code_and_the_presigned_storage(web: Harness) -> None:
    policy = _directives((await web.client.get("/")).headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no inline or remote script"
    assert policy["style-src"] == ["'self'"], "no inline style"
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:", "https://files.kentbilim.example"]
    assert policy["media-src"] == ["'self'", "https://files.kentbilim.example"]
    # Inline PDFs: a sample certificate the page made itself (blob:) and presigned documents; never framed.
    assert policy["frame-src"] == ["'self'", "blob:", "https://files.kentbilim.example"]
    # The GraphQL WebSocket and the presigned uploads; nothing else (no identity provider configured).
    assert policy["connect-src"] == ["'self'", "ws://127.0.0.1:8000", "https://files.kentbilim.example"]


def test_the_identity_provider_is_reachable_from_the_client_in_oidc_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMS_OIDC_ISSUER", "https://sso.example.org/realms/kentbilim")
    settings = GatewaySettings(public_url="https://kentbilim.example.org", s3_public_endpoint="files.example.org")
    policy = _directives(content_security_policy(settings))
    assert "https://sso.example.org" in policy["connect-src"]
    assert "wss://kentbilim.example.org" in policy["connect-src"]
    assert "upgrade-insecure-requests" in policy


async def test_hsts_only_in_production_over_https() -> None:
    for public_url, expected in (
        ("https://kentbilim.example.org", "max-age=31536000"),
        ("http://127.0.0.1:8000", None),
    ):
        h = make_harness(env="production", public_url=public_url, **JWKS)
        try:
            r = await h.client.get("/healthz")
            assert r.headers.get("strict-transport-security") == expected, public_url
        finally:
            await h.aclose()


async def test_a_routes_own_stricter_header_wins(web: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The OIDC callback page carries a one-time code in its URL: no referrer at all.
    from gateway import devauth

    index = tmp_path / "callback.html"
    index.write_text("<!doctype html>")
    monkeypatch.setattr(devauth, "WEB_INDEX", index)
    r = await web.client.get("/auth/callback?code=x&state=y")
    assert r.status_code == 200
    assert r.headers.get_list("referrer-policy") == ["no-referrer"], "the route's value, once"
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_graphiql_gets_its_own_policy_only_where_the_ide_is_on() -> None:
    ide = make_harness(env="development", graphql_ide=True)
    try:
        page = await ide.client.get("/graphql", headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html")
        assert "https://unpkg.com" in page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        api = await ide.client.post("/graphql", json={"query": "{ __typename }"})
        assert "unpkg" not in api.headers["content-security-policy"]
    finally:
        await ide.aclose()


async def test_services_send_nosniff() -> None:
    app = FastAPI()
    install_common(app, "courses")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://courses") as client:
        for path in ("/healthz", "/v1/nothing"):
            assert (await client.get(path)).headers["x-content-type-options"] == "nosniff", path
