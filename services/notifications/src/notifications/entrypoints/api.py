"""The notifications REST API (docs/rest-api.md, notifications section): thin routes over the service layer."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Query

from lms_shared.db import utcnow
from lms_shared.openapi import document_error_statuses
from lms_shared.web import install_common
from notifications import bootstrap
from notifications.entrypoints.consumers import build_consumers
from notifications.entrypoints.deps import CurrentUser, UowDep
from notifications.entrypoints.email_api import router as email_router
from notifications.entrypoints.schemas import (
    MarkReadCreate,
    MarkReadResult,
    NotificationPage,
    NotificationRead,
    PreferencesRead,
    PreferencesUpdate,
)
from notifications.service_layer import delivery, digests, inbox, preferences, reminders


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    container = await bootstrap.build()
    runtime = container.runtime
    app.state.container = container
    app.state.verifier = runtime.verifier
    app.state.readiness_checks.update(runtime.readiness_checks())
    for consumer in build_consumers(container):
        runtime.spawn(consumer.durable, consumer.run)
    runtime.spawn(
        "notification-schedule",
        functools.partial(reminders.run_schedule_forever, container.uow, container.schedule),
    )
    # email loops (the email part: sender, digests) are spawned here
    email = container.email
    if email is not None and email.enabled:
        runtime.spawn(
            "email-sender",
            functools.partial(delivery.run_sender, container.uow, email.ports, poll_seconds=email.poll_seconds),
        )
        runtime.spawn(
            "email-digests",
            functools.partial(
                digests.run_digests, container.uow, options=email.digests, interval=email.digest_interval_seconds
            ),
        )
    try:
        yield
    finally:
        await container.close()


app = FastAPI(title="Kentbilim notifications", version="1", lifespan=lifespan)
install_common(app, "notifications")
app.include_router(email_router)  # unsubscribe, parked deliveries, dev mailbox (entrypoints/email_api.py)


@app.get("/v1/notifications", response_model=NotificationPage)
async def list_notifications(
    user: CurrentUser,
    uow: UowDep,
    unread_only: bool = False,
    first: int = Query(default=20, ge=1, le=inbox.MAX_PAGE),
    after: str | None = None,
    lang: str | None = None,
) -> NotificationPage:
    """The caller's own notifications, newest first, in ``lang`` (else their preferred language)."""
    page = await inbox.list_notifications(
        uow, user, unread_only=unread_only, first=first, after=after, lang=lang, now=utcnow()
    )
    return NotificationPage.of(page)


@app.get("/v1/notifications/{notification_id}", response_model=NotificationRead)
async def get_notification(
    notification_id: str, user: CurrentUser, uow: UowDep, lang: str | None = None
) -> NotificationRead:
    """One of the caller's notifications; 404 for an unknown id or someone else's."""
    return NotificationRead.of(await inbox.get_notification(uow, user, notification_id, lang=lang, now=utcnow()))


@app.post("/v1/notifications/read", response_model=MarkReadResult)
async def mark_read(body: MarkReadCreate, user: CurrentUser, uow: UowDep) -> MarkReadResult:
    """Mark the caller's notifications read: ``ids`` (others' and unknown ones count 0), or all with null."""
    return MarkReadResult(marked=await inbox.mark_read(uow, user, body.ids, utcnow()))


@app.get("/v1/preferences", response_model=PreferencesRead)
async def get_preferences(user: CurrentUser, uow: UowDep) -> PreferencesRead:
    return PreferencesRead.of(await preferences.get_preferences(uow, user, utcnow()))


@app.put("/v1/preferences", response_model=PreferencesRead)
async def update_preferences(body: PreferencesUpdate, user: CurrentUser, uow: UowDep) -> PreferencesRead:
    """Change any subset of the caller's email preferences."""
    changes = body.model_dump(exclude_unset=True)
    return PreferencesRead.of(await preferences.update_preferences(uow, user, changes, utcnow()))


document_error_statuses(app)  # every status each route can answer, in /openapi.json
