"""A small, strict OpenID Connect provider for the browser tests (never for production).

It does what the web client's production sign-in needs and checks what a real provider checks, so a
test that signs in through it proves the client does authorization code + PKCE correctly:

- ``GET /.well-known/openid-configuration``: discovery (authorization, token and JWKS endpoints; ``S256``
  as the only code challenge method).
- ``GET /authorize``: validates the client, the registered redirect URI, ``response_type=code`` and a
  ``code_challenge`` with method ``S256`` (plain and missing challenges are refused), then shows a tiny
  sign-in form for the configured test user. ``POST /authorize`` issues a one-time code and redirects
  back with ``code`` and ``state``.
- ``POST /token``: exchanges a code once. It verifies ``client_id``, that ``redirect_uri`` equals the one
  the code was issued for, and that ``BASE64URL(SHA256(code_verifier))`` equals the stored challenge.
  Any attempt consumes the code, so a wrong verifier cannot be retried against the same code.
- ``GET /jwks``: the public half of an RSA key generated at start-up; tokens are RS256 with its ``kid``.
- ``POST /token`` with ``grant_type=refresh_token``: every code exchange also returns a refresh token,
  good for one use (rotation); the access tokens live :attr:`FakeOidcProvider.token_ttl` seconds, which
  a test may shorten to see silent renewal happen.
- ``GET /logout``: the ``end_session_endpoint`` (RP-initiated logout): checks that ``id_token_hint`` is
  one of its own id_tokens and ``post_logout_redirect_uri`` is the client's origin + ``/``, records the
  call in :attr:`FakeOidcProvider.end_session_requests` and redirects there.

Every token request is recorded in :attr:`FakeOidcProvider.token_requests` for the tests to inspect.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

CODE_TTL_SECONDS = 60
TOKEN_TTL_SECONDS = 900
# RFC 7636 section 4.1: 43 to 128 characters from the unreserved set.
VERIFIER_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def s256_challenge(verifier: str) -> str:
    """The PKCE ``S256`` code challenge of ``verifier`` (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class IdpUser:
    """The identity the provider vouches for; the claims go into both tokens."""

    sub: str
    name: str
    roles: list[str]
    org: str
    municipality: str
    locale: str
    email: str = ""


@dataclass(frozen=True)
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    code_challenge_method: str
    scope: str
    nonce: str | None
    user: IdpUser
    expires_at: float


@dataclass(frozen=True)
class TokenRequest:
    """One call of ``/token`` as the provider saw it, and how it answered."""

    form: dict[str, str]
    code_challenge_method: str | None
    """The method of the challenge stored with the code (None when the code was unknown)."""
    status: int
    error: str | None


@dataclass
class FakeOidcProvider:
    """State of the test provider: its key, its one registered client, its user and issued codes."""

    client_id: str
    redirect_uri: str
    user: IdpUser
    issuer: str = ""
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    token_requests: list[TokenRequest] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    issued_access_tokens: list[str] = field(default_factory=list)
    end_session_requests: list[dict[str, str]] = field(default_factory=list)
    token_ttl: int = TOKEN_TTL_SECONDS
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _refresh_tokens: dict[str, _Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def jwks(self) -> dict[str, Any]:
        """The public key set, as ``/jwks`` serves it."""
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def issue_code(self, grant: _Grant) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = grant
        return code

    def take_code(self, code: str) -> _Grant | None:
        """Remove and return the grant of ``code``: a code is good for one exchange attempt only."""
        with self._lock:
            return self._codes.pop(code, None)

    def take_refresh_token(self, token: str) -> _Grant | None:
        """Remove and return the grant of a refresh token: each is good for one use (rotation)."""
        with self._lock:
            return self._refresh_tokens.pop(token, None)

    @property
    def post_logout_redirect_uri(self) -> str:
        """The client's origin + ``/``, where the end-session endpoint may send the browser back."""
        scheme, _, rest = self.redirect_uri.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}/"

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def tokens_for(self, grant: _Grant) -> dict[str, Any]:
        """An RS256 id_token and access_token for the grant's user, audience = the client id."""
        now = int(time.time())
        user = grant.user
        profile = {
            "sub": user.sub,
            "name": user.name,
            "roles": user.roles,
            "org": user.org,
            "municipality": user.municipality,
            "locale": user.locale,
        }
        if user.email:
            profile["email"] = user.email
        base = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + self.token_ttl}
        id_claims = {**base, **profile}
        if grant.nonce:
            id_claims["nonce"] = grant.nonce
        access_claims = {**base, **profile, "scope": grant.scope, "jti": uuid.uuid4().hex, "client_id": self.client_id}
        access_token = self.sign(access_claims)
        self.issued_access_tokens.append(access_token)
        refresh_token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh_tokens[refresh_token] = grant
        return {
            "access_token": access_token,
            "id_token": self.sign(id_claims),
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "scope": grant.scope,
        }


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    # RFC 6749 section 5.2 error body; no-store so a cache never keeps it.
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers={"Cache-Control": "no-store"}
    )


