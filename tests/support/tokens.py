"""Development tokens for tests, signed like the launcher's ``token`` command."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt


def make_token(
    secret: str,
    sub: str | None = None,
    name: str = "Test User",
    roles: list[str] | None = None,
    ttl: int = 3600,
    **claims: Any,
) -> str:
    body: dict[str, Any] = {
        "sub": sub or f"user-{uuid.uuid4().hex[:8]}",
        "name": name,
        "roles": roles if roles is not None else ["learner"],
        "iat": int(time.time()),
        "exp": int(time.time()) + ttl,
        **claims,
    }
    return jwt.encode(body, secret, algorithm="HS256")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
