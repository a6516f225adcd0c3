"""Every SQL statement of the notifications service (the email part keeps its own in its adapters)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters.orm import (
    course,
    email_delivery,
    enrollment,
    notification,
    notification_schedule,
    person,
    preference,
)
from notifications.domain.model import (
    CourseInfo,
    DigestFrequency,
    Notification,
    NotificationDraft,
    NotificationKind,
    Person,
    Preferences,
)
from notifications.domain.reminders import CourseRecord, DueReminder, EnrollmentRecord, LiveSession, PlannedReminder
from notifications.service_layer.ports import NotificationPage


def _address_lock_key(person_id: str) -> int:
    """A signed 64-bit advisory-lock key for a person's address, the same in every process."""
    digest = hashlib.blake2b(f"notifications.person:{person_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _person(row: Any) -> Person:
    return Person(
        id=row.id, name=row.name, email=row.email, locale=row.locale, zoneinfo=row.zoneinfo, erased=row.erased
    )


class SqlAlchemyPersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, person_id: str) -> Person | None:
        row = (await self._s.execute(select(person).where(person.c.id == person_id))).first()
        return _person(row) if row else None

    async def get_many(self, ids: Sequence[str]) -> dict[str, Person]:
        if not ids:
            return {}
        rows = (await self._s.execute(select(person).where(person.c.id.in_(list(ids))))).all()
        return {r.id: _person(r) for r in rows}

    async def hold_addresses(self, ids: Sequence[str]) -> None:
        # Transaction-scoped advisory locks, taken in one order so that two holders cannot deadlock.
        keys = sorted({_address_lock_key(i) for i in ids})
        if keys:
            # unnest keeps the array's (sorted) order.
            await self._s.execute(
                text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"), {"keys": keys}
            )

    async def learn(self, p: Person, at: datetime) -> bool:
        first_address = False
        if p.email:
            await self.hold_addresses([p.id])
            known = (await self._s.execute(select(person.c.email, person.c.erased).where(person.c.id == p.id))).first()
            first_address = known is None or (known.email is None and not known.erased)
        ins = pg_insert(person).values(
            id=p.id, name=p.name, email=p.email, locale=p.locale, zoneinfo=p.zoneinfo, facts_at=at
        )
        ex = ins.excluded
        newer = ex.facts_at >= person.c.facts_at
        keep_or_take = {
            # A fact the source does not give (None) keeps the one known; an erased person's name
            # and address are never written back.
            c: case(
                *([(person.c.erased, person.c[c])] if c in ("name", "email") else []),
                (ex[c].is_(None), person.c[c]),
                else_=ex[c],
            )
            for c in ("name", "email", "locale", "zoneinfo")
        }
        changed = or_(
            *(
                and_(ex[c].is_not(None), ex[c].is_distinct_from(person.c[c]))
                for c in ("name", "email", "locale", "zoneinfo")
            )
        )
        stmt = ins.on_conflict_do_update(
            index_elements=[person.c.id],
            set_={**keep_or_take, "facts_at": func.greatest(person.c.facts_at, ex.facts_at), "updated_at": func.now()},
            # Most calls change nothing: no row version written, no lock held past the statement.
            where=and_(newer, changed),
        )
        await self._s.execute(stmt)
        return first_address

    async def erase(self, person_id: str, pseudonym: str, at: datetime) -> None:
        ins = pg_insert(person).values(id=person_id, name=pseudonym, email=None, erased=True, facts_at=at)
        await self._s.execute(
            ins.on_conflict_do_update(
                index_elements=[person.c.id],
                set_={"name": pseudonym, "email": None, "erased": True, "updated_at": func.now()},
            )
        )


def _prefs(row: Any) -> Preferences:
    return Preferences(
        email=row.email,
        muted_email_kinds=tuple(k for k in NotificationKind if k.value in row.muted_email_kinds),
        digest=DigestFrequency(row.digest),
        locale=row.locale,
    )


class SqlAlchemyPreferenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, person_id: str) -> Preferences | None:
        row = (await self._s.execute(select(preference).where(preference.c.person_id == person_id))).first()
        return _prefs(row) if row else None

    async def get_many(self, ids: Sequence[str]) -> dict[str, Preferences]:
        if not ids:
            return {}
        rows = (await self._s.execute(select(preference).where(preference.c.person_id.in_(list(ids))))).all()
        return {r.person_id: _prefs(r) for r in rows}

    async def put(self, person_id: str, p: Preferences) -> None:
        values = {
            "email": p.email,
            "muted_email_kinds": [str(k) for k in p.muted_email_kinds],
            "digest": str(p.digest),
            "locale": p.locale,
        }
        ins = pg_insert(preference).values(person_id=person_id, **values)
        await self._s.execute(
            ins.on_conflict_do_update(
                index_elements=[preference.c.person_id], set_={**values, "updated_at": func.now()}
            )
        )