def _authorize_problem(provider: FakeOidcProvider, params: dict[str, str]) -> str | None:
    """Why an authorization request must be refused without redirecting back, or None if it is fine."""
    if params.get("client_id") != provider.client_id:
        return f"unknown client_id {params.get('client_id')!r}"
    if params.get("redirect_uri") != provider.redirect_uri:
        return f"redirect_uri {params.get('redirect_uri')!r} is not registered for this client"
    if params.get("response_type") != "code":
        return "response_type must be code"
    if "openid" not in params.get("scope", "").split():
        return "scope must include openid"
    if params.get("code_challenge_method") != "S256":
        return "code_challenge_method must be S256 (plain is refused)"
    if len(params.get("code_challenge", "")) != 43:
        return "code_challenge must be the 43-character BASE64URL SHA-256 of the code verifier"
    return None


def create_app(provider: FakeOidcProvider, allowed_origin: str = "*") -> FastAPI:
    """The provider's HTTP endpoints over ``provider``'s state."""
    app = FastAPI(title="Test OIDC provider", docs_url=None, redoc_url=None, openapi_url=None)
    # The browser calls discovery and /token from the web client's origin (a public SPA client).
    app.add_middleware(
        CORSMiddleware, allow_origins=[allowed_origin], allow_methods=["GET", "POST"], allow_headers=["*"]
    )

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": provider.issuer,
            "authorization_endpoint": f"{provider.issuer}/authorize",
            "token_endpoint": f"{provider.issuer}/token",
            "jwks_uri": f"{provider.issuer}/jwks",
            "end_session_endpoint": f"{provider.issuer}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "profile", "email"],
        }

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        return provider.jwks()

    @app.get("/authorize", response_class=HTMLResponse)
    async def authorize_form(request: Request) -> Response:
        params = dict(request.query_params)
        provider.authorize_requests.append(params)
        problem = _authorize_problem(provider, params)
        if problem:
            return HTMLResponse(f"<h1>Sign-in refused</h1><p>{html.escape(problem)}</p>", status_code=400)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items()
        )
        user = provider.user
        return HTMLResponse(
            "<!doctype html><html lang='en'><head><title>Test identity provider</title></head><body>"
            "<main><h1>Test identity provider</h1>"
            f"<p>Sign in to <b>{html.escape(provider.client_id)}</b> as {html.escape(user.name)}?</p>"
            f"<form method='post' action='/authorize'>{hidden}"
            "<button type='submit' name='decision' value='approve'>Approve</button> "
            "<button type='submit' name='decision' value='deny'>Deny</button>"
            "</form></main></body></html>"
        )

    @app.post("/authorize")
    async def authorize_decision(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        problem = _authorize_problem(provider, form)
        if problem:
            return HTMLResponse(f"<h1>Sign-in refused</h1><p>{html.escape(problem)}</p>", status_code=400)
        back: dict[str, str] = {}
        if form.get("decision") != "approve":
            back["error"] = "access_denied"
        else:
            back["code"] = provider.issue_code(
                _Grant(
                    client_id=form["client_id"],
                    redirect_uri=form["redirect_uri"],
                    code_challenge=form["code_challenge"],
                    code_challenge_method=form["code_challenge_method"],
                    scope=form.get("scope", "openid"),
                    nonce=form.get("nonce") or None,
                    user=provider.user,
                    expires_at=time.time() + CODE_TTL_SECONDS,
                )
            )
        if "state" in form:
            back["state"] = form["state"]
        return RedirectResponse(f"{form['redirect_uri']}?{urlencode(back)}", status_code=303)

    @app.get("/logout")
    async def end_session(request: Request) -> Response:
        params = dict(request.query_params)
        provider.end_session_requests.append(params)
        try:
            jwt.decode(
                params.get("id_token_hint", ""),
                provider.private_key.public_key(),
                algorithms=["RS256"],
                audience=provider.client_id,
                options={"verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            return HTMLResponse(f"<h1>Sign-out refused</h1><p>bad id_token_hint: {html.escape(str(exc))}</p>", 400)
        back = params.get("post_logout_redirect_uri", "")
        if back != provider.post_logout_redirect_uri:
            return HTMLResponse(f"<h1>Sign-out refused</h1><p>{html.escape(back)} is not registered</p>", 400)
        state = params.get("state")
        return RedirectResponse(f"{back}?{urlencode({'state': state})}" if state else back, status_code=303)

    @app.post("/token")
    async def token(
        grant_type: str = Form(""),
        code: str = Form(""),
        redirect_uri: str = Form(""),
        client_id: str = Form(""),
        code_verifier: str = Form(""),
        refresh_token: str = Form(""),
    ) -> Response:
        form = {
            "grant_type": grant_type,
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": code_verifier,
        }
        if grant_type == "refresh_token":
            form["refresh_token"] = refresh_token
            grant = provider.take_refresh_token(refresh_token) if refresh_token else None
            if client_id != provider.client_id:
                response = _oauth_error(401, "invalid_client", f"unknown client_id {client_id!r}")
            elif grant is None or grant.client_id != client_id:
                response = _oauth_error(400, "invalid_grant", "unknown or already used refresh token")
            else:
                response = JSONResponse(provider.tokens_for(grant), headers={"Cache-Control": "no-store"})
            error = None if response.status_code == 200 else bytes(response.body).decode()
            provider.token_requests.append(TokenRequest(form, None, response.status_code, error))
            return response
        grant = provider.take_code(code) if code else None
        response = _exchange(provider, grant, form)
        error = None if response.status_code == 200 else bytes(response.body).decode()
        method = grant.code_challenge_method if grant else None
        provider.token_requests.append(TokenRequest(form, method, response.status_code, error))
        return response

    return app


def _exchange(provider: FakeOidcProvider, grant: _Grant | None, form: dict[str, str]) -> JSONResponse:
    """Check a code exchange the way RFC 6749 section 4.1.3 and RFC 7636 section 4.6 require."""
    if form["grant_type"] != "authorization_code":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be authorization_code")
    if form["client_id"] != provider.client_id:
        return _oauth_error(401, "invalid_client", f"unknown client_id {form['client_id']!r}")
    if grant is None:
        return _oauth_error(400, "invalid_grant", "unknown, expired or already used authorization code")
    if grant.expires_at < time.time():
        return _oauth_error(400, "invalid_grant", "the authorization code has expired")
    if grant.client_id != form["client_id"]:
        return _oauth_error(400, "invalid_grant", "the code was issued to another client")
    if grant.redirect_uri != form["redirect_uri"]:
        return _oauth_error(400, "invalid_grant", "redirect_uri differs from the authorization request")
    verifier = form["code_verifier"]
    if not verifier:
        return _oauth_error(400, "invalid_request", "code_verifier is required (PKCE)")
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= VERIFIER_ALPHABET:
        return _oauth_error(400, "invalid_request", "code_verifier must be 43-128 unreserved characters")
    if not secrets.compare_digest(s256_challenge(verifier), grant.code_challenge):
        return _oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge (S256)")
    return JSONResponse(provider.tokens_for(grant), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@contextmanager
def running_provider(provider: FakeOidcProvider, allowed_origin: str = "*") -> Iterator[FakeOidcProvider]:
    """Serve ``provider`` on a random loopback port in a background thread; sets its ``issuer``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    provider.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(create_app(provider, allowed_origin), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="fake-oidc", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test OIDC provider did not start within 10 s")
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
