"""Production sign-in end to end: authorization code + PKCE against an identity provider.

This module runs its own stack in production mode (``LMS_ENV=production``): the gateway *and every
service* verify RS256 tokens against the test provider's JWKS, with its issuer and the client id as
audience, and no HS256 development secret at all. The web client is the one the gateway serves; the
provider is :mod:`tests.browser.fake_oidc`, which really checks the PKCE verifier
(``test_fake_oidc.py`` proves it refuses a wrong one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.browser.csp_support import inject_axe, settled, watch_csp
from tests.browser.fake_oidc import FakeOidcProvider, IdpUser, running_provider
from tests.browser.support import assert_accessible, screenshot, uid
from tests.support.graphql import SyncGraphQLClient

CLIENT_ID = "kentbilim-web"
SCOPES = "openid profile email"
ROLES = ("courses", "progress", "certificates", "gateway")
USER = IdpUser(
    sub=f"oidc-{uid('u')}",
    name="Gülnara Sadıqova",
    roles=["trainer", "learner"],
    org="AZ",
    municipality="Sumqayıt",
    locale="en",
    email="gulnara@example.org",
)


def _issuer_key_pem() -> str:
    # Production never generates the certificate issuer key itself; it must be given one.
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeOidcProvider]:
    # The redirect URI is registered once the production gateway's port is known (see prod_gateway).
    with running_provider(FakeOidcProvider(CLIENT_ID, redirect_uri="", user=USER)) as provider:
        yield provider


@pytest.fixture(scope="module")
def prod_stack(idp: FakeOidcProvider, web_client: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A separate stack in production mode behind the test provider (courses, progress, certificates, gateway)."""
    from lms_local import Stack

    overrides = {
        "LMS_ENV": "production",
        "LMS_LOG_JSON": "true",
        # Empty: no HS256 secret anywhere, so only the provider's RS256 tokens can be accepted.
        "LMS_JWT_SECRET": "",
        "LMS_JWT_JWKS_URL": f"{idp.issuer}/jwks",
        "LMS_JWT_ISSUER": idp.issuer,
        "LMS_JWT_AUDIENCE": CLIENT_ID,
        "LMS_JWT_ALGORITHMS": "RS256",
        "LMS_OIDC_ISSUER": idp.issuer,
        "LMS_OIDC_CLIENT_ID": CLIENT_ID,
        "LMS_OIDC_SCOPES": SCOPES,
        "LMS_ISSUER_PRIVATE_KEY": _issuer_key_pem(),
    }
    stack = Stack(tmp_path_factory.mktemp("lms-oidc-stack"), ports=None, env_overrides=overrides)
    url = stack.env["LMS_PUBLIC_URL"].rstrip("/")
    idp.redirect_uri = f"{url}/auth/callback"
    try:
        stack.start_infra()
        stack.migrate()
        for role in ROLES:
            stack.start_role(role)
        stack.wait_healthy(timeout=120)
        env = stack.env
        assert env["LMS_ENV"] == "production" and env["LMS_JWT_SECRET"] == "", "the roles must run as in production"
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def prod_gateway(prod_stack: Any) -> str:
    """The production gateway's URL."""
    url: str = prod_stack.env["LMS_PUBLIC_URL"].rstrip("/")
    return url


def _graphql(url: str, query: str, token: str | None) -> dict[str, Any]:
    """The whole answer (data and errors): these tests look at refusals."""
    return SyncGraphQLClient(url, token, timeout=20).raw(query)


