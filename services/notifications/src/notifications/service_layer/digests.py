"""Digests: one email per period listing a person's notifications, instead of one email each.

A person with digest DAILY or WEEKLY gets no ``email_delivery`` rows (the core stages none); this
job makes, once per period of theirs, an ``email_digest`` row listing the period's notifications that
were neither emailed one by one nor listed in an earlier digest. Periods are days or ISO weeks in the
person's zone (UTC when unknown); a period is due ``send_hour`` hours after it ended (local time), so a
daily digest of Monday goes out on Tuesday at that hour. The pair (person, period) is UNIQUE, so
running the job twice, or in two replicas at once, makes one digest; the sender loop sends it like
any other email (same lease, retries and parking; its Message-ID is derived from person and period).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lms_shared.db import utcnow
from lms_shared.logging import get_logger
from notifications.service_layer.delivery import UowFactory

log = get_logger(__name__)


@dataclass(frozen=True)
class Period:
    key: str
    """``D2026-12-01`` (a day) or ``W2026-W49`` (an ISO week)."""
    start: datetime
    end: datetime


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of ``day`` as a UTC instant (arithmetic on aware local times ignores DST)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def last_complete_period(frequency: str, now: datetime, zone: str | None, send_hour: int = 0) -> Period:
    """The latest period (day or ISO week, in ``zone``) that ended at least ``send_hour`` hours ago."""
    tz = _zone(zone)
    local = (now - timedelta(hours=send_hour)).astimezone(tz)
    today = local.date()
    if frequency == "WEEKLY":
        this_monday = today - timedelta(days=today.weekday())
        start_day = this_monday - timedelta(days=7)
        iso = start_day.isocalendar()
        return Period(f"W{iso.year}-W{iso.week:02d}", _midnight(start_day, tz), _midnight(this_monday, tz))
    start_day = today - timedelta(days=1)
    return Period(f"D{start_day.isoformat()}", _midnight(start_day, tz), _midnight(today, tz))


@dataclass(frozen=True)
class DigestOptions:
    send_hour: int = 7
    page: int = 500


async def make_due_digests(uows: UowFactory, now: datetime, options: DigestOptions) -> int:
    """Create the digests due by ``now`` that do not exist yet; returns how many list something."""
    made = 0
    after: str | None = None
    while True:
        async with uows() as uow:
            people = await uow.deliveries.digest_candidates(options.page, after)
            if not people:
                return made
            after = people[-1].person_id
            periods = {
                p.person_id: last_complete_period(p.frequency, now, p.zoneinfo, options.send_hour) for p in people
            }
            existing = await uow.deliveries.digests_existing([(pid, period.key) for pid, period in periods.items()])
            for p in people:
                period = periods[p.person_id]
                if (p.person_id, period.key) in existing:
                    continue
                listed = await uow.deliveries.create_digest(
                    recipient_id=p.person_id,
                    frequency=p.frequency,
                    period_key=period.key,
                    period_start=period.start.astimezone(now.tzinfo),
                    period_end=period.end.astimezone(now.tzinfo),
                    to_address=p.email,
                    muted_kinds=p.muted_kinds,
                    at=now,
                )
                if listed:
                    made += 1
                    log.info("email.digest_made", person=p.person_id, period=period.key, notifications=listed)
            await uow.commit()


async def run_digests(
    uows: UowFactory,
    stop: asyncio.Event,
    *,
    options: DigestOptions,
    interval: float,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """The digest loop: look for due periods every ``interval`` seconds."""
    while not stop.is_set():
        await make_due_digests(uows, clock(), options)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