def _sessions_json(sessions: Sequence[LiveSession]) -> list[dict[str, Any]]:
    return [
        {
            "lesson_id": s.lesson_id,
            "titles": dict(s.titles),
            "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(),
            "timezone": s.timezone,
            "venues": dict(s.venues),
            "online_url": s.online_url,
        }
        for s in sessions
    ]


def _course(row: Any) -> CourseRecord:
    return CourseRecord(
        course_id=row.course_id,
        version=row.version,
        titles=row.titles,
        default_language=row.default_language,
        inactivity_reminder_days=row.inactivity_reminder_days,
        sessions=[
            LiveSession(
                lesson_id=s["lesson_id"],
                titles=s["titles"],
                starts_at=datetime.fromisoformat(s["starts_at"]),
                ends_at=datetime.fromisoformat(s["ends_at"]),
                timezone=s["timezone"],
                venues=s.get("venues") or {},
                online_url=s.get("online_url"),
            )
            for s in row.sessions
        ],
    )


class SqlAlchemyCourseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def lock(self, course_id: str) -> None:
        # A transaction-scoped advisory lock: it also covers a course not stored yet (no row to lock).
        await self._s.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"notifications.course:{course_id}", 0)))
        )

    async def get(self, course_id: str) -> CourseRecord | None:
        row = (await self._s.execute(select(course).where(course.c.course_id == course_id))).first()
        return _course(row) if row else None

    async def store(self, c: CourseRecord, published_at: datetime) -> int | None:
        # Lock the row (or its absence, through the insert) so that two versions applied at once are ordered.
        before = (
            await self._s.execute(select(course.c.version).where(course.c.course_id == c.course_id).with_for_update())
        ).scalar_one_or_none()
        values = {
            "version": c.version,
            "titles": dict(c.titles),
            "default_language": c.default_language,
            "inactivity_reminder_days": c.inactivity_reminder_days,
            "sessions": _sessions_json(c.sessions),
            "published_at": published_at,
        }
        ins = pg_insert(course).values(course_id=c.course_id, **values)
        result = await self._s.execute(
            ins.on_conflict_do_update(
                index_elements=[course.c.course_id], set_=values, where=course.c.version < ins.excluded.version
            ).returning(course.c.version)
        )
        result.first()
        return before

    async def infos(self, course_ids: Sequence[str]) -> dict[str, CourseInfo]:
        if not course_ids:
            return {}
        rows = (
            await self._s.execute(
                select(course.c.course_id, course.c.titles, course.c.default_language).where(
                    course.c.course_id.in_(list(course_ids))
                )
            )
        ).all()
        return {r.course_id: CourseInfo(r.course_id, r.titles, r.default_language) for r in rows}


def _enrollment(row: Any) -> EnrollmentRecord:
    return EnrollmentRecord(
        enrollment_id=row.enrollment_id,
        course_id=row.course_id,
        learner_id=row.learner_id,
        course_version=row.course_version,
        status=row.status,
        status_at=row.status_at,
        last_activity_at=row.last_activity_at,
    )


class SqlAlchemyEnrollmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, enrollment_id: str) -> EnrollmentRecord | None:
        row = (await self._s.execute(select(enrollment).where(enrollment.c.enrollment_id == enrollment_id))).first()
        return _enrollment(row) if row else None

    async def apply_status(
        self, enrollment_id: str, course_id: str, learner_id: str, course_version: int, status: str, at: datetime
    ) -> EnrollmentRecord:
        ins = pg_insert(enrollment).values(
            enrollment_id=enrollment_id,
            course_id=course_id,
            learner_id=learner_id,
            course_version=course_version,
            status=status,
            status_at=at,
        )
        later = or_(enrollment.c.status_at.is_(None), enrollment.c.status_at <= ins.excluded.status_at)
        row = (
            await self._s.execute(
                ins.on_conflict_do_update(
                    index_elements=[enrollment.c.enrollment_id],
                    set_={
                        "status": case((later, ins.excluded.status), else_=enrollment.c.status),
                        "status_at": case((later, ins.excluded.status_at), else_=enrollment.c.status_at),
                        "course_version": func.greatest(enrollment.c.course_version, ins.excluded.course_version),
                    },
                ).returning(*enrollment.c)
            )
        ).one()
        return _enrollment(row)

    async def touch(
        self, enrollment_id: str, course_id: str, learner_id: str, course_version: int, at: datetime
    ) -> EnrollmentRecord:
        ins = pg_insert(enrollment).values(
            enrollment_id=enrollment_id,
            course_id=course_id,
            learner_id=learner_id,
            course_version=course_version,
            last_activity_at=at,
        )
        row = (
            await self._s.execute(
                ins.on_conflict_do_update(
                    index_elements=[enrollment.c.enrollment_id],
                    set_={
                        "last_activity_at": func.greatest(enrollment.c.last_activity_at, ins.excluded.last_activity_at)
                    },
                ).returning(*enrollment.c)
            )
        ).one()
        return _enrollment(row)

    async def active_for_course(self, course_id: str) -> list[EnrollmentRecord]:
        rows = (
            await self._s.execute(
                select(enrollment)
                .where(enrollment.c.course_id == course_id, enrollment.c.status == "ACTIVE")
                .order_by(enrollment.c.enrollment_id)
            )
        ).all()
        return [_enrollment(r) for r in rows]


def _notification(row: Any) -> Notification:
    return Notification(
        id=row.id,
        recipient_id=row.recipient_id,
        kind=NotificationKind(row.kind),
        params=row.params,
        url=row.url,
        course_id=row.course_id,
        created_at=row.created_at,
        read_at=row.read_at,
    )


class SqlAlchemyNotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_many(self, rows: Sequence[tuple[str, NotificationDraft]], at: datetime) -> list[str]:
        if not rows:
            return []
        values = [
            {
                "id": nid,
                "recipient_id": d.recipient_id,
                "kind": str(d.kind),
                "dedupe_key": d.dedupe_key,
                "params": dict(d.params),
                "url": d.url,
                "course_id": d.course_id,
                "created_at": d.created_at or at,
            }
            for nid, d in rows
        ]
        inserted: list[str] = []
        for start in range(0, len(values), 1000):  # well under Postgres's 32,767 bind parameters
            stmt = (
                pg_insert(notification)
                .values(values[start : start + 1000])
                .on_conflict_do_nothing(index_elements=[notification.c.dedupe_key])
                .returning(notification.c.id)
            )
            inserted += list((await self._s.execute(stmt)).scalars())
        return inserted

    async def page(
        self, recipient_id: str, *, unread_only: bool, first: int, after: tuple[datetime, str] | None
    ) -> NotificationPage:
        mine = [notification.c.recipient_id == recipient_id]
        if unread_only:
            mine.append(notification.c.read_at.is_(None))
        query = select(notification).where(*mine)
        if after is not None:
            query = query.where(tuple_(notification.c.created_at, notification.c.id) < tuple_(*after))
        rows = (
            await self._s.execute(
                query.order_by(notification.c.created_at.desc(), notification.c.id.desc()).limit(first + 1)
            )
        ).all()
        counts = (
            await self._s.execute(
                select(
                    func.count().filter(*mine[1:]) if unread_only else func.count(),
                    func.count().filter(notification.c.read_at.is_(None)),
                ).where(notification.c.recipient_id == recipient_id)
            )
        ).one()
        return NotificationPage(
            items=[_notification(r) for r in rows[:first]],
            has_next_page=len(rows) > first,
            total_count=int(counts[0]),
            unread=int(counts[1]),
        )

    async def get(self, recipient_id: str, notification_id: str) -> Notification | None:
        row = (
            await self._s.execute(
                select(notification).where(
                    notification.c.id == notification_id, notification.c.recipient_id == recipient_id
                )
            )
        ).first()
        return _notification(row) if row else None

    async def mark_read(self, recipient_id: str, ids: Sequence[str] | None, at: datetime) -> int:
        stmt = update(notification).where(notification.c.recipient_id == recipient_id, notification.c.read_at.is_(None))
        if ids is not None:
            if not ids:
                return 0
            stmt = stmt.where(notification.c.id.in_(list(ids)))
        result = await self._s.execute(stmt.values(read_at=at))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def without_email(self, recipient_id: str, since: datetime) -> list[tuple[str, NotificationKind]]:
        rows = (
            await self._s.execute(
                select(notification.c.id, notification.c.kind)
                .outerjoin(email_delivery, email_delivery.c.notification_id == notification.c.id)
                .where(
                    notification.c.recipient_id == recipient_id,
                    notification.c.created_at >= since,
                    email_delivery.c.id.is_(None),
                )
            )
        ).all()
        return [(r.id, NotificationKind(r.kind)) for r in rows]


