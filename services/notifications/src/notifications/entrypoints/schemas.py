"""REST bodies of the notifications API (docs/rest-api.md, notifications section)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from notifications.domain.model import Preferences
from notifications.service_layer.inbox import RenderedNotification, RenderedPage


class NotificationRead(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    url: str | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, n: RenderedNotification) -> NotificationRead:
        return cls(
            id=n.id, kind=n.kind, title=n.title, body=n.body, url=n.url, created_at=n.created_at, read_at=n.read_at
        )


class PageInfo(BaseModel):
    has_next_page: bool
    end_cursor: str | None


class NotificationPage(BaseModel):
    nodes: list[NotificationRead]
    page_info: PageInfo
    total_count: int
    unread: int

    @classmethod
    def of(cls, page: RenderedPage) -> NotificationPage:
        return cls(
            nodes=[NotificationRead.of(n) for n in page.nodes],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
            unread=page.unread,
        )


class MarkReadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] | None = Field(default=None, description="Notification ids; null marks all read.")


class MarkReadResult(BaseModel):
    marked: int


class PreferencesRead(BaseModel):
    email: bool
    muted_email_kinds: list[str]
    digest: str
    locale: str | None

    @classmethod
    def of(cls, p: Preferences) -> PreferencesRead:
        return cls(
            email=p.email,
            muted_email_kinds=[str(k) for k in p.muted_email_kinds],
            digest=str(p.digest),
            locale=p.locale,
        )


class PreferencesUpdate(BaseModel):
    """Any subset; kinds, digest and locale are checked by the domain (422 names the wrong value)."""

    model_config = ConfigDict(extra="forbid")
    email: bool | None = None
    muted_email_kinds: list[str] | None = None
    digest: str | None = None
    locale: str | None = None
