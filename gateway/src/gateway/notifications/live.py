"""``notificationReceived``: the viewer's own notifications as they arrive.

The notifications service publishes ``notification.created`` (ids only, no text) after storing one;
the gateway's :class:`gateway.events.EventHub` hands it to the recipient's open subscriptions, and
each reads the notification, rendered in its language, with the viewer's own token (so the service
checks once more whose it is). The WebSocket limits of :mod:`gateway.subscriptions` apply as to every
subscription: connections per user, operations per connection, the rate limit on each subscribe.

What if it fails? A read that finds the service unavailable is tried again a few times with a short
back-off, then that push is skipped (logged): the notification itself is stored, and the client's
list and unread count show it at the next read. After a NATS reconnect (events may have been lost)
the subscription re-reads the viewer's unread notifications and pushes those it has not pushed yet.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterator
from datetime import UTC, datetime
from typing import Any

from gateway.clients import seg
from gateway.context import Context, Info, ctx_of
from gateway.events import RESYNC
from gateway.notifications.queries import language
from gateway.notifications.types import Notification, notification
from lms_shared.errors import DomainError, ErrorCode
from lms_shared.logging import get_logger

log = get_logger(__name__)

READ_ATTEMPTS = 4
READ_BACKOFF_SECONDS = 0.25
# Pushed ids remembered per subscription (a resync must not push one twice).
SEEN_LIMIT = 1000


@contextlib.contextmanager
def _no_watch() -> Iterator[asyncio.Queue[dict[str, object]]]:
    yield asyncio.Queue()


async def _read(ctx: Context, notification_id: str, lang: str | None) -> dict[str, Any] | None:
    """The notification rendered for the viewer; None when it is not (or no longer) theirs, or unreadable."""
    params = {"lang": lang} if lang else None
    path = f"/v1/notifications/{seg(notification_id)}"
    for attempt in range(READ_ATTEMPTS):
        try:
            raw: dict[str, Any] = await ctx.state.clients.notifications.request(
                "GET", path, token=ctx.token, params=params
            )
            return notification(raw)
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                return None
            if exc.code is not ErrorCode.UNAVAILABLE:
                raise  # an expired token ends the subscription with UNAUTHENTICATED: sign in again
            if attempt + 1 < READ_ATTEMPTS:
                await asyncio.sleep(READ_BACKOFF_SECONDS * 2**attempt)
    log.warning("notifications.push_skipped", notification_id=notification_id)
    return None


async def _missed(ctx: Context, since: datetime, lang: str | None) -> list[dict[str, Any]]:
    """Unread notifications created since the subscription began, oldest first (after a resync)."""
    params = {"unread_only": "true", "first": "20"}
    if lang:
        params["lang"] = lang
    try:
        page: dict[str, Any] = await ctx.state.clients.notifications.request(
            "GET", "/v1/notifications", token=ctx.token, params=params
        )
    except DomainError as exc:
        if exc.code is not ErrorCode.UNAVAILABLE:
            raise
        log.warning("notifications.resync_skipped")
        return []
    out = []
    for raw in page.get("nodes") or ():
        node = notification(raw)
        created = _parse(node["createdAt"])
        if created is not None and created >= since:
            out.append(node)
    return list(reversed(out))


def _parse(value: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def notification_received(info: Info, lang: str | None = None) -> AsyncGenerator[Notification, None]:
    """The viewer's own notifications as they arrive (nothing is replayed from before the subscription)."""
    ctx = ctx_of(info)
    principal = await ctx.require_user()
    code = language(lang, ctx)
    since = datetime.now(UTC).replace(microsecond=0)
    seen: dict[str, None] = {}
    hub = ctx.state.hub
    with hub.watch_notifications(principal.sub) if hub is not None else _no_watch() as events:
        while True:
            event = await events.get()
            if RESYNC in event:
                found = await _missed(ctx, since, code)
            else:
                one = await _read(ctx, str(event.get("notification_id")), code)
                found = [one] if one is not None else []
            for node in found:
                if node["id"] in seen:
                    continue
                seen[node["id"]] = None
                if len(seen) > SEEN_LIMIT:
                    del seen[next(iter(seen))]
                yield node  # type: ignore[misc]
