"""What the notifications service layer needs from outside, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from notifications.domain.model import (
    CourseInfo,
    Notification,
    NotificationDraft,
    NotificationKind,
    Person,
    Preferences,
)
from notifications.domain.reminders import CourseRecord, DueReminder, EnrollmentRecord, PlannedReminder


@dataclass(frozen=True)
class NotificationPage:
    items: Sequence[Notification]
    has_next_page: bool
    total_count: int
    unread: int


class PersonRepository(Protocol):
    async def get(self, person_id: str) -> Person | None: ...

    async def get_many(self, ids: Sequence[str]) -> dict[str, Person]: ...

    async def hold_addresses(self, ids: Sequence[str]) -> None:
        """Serialize, until the caller's transaction ends, with any other transaction learning or
        reading these people's addresses: a notification stored without an address and the first
        address learned in a concurrent transaction would otherwise miss each other."""
        ...

    async def learn(self, person: Person, at: datetime) -> bool:
        """Take the facts the person's token or an event gives (non-empty ones), unless newer ones are
        known or the person was erased. True when this gave the service its first address for them."""
        ...

    async def erase(self, person_id: str, pseudonym: str, at: datetime) -> None:
        """Replace the name, drop the address, and keep a tombstone so no later event writes them back."""
        ...


class PreferenceRepository(Protocol):
    async def get(self, person_id: str) -> Preferences | None: ...

    async def get_many(self, ids: Sequence[str]) -> dict[str, Preferences]: ...

    async def put(self, person_id: str, preferences: Preferences) -> None: ...


class CourseRepository(Protocol):
    async def lock(self, course_id: str) -> None:
        """Hold the course until the transaction ends: the handlers that plan its reminders (a new
        version, an enrolment changing) take turns, so neither misses what the other commits."""
        ...

    async def get(self, course_id: str) -> CourseRecord | None: ...

    async def store(self, course: CourseRecord, published_at: datetime) -> int | None:
        """Keep this version when it is newer than the one held; returns the version held before
        (None: the course was unknown). An older version changes nothing."""
        ...

    async def infos(self, course_ids: Sequence[str]) -> dict[str, CourseInfo]: ...


class EnrollmentRepository(Protocol):
    async def get(self, enrollment_id: str) -> EnrollmentRecord | None: ...

    async def apply_status(
        self, enrollment_id: str, course_id: str, learner_id: str, course_version: int, status: str, at: datetime
    ) -> EnrollmentRecord:
        """Record a status unless a later one is known (events arrive in any order); the record after."""
        ...

    async def touch(
        self, enrollment_id: str, course_id: str, learner_id: str, course_version: int, at: datetime
    ) -> EnrollmentRecord:
        """Progress at ``at`` (a completed lesson): the last activity only moves forward."""
        ...

    async def active_for_course(self, course_id: str) -> list[EnrollmentRecord]: ...


class NotificationRepository(Protocol):
    async def add_many(self, rows: Sequence[tuple[str, NotificationDraft]], at: datetime) -> list[str]:
        """Insert ``(id, draft)`` rows; a row whose ``dedupe_key`` is stored already is skipped.
        Returns the ids inserted."""
        ...

    async def page(
        self, recipient_id: str, *, unread_only: bool, first: int, after: tuple[datetime, str] | None
    ) -> NotificationPage: ...

    async def get(self, recipient_id: str, notification_id: str) -> Notification | None: ...

    async def mark_read(self, recipient_id: str, ids: Sequence[str] | None, at: datetime) -> int: ...

    async def without_email(self, recipient_id: str, since: datetime) -> list[tuple[str, NotificationKind]]:
        """The recipient's notifications created since ``since`` that have no email delivery."""
        ...


class EmailOutbox(Protocol):
    """The core's side of email: stage a delivery for the sender (the email part sends it)."""

    async def stage_many(self, rows: Sequence[tuple[str, str, str]], at: datetime) -> None:
        """``(notification_id, recipient_id, to_address)`` rows as PENDING deliveries, one per notification."""
        ...

    async def drop_pending_for(self, recipient_id: str, reason: str) -> int:
        """Deliveries not yet sent to an erased person: FAILED with ``reason``."""
        ...


class ScheduleRepository(Protocol):
    async def sync(self, enrollment_id: str, planned: Sequence[PlannedReminder]) -> None:
        """Make the enrolment's pending reminders exactly ``planned``: upsert by key (a changed
        fingerprint makes a sent one due again), cancel the enrolment's other pending rows."""
        ...

    async def due(self, now: datetime, limit: int) -> list[DueReminder]:
        """Pending rows due by ``now``, locked (FOR UPDATE SKIP LOCKED) until the transaction ends."""
        ...

    async def finish(self, schedule_id: int, status: str, at: datetime) -> None: ...
