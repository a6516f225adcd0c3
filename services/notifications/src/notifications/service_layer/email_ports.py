"""What the email part of the service layer needs from outside: the mailer, its repository, its unit of work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any, Protocol

from lms_shared.uow import UnitOfWork
from notifications.service_layer.ports import PreferenceRepository


class Mailer(Protocol):
    """Sends one message; raises ``TransientSendError`` or ``PermanentSendError`` (domain.email)."""

    @property
    def concurrency(self) -> int:
        """How many sends may run at once (the pool's connections)."""
        ...

    async def send(self, message: Message, *, sender: str, recipients: Sequence[str]) -> str: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class ClaimedEmail:
    """A delivery claimed by this sender (SENDING until its lease ends), with what rendering needs."""

    table: str
    """``NOTIFICATION`` (email_delivery) or ``DIGEST`` (email_digest)."""
    id: str
    notification_id: str | None
    recipient_id: str
    to_address: str
    attempts: int
    kind: str
    params: Mapping[str, Any]
    url: str | None
    course_id: str | None
    created_at: datetime
    name: str | None
    token_locale: str | None
    zoneinfo: str | None
    erased: bool
    email_on: bool
    muted_kinds: tuple[str, ...]
    pref_locale: str | None
    course_titles: Mapping[str, str] = field(default_factory=dict)
    course_default_language: str | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    id: str
    source: str
    notification_id: str | None
    recipient_id: str
    to_address: str
    status: str
    attempts: int
    last_error: str | None
    message_id: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class DeliveryPage:
    items: Sequence[DeliveryRecord]
    has_next_page: bool
    end_cursor: str | None
    total_count: int


@dataclass(frozen=True)
class DigestCandidate:
    person_id: str
    frequency: str
    muted_kinds: tuple[str, ...]
    email: str
    zoneinfo: str | None


@dataclass(frozen=True)
class DigestNotification:
    id: str
    kind: str
    params: Mapping[str, Any]
    url: str | None
    course_id: str | None
    created_at: datetime
    course_titles: Mapping[str, str]
    course_default_language: str | None


class EmailDeliveryRepository(Protocol):
    async def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[ClaimedEmail]: ...

    async def claim_due_digests(self, now: datetime, limit: int, lease_until: datetime) -> list[ClaimedEmail]: ...

    async def set_message_ids(self, table: str, message_ids: Mapping[str, str]) -> None: ...

    async def record(
        self,
        table: str,
        delivery_id: str,
        status: str,
        *,
        attempt: int,
        at: datetime,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> bool: ...

    async def page(self, status: str, first: int, after: str | None) -> DeliveryPage: ...

    async def get(self, delivery_id: str) -> DeliveryRecord | None: ...

    async def requeue(self, source: str, delivery_id: str, at: datetime) -> None: ...

    async def digest_candidates(self, limit: int, after_id: str | None) -> list[DigestCandidate]: ...

    async def digests_existing(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]: ...

    async def create_digest(
        self,
        *,
        recipient_id: str,
        frequency: str,
        period_key: str,
        period_start: datetime,
        period_end: datetime,
        to_address: str,
        muted_kinds: Sequence[str],
        at: datetime,
    ) -> int: ...

    async def digest_notifications(self, digest_id: str) -> list[DigestNotification]: ...


class EmailUnitOfWork(UnitOfWork, Protocol):
    """The part of the notifications unit of work the email handlers use."""

    @property
    def deliveries(self) -> EmailDeliveryRepository: ...

    @property
    def preferences(self) -> PreferenceRepository: ...
