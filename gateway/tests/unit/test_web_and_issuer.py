"""The web client's static files at / (with SPA fallback) and the issuer's public documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from .fakes import Harness, make_harness


@pytest.fixture
async def web(tmp_path: Path) -> Any:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Kentbilim</title>")
    (dist / "assets" / "main.js").write_text("console.log('hi')")
    (tmp_path / "secret.txt").write_text("outside the dist folder")
    h = make_harness(web_dist=dist)
    yield h
    await h.aclose()


async def test_static_files_and_client_routes(web: Harness) -> None:
    assert "Kentbilim" in (await web.client.get("/")).text
    r = await web.client.get("/assets/main.js")
    assert r.status_code == 200 and "console.log" in r.text
    for route in ("/verify/ABCD-2345", "/courses/c1/lessons/l1"):
        r = await web.client.get(route)
        assert r.status_code == 200 and "Kentbilim" in r.text, route
    assert (await web.client.get("/assets/missing.js")).status_code == 404


async def test_the_fallback_never_shadows_the_api(web: Harness) -> None:
    assert (await web.client.get("/healthz")).json()["service"] == "gateway"
    assert (await web.client.get("/metrics")).text.startswith("#")
    assert (await web.client.get("/graphql/nothing")).status_code == 404
    assert (await web.client.get("/.well-known/openid-configuration")).status_code == 404


async def test_paths_cannot_leave_the_dist_folder(web: Harness) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2F..%2Fsecret.txt"):
        r = await web.client.get(path)
        assert "outside the dist folder" not in r.text, path


async def test_without_a_build_there_is_no_client(gw: Harness, tmp_path: Path) -> None:
    h = make_harness(web_dist=tmp_path / "absent")
    try:
        assert (await h.client.get("/verify/X")).status_code == 404
    finally:
        await h.aclose()


async def test_issuer_documents_are_proxied_from_certificates(gw: Harness) -> None:
    gw.certificates.get("/.well-known/did.json").respond(json={"id": "did:web:kentbilim.example"})
    gw.certificates.get("/.well-known/jwks.json").respond(json={"keys": [{"kty": "OKP", "kid": "k1"}]})
    gw.certificates.get("/v1/status-lists/1").respond(
        200, text="eyJhbGciOi.status.list", headers={"content-type": "application/vc+jwt"}
    )
    assert (await gw.client.get("/.well-known/did.json")).json() == {"id": "did:web:kentbilim.example"}
    assert (await gw.client.get("/.well-known/jwks.json")).json()["keys"][0]["kid"] == "k1"
    r = await gw.client.get("/status-lists/1")
    assert r.status_code == 200 and r.text == "eyJhbGciOi.status.list"
    assert r.headers["content-type"].startswith("application/vc+jwt")
    assert (await gw.client.get("/status-lists/99")).status_code == 404
    gw.certificates.get("/.well-known/jwks.json").mock(side_effect=httpx.ConnectError)
    r = await gw.client.get("/.well-known/jwks.json")
    assert r.status_code == 503 and "certificates.test" not in r.text


async def test_issuer_documents_are_readable_cross_origin_and_keep_the_accept_header(gw: Harness) -> None:
    # Browser-based DID resolvers and verifiers fetch these from their own origin.
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("accept"))
        return httpx.Response(200, json={"type": ["VerifiableCredential", "BitstringStatusListCredential"]})

    gw.certificates.get("/v1/status-lists/2").mock(side_effect=answer)
    gw.certificates.get("/.well-known/did.json").respond(json={"id": "did:web:kentbilim.example"})
    r = await gw.client.get(
        "/status-lists/2", headers={"Accept": "application/vc+ld+json", "Origin": "https://v.example"}
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert seen == ["application/vc+ld+json"]
    r = await gw.client.get("/.well-known/did.json", headers={"Origin": "https://resolver.example"})
    assert r.headers["access-control-allow-origin"] == "*"


async def test_the_json_ld_contexts_are_proxied_get_only_and_cross_origin(gw: Harness) -> None:
    body = b'{"@context": {"@protected": true}}'
    gw.certificates.get("/v1/contexts/credentials-v2.jsonld").respond(
        200, content=body, headers={"content-type": "application/ld+json"}
    )
    r = await gw.client.get("/contexts/credentials-v2.jsonld", headers={"Origin": "https://verifier.example"})
    assert r.status_code == 200 and r.content == body  # byte for byte: verifiers may pin its hash
    assert r.headers["content-type"].startswith("application/ld+json")
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET"
    gw.certificates.get("/v1/contexts/unknown.jsonld").respond(404, json={"error": {"code": "NOT_FOUND"}})
    assert (await gw.client.get("/contexts/unknown.jsonld")).status_code == 404
    assert (await gw.client.post("/contexts/credentials-v2.jsonld")).status_code == 405


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (None, "Kentbilim Urban Governance Academy"),
        ("kk", "Kentbilim қалалық басқару академиясы"),
        ("ky", "Kentbilim Urban Governance Academy"),  # no translation: as printed
        ("", "Kentbilim Urban Governance Academy"),
    ],
)
def test_the_verification_names_the_issuer_in_the_readers_language_when_it_can(lang: str | None, expected: str) -> None:
    from gateway.certificates.types import verification_issuer

    root = {
        "issuer": "Kentbilim Urban Governance Academy",
        "issuerNames": {"en": "Kentbilim Urban Governance Academy", "kk": "Kentbilim қалалық басқару академиясы"},
    }
    assert verification_issuer(root, lang) == expected
    assert verification_issuer({"issuer": None, "issuerNames": {}}, "kk") is None
