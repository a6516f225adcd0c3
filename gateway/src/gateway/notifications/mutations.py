"""``markNotificationsRead`` and ``updateNotificationPreferences``: the viewer's own, nobody else's.

The notifications service marks only the caller's own unread notifications (an id of someone else's
counts 0), and stores preferences for the caller only; the gateway checks the input's shape.
"""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.clients import seg
from gateway.context import Info, ctx_of
from gateway.notifications.types import (
    EmailDelivery,
    NotificationPreferences,
    NotificationPreferencesInput,
    email_delivery,
    preferences,
)
from lms_shared.auth import Role
from lms_shared.errors import BadInput
from lms_shared.i18n import SUPPORTED_LANGUAGES, ascii_lower
from lms_shared.text import has_control_character

MAX_IDS = 500


async def mark_notifications_read(info: Info, ids: list[strawberry.ID] | None = None) -> int:
    """Mark the viewer's notifications read: those of ``ids``, or all of them when ``ids`` is null."""
    ctx = ctx_of(info)
    await ctx.require_user()
    if ids is not None:
        if len(ids) > MAX_IDS:
            raise BadInput(f"Mark at most {MAX_IDS} notifications at once, or pass no ids to mark all read.")
        for one in ids:
            text = str(one)
            if not text.strip() or len(text) > 200 or has_control_character(text):
                raise BadInput("A notification id is empty or not one of this API; pass the ids you got from it.")
        if not ids:
            return 0
    body: dict[str, Any] = await ctx.state.clients.notifications.request(
        "POST",
        "/v1/notifications/read",
        token=ctx.token,
        json={"ids": None if ids is None else [str(i) for i in ids]},
    )
    return int(body.get("marked") or 0)


async def update_notification_preferences(info: Info, input: NotificationPreferencesInput) -> NotificationPreferences:
    """Change the viewer's preferences; fields left out (or null) stay as they are, locale null clears it."""
    ctx = ctx_of(info)
    await ctx.require_user()
    change: dict[str, Any] = {}
    if input.email is not None:
        change["email"] = input.email
    if input.mutedEmailKinds is not None:
        change["muted_email_kinds"] = sorted({k.value for k in input.mutedEmailKinds})
    if input.digest is not None:
        change["digest"] = input.digest.value
    if input.locale is not strawberry.UNSET:
        locale = input.locale
        if locale is not None:
            locale = ascii_lower(locale.strip())
            if locale not in SUPPORTED_LANGUAGES:
                raise BadInput(f"locale must be one of {', '.join(SUPPORTED_LANGUAGES)} (or null for the token's).")
        change["locale"] = locale
    body: dict[str, Any] = await ctx.state.clients.notifications.request(
        "PUT", "/v1/preferences", token=ctx.token, json=change
    )
    result: Any = preferences(body)
    return result


async def replay_email_delivery(info: Info, id: strawberry.ID) -> EmailDelivery:
    """Queue a PARKED email again (admins); CONFLICT unless it is parked."""
    ctx = ctx_of(info)
    await ctx.require_role(Role.ADMIN)
    body: dict[str, Any] = await ctx.state.clients.notifications.request(
        "POST", f"/v1/admin/email-deliveries/{seg(id)}/replay", token=ctx.token
    )
    result: Any = email_delivery(body)
    return result
