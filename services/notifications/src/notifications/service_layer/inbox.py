"""The caller's own notifications: a page of them, one, and marking them read."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lms_shared.auth import Principal
from lms_shared.errors import BadInput, NotFound
from notifications.domain import texts
from notifications.domain.model import CourseInfo, Notification
from notifications.service_layer import people
from notifications.service_layer.unit_of_work import NotificationsUnitOfWork

MAX_PAGE = 100


@dataclass(frozen=True)
class RenderedNotification:
    id: str
    kind: str
    title: str
    body: str
    url: str | None
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class RenderedPage:
    nodes: list[RenderedNotification]
    has_next_page: bool
    end_cursor: str | None
    total_count: int
    unread: int


def encode_cursor(created_at: datetime, notification_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{notification_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, _, nid = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(created), nid
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInput("The 'after' cursor is not one this API gave out; start again without it.") from None


async def _reader_language(uow: NotificationsUnitOfWork, user: Principal, lang: str | None) -> tuple[str, str | None]:
    prefs = await uow.preferences.get(user.sub)
    locale = (prefs.locale if prefs else None) or user.locale
    return texts.language(lang, locale), locale


def _rendered(n: Notification, lang: str, locale: str | None, courses: dict[str, CourseInfo]) -> RenderedNotification:
    course = courses.get(n.course_id) if n.course_id else None
    title, body = texts.render(
        n.kind,
        n.params,
        lang=lang,
        locale=locale,
        course_titles=course.titles if course else None,
        default_language=course.default_language if course else None,
    )
    return RenderedNotification(n.id, str(n.kind), title, body, n.url, n.created_at, n.read_at)


async def _render_all(
    uow: NotificationsUnitOfWork, items: Sequence[Notification], lang: str, locale: str | None
) -> list[RenderedNotification]:
    courses = await uow.courses.infos(sorted({n.course_id for n in items if n.course_id}))
    return [_rendered(n, lang, locale, courses) for n in items]


async def list_notifications(
    uow: NotificationsUnitOfWork,
    user: Principal,
    *,
    unread_only: bool,
    first: int,
    after: str | None,
    lang: str | None,
    now: datetime,
) -> RenderedPage:
    if not 1 <= first <= MAX_PAGE:
        raise BadInput(f"'first' must be between 1 and {MAX_PAGE}.")
    position = decode_cursor(after) if after else None
    await people.remember_caller(uow, user, now)
    page = await uow.notifications.page(user.sub, unread_only=unread_only, first=first, after=position)
    language, locale = await _reader_language(uow, user, lang)
    nodes = await _render_all(uow, page.items, language, locale)
    await uow.commit()
    last = page.items[-1] if page.items else None
    return RenderedPage(
        nodes=nodes,
        has_next_page=page.has_next_page,
        end_cursor=encode_cursor(last.created_at, last.id) if last else None,
        total_count=page.total_count,
        unread=page.unread,
    )


async def get_notification(
    uow: NotificationsUnitOfWork, user: Principal, notification_id: str, *, lang: str | None, now: datetime
) -> RenderedNotification:
    await people.remember_caller(uow, user, now)
    found = await uow.notifications.get(user.sub, notification_id)
    if found is None:
        await uow.commit()
        raise NotFound(f"You have no notification with id {notification_id}.")
    language, locale = await _reader_language(uow, user, lang)
    [node] = await _render_all(uow, [found], language, locale)
    await uow.commit()
    return node


async def mark_read(uow: NotificationsUnitOfWork, user: Principal, ids: Sequence[str] | None, now: datetime) -> int:
    """Mark the caller's unread notifications read: these ids (others' and unknown ones count 0), or all."""
    if ids is not None and len(ids) > 1000:
        raise BadInput("Mark at most 1000 notifications at once, or all of them with ids = null.")
    await people.remember_caller(uow, user, now)
    marked = await uow.notifications.mark_read(user.sub, list(dict.fromkeys(ids)) if ids is not None else None, now)
    await uow.commit()
    return marked
