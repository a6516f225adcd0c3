"""Fixtures of the progress integration tests, on the real stack (root conftest's ``stack``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from lms_shared.db import asyncpg_dsn
from lms_shared.jetstream import connect
from services.progress.tests.integration.support import Api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def progress_url(stack_env: dict[str, str]) -> str:
    return stack_env["LMS_PROGRESS_URL"]


@pytest.fixture(scope="session")
async def nats_js(stack_env: dict[str, str]) -> AsyncIterator[JetStreamContext]:
    nc: NATS
    nc, js = await connect(stack_env["LMS_NATS_URL"], "progress-tests")
    yield js
    await nc.drain()


@pytest.fixture(scope="session")
async def db(stack_env: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """The progress database, to check what the service staged in its outbox."""
    pool = await asyncpg.create_pool(asyncpg_dsn(stack_env["LMS_PROGRESS_DATABASE_URL"]), min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def api(progress_url: str, token_for: Any) -> AsyncIterator[Callable[..., Api]]:
    """``api(sub, name, roles, **claims)`` -> a client of the progress API acting as that user."""
    clients: list[Api] = []

    def make(sub: str, name: str = "Test User", roles: list[str] | None = None, **claims: Any) -> Api:
        client = Api(progress_url, token_for(sub, name, roles or ["learner"], **claims))
        clients.append(client)
        return client

    yield make
    for c in clients:
        await c.close()


@pytest.fixture
def outbox_events(db: asyncpg.Pool) -> Callable[[str, str], Awaitable[list[str]]]:
    """``outbox_events(subject, enrollment_or_course_id)`` -> event ids staged for that key."""

    async def fetch(subject: str, key: str) -> list[str]:
        rows = await db.fetch(
            "SELECT event_id FROM outbox_message WHERE subject = $1 AND convert_from(payload, 'UTF8')::jsonb"
            " ->> 'subject_key' = $2 ORDER BY id",
            subject,
            key,
        )
        return [r["event_id"] for r in rows]

    return fetch
