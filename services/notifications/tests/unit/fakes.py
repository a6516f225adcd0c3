"""In-memory stand-ins for the notifications ports: a unit of work and its repositories.

Writes land in the fake repositories at once (what a transaction would hold); ``FakeUnitOfWork.events``
holds only what was committed, so a handler that forgets to commit is caught.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from lms_shared.events.catalogue import Payload
from lms_shared.events.envelope import Envelope
from notifications.domain.model import (
    CourseInfo,
    Notification,
    NotificationDraft,
    NotificationKind,
    Person,
    Preferences,
)
from notifications.domain.reminders import CourseRecord, DueReminder, EnrollmentRecord, PlannedReminder
from notifications.service_layer.ports import NotificationPage


class FakePersonRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Person] = {}
        self.facts_at: dict[str, datetime] = {}
        self.held: list[str] = []

    async def get(self, person_id: str) -> Person | None:
        return self.rows.get(person_id)

    async def get_many(self, ids: Sequence[str]) -> dict[str, Person]:
        return {i: self.rows[i] for i in ids if i in self.rows}

    async def hold_addresses(self, ids: Sequence[str]) -> None:
        self.held.extend(ids)

    async def learn(self, person: Person, at: datetime) -> bool:
        known = self.rows.get(person.id)
        first_address = bool(person.email) and (known is None or (known.email is None and not known.erased))
        if known is None:
            self.rows[person.id], self.facts_at[person.id] = person, at
            return first_address
        if at < self.facts_at[person.id]:
            return first_address
        changes: dict[str, Any] = {}
        for f in ("name", "email", "locale", "zoneinfo"):
            value = getattr(person, f)
            if value is not None and not (known.erased and f in ("name", "email")):
                changes[f] = value
        self.rows[person.id] = replace(known, **changes)
        self.facts_at[person.id] = at
        return first_address

    async def erase(self, person_id: str, pseudonym: str, at: datetime) -> None:
        known = self.rows.get(person_id) or Person(id=person_id)
        self.rows[person_id] = replace(known, name=pseudonym, email=None, erased=True)
        self.facts_at.setdefault(person_id, at)


class FakePreferenceRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Preferences] = {}

    async def get(self, person_id: str) -> Preferences | None:
        return self.rows.get(person_id)

    async def get_many(self, ids: Sequence[str]) -> dict[str, Preferences]:
        return {i: self.rows[i] for i in ids if i in self.rows}

    async def put(self, person_id: str, preferences: Preferences) -> None:
        self.rows[person_id] = preferences


class FakeCourseRepository:
    def __init__(self) -> None:
        self.rows: dict[str, CourseRecord] = {}
        self.locked: list[str] = []

    async def lock(self, course_id: str) -> None:
        self.locked.append(course_id)

    async def get(self, course_id: str) -> CourseRecord | None:
        return self.rows.get(course_id)

    async def store(self, course: CourseRecord, published_at: datetime) -> int | None:
        known = self.rows.get(course.course_id)
        if known is None or known.version < course.version:
            self.rows[course.course_id] = course
        return known.version if known else None

    async def infos(self, course_ids: Sequence[str]) -> dict[str, CourseInfo]:
        return {
            c: CourseInfo(c, self.rows[c].titles, self.rows[c].default_language) for c in course_ids if c in self.rows
        }


class FakeEnrollmentRepository:
    def __init__(self) -> None:
        self.rows: dict[str, EnrollmentRecord] = {}

    async def get(self, enrollment_id: str) -> EnrollmentRecord | None:
        return self.rows.get(enrollment_id)

    def _base(self, enrollment_id: str, course_id: str, learner_id: str, version: int) -> EnrollmentRecord:
        return self.rows.get(enrollment_id) or EnrollmentRecord(
            enrollment_id, course_id, learner_id, version, None, None, None
        )

    async def apply_status(
        self, enrollment_id: str, course_id: str, learner_id: str, course_version: int, status: str, at: datetime
    ) -> EnrollmentRecord:
        e = self._base(enrollment_id, course_id, learner_id, course_version)
        if e.status_at is None or e.status_at <= at:
            e = replace(e, status=status, status_at=at)
        e = replace(e, course_version=max(e.course_version, course_version))
        self.rows[enrollment_id] = e
        return e

    async def touch(
        self, enrollment_id: str, course_id: str, learner_id: str, course_version: int, at: datetime
    ) -> EnrollmentRecord:
        e = self._base(enrollment_id, course_id, learner_id, course_version)
        last = max(at, e.last_activity_at) if e.last_activity_at else at
        e = replace(e, last_activity_at=last)
        self.rows[enrollment_id] = e
        return e

    async def active_for_course(self, course_id: str) -> list[EnrollmentRecord]:
        return sorted(
            (e for e in self.rows.values() if e.course_id == course_id and e.active), key=lambda e: e.enrollment_id
        )


class FakeNotificationRepository:
    def __init__(self) -> None:
        self.rows: dict[str, Notification] = {}
        self.keys: dict[str, str] = {}

    async def add_many(self, rows: Sequence[tuple[str, NotificationDraft]], at: datetime) -> list[str]:
        out = []
        for nid, d in rows:
            if d.dedupe_key in self.keys:
                continue
            self.keys[d.dedupe_key] = nid
            self.rows[nid] = Notification(
                nid, d.recipient_id, d.kind, dict(d.params), d.url, d.course_id, d.created_at or at, None
            )
            out.append(nid)
        return out

    async def page(
        self, recipient_id: str, *, unread_only: bool, first: int, after: tuple[datetime, str] | None
    ) -> NotificationPage:
        mine = [n for n in self.rows.values() if n.recipient_id == recipient_id]
        selected = [n for n in mine if not unread_only or n.read_at is None]
        ordered = sorted(selected, key=lambda n: (n.created_at, n.id), reverse=True)
        if after is not None:
            ordered = [n for n in ordered if (n.created_at, n.id) < after]
        return NotificationPage(
            items=ordered[:first],
            has_next_page=len(ordered) > first,
            total_count=len(selected),
            unread=sum(1 for n in mine if n.read_at is None),
        )

    async def get(self, recipient_id: str, notification_id: str) -> Notification | None:
        n = self.rows.get(notification_id)
        return n if n is not None and n.recipient_id == recipient_id else None

    async def mark_read(self, recipient_id: str, ids: Sequence[str] | None, at: datetime) -> int:
        marked = 0
        for nid, n in list(self.rows.items()):
            if n.recipient_id == recipient_id and n.read_at is None and (ids is None or nid in ids):
                self.rows[nid] = replace(n, read_at=at)
                marked += 1
        return marked

    emailed: set[str] | None = None  # set by FakeUnitOfWork: the ids with an email delivery

    async def without_email(self, recipient_id: str, since: datetime) -> list[tuple[str, NotificationKind]]:
        emailed = self.emailed or set()
        return [
            (n.id, n.kind)
            for n in self.rows.values()
            if n.recipient_id == recipient_id and n.created_at >= since and n.id not in emailed
        ]

    def of(self, recipient_id: str) -> list[Notification]:
        return [n for n in self.rows.values() if n.recipient_id == recipient_id]


@dataclass
class FakeDelivery:
    notification_id: str
    recipient_id: str
    to_address: str
    status: str = "PENDING"
    last_error: str | None = None


class FakeEmailOutbox:
    def __init__(self) -> None:
        self.rows: dict[str, FakeDelivery] = {}
        self.ids: set[str] = set()

    async def stage_many(self, rows: Sequence[tuple[str, str, str]], at: datetime) -> None:
        for nid, rid, address in rows:
            self.rows.setdefault(nid, FakeDelivery(nid, rid, address))
            self.ids.add(nid)

    async def drop_pending_for(self, recipient_id: str, reason: str) -> int:
        n = 0
        for d in self.rows.values():
            if d.recipient_id == recipient_id and d.status == "PENDING":
                d.status, d.last_error = "FAILED", reason
                n += 1
        return n


@dataclass
class FakeScheduleRow:
    id: int
    planned: PlannedReminder
    status: str = "PENDING"


class FakeScheduleRepository:
    def __init__(self) -> None:
        self.rows: dict[str, FakeScheduleRow] = {}

    async def sync(self, enrollment_id: str, planned: Sequence[PlannedReminder]) -> None:
        keys = {p.key for p in planned}
        for row in self.rows.values():
            if row.planned.enrollment_id == enrollment_id and row.status == "PENDING" and row.planned.key not in keys:
                row.status = "CANCELLED"
        for p in planned:
            known = self.rows.get(p.key)
            if known is None:
                self.rows[p.key] = FakeScheduleRow(len(self.rows) + 1, p)
                continue
            row = known
            same = row.planned.fingerprint == p.fingerprint and row.status in ("DONE", "SKIPPED")
            row.planned, row.status = p, (row.status if same else "PENDING")

    async def due(self, now: datetime, limit: int) -> list[DueReminder]:
        rows = sorted(
            (r for r in self.rows.values() if r.status == "PENDING" and r.planned.due_at <= now),
            key=lambda r: r.planned.due_at,
        )[:limit]
        return [
            DueReminder(
                r.id,
                r.planned.key,
                r.planned.kind,
                r.planned.recipient_id,
                r.planned.course_id,
                r.planned.enrollment_id,
                r.planned.due_at,
                r.planned.fingerprint,
                dict(r.planned.params),
                r.planned.offset_minutes,
            )
            for r in rows
        ]

    async def finish(self, schedule_id: int, status: str, at: datetime) -> None:
        for r in self.rows.values():
            if r.id == schedule_id:
                r.status = status

    def by_status(self, status: str) -> list[PlannedReminder]:
        return [r.planned for r in self.rows.values() if r.status == status]


class FakeUnitOfWork:
    """One shared in-memory store; each ``async with`` is a "transaction" (no rollback of writes)."""

    def __init__(self) -> None:
        self.people = FakePersonRepository()
        self.preferences = FakePreferenceRepository()
        self.courses = FakeCourseRepository()
        self.enrollments = FakeEnrollmentRepository()
        self.notifications = FakeNotificationRepository()
        self.emails = FakeEmailOutbox()
        self.notifications.emailed = self.emails.ids
        self.schedules = FakeScheduleRepository()
        # The email part's records (its own fakes, imported here: they import these).
        from services.notifications.tests.unit.email_fakes import FakeDeliveries

        self.deliveries = FakeDeliveries({})
        self.staged: list[Payload | Envelope] = []
        self.events: list[Payload | Envelope] = []
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return self

    async def __aenter__(self) -> FakeUnitOfWork:
        self.staged = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.staged = []

    def publish(self, *events: Payload | Envelope) -> None:
        self.staged.extend(events)

    async def commit(self) -> None:
        self.events.extend(self.staged)
        self.staged = []
        self.commits += 1

    async def rollback(self) -> None:
        self.staged = []
