"""Notifications and preferences, from the notifications service's JSON.

The notifications service answers in snake_case (``created_at``, ``page_info``); :func:`notification`,
:func:`connection` and :func:`preferences` turn its answers into dicts keyed by the schema's field
names once, so the default resolver reads them as it reads every other service's JSON.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from gateway.types import DateTime, PageInfo


@strawberry.enum(description="What a notification is about.")
class NotificationKind(Enum):
    CERTIFICATE_ISSUED = "CERTIFICATE_ISSUED"
    CERTIFICATE_REVOKED = "CERTIFICATE_REVOKED"
    ENROLLED = "ENROLLED"
    REGISTRATION_APPROVED = "REGISTRATION_APPROVED"
    REGISTRATION_REJECTED = "REGISTRATION_REJECTED"
    WAITLIST_PROMOTED = "WAITLIST_PROMOTED"
    COURSE_UPDATED = "COURSE_UPDATED"
    SESSION_REMINDER = "SESSION_REMINDER"
    INACTIVITY_REMINDER = "INACTIVITY_REMINDER"
    BULK_JOB_FINISHED = "BULK_JOB_FINISHED"


@strawberry.enum(description="How often emails are sent: one each (NONE), or a daily or weekly digest.")
class DigestFrequency(Enum):
    NONE = "NONE"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


@strawberry.type(description="Something the platform told the viewer.")
class Notification:
    id: strawberry.ID = strawberry.field(description="Stable id (pass it to markNotificationsRead).")
    kind: NotificationKind = strawberry.field(description="What it is about.")
    title: str = strawberry.field(description="In the recipient's language.")
    body: str = strawberry.field(description="In the recipient's language.")
    url: str | None = strawberry.field(description="Where the notification leads in the web client.")
    createdAt: DateTime = strawberry.field(description="When it was stored.")
    readAt: DateTime | None = strawberry.field(description="When the viewer marked it read; null while unread.")


@strawberry.type(description="A page of the viewer's notifications, newest first.")
class NotificationConnection:
    nodes: list[Notification] = strawberry.field(description="This page.")
    pageInfo: PageInfo = strawberry.field(description="Where the next page starts.")
    totalCount: int = strawberry.field(description="Notifications the filter selects (all, or unread only).")
    unread: int = strawberry.field(description="Unread notifications of the viewer (whatever the filter).")


@strawberry.type(description="How the viewer wants to be told.")
class NotificationPreferences:
    email: bool = strawberry.field(description="Emails at all (in-app notifications are always shown).")
    mutedEmailKinds: list[NotificationKind] = strawberry.field(
        description="Kinds the viewer does not want by email (in-app always shows everything)."
    )
    digest: DigestFrequency = strawberry.field(description="One email each (NONE), or a daily or weekly digest.")
    locale: str | None = strawberry.field(
        description="Language of emails and notifications (en az kk ky uz tr ru); null: the token's."
    )


@strawberry.input(description="Change any of the preferences; fields left out stay as they are.")
class NotificationPreferencesInput:
    email: bool | None = strawberry.field(default=None, description="Emails at all.")
    mutedEmailKinds: list[NotificationKind] | None = strawberry.field(
        default=None, description="The whole list of kinds not wanted by email (replaces the list)."
    )
    digest: DigestFrequency | None = strawberry.field(default=None, description="NONE, DAILY or WEEKLY.")
    locale: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="en az kk ky uz tr ru; null goes back to the token's language.",
    )


def _get(raw: dict[str, Any], snake: str, camel: str) -> Any:
    return raw[snake] if snake in raw else raw.get(camel)


def notification(raw: dict[str, Any]) -> dict[str, Any]:
    """One notification of the service as the schema's ``Notification``."""
    return {
        "id": str(raw["id"]),
        "kind": str(raw["kind"]),
        "title": raw.get("title") or "",
        "body": raw.get("body") or "",
        "url": raw.get("url"),
        "createdAt": _get(raw, "created_at", "createdAt"),
        "readAt": _get(raw, "read_at", "readAt"),
    }


