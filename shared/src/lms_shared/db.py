"""SQLAlchemy 2 plumbing every service shares: naming convention, engine, sessions, UTC time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from lms_shared.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Timeouts:
    """How long the database may take before we call it hung (see ``Settings.db_*``)."""

    statement_ms: int = 30_000
    command_seconds: float = 45.0
    idle_in_transaction_ms: int = 120_000
    connect_seconds: float = 10.0

    @classmethod
    def of(cls, settings: Settings) -> Timeouts:
        return cls(
            settings.db_statement_timeout_ms,
            settings.db_command_timeout_seconds,
            settings.db_idle_in_transaction_timeout_ms,
            settings.db_connect_timeout_seconds,
        )

    def server_settings(self, application_name: str = "kentbilim") -> dict[str, str]:
        """Session settings for every connection: UTC, timeouts, and TCP keepalives on the server side."""
        return {
            "timezone": "UTC",
            "application_name": application_name,
            "statement_timeout": str(self.statement_ms),
            "idle_in_transaction_session_timeout": str(self.idle_in_transaction_ms),
            # The server probes a silent client after 30 s and drops it after 3 missed answers.
            "tcp_keepalives_idle": "30",
            "tcp_keepalives_interval": "10",
            "tcp_keepalives_count": "3",
        }

    def asyncpg_kwargs(self, application_name: str = "kentbilim") -> dict[str, Any]:
        """Keyword arguments for ``asyncpg.connect`` with the same limits."""
        return {
            "timeout": self.connect_seconds,
            "command_timeout": self.command_seconds,
            "server_settings": self.server_settings(application_name),
        }


def make_engine(url: str, pool_size: int = 10, timeouts: Timeouts | None = None) -> AsyncEngine:
    timeouts = timeouts or Timeouts()
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # Waiting longer than this for a pooled connection means the database is stuck: fail and retry.
        pool_timeout=timeouts.connect_seconds,
        # Pre-ping: a connection broken by a database restart is found and replaced at checkout, so
        # the first write after the restart does not fail (a read would be run again anyway:
        # lms_shared.web.RetryBrokenConnectionReads). It costs one round trip per checkout, which a
        # group of completions or a bulk chunk pays once.
        pool_pre_ping=True,
        pool_recycle=1800,
        # UTC everywhere: stored as timestamptz, read back aware.
        connect_args={
            "server_settings": timeouts.server_settings(),
            "command_timeout": timeouts.command_seconds,
            "timeout": timeouts.connect_seconds,
        },
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction: committed on success, rolled back on any error."""
    async with sessions() as session, session.begin():
        yield session


def asyncpg_dsn(url: str) -> str:
    """The plain libpq URL asyncpg wants, from an SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
