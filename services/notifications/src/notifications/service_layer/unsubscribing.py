"""One-click unsubscribe (RFC 8058): a signed link mutes one kind of email (or all, from a digest).

No login: the HMAC signature is the proof that we sent the link to this person. GET only shows a
confirmation page (mail scanners follow links; RFC 8058 says a GET must not unsubscribe); POST — the
mailbox provider's one-click request, or the page's button — mutes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from notifications.domain.email import InvalidToken, Unsubscribe, verify_unsubscribe
from notifications.domain.model import NotificationKind, Preferences
from notifications.domain.templates import ALL_KINDS
from notifications.service_layer.ports import PersonRepository, PreferenceRepository
from notifications.service_layer.unit_of_work import NotificationsUnitOfWork


@dataclass(frozen=True)
class UnsubscribeView:
    """What the page shows: the person's language, the kind, and whether the link was valid."""

    valid: bool
    lang: str | None
    kind: str | None
    recipient_id: str | None = None


async def _language(people: PersonRepository, preferences: PreferenceRepository, person_id: str) -> str | None:
    prefs = await preferences.get(person_id)
    if prefs is not None and prefs.locale:
        return prefs.locale
    person = await people.get(person_id)
    return person.locale if person is not None else None


async def inspect(uow: NotificationsUnitOfWork, secret: bytes, token: str) -> UnsubscribeView:
    """For the GET page: who and what the link names (nothing changes)."""
    try:
        target = verify_unsubscribe(secret, token)
    except InvalidToken:
        return UnsubscribeView(valid=False, lang=None, kind=None)
    lang = await _language(uow.people, uow.preferences, target.recipient_id)
    return UnsubscribeView(valid=True, lang=lang, kind=target.kind, recipient_id=target.recipient_id)


def muted(prefs: Preferences, target: Unsubscribe) -> Preferences:
    if target.kind == ALL_KINDS:
        return replace(prefs, email=False)
    kind = NotificationKind(target.kind)
    if kind in prefs.muted_email_kinds:
        return prefs
    kinds = [k for k in NotificationKind if k in (*prefs.muted_email_kinds, kind)]
    return replace(prefs, muted_email_kinds=tuple(kinds))


async def unsubscribe(uow: NotificationsUnitOfWork, secret: bytes, token: str) -> UnsubscribeView:
    """Mute the kind the link names for the person it names (idempotent: twice is once)."""
    try:
        target = verify_unsubscribe(secret, token)
    except InvalidToken:
        return UnsubscribeView(valid=False, lang=None, kind=None)
    prefs = await uow.preferences.get(target.recipient_id) or Preferences()
    changed = muted(prefs, target)
    if changed != prefs:
        await uow.preferences.put(target.recipient_id, changed)
    lang = changed.locale or await _language(uow.people, uow.preferences, target.recipient_id)
    await uow.commit()
    return UnsubscribeView(valid=True, lang=lang, kind=target.kind, recipient_id=target.recipient_id)
