"""The caller's email preferences: on or off, kinds muted, digest frequency, preferred language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lms_shared.auth import Principal
from notifications.domain.model import Preferences
from notifications.service_layer import people
from notifications.service_layer.unit_of_work import NotificationsUnitOfWork


async def get_preferences(uow: NotificationsUnitOfWork, user: Principal, now: datetime) -> Preferences:
    await people.remember_caller(uow, user, now)
    prefs = await uow.preferences.get(user.sub) or Preferences()
    await uow.commit()
    return prefs


async def update_preferences(
    uow: NotificationsUnitOfWork, user: Principal, changes: Mapping[str, Any], now: datetime
) -> Preferences:
    """Change the fields given (any subset); each is validated (BadInput names the wrong one)."""
    current = await uow.preferences.get(user.sub) or Preferences()
    updated = current.updated(changes)
    await people.remember_caller(uow, user, now)
    await uow.preferences.put(user.sub, updated)
    await uow.commit()
    return updated
