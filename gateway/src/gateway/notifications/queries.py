"""``myNotifications`` and ``myNotificationPreferences``: the viewer's own, read with the viewer's token.

The notifications service answers only the caller's own notifications, so there is nothing to scope
here beyond signing in; the gateway checks the arguments and turns the answers into the schema's shape.
"""

from __future__ import annotations

from typing import Any

from gateway.context import Context, Info, ctx_of
from gateway.notifications.types import (
    EmailDeliveryConnection,
    EmailDeliveryStatus,
    NotificationConnection,
    NotificationPreferences,
    connection,
    email_delivery_page,
    preferences,
)
from lms_shared.auth import Role
from lms_shared.errors import BadInput
from lms_shared.i18n import SUPPORTED_LANGUAGES, ascii_lower

MAX_PAGE = 100
MAX_CURSOR = 512


def language(lang: str | None, ctx: Context) -> str | None:
    """``lang`` (else the viewer's locale) when it is one of the seven languages; None lets the service choose.

    The service's order after it is the viewer's preferred language, then the token's, then English.
    """
    for candidate in (lang, ctx.locale):
        if candidate:
            code = ascii_lower(candidate.strip()).replace("_", "-").split("-", 1)[0]
            if code in SUPPORTED_LANGUAGES:
                return code
    return None


async def my_notifications(
    info: Info,
    unreadOnly: bool | None = False,
    first: int | None = 20,
    after: str | None = None,
    lang: str | None = None,
) -> NotificationConnection:
    """The viewer's notifications, newest first, ``first`` (1..100) a page."""
    ctx = ctx_of(info)
    await ctx.require_user()
    size = 20 if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise BadInput(f"first must be between 1 and {MAX_PAGE}; got {size}.")
    params = {"unread_only": "true" if unreadOnly else "false", "first": str(size)}
    if after:
        if len(after) > MAX_CURSOR:
            raise BadInput("after is not a cursor of this list; pass pageInfo.endCursor of the previous page.")
        params["after"] = after
    code = language(lang, ctx)
    if code:
        params["lang"] = code
    body: dict[str, Any] = await ctx.state.clients.notifications.request(
        "GET", "/v1/notifications", token=ctx.token, params=params
    )
    result: Any = connection(body)
    return result


async def my_notification_preferences(info: Info) -> NotificationPreferences:
    """The viewer's preferences (defaults until they change one: email on, nothing muted, no digest)."""
    ctx = ctx_of(info)
    await ctx.require_user()
    body: dict[str, Any] = await ctx.state.clients.notifications.request("GET", "/v1/preferences", token=ctx.token)
    result: Any = preferences(body)
    return result


async def email_deliveries(
    info: Info,
    status: EmailDeliveryStatus | None = EmailDeliveryStatus.PARKED,
    first: int | None = 50,
    after: str | None = None,
) -> EmailDeliveryConnection:
    """Email deliveries in one status, newest first (admins): by default the parked ones."""
    ctx = ctx_of(info)
    await ctx.require_role(Role.ADMIN)
    size = 50 if first is None else first
    if not 1 <= size <= 200:
        raise BadInput(f"first must be between 1 and 200; got {size}.")
    params = {"status": (status or EmailDeliveryStatus.PARKED).value, "first": str(size)}
    if after:
        if len(after) > MAX_CURSOR:
            raise BadInput("after is not a cursor of this list; pass pageInfo.endCursor of the previous page.")
        params["after"] = after
    body: dict[str, Any] = await ctx.state.clients.notifications.request(
        "GET", "/v1/admin/email-deliveries", token=ctx.token, params=params
    )
    result: Any = email_delivery_page(body)
    return result
