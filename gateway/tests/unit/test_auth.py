"""Identity at the gateway: every token failure is UNAUTHENTICATED, with a reason a person can act on."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.support.graphql import error_codes as codes

from .fakes import SECRET, Harness, make_harness

VIEWER = "{ viewer { id name roles org municipality locale } }"


async def test_a_valid_token_gives_the_viewer(gw: Harness, tok: Any) -> None:
    body = await gw.gql(VIEWER, tok("u1", ["learner", "trainer"], org="AZ", municipality="Baku", locale="az"))
    assert body["data"]["viewer"] == {
        "id": "u1",
        "name": "Rəşad Əliyev",
        "roles": ["LEARNER", "TRAINER"],
        "org": "AZ",
        "municipality": "Baku",
        "locale": "az",
    }


def _hmac_token(claims: dict[str, Any], key: bytes) -> str:
    """HS256 by hand: PyJWT itself refuses to use a PEM public key as an HMAC secret."""
    import hashlib
    import hmac

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def _unsigned(claims: dict[str, Any]) -> str:
    def b64(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: jwt.encode({"sub": "u1", "exp": time.time() + 60}, "wrong-secret-" * 4, "HS256"), "invalid"),
        (lambda: _unsigned({"sub": "u1", "roles": ["admin"], "exp": time.time() + 60}), "not accepted"),
        (lambda: jwt.encode({"sub": "u1", "exp": time.time() - 120}, SECRET, "HS256"), "expired"),
        (lambda: "not.a.jwt", "malformed"),
        (lambda: jwt.encode({"sub": "u1"}, SECRET, "HS256"), "invalid"),  # no exp
    ],
    ids=["bad-signature", "alg-none", "expired", "garbage", "no-expiry"],
)
async def test_bad_tokens_are_refused(gw: Harness, make: Any, reason: str) -> None:
    body = await gw.gql("{ myEnrollments { id } }", make())
    assert codes(body) == {"UNAUTHENTICATED"}
    assert reason in body["errors"][0]["message"]
    assert gw.upstream_requests() == 0


async def test_wrong_issuer_and_audience_are_refused(tok: Any) -> None:
    h = make_harness(jwt_issuer="https://id.kentbilim.example", jwt_audience="kentbilim")
    try:
        good = {"sub": "u1", "exp": time.time() + 60, "iss": "https://id.kentbilim.example", "aud": "kentbilim"}
        assert (await h.gql(VIEWER, jwt.encode(good, SECRET, "HS256")))["data"]["viewer"]["id"] == "u1"
        wrong_iss = jwt.encode({**good, "iss": "https://evil.example"}, SECRET, "HS256")
        body = await h.gql(VIEWER, wrong_iss)
        assert codes(body) == {"UNAUTHENTICATED"} and "identity provider" in body["errors"][0]["message"]
        wrong_aud = jwt.encode({**good, "aud": "another-app"}, SECRET, "HS256")
        body = await h.gql(VIEWER, wrong_aud)
        assert codes(body) == {"UNAUTHENTICATED"} and "not issued for this application" in body["errors"][0]["message"]
    finally:
        await h.aclose()


async def test_no_token_on_a_private_field_is_unauthenticated(gw: Harness) -> None:
    for query in ("{ myEnrollments { id } }", "{ myCertificates { id } }", "{ viewer { id } }"):
        body = await gw.gql(query)
        assert codes(body) == {"UNAUTHENTICATED"}, query
    assert gw.upstream_requests() == 0


async def test_a_malformed_authorization_header_is_explained(gw: Harness) -> None:
    body = await gw.gql("{ viewer { id } }", headers={"Authorization": "Basic dTpw"})
    assert codes(body) == {"UNAUTHENTICATED"}
    assert "Bearer" in body["errors"][0]["message"]


async def test_a_learner_cannot_create_a_course_and_nothing_reaches_the_service(gw: Harness, tok: Any) -> None:
    body = await gw.gql(
        'mutation { createCourse(input: {slug: "x", titles: [{lang: "az", text: "x"}], defaultLanguage: "az"})'
        " { id } }",
        tok("u1", ["learner"]),
    )
    assert codes(body) == {"FORBIDDEN"}
    assert "trainer" in body["errors"][0]["message"]
    assert gw.upstream_requests() == 0


async def test_admin_only_fields_refuse_trainers(gw: Harness, tok: Any) -> None:
    body = await gw.gql("{ bulkIssueJobs { id } }", tok("t1", ["trainer"]))
    assert codes(body) == {"FORBIDDEN"}
    body = await gw.gql('mutation { revokeCertificate(id: "c1", reason: "fraud") { id } }', tok("t1", ["trainer"]))
    assert codes(body) == {"FORBIDDEN"}
    assert gw.upstream_requests() == 0


async def test_a_services_forbidden_passes_through_with_its_message(gw: Harness, tok: Any) -> None:
    gw.courses.post("/v1/courses/c1/modules").respond(
        403, json={"error": {"code": "FORBIDDEN", "message": "Only the course's trainers can change it."}}
    )
    body = await gw.gql(
        'mutation { addModule(courseId: "c1", input: {titles: [{lang: "az", text: "x"}]}) { id } }',
        tok("t2", ["trainer"]),
    )
    assert codes(body) == {"FORBIDDEN"}
    assert body["errors"][0]["message"] == "Only the course's trainers can change it."
    assert gw.courses.calls[0].request.headers["authorization"].startswith("Bearer ")


async def test_verify_certificate_is_public(gw: Harness) -> None:
    gw.certificates.get("/v1/verify/ABCD-2345").respond(
        json={"code": "ABCD-2345", "valid": True, "status": "VALID", "learnerName": "Rəşad Əliyev"}
    )
    body = await gw.gql('{ verifyCertificate(code: "ABCD-2345") { valid status learnerName } }')
    assert body == {"data": {"verifyCertificate": {"valid": True, "status": "VALID", "learnerName": "Rəşad Əliyev"}}}
    assert "authorization" not in gw.certificates.calls[0].request.headers


# --- JWKS (production identity providers) --------------------------------------------------------


class _JwksServer:
    """A tiny local JWKS endpoint whose key set a test can rotate."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _jwk(private_key: Any, kid: str, alg: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(private_key.public_key()))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture
