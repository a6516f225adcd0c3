"""LISTEN for the NOTIFY that automatic-issue requests send at commit, to wake the certificate workers.

A notification is only a hint: the worker also looks every poll interval, so a notification lost
while this connection was down costs at most that interval, never a request (the rows are the truth).
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from certificates.adapters.repository import AUTO_ISSUE_CHANNEL
from lms_shared.db import Timeouts, asyncpg_dsn
from lms_shared.logging import get_logger
from lms_shared.settings import Settings

log = get_logger(__name__)

KEEPALIVE_SECONDS = 10.0
"""A LISTEN connection idles: a round trip this often finds a dead one (and reconnects)."""


class AutoIssueWakeups:
    """Sets ``wake`` on every ``NOTIFY certificates_auto_issue``; reconnects until ``stop``."""

    def __init__(self, settings: Settings, service: str = "certificates") -> None:
        self._dsn = asyncpg_dsn(settings.database_url(service))
        self._kwargs = Timeouts.of(settings).asyncpg_kwargs("kentbilim-auto-issue-listener")

    async def run(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        delay = 0.5
        while not stop.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn, **self._kwargs)
                await conn.add_listener(AUTO_ISSUE_CHANNEL, lambda *_: wake.set())
                wake.set()  # whatever was committed while we did not listen
                delay = 0.5
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=KEEPALIVE_SECONDS)
                    await conn.fetchval("SELECT 1", timeout=5)
            except Exception as exc:  # noqa: BLE001 - the database away: the poll covers it meanwhile
                log.info("auto_issue.listen_failed", error=repr(exc)[:300], retry_in=delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(delay * 2, 10.0)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
