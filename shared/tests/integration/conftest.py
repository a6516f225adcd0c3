from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Column, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_shared.db import asyncpg_dsn, make_engine, new_metadata
from lms_shared.idempotency import idempotency_table
from lms_shared.inbox import processed_event_table
from lms_shared.jetstream import connect
from lms_shared.outbox import outbox_table
from tests.support.stack import running_stack

METADATA: MetaData = new_metadata()
OUTBOX = outbox_table(METADATA)
INBOX = processed_event_table(METADATA)
IDEMPOTENCY = idempotency_table(METADATA)
EFFECT = Table("effect", METADATA, Column("event_id", String(64), primary_key=True), Column("note", String(200)))


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The servers only: the shared library is tested with no service running, so it depends on none."""
    with running_stack(Path(tmp_path_factory.mktemp("shared-infra")), roles=()) as s:
        yield dict(s.env)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def shared_db_url(stack_env: dict[str, str]) -> str:
    base = stack_env["LMS_COURSES_DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/shared_it_{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="session")
async def engine(shared_db_url: str) -> AsyncIterator[AsyncEngine]:
    admin = await asyncpg.connect(asyncpg_dsn(shared_db_url).rsplit("/", 1)[0] + "/postgres")
    await admin.execute(f'CREATE DATABASE "{shared_db_url.rsplit("/", 1)[1]}"')
    await admin.close()
    eng = make_engine(shared_db_url, pool_size=5)
    async with eng.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield eng
    await eng.dispose()


@pytest.fixture
async def js(stack_env: dict[str, str]) -> AsyncIterator[Any]:
    nc, jsc = await connect(stack_env["LMS_NATS_URL"], "shared-tests")
    yield jsc
    await nc.drain()
