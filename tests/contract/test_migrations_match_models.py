"""Each service's Alembic migrations build exactly the tables its code declares (and downgrade cleanly).

A migration forgotten after a table change, or a table declared and never migrated, shows up here as
a difference between the migrated database and the service's SQLAlchemy metadata.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

SERVICES = ("courses", "progress", "certificates", "notifications")
# Made by raw SQL only when the server has pg_trgm (a managed server may not): not in the models.
OPTIONAL_INDEXES = {"ix_course_search_trgm", "ix_course_version_search_trgm", "ix_certificate_name_trgm"}


def _relevant(diff: Any) -> bool:
    return not (isinstance(diff, tuple) and diff[0] == "remove_index" and diff[1].name in OPTIONAL_INDEXES)


def _migrate(service: str, url: str, env: dict[str, str], *args: str) -> None:
    child = {**os.environ, **env, f"LMS_{service.upper()}_DATABASE_URL": url}
    code = f"import sys; from lms_shared import migrate; migrate.upgrade('{service}')"
    if args:
        code = (
            "from alembic import command; from lms_shared import migrate; "
            f"command.downgrade(migrate.alembic_config('{service}', migrate.get_settings()), '{args[0]}')"
        )
    result = subprocess.run([sys.executable, "-c", code], env=child, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_build_what_the_code_declares(service: str, stack_env: dict[str, str]) -> None:
    base = stack_env[f"LMS_{service.upper()}_DATABASE_URL"].rsplit("/", 1)[0]
    url = f"{base}/mig_{service}_{uuid.uuid4().hex[:8]}"
    await asyncio.to_thread(_migrate, service, url, stack_env)
    metadata: Any = importlib.import_module(f"{service}.adapters.orm").metadata
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
    finally:
        await engine.dispose()
    diffs = [d for d in diffs if _relevant(d)]
    assert diffs == [], f"{service}: migrations and models differ: {diffs}"
    await asyncio.to_thread(_migrate, service, url, stack_env, "base")
