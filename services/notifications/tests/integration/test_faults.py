"""Notifications under real faults: its database away while events arrive, and the service killed mid-way.

- The service's connections to PostgreSQL go through a :class:`tests.support.faults.FaultyLink`
  (the stack's own notifications process is held down meanwhile, and a copy of it runs with its
  database URL pointed at the link). Events arriving while the link is cut are retried, not dropped:
  once it is restored every one of them becomes exactly one notification.
- The service is killed with SIGKILL while it works through a burst of 300 certificates: after the
  restart each certificate has exactly one notification, one staged email and one announcement.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from services.notifications.tests.integration.support import drained, eventually, publish_all, uid
from services.notifications.tests.unit.support import issued
from tests.support.faults import FaultyLink

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def counts(db: asyncpg.Pool, prefix: str) -> tuple[int, int, int, int]:
    """Notifications, distinct dedupe keys, staged emails and notification.created rows of ``prefix``'s learners."""
    row = await db.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT n.dedupe_key) AS keys, count(d.id) AS emails,"
        " (SELECT count(*) FROM outbox_message o WHERE o.subject = 'lms.notifications.notification.created.v1'"
        "  AND convert_from(o.payload, 'UTF8')::jsonb -> 'data' ->> 'recipient_id' LIKE $1) AS announced"
        " FROM notification n LEFT JOIN email_delivery d ON d.notification_id = n.id WHERE n.recipient_id LIKE $1",
        f"{prefix}%",
    )
    assert row is not None
    return int(row["n"]), int(row["keys"]), int(row["emails"]), int(row["announced"])


async def test_database_away_while_events_arrive_loses_nothing(
    stack: Any, nats_js: JetStreamContext, ndb: asyncpg.Pool
) -> None:
    url = stack.env["LMS_NOTIFICATIONS_DATABASE_URL"]
    pg = urlsplit(url.replace("postgresql+asyncpg", "postgresql"))
    link = FaultyLink("127.0.0.1", int(pg.port or 5432))
    port = free_port()
    env = stack.child_env(
        {
            **stack.roles["notifications"].env_for(stack.ports, 0),
            "LMS_NOTIFICATIONS_DATABASE_URL": url.replace(f":{pg.port}/", f":{link.port}/"),
            "LMS_NOTIFICATIONS_PORT": str(port),
            "LMS_DB_CONNECT_TIMEOUT_SECONDS": "2",
            "LMS_DB_COMMAND_TIMEOUT_SECONDS": "3",
        }
    )
    await asyncio.to_thread(stack.hold_role, "notifications")
    log = open(stack.logs_dir / "notifications-faulty.log", "wb")  # noqa: SIM115 - the child's log
    proc = subprocess.Popen(
        [sys.executable, "-m", "notifications"], env=env, stdout=log, stderr=log, cwd=stack.repo_root
    )
    prefix = uid("pgdown")
    try:
        async with httpx.AsyncClient(trust_env=False) as http:

            async def healthy() -> bool:
                try:
                    return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(healthy, timeout=60)
            link.cut()
            first = [issued(f"{prefix}-{i}", f"{prefix}-cert-{i}").envelope() for i in range(20)]
            last = await publish_all(nats_js, [(e, False) for e in first] + [(e, True) for e in first[:5]])
            await asyncio.sleep(8)  # events arrive and fail against the missing database meanwhile
            assert (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 503
            link.restore()
            await drained(nats_js, ndb, first, last, timeout=120)
        assert await counts(ndb, prefix) == (20, 20, 20, 20)
    finally:
        link.restore()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        link.close()
        await asyncio.to_thread(stack.release_role, "notifications")
        await asyncio.to_thread(stack.wait_healthy, 60, ["notifications"])


async def test_killed_mid_burst_no_notification_is_lost_or_doubled(
    stack: Any, nats_js: JetStreamContext, ndb: asyncpg.Pool
) -> None:
    prefix = uid("kill")
    burst = [issued(f"{prefix}-{i % 150}", f"{prefix}-cert-{i}").envelope() for i in range(300)]
    last = await publish_all(nats_js, [(e, False) for e in burst])

    async def under_way() -> bool:
        n = (await counts(ndb, prefix))[0]
        return 0 < n < len(burst)

    await eventually(under_way, timeout=60, every=0.05)
    await asyncio.to_thread(stack.kill_role, "notifications")
    assert (await counts(ndb, prefix))[0] < len(burst), "the kill must land while the burst is still being applied"
    # Redeliveries of what was in flight when it died, as a relay re-send would add.
    again = await publish_all(nats_js, [(e, True) for e in burst[:50]])
    await asyncio.to_thread(stack.restart_role, "notifications", 0)
    await asyncio.to_thread(stack.wait_healthy, 60, ["notifications"])
    await drained(nats_js, ndb, burst, {k: max(v, again.get(k, 0)) for k, v in last.items()}, timeout=180)
    assert await counts(ndb, prefix) == (300, 300, 300, 300)