class SqlAlchemyEmailOutbox:
    """The core's side of ``email_delivery``: staging. Sending is the email part's (adapters/smtp.py …)."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def stage_many(self, rows: Sequence[tuple[str, str, str]], at: datetime) -> None:
        if not rows:
            return
        values = [
            {
                "id": str(uuid.uuid4()),
                "notification_id": nid,
                "recipient_id": rid,
                "to_address": address,
                "status": "PENDING",
                "next_attempt_at": at,
                "created_at": at,
            }
            for nid, rid, address in rows
        ]
        for start in range(0, len(values), 1000):
            await self._s.execute(
                pg_insert(email_delivery)
                .values(values[start : start + 1000])
                .on_conflict_do_nothing(index_elements=[email_delivery.c.notification_id])
            )

    async def drop_pending_for(self, recipient_id: str, reason: str) -> int:
        result = await self._s.execute(
            update(email_delivery)
            .where(email_delivery.c.recipient_id == recipient_id, email_delivery.c.status == "PENDING")
            .values(status="FAILED", last_error=reason)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class SqlAlchemyScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def sync(self, enrollment_id: str, planned: Sequence[PlannedReminder]) -> None:
        s = notification_schedule
        keys = [p.key for p in planned]
        cancel = update(s).where(s.c.enrollment_id == enrollment_id, s.c.status == "PENDING")
        if keys:
            cancel = cancel.where(s.c.key.not_in(keys))
        await self._s.execute(cancel.values(status="CANCELLED", updated_at=func.now()))
        if not planned:
            return
        ins = pg_insert(s).values(
            [
                {
                    "key": p.key,
                    "kind": str(p.kind),
                    "recipient_id": p.recipient_id,
                    "course_id": p.course_id,
                    "enrollment_id": p.enrollment_id,
                    "lesson_id": p.lesson_id,
                    "offset_minutes": p.offset_minutes,
                    "due_at": p.due_at,
                    "fingerprint": p.fingerprint,
                    "params": dict(p.params),
                    "status": "PENDING",
                }
                for p in planned
            ]
        )
        ex = ins.excluded
        same = and_(s.c.fingerprint == ex.fingerprint, s.c.status.in_(("DONE", "SKIPPED")))
        await self._s.execute(
            ins.on_conflict_do_update(
                index_elements=[s.c.key],
                set_={
                    # Sent for these very facts: stays sent. Otherwise (moved, new activity, re-enrolled): due again.
                    "status": case((same, s.c.status), else_="PENDING"),
                    "due_at": ex.due_at,
                    "fingerprint": ex.fingerprint,
                    "params": ex.params,
                    "enrollment_id": ex.enrollment_id,
                    "course_id": ex.course_id,
                    "updated_at": func.now(),
                },
                # Unchanged rows are not rewritten (a course of 10,000 learners re-published as is).
                where=or_(
                    s.c.fingerprint != ex.fingerprint,
                    s.c.status == "CANCELLED",
                    s.c.params != ex.params,
                    s.c.enrollment_id != ex.enrollment_id,
                ),
            )
        )

    async def due(self, now: datetime, limit: int) -> list[DueReminder]:
        s = notification_schedule
        rows = (
            await self._s.execute(
                select(s)
                .where(s.c.status == "PENDING", s.c.due_at <= now)
                .order_by(s.c.due_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        return [
            DueReminder(
                id=r.id,
                key=r.key,
                kind=NotificationKind(r.kind),
                recipient_id=r.recipient_id,
                course_id=r.course_id,
                enrollment_id=r.enrollment_id,
                due_at=r.due_at,
                fingerprint=r.fingerprint,
                params=r.params,
                offset_minutes=r.offset_minutes,
            )
            for r in rows
        ]

    async def finish(self, schedule_id: int, status: str, at: datetime) -> None:
        s = notification_schedule
        await self._s.execute(update(s).where(s.c.id == schedule_id).values(status=status, processed_at=at))