def test_production_gateway_offers_oidc_and_no_demo_tokens(
    prod_stack: Any, prod_gateway: str, idp: FakeOidcProvider
) -> None:
    response = httpx.get(f"{prod_gateway}/auth/config", timeout=10)
    assert response.json() == {"mode": "oidc", "issuer": idp.issuer, "clientId": CLIENT_ID, "scopes": SCOPES}
    # The client fetches the provider's documents from the browser: the policy names its origin.
    connect_src = next(
        d.split()[1:] for d in response.headers["content-security-policy"].split(";") if d.split()[0] == "connect-src"
    )
    assert idp.issuer in connect_src, connect_src  # the issuer is an origin here (http://127.0.0.1:port)
    assert "strict-transport-security" not in response.headers, "no HSTS on a plain-http origin"
    demo = httpx.post(
        f"{prod_gateway}/auth/dev-token", json={"sub": "x", "name": "Mallory", "roles": ["admin"]}, timeout=10
    )
    assert demo.status_code == 404
    # A token signed with the development secret the launcher keeps in the data folder, with plausible
    # claims, is refused: production never falls back to that secret.
    dev_secret = prod_stack.secrets["LMS_JWT_SECRET"]
    assert dev_secret, "the launcher keeps a development secret in secrets.json"
    forged = jwt.encode(
        {"sub": "x", "name": "Mallory", "roles": ["admin"], "iss": idp.issuer, "aud": CLIENT_ID, "exp": 4_000_000_000},
        dev_secret,
        algorithm="HS256",
    )
    for token in (forged, "not-a-jwt"):
        refused = _graphql(prod_gateway, "{ viewer { id } }", token)
        assert refused.get("errors"), refused
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_sign_in_with_pkce_create_a_course_and_sign_out(browser: Any, prod_gateway: str, idp: FakeOidcProvider) -> None:
    context = browser.new_context(base_url=prod_gateway, viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script("localStorage.setItem('kentbilim.lang', 'en');")
    page = context.new_page()
    page.set_default_timeout(20_000)
    js_errors: list[str] = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    # The production CSP must let the client reach the identity provider (discovery, token exchange).
    csp_violations = watch_csp(context)
    before = len(idp.token_requests)
    try:
        # A protected page sends an anonymous visitor to sign in: the organisation's provider, no demo users.
        page.goto("/teach")
        page.get_by_role("heading", level=1, name="Sign in").wait_for()
        oidc_button = page.get_by_role("button", name="Sign in with your organisation")
        oidc_button.wait_for()
        assert page.get_by_text("Demo users").count() == 0
        assert page.get_by_label("Full name").count() == 0
        assert page.get_by_role("button", name="Aygün Məmmədova").count() == 0
        screenshot(page, "oidc-01-signin-page")
        inject_axe(page)
        assert_accessible(page, "the OIDC sign-in page")

        # To the provider, with a PKCE challenge; approve; back through /auth/callback to /teach.
        oidc_button.click()
        page.wait_for_url(f"{idp.issuer}/authorize?**")
        page.get_by_role("heading", name="Test identity provider").wait_for()
        screenshot(page, "oidc-02-identity-provider")
        authorize = idp.authorize_requests[-1]
        assert authorize["response_type"] == "code"
        assert authorize["code_challenge_method"] == "S256"
        assert authorize["redirect_uri"] == f"{prod_gateway}/auth/callback"
        assert set(authorize["scope"].split()) == set(SCOPES.split())
        page.get_by_role("button", name="Approve").click()
        page.get_by_role("heading", level=1, name="My courses").wait_for()
        assert page.url == f"{prod_gateway}/teach", "the callback must return where the user wanted to go"
        page.get_by_text(USER.name).first.wait_for()
        # The trainer's course list is read with the new token: it loads, with no error.
        page.locator("p.loading").wait_for(state="detached")
        assert page.get_by_role("alert").count() == 0
        screenshot(page, "oidc-03-signed-in-teaching")

        # The token exchange carried a verifier whose S256 hash matched, and returned a code exactly once.
        exchanges = idp.token_requests[before:]
        assert len(exchanges) == 1, exchanges
        exchange = exchanges[0]
        assert exchange.status == 200, exchange.error
        assert exchange.code_challenge_method == "S256"
        assert 43 <= len(exchange.form["code_verifier"]) <= 128
        assert exchange.form["client_id"] == CLIENT_ID
        assert exchange.form["redirect_uri"] == f"{prod_gateway}/auth/callback"

        # The bearer the client keeps (tab-scoped) is the provider's RS256 access token, not the id_token.
        stored = page.evaluate("sessionStorage.getItem('kentbilim.token')")
        assert stored == idp.issued_access_tokens[-1]
        assert page.evaluate("localStorage.getItem('kentbilim.token')") is None
        assert jwt.get_unverified_header(stored)["alg"] == "RS256"
        assert "code=" not in page.url and "state=" not in page.url

        # A real authenticated write: the gateway and the courses service both verify the RS256 token.
        title = f"Street lighting audits {uid('c')}"
        page.get_by_role("link", name="New course").click()
        page.get_by_label("Title · English").fill(title)
        page.get_by_label("Summary · English").fill("How a municipality measures and cuts lighting costs.")
        page.get_by_role("button", name="Create the course").click()
        page.get_by_role("heading", level=1, name=title).wait_for()
        screenshot(page, "oidc-04-course-created")
        viewer = _graphql(prod_gateway, "{ viewer { id name roles org municipality } }", stored)
        assert _same_viewer(viewer), viewer

        # A learner page, read through the progress service with the same token.
        page.get_by_role("link", name="My learning").click()
        page.get_by_role("heading", level=1, name="My learning").wait_for()
        assert page.get_by_role("alert").count() == 0
        screenshot(page, "oidc-05-my-learning")

        # Sign out: the token and the library's stored user are gone; protected pages ask again.
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("link", name="Sign in").wait_for()
        keys = page.evaluate("Object.keys(sessionStorage)")
        assert "kentbilim.token" not in keys
        assert not [k for k in keys if k.startswith("oidc.user:")], keys
        page.goto("/teach")
        page.get_by_role("button", name="Sign in with your organisation").wait_for()
        screenshot(page, "oidc-06-signed-out")
        assert not js_errors, js_errors
        assert settled(page, csp_violations) == [], csp_violations
    finally:
        context.close()


def _same_viewer(body: dict[str, Any]) -> bool:
    """The viewer matches the provider's claims, whatever order the roles come in."""
    viewer = (body.get("data") or {}).get("viewer") or {}
    return (
        viewer.get("id") == USER.sub
        and viewer.get("name") == USER.name
        and sorted(viewer.get("roles", [])) == ["LEARNER", "TRAINER"]
        and viewer.get("org") == USER.org
        and viewer.get("municipality") == USER.municipality
    )


def test_a_replayed_callback_does_not_sign_in_again(browser: Any, prod_gateway: str, idp: FakeOidcProvider) -> None:
    """Opening the same /auth/callback URL (code and state) a second time is refused by the client.

    The client keeps each sign-in's state (and PKCE verifier) for one use only: a replayed or leaked
    callback URL finds no state, so it is refused before anything is sent to the provider.
    """
    context = browser.new_context(base_url=prod_gateway, locale="en-GB")
    context.add_init_script("localStorage.setItem('kentbilim.lang', 'en');")
    page = context.new_page()
    page.set_default_timeout(20_000)
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/auth/callback?" in r.url else None)
    try:
        page.goto("/learning")
        page.get_by_role("button", name="Sign in with your organisation").click()
        page.get_by_role("button", name="Approve").click()
        page.get_by_role("heading", level=1, name="My learning").wait_for()
        assert len(callbacks) == 1, callbacks
        exchanges = len(idp.token_requests)

        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("link", name="Sign in").wait_for()
        page.goto(callbacks[0])
        page.get_by_role("link", name="Try to sign in again").wait_for()
        assert page.get_by_role("alert").inner_text().startswith("Sign-in did not complete.")
        screenshot(page, "oidc-07-replayed-callback")
        assert page.evaluate("sessionStorage.getItem('kentbilim.token')") is None
        assert len(idp.token_requests) == exchanges, "the replayed code must not even reach the provider"
    finally:
        context.close()


def test_refusing_at_the_provider_leaves_the_user_signed_out(
    browser: Any, prod_gateway: str, idp: FakeOidcProvider
) -> None:
    """The user presses Deny: the client says sign-in did not complete and keeps no token."""
    context = browser.new_context(base_url=prod_gateway, locale="en-GB")
    context.add_init_script("localStorage.setItem('kentbilim.lang', 'en');")
    page = context.new_page()
    page.set_default_timeout(20_000)
    exchanges = len(idp.token_requests)
    try:
        page.goto("/signin")
        page.get_by_role("button", name="Sign in with your organisation").click()
        page.get_by_role("button", name="Deny").click()
        page.get_by_role("link", name="Try to sign in again").wait_for()
        alert = page.get_by_role("alert").inner_text()
        assert alert.startswith("Sign-in did not complete.") and "access_denied" in alert, alert
        assert page.evaluate("sessionStorage.getItem('kentbilim.token')") is None
        assert page.get_by_role("link", name="Sign in", exact=True).count() == 1
        assert len(idp.token_requests) == exchanges
        screenshot(page, "oidc-08-refused-at-provider")
        inject_axe(page)
        assert_accessible(page, "the failed sign-in page")
    finally:
        context.close()


def test_silent_renewal_a_second_tab_and_end_session(browser: Any, prod_gateway: str, idp: FakeOidcProvider) -> None:
    """Issue 18, item 9 with the identity provider.

    - Silent renewal: a minute before the access token expires, the client trades its refresh token
      for a new one (no page load, no prompt), and the new token is the one it sends.
    - A second tab is signed in (the open tab hands over the session), in the profile language (az).
    - Sign-out ends the provider's session too (RP-initiated logout at end_session_endpoint, with the
      id_token as hint) and signs out every tab.
    """
    from dataclasses import replace

    idp.token_ttl, idp.user = 75, replace(USER, locale="az")  # the renewal is due 15 s after sign-in
    context = browser.new_context(base_url=prod_gateway, viewport={"width": 1280, "height": 900}, locale="en-GB")
    csp_violations = watch_csp(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    js_errors: list[str] = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    try:
        page.goto("/learning")
        page.get_by_role("button", name="Sign in with your organisation").click()
        page.get_by_role("button", name="Approve").click()
        page.get_by_role("heading", level=1, name="Təhsilim").wait_for()
        first_token = page.evaluate("sessionStorage.getItem('kentbilim.token')")
        assert first_token == idp.issued_access_tokens[-1]
        renewals_before = [r for r in idp.token_requests if r.form["grant_type"] == "refresh_token"]

        # Silent renewal, before expiry, with the refresh token.
        page.wait_for_function("t => sessionStorage.getItem('kentbilim.token') !== t", arg=first_token, timeout=40_000)
        renewals = [r for r in idp.token_requests if r.form["grant_type"] == "refresh_token"][len(renewals_before) :]
        assert len(renewals) >= 1 and renewals[0].status == 200, renewals
        renewed = page.evaluate("sessionStorage.getItem('kentbilim.token')")
        assert renewed in idp.issued_access_tokens and renewed != first_token
        assert (
            jwt.decode(renewed, options={"verify_signature": False})["exp"]
            > jwt.decode(first_token, options={"verify_signature": False})["exp"]
        )
        assert _graphql(prod_gateway, "{ viewer { id } }", renewed)["data"]["viewer"]["id"] == USER.sub
        assert page.evaluate("Object.values(localStorage).join(' ')").find(renewed) == -1

        # A second tab: signed in with the same session, in Azerbaijani from the first paint.
        second = context.new_page()
        second.set_default_timeout(20_000)
        second.goto("/certificates")
        second.get_by_role("heading", level=1, name="Sertifikatlarım").wait_for()
        assert second.evaluate("sessionStorage.getItem('kentbilim.token')") == renewed
        assert [k for k in second.evaluate("Object.keys(sessionStorage)") if k.startswith("oidc.user:")]
        screenshot(second, "oidc-09-second-tab-az")

        # Sign out in the second tab: to the provider's end-session endpoint and back; both tabs signed out.
        ends = len(idp.end_session_requests)
        second.get_by_role("button", name="Çıxış").click()
        second.wait_for_url(f"{prod_gateway}/**")
        second.get_by_role("link", name="Daxil ol").wait_for()
        assert len(idp.end_session_requests) == ends + 1
        end = idp.end_session_requests[-1]
        assert end["post_logout_redirect_uri"] == f"{prod_gateway}/"
        assert jwt.decode(end["id_token_hint"], options={"verify_signature": False})["sub"] == USER.sub
        page.get_by_role("link", name="Daxil ol").wait_for()
        for tab in (page, second):
            keys = tab.evaluate("Object.keys(sessionStorage)")
            assert "kentbilim.token" not in keys and not [k for k in keys if k.startswith("oidc.user:")], keys
        second.goto("/learning")
        second.get_by_role("button", name="Təşkilat hesabı ilə daxil ol").wait_for()
        screenshot(second, "oidc-10-signed-out-everywhere")
        assert not js_errors, js_errors
        assert settled(page, csp_violations) == [], csp_violations
    finally:
        idp.token_ttl, idp.user = 900, USER
        context.close()
