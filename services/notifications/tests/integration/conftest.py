"""Fixtures of the notifications integration tests, on the real stack (root conftest's ``stack``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.db import asyncpg_dsn
from lms_shared.jetstream import connect

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def notifications_url(stack_env: dict[str, str]) -> str:
    return stack_env["LMS_NOTIFICATIONS_URL"]


@pytest.fixture(scope="session")
async def nats_js(stack_env: dict[str, str]) -> AsyncIterator[JetStreamContext]:
    nc: NATS
    nc, js = await connect(stack_env["LMS_NATS_URL"], "notifications-tests")
    yield js
    await nc.drain()


@pytest.fixture(scope="session")
async def ndb(stack_env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """The notifications database, to check what the service stored and staged."""
    pool = await asyncpg.create_pool(asyncpg_dsn(stack_env["LMS_NOTIFICATIONS_DATABASE_URL"]), min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def client(notifications_url: str, token_for: Any) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """``client(sub, name, roles, **claims)`` -> an HTTP client of the notifications API as that user
    (``client(None)``: anonymous)."""
    made: list[httpx.AsyncClient] = []

    def make(
        sub: str | None, name: str = "Test User", roles: list[str] | None = None, **claims: Any
    ) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token_for(sub, name, roles or ['learner'], **claims)}"} if sub else {}
        c = httpx.AsyncClient(base_url=notifications_url, headers=headers, timeout=60, trust_env=False)
        made.append(c)
        return c

    yield make
    for c in made:
        await c.aclose()
