"""Sign-in support for the web client: how to sign in, and demo tokens outside production.

``GET /auth/config`` tells the client which sign-in to use: ``oidc`` (authorization code with PKCE
against ``LMS_OIDC_ISSUER``) when an issuer is configured, else ``development`` (the demo sign-in page).

``POST /auth/dev-token`` mints an HS256 token for a demo user, signed with the development secret the
whole suite verifies (``LMS_JWT_SECRET``, or the launcher's secret in the data folder). It exists so a
developer or a browser test can act as a learner, trainer or admin without an identity provider. It
must never be reachable in production: there it answers 404, exactly like a route that does not exist,
and it also refuses whenever an OIDC issuer is configured, so a mis-set ``LMS_ENV`` alone cannot open it.
Outside production it is still fail-closed: it answers only a caller on this machine (a loopback
client address, no proxy's forwarding header) of a gateway bound to a loopback address (``LMS_HOST``),
which is what ``make run`` and the tests' stacks are. A shared development cluster opens it to the
network with ``LMS_DEV_SIGNIN=1``; anyone who reaches it can then mint admin tokens.

``GET /auth/callback`` is the OIDC redirect URI registered at the identity provider. It is a page of the
web client, but ``/auth`` is one of the gateway's API prefixes that the client's catch-all route does
not answer, so this router serves the client's ``index.html`` for it.
"""

from __future__ import annotations

import ipaddress
import os
import time
import uuid
from pathlib import Path
from typing import Annotated, Literal

import jwt
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field, field_validator, model_validator

from lms_shared.auth import MIN_SECRET_BYTES, Role, dev_secret_from_data_dir
from lms_shared.i18n import SUPPORTED_LANGUAGES, ascii_lower, ascii_upper
from lms_shared.settings import Settings, get_settings

router = APIRouter(prefix="/auth", tags=["sign-in"])

DEV_TOKEN_TTL_SECONDS = 8 * 3600
DEFAULT_OIDC_SCOPES = "openid profile email"
# The built web client (see gateway/web/README.md); tests point this elsewhere.
WEB_INDEX = Path(__file__).parent / "web" / "dist" / "index.html"


class AuthConfig(BaseModel):
    """What the web client needs to start a sign-in."""

    mode: Literal["development", "oidc"]
    issuer: str | None = None
    clientId: str | None = None
    scopes: str = DEFAULT_OIDC_SCOPES