def connection(raw: dict[str, Any]) -> dict[str, Any]:
    """A page of the service as the schema's ``NotificationConnection``."""
    page = _get(raw, "page_info", "pageInfo") or {}
    return {
        "nodes": [notification(n) for n in raw.get("nodes") or ()],
        "pageInfo": {
            "hasNextPage": bool(_get(page, "has_next_page", "hasNextPage")),
            "endCursor": _get(page, "end_cursor", "endCursor"),
        },
        "totalCount": int(_get(raw, "total_count", "totalCount") or 0),
        "unread": int(raw.get("unread") or 0),
    }


def preferences(raw: dict[str, Any]) -> dict[str, Any]:
    """The service's preferences as the schema's ``NotificationPreferences``."""
    return {
        "email": bool(raw.get("email", True)),
        "mutedEmailKinds": [str(k) for k in _get(raw, "muted_email_kinds", "mutedEmailKinds") or ()],
        "digest": str(raw.get("digest") or "NONE"),
        "locale": raw.get("locale"),
    }


@strawberry.enum(description="Where an email is in its delivery.")
class EmailDeliveryStatus(Enum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    PARKED = strawberry.enum_value("PARKED", description="Refused for good (SMTP 5xx): shown to admins, replayable.")


@strawberry.type(description="One email the platform sends or sent (addition, issue 16): for admins.")
class EmailDelivery:
    id: strawberry.ID = strawberry.field(description="The delivery (pass it to replayEmailDelivery).")
    source: str = strawberry.field(description="NOTIFICATION (one email) or DIGEST.")
    notificationId: strawberry.ID | None = strawberry.field(description="The notification it tells; null for a digest.")
    recipientId: strawberry.ID = strawberry.field(description="The person (token sub).")
    toAddress: str = strawberry.field(description="The address at staging time.")
    status: EmailDeliveryStatus = strawberry.field(description="Where it is.")
    attempts: int = strawberry.field(description="SMTP attempts so far.")
    lastError: str | None = strawberry.field(description="The mail server's last answer, when it refused.")
    messageId: str | None = strawberry.field(description="The stable Message-ID.")
    createdAt: DateTime = strawberry.field(description="When it was staged.")
    nextAttemptAt: DateTime = strawberry.field(description="When it is tried next (while PENDING or FAILED).")
    sentAt: DateTime | None = strawberry.field(description="When the mail server accepted it.")


@strawberry.type(description="A page of email deliveries, newest first.")
class EmailDeliveryConnection:
    nodes: list[EmailDelivery] = strawberry.field(description="This page.")
    pageInfo: PageInfo = strawberry.field(description="Where the next page starts.")
    totalCount: int = strawberry.field(description="Deliveries in this status.")


def email_delivery(raw: dict[str, Any]) -> dict[str, Any]:
    """One delivery of the service as the schema's ``EmailDelivery``."""
    return {
        "id": str(raw["id"]),
        "source": raw.get("source") or "NOTIFICATION",
        "notificationId": _get(raw, "notification_id", "notificationId"),
        "recipientId": _get(raw, "recipient_id", "recipientId"),
        "toAddress": _get(raw, "to_address", "toAddress") or "",
        "status": str(raw["status"]),
        "attempts": int(raw.get("attempts") or 0),
        "lastError": _get(raw, "last_error", "lastError"),
        "messageId": _get(raw, "message_id", "messageId"),
        "createdAt": _get(raw, "created_at", "createdAt"),
        "nextAttemptAt": _get(raw, "next_attempt_at", "nextAttemptAt"),
        "sentAt": _get(raw, "sent_at", "sentAt"),
    }


def email_delivery_page(raw: dict[str, Any]) -> dict[str, Any]:
    page = _get(raw, "page_info", "pageInfo") or {}
    return {
        "nodes": [email_delivery(n) for n in raw.get("nodes") or ()],
        "pageInfo": {
            "hasNextPage": bool(_get(page, "has_next_page", "hasNextPage")),
            "endCursor": _get(page, "end_cursor", "endCursor"),
        },
        "totalCount": int(_get(raw, "total_count", "totalCount") or 0),
    }
