"""Development bearer tokens: HS256 JWTs signed with the stack's ``LMS_JWT_SECRET``.

Production verifies RS256/ES256 tokens from an OIDC provider instead; these tokens are for local
runs, tests and curl.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt

from lms_local.config import load_or_create_secrets

VALID_ROLES = ("learner", "trainer", "admin", "country_admin")


def jwt_secret(data_dir: Path) -> str:
    """``LMS_JWT_SECRET`` from the environment if set, else the data folder's ``secrets.json``.

    Same precedence as the launcher, so a token minted here is accepted by the running stack.
    """
    return os.environ.get("LMS_JWT_SECRET") or load_or_create_secrets(data_dir)["LMS_JWT_SECRET"]


def make_claims(
    *,
    sub: str,
    name: str,
    roles: Iterable[str],
    org: str | None = None,
    municipality: str | None = None,
    locale: str | None = None,
    ttl: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """The claim set of a development token (``iss``/``aud`` only when given)."""
    role_list = []
    for role in roles:
        # Roles are protocol identifiers: ASCII-lowercase them, never with locale rules.
        r = role.strip()
        if not r.isascii():
            raise ValueError(f"unknown role {role!r}; use one of {', '.join(VALID_ROLES)}")
        r = r.lower()
        if r not in VALID_ROLES:
            raise ValueError(f"unknown role {role!r}; use one of {', '.join(VALID_ROLES)}")
        if r not in role_list:
            role_list.append(r)
    if not sub.strip():
        raise ValueError("sub must not be empty")
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name,
        "roles": role_list or ["learner"],
        "iat": issued,
        "exp": issued + ttl,
    }
    for key, value in (
        ("org", org),
        ("municipality", municipality),
        ("locale", locale),
        ("iss", issuer),
        ("aud", audience),
    ):
        if value:
            claims[key] = value
    return claims


def mint_token(secret: str, **claims_kwargs: Any) -> str:
    """Sign :func:`make_claims` with HS256. Keyword arguments are those of :func:`make_claims`."""
    if not secret:
        raise ValueError("empty JWT secret")
    return jwt.encode(make_claims(**claims_kwargs), secret, algorithm="HS256")