class DevTokenRequest(BaseModel):
    """A demo identity, with the same claims an identity provider would put in a token."""

    sub: str = Field(min_length=1, max_length=128, description="Stable user id.")
    name: str = Field(min_length=1, max_length=200, description="Full name, as printed on certificates.")
    roles: list[str] = Field(
        min_length=1, max_length=4, description="learner, trainer, admin and/or country_admin (needs org)."
    )
    org: str | None = Field(default=None, description="Member state, ISO 3166 alpha-2 (e.g. AZ).")
    municipality: str | None = Field(default=None, max_length=200)
    locale: str | None = Field(default=None, description="One of en, tr, az, kk, ky, uz, ru.")

    @field_validator("sub", "name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        known = {r.value for r in Role}
        # Role names are protocol identifiers: fold ASCII only (the Turkish dotless-i trap).
        roles = [ascii_lower(r.strip()) for r in value]
        unknown = sorted(set(roles) - known)
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; use learner, trainer, admin or country_admin")
        return sorted(set(roles))

    @model_validator(mode="after")
    def _country_admin_has_a_state(self) -> DevTokenRequest:
        # A country admin administers the state in ``org``; without one the role would be dropped.
        if Role.COUNTRY_ADMIN.value in self.roles and self.org is None:
            raise ValueError("country_admin needs org: the member state they administer (e.g. AZ)")
        return self

    @field_validator("org")
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        code = ascii_upper(value.strip())
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise ValueError("use a two-letter ISO 3166 country code such as AZ or KZ")
        return code

    @field_validator("municipality")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    @field_validator("locale")
    @classmethod
    def _supported_locale(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        code = ascii_lower(value.strip())
        if code not in SUPPORTED_LANGUAGES:
            raise ValueError(f"use one of {', '.join(SUPPORTED_LANGUAGES)}")
        return code


class DevToken(BaseModel):
    token: str
    expiresIn: int


def _oidc_issuer() -> str:
    return os.environ.get("LMS_OIDC_ISSUER", "").strip()


# Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever its peer address.
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
DEV_SIGNIN_LOOPBACK_ONLY = (
    "The development sign-in is offered only on this computer (a gateway bound to 127.0.0.1 or ::1, "
    "opened from the same machine). Set LMS_DEV_SIGNIN=1 to offer it on a shared development server."
)


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dev_signin_allowed(request: Request, settings: Settings) -> bool:
    """Whether this caller may use the demo sign-in (never in production or behind a real IdP)."""
    if settings.env == "production" or _oidc_issuer():
        return False
    if settings.dev_signin:
        return True
    if not _loopback(settings.host):
        return False
    if any(request.headers.get(h) for h in _FORWARDING_HEADERS):
        return False
    return _loopback(request.client.host if request.client else None)


def _development_only(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Settings:
    """Hide the demo-token route (404, as if it did not exist) in production or behind a real IdP;
    refuse it (403) to callers that are not on this machine, unless ``LMS_DEV_SIGNIN`` opens it."""
    if settings.env == "production" or _oidc_issuer():
        raise HTTPException(status_code=404, detail="Not found.")
    if not dev_signin_allowed(request, settings):
        raise HTTPException(status_code=403, detail=DEV_SIGNIN_LOOPBACK_ONLY)
    return settings


@router.get("/config", response_model=AuthConfig)
async def get_auth_config(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> AuthConfig:
    """Which sign-in the web client must use, read from ``LMS_OIDC_*``."""
    issuer = _oidc_issuer()
    scopes = os.environ.get("LMS_OIDC_SCOPES", "").strip() or DEFAULT_OIDC_SCOPES
    if issuer:
        return AuthConfig(
            mode="oidc", issuer=issuer, clientId=os.environ.get("LMS_OIDC_CLIENT_ID", "").strip(), scopes=scopes
        )
    if settings.env == "production":
        # Production without an identity provider cannot sign anyone in; say so rather than
        # offering a demo page that would be refused anyway.
        raise HTTPException(status_code=503, detail="Sign-in is not configured: set LMS_OIDC_ISSUER.")
    if not dev_signin_allowed(request, settings):
        # Offering demo users whose sign-in would be refused helps nobody: say what to do instead.
        raise HTTPException(
            status_code=503, detail=f"Sign-in is not configured: set LMS_OIDC_ISSUER. {DEV_SIGNIN_LOOPBACK_ONLY}"
        )
    return AuthConfig(mode="development", scopes=scopes)


@router.post("/dev-token", response_model=DevToken)
async def create_dev_token(
    body: DevTokenRequest, settings: Annotated[Settings, Depends(_development_only)]
) -> DevToken:
    """Mint a short-lived HS256 token for a demo user (development and test only)."""
    secret = settings.jwt_secret or dev_secret_from_data_dir(settings.data_dir)
    if not secret:
        raise HTTPException(status_code=503, detail="No development secret: set LMS_JWT_SECRET or run the launcher.")
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise HTTPException(status_code=503, detail=f"LMS_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long.")
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": body.sub,
        "name": body.name,
        "roles": body.roles,
        "iat": now,
        "exp": now + DEV_TOKEN_TTL_SECONDS,
        "jti": uuid.uuid4().hex,
    }
    for key in ("org", "municipality", "locale"):
        value = getattr(body, key)
        if value is not None:
            claims[key] = value
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return DevToken(token=jwt.encode(claims, secret, algorithm="HS256"), expiresIn=DEV_TOKEN_TTL_SECONDS)


@router.get("/callback", include_in_schema=False)
def oidc_callback_page() -> Response:  # sync: FastAPI runs it in a thread (file system call)
    """The web client's page that finishes the authorization-code flow (the registered redirect URI).

    The code and state stay in the query string for the client's OIDC library; the gateway never sees
    a token here. ``no-store``: the URL carries a one-time code that no cache should keep.
    """
    if not WEB_INDEX.is_file():
        return JSONResponse(
            {
                "error": {
                    "code": "NOT_FOUND",
                    "message": "The web client is not built (cd gateway/web && npm run build).",
                }
            },
            status_code=404,
        )
    return FileResponse(WEB_INDEX, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
