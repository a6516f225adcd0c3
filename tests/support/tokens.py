"""Development tokens for tests: the launcher's ``token`` claims, plus any extra claim a test needs."""

from __future__ import annotations

import uuid
from typing import Any

import jwt

from lms_local.tokens import make_claims


def make_token(
    secret: str,
    sub: str | None = None,
    name: str = "Test User",
    roles: list[str] | None = None,
    ttl: int = 3600,
    **claims: Any,
) -> str:
    body = make_claims(sub=sub or f"user-{uuid.uuid4().hex[:8]}", name=name, roles=roles or ["learner"], ttl=ttl)
    return jwt.encode({**body, **claims}, secret, algorithm="HS256")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
