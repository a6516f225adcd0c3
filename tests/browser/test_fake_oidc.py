"""The test identity provider itself: it must refuse what a real provider refuses.

The browser sign-in test only proves PKCE if the provider really checks the code verifier; these
tests show it does (wrong, missing and replayed verifiers, other redirect URIs and clients are
refused), and that the tokens it signs pass the suite's own verifier in production configuration.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from lms_shared.auth import Role, TokenVerifier
from lms_shared.errors import Unauthenticated
from lms_shared.settings import Settings
from tests.browser.fake_oidc import FakeOidcProvider, IdpUser, running_provider, s256_challenge

CLIENT_ID = "kentbilim-web"
REDIRECT_URI = "http://127.0.0.1:9/auth/callback"


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeOidcProvider]:
    user = IdpUser("oidc-user-1", "Nurlan Əsədov", ["trainer"], "AZ", "Sumqayıt", "az")
    with running_provider(FakeOidcProvider(CLIENT_ID, REDIRECT_URI, user)) as provider:
        yield provider


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, s256_challenge(verifier)


def _authorize(idp: FakeOidcProvider, challenge: str, **overrides: str) -> httpx.Response:
    form = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid profile",
        "state": "st-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "decision": "approve",
        **overrides,
    }
    return httpx.post(f"{idp.issuer}/authorize", data=form, follow_redirects=False, timeout=10)


def _code(idp: FakeOidcProvider, challenge: str) -> str:
    r = _authorize(idp, challenge)
    assert r.status_code == 303, r.text
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["state"] == ["st-123"]
    return query["code"][0]


def _token(idp: FakeOidcProvider, code: str, verifier: str, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "code_verifier": verifier,
        **overrides,
    }
    return httpx.post(f"{idp.issuer}/token", data=form, timeout=10)


def test_s256_matches_rfc7636_appendix_b() -> None:
    assert (
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    digest = hashlib.sha256(b"x" * 43).digest()
    assert s256_challenge("x" * 43) == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_right_verifier_gets_rs256_tokens_the_suite_accepts(idp: FakeOidcProvider) -> None:
    verifier, challenge = _pkce()
    r = _token(idp, _code(idp, challenge), verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert jwt.get_unverified_header(body["access_token"]) == {"alg": "RS256", "kid": idp.kid, "typ": "JWT"}
    settings = Settings(
        env="production",
        jwt_secret="",
        jwt_jwks_url=f"{idp.issuer}/jwks",
        jwt_issuer=idp.issuer,
        jwt_audience=CLIENT_ID,
        jwt_algorithms="RS256",
    )
    principal = await TokenVerifier(settings).verify(body["access_token"])
    assert (principal.sub, principal.name, principal.roles) == (
        "oidc-user-1",
        "Nurlan Əsədov",
        frozenset({Role.TRAINER}),
    )
    assert (principal.org, principal.municipality, principal.locale) == ("AZ", "Sumqayıt", "az")
    id_claims = jwt.decode(
        body["id_token"], idp.private_key.public_key(), algorithms=["RS256"], audience=CLIENT_ID, issuer=idp.issuer
    )
    assert id_claims["sub"] == "oidc-user-1"


def test_wrong_verifier_is_refused_and_burns_the_code(idp: FakeOidcProvider) -> None:
    verifier, challenge = _pkce()
    code = _code(idp, challenge)
    wrong = _token(idp, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier does not match the code_challenge (S256)",
    }
    # The right verifier is too late now: one exchange attempt per code.
    late = _token(idp, code, verifier)
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"


def test_the_challenge_itself_is_not_a_valid_verifier(idp: FakeOidcProvider) -> None:
    # What a client that forgot to hash (or sent "plain") would send.
    _verifier, challenge = _pkce()
    r = _token(idp, _code(idp, challenge), challenge)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


def test_missing_or_malformed_verifier_is_refused(idp: FakeOidcProvider) -> None:
    verifier, challenge = _pkce()
    missing = _token(idp, _code(idp, challenge), "")
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    short = _token(idp, _code(idp, challenge), verifier[:42])
    assert (short.status_code, short.json()["error"]) == (400, "invalid_request")


def test_a_code_is_good_once(idp: FakeOidcProvider) -> None:
    verifier, challenge = _pkce()
    code = _code(idp, challenge)
    assert _token(idp, code, verifier).status_code == 200
    again = _token(idp, code, verifier)
    assert again.status_code == 400
    assert again.json()["error_description"] == "unknown, expired or already used authorization code"


def test_redirect_uri_and_client_must_match_the_authorization(idp: FakeOidcProvider) -> None:
    verifier, challenge = _pkce()
    other_uri = _token(idp, _code(idp, challenge), verifier, redirect_uri="http://127.0.0.1:9/elsewhere")
    assert (other_uri.status_code, other_uri.json()["error"]) == (400, "invalid_grant")
    other_client = _token(idp, _code(idp, challenge), verifier, client_id="someone-else")
    assert (other_client.status_code, other_client.json()["error"]) == (401, "invalid_client")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"code_challenge_method": "plain"}, "code_challenge_method must be S256"),
        ({"code_challenge": ""}, "code_challenge must be"),
        ({"redirect_uri": "https://evil.example/cb"}, "is not registered"),
        ({"client_id": "someone-else"}, "unknown client_id"),
        ({"response_type": "token"}, "response_type must be code"),
    ],
)
def test_authorize_refuses_bad_requests_without_redirecting(
    idp: FakeOidcProvider, overrides: dict[str, str], reason: str
) -> None:
    _verifier, challenge = _pkce()
    r = _authorize(idp, challenge, **overrides)
    assert r.status_code == 400
    assert reason in r.text
    assert "location" not in r.headers


def test_denied_sign_in_returns_access_denied_and_no_code(idp: FakeOidcProvider) -> None:
    _verifier, challenge = _pkce()
    r = _authorize(idp, challenge, decision="deny")
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query == {"error": ["access_denied"], "state": ["st-123"]}


async def test_token_from_another_key_is_refused_by_the_suite(idp: FakeOidcProvider) -> None:
    # Same kid, claims and algorithm, but signed by a key the provider never published.
    forged = jwt.encode(
        {"sub": "x", "iss": idp.issuer, "aud": CLIENT_ID, "exp": 4_000_000_000, "roles": ["admin"]},
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers={"kid": idp.kid},
    )
    settings = Settings(
        env="production",
        jwt_secret="",
        jwt_jwks_url=f"{idp.issuer}/jwks",
        jwt_issuer=idp.issuer,
        jwt_audience=CLIENT_ID,
    )
    with pytest.raises(Unauthenticated):
        await TokenVerifier(settings).verify(forged)
