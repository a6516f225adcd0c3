"""``python -m lms_shared.migrate [service ...]``: create each service's database if needed and run
its Alembic migrations to head. Idempotent; the one-shot step before services start."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from lms_shared.db import asyncpg_dsn
from lms_shared.settings import Settings, get_settings

SERVICES = ("courses", "progress", "certificates", "notifications")
REPO_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(service: str, settings: Settings) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", settings.database_url(service).replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


async def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (a fresh Postgres has only ``postgres``)."""
    dsn = asyncpg_dsn(url)
    base, _, name = dsn.rpartition("/")
    name = name.split("?")[0]
    try:
        conn = await asyncpg.connect(dsn)
        await conn.close()
        return
    except asyncpg.InvalidCatalogNameError:
        pass
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"refusing to create a database named {name!r}")
        with contextlib.suppress(asyncpg.DuplicateDatabaseError):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def upgrade(service: str, settings: Settings | None = None, revision: str = "head") -> None:
    settings = settings or get_settings()
    asyncio.run(ensure_database(settings.database_url(service)))
    command.upgrade(alembic_config(service, settings), revision)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", nargs="*", default=list(SERVICES))
    args = parser.parse_args(argv)
    for s in args.services:
        if s not in SERVICES:
            print(f"unknown service {s!r}; choose from {', '.join(SERVICES)}", file=sys.stderr)
            return 2
        upgrade(s)
        print(f"{s}: migrated to head")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
