"""Storing notifications: once per thing that happened, with its email staged and its arrival announced."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from lms_shared.events.catalogue import NotificationCreatedV1
from notifications.domain.model import NotificationDraft, Preferences
from notifications.service_layer.unit_of_work import NotificationsUnitOfWork

DEFAULT_PREFERENCES = Preferences()
# When the service learns a person's first address (their first sign-in, or an event naming them after
# one that did not), the notifications of this long before still get their email: so a revocation
# that overtook its issuance on the bus is mailed like the issuance. Older ones stay in-app only.
EMAIL_CATCH_UP = timedelta(hours=48)


async def store(uow: NotificationsUnitOfWork, drafts: Sequence[NotificationDraft], now: datetime) -> list[str]:
    """Store the drafts not stored before (by ``dedupe_key``) in the caller's transaction.

    For each new one: an email delivery when the recipient wants one now and an address is known
    (the email part sends it), and ``notification.created`` through the outbox (the gateway pushes
    it to the recipient's subscriptions). The caller commits. Returns the new notifications' ids.
    """
    if not drafts:
        return []
    rows = [(str(uuid.uuid4()), d) for d in drafts]
    inserted = set(await uow.notifications.add_many(rows, now))
    if not inserted:
        return []
    new = [(nid, d) for nid, d in rows if nid in inserted]
    recipients = sorted({d.recipient_id for _, d in new})
    prefs = await uow.preferences.get_many(recipients)
    people = await uow.people.get_many(recipients)
    unaddressed = [r for r in recipients if r not in people or not people[r].email]
    if unaddressed:
        # Wait for any transaction giving one of them a first address, then read again: either it
        # committed (the address is here) or it comes after us (its catch-up sees this notification).
        await uow.people.hold_addresses(unaddressed)
        people.update(await uow.people.get_many(unaddressed))
    deliveries: list[tuple[str, str, str]] = []
    for nid, d in new:
        person = people.get(d.recipient_id)
        wanted = prefs.get(d.recipient_id, DEFAULT_PREFERENCES).wants_email_now(d.kind)
        if wanted and person is not None and person.email and not person.erased:
            deliveries.append((nid, d.recipient_id, person.email))
    if deliveries:
        await uow.emails.stage_many(deliveries, now)
    uow.publish(
        *(
            NotificationCreatedV1(
                notification_id=nid, recipient_id=d.recipient_id, kind=str(d.kind), created_at=d.created_at or now
            )
            for nid, d in new
        )
    )
    return [nid for nid, _ in new]


async def catch_up_emails(uow: NotificationsUnitOfWork, person_id: str, address: str, at: datetime) -> None:
    """The service just learned ``person_id``'s first address: stage the emails their recent
    notifications would have had (the caller commits)."""
    missing = await uow.notifications.without_email(person_id, at - EMAIL_CATCH_UP)
    if not missing:
        return
    prefs = await uow.preferences.get(person_id) or DEFAULT_PREFERENCES
    rows = [(nid, person_id, address) for nid, kind in missing if prefs.wants_email_now(kind)]
    await uow.emails.stage_many(rows, at)
