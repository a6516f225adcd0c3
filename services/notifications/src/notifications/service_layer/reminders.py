"""The schedule loop: reminders whose time has come become notifications, each exactly once.

Rows are taken with ``FOR UPDATE SKIP LOCKED`` (several replicas share the work, none takes a row
another holds) and marked in the same transaction that stores the notification, whose dedupe key is
the row's key plus its fingerprint: a crash before COMMIT leaves both undone, after it both done.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lms_shared.db import utcnow
from notifications.domain.model import Links, NotificationDraft, NotificationKind
from notifications.domain.reminders import DueReminder, session_reminder_applies
from notifications.service_layer import notifying
from notifications.service_layer.unit_of_work import NotificationsUnitOfWork


@dataclass(frozen=True)
class ScheduleOptions:
    interval_seconds: float = 5.0
    batch: int = 200
    min_gap_minutes: int = 30


async def _draft(uow: NotificationsUnitOfWork, row: DueReminder) -> NotificationDraft:
    params = dict(row.params)
    url = Links.course_path(row.course_id)
    if row.kind == NotificationKind.SESSION_REMINDER:
        person = await uow.people.get(row.recipient_id)
        # Times in the learner's zone (their token's zoneinfo), else the zone the session is announced in.
        params["zone"] = (person.zoneinfo if person else None) or params.get("session_zone")
        url = Links.lesson_path(row.course_id, str(params.get("lesson_id")))
    return NotificationDraft(
        recipient_id=row.recipient_id,
        kind=row.kind,
        dedupe_key=f"{row.key}:{row.fingerprint}",
        params=params,
        url=url,
        course_id=row.course_id,
    )


async def process_due(uow: NotificationsUnitOfWork, now: datetime, options: ScheduleOptions) -> int:
    """One batch of due reminders in one transaction; returns how many rows were taken."""
    rows = await uow.schedules.due(now, options.batch)
    drafts: list[NotificationDraft] = []
    for row in rows:
        enrollment = await uow.enrollments.get(row.enrollment_id)
        if enrollment is None or not enrollment.active:
            await uow.schedules.finish(row.id, "CANCELLED", now)  # withdrawn (or completed) since planning
            continue
        if row.kind == NotificationKind.SESSION_REMINDER and not session_reminder_applies(
            datetime.fromisoformat(row.params["starts_at"]), row.offset_minutes or 0, now, options.min_gap_minutes
        ):
            await uow.schedules.finish(row.id, "SKIPPED", now)
            continue
        drafts.append(await _draft(uow, row))
        await uow.schedules.finish(row.id, "DONE", now)
    await notifying.store(uow, drafts, now)
    await uow.commit()
    return len(rows)


async def run_schedule_forever(
    uow_factory: Callable[[], contextlib.AbstractAsyncContextManager[NotificationsUnitOfWork]],
    options: ScheduleOptions,
    stop: asyncio.Event,
) -> None:
    """Process due reminders, then wait (at once again while a full batch came back). A failure
    (Postgres down) is logged by the runtime and the loop restarted; the rows wait in their table."""
    while not stop.is_set():
        async with uow_factory() as uow:
            taken = await process_due(uow, utcnow(), options)
        if taken >= options.batch:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), options.interval_seconds)