def jwks() -> Iterator[_JwksServer]:
    server = _JwksServer()
    yield server
    server.close()


def _claims(**extra: Any) -> dict[str, Any]:
    return {
        "sub": "oidc-user",
        "name": "Aygün Məmmədova",
        "roles": ["trainer"],
        "exp": int(time.time()) + 300,
        "iss": "https://keycloak.example/realms/lms",
        "aud": "kentbilim",
        **extra,
    }


async def test_rs256_and_es256_tokens_verify_against_the_jwks_and_keys_rotate(jwks: _JwksServer) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwks.keys = [_jwk(rsa_key, "rsa-1", "RS256"), _jwk(ec_key, "ec-1", "ES256")]
    h = make_harness(
        jwt_secret="",
        jwt_jwks_url=jwks.url,
        env="production",
        jwt_issuer="https://keycloak.example/realms/lms",
        jwt_audience="kentbilim",
    )
    try:
        rs = jwt.encode(_claims(), rsa_key, "RS256", headers={"kid": "rsa-1"})
        es = jwt.encode(_claims(), ec_key, "ES256", headers={"kid": "ec-1"})
        assert (await h.gql(VIEWER, rs))["data"]["viewer"]["name"] == "Aygün Məmmədova"
        assert (await h.gql(VIEWER, es))["data"]["viewer"]["roles"] == ["TRAINER"]
        fetches_before = jwks.fetches

        # The provider rotates: a new key appears; a token signed with it is accepted without a restart.
        # PyJWT refetches for an unknown kid at most once per cooldown (30 s by default, a guard against
        # floods of made-up kids); shorten it so the test need not wait.
        jwks_client: Any = h.state.verifier._jwks
        jwks_client.cooldown_duration = 0.3
        time.sleep(0.35)
        new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwks.keys = [_jwk(new_key, "rsa-2", "RS256"), *jwks.keys]
        rotated = jwt.encode(_claims(), new_key, "RS256", headers={"kid": "rsa-2"})
        assert (await h.gql(VIEWER, rotated))["data"]["viewer"]["id"] == "oidc-user"
        assert jwks.fetches > fetches_before, "the unknown kid should have triggered a JWKS refetch"

        # Cached: verifying again with known keys does not refetch.
        fetches = jwks.fetches
        assert (await h.gql(VIEWER, rs))["data"]["viewer"]["id"] == "oidc-user"
        assert jwks.fetches == fetches

        # A key the provider never published, HS256 with no secret configured, and a wrong audience.
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = jwt.encode(_claims(), stranger, "RS256", headers={"kid": "rsa-1"})
        assert codes(await h.gql(VIEWER, forged)) == {"UNAUTHENTICATED"}
        unknown_kid = jwt.encode(_claims(), stranger, "RS256", headers={"kid": "nobody"})
        assert codes(await h.gql(VIEWER, unknown_kid)) == {"UNAUTHENTICATED"}
        hs = jwt.encode(_claims(), "guess-" * 8, "HS256")
        assert codes(await h.gql(VIEWER, hs)) == {"UNAUTHENTICATED"}
        wrong_aud = jwt.encode(_claims(aud="other"), rsa_key, "RS256", headers={"kid": "rsa-1"})
        assert codes(await h.gql(VIEWER, wrong_aud)) == {"UNAUTHENTICATED"}
        # alg=none, and algorithm confusion (the RSA public key used as an HMAC secret).
        assert codes(await h.gql(VIEWER, _unsigned(_claims()))) == {"UNAUTHENTICATED"}
        public_pem = rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        confused = _hmac_token(_claims(), public_pem)
        assert codes(await h.gql(VIEWER, confused)) == {"UNAUTHENTICATED"}
    finally:
        await h.aclose()
