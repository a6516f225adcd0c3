"""Session and inactivity reminders: which rows an enrolment needs, and whether a due row still applies.

A reminder is a row of ``notification_schedule`` with a stable ``key`` (one per session lesson,
learner and offset; one per enrolment for inactivity) and a ``fingerprint`` of the facts it was
planned from (the session's start, the last activity). Re-planning with the same fingerprint keeps a
sent row sent; a new fingerprint (the session moved, the learner made progress) makes it due again,
and the notification's dedupe key carries the fingerprint, so each is sent exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from notifications.domain.model import NotificationKind

# 24 hours and 1 hour before each live session.
SESSION_OFFSETS_MINUTES: tuple[int, ...] = (24 * 60, 60)


@dataclass(frozen=True)
class LiveSession:
    lesson_id: str
    titles: Mapping[str, str]
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venues: Mapping[str, str] = field(default_factory=dict)
    online_url: str | None = None


@dataclass(frozen=True)
class CourseRecord:
    """The newest version of a course the service has seen."""

    course_id: str
    version: int
    titles: Mapping[str, str]
    default_language: str
    inactivity_reminder_days: int | None
    sessions: Sequence[LiveSession] = ()


ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class EnrollmentRecord:
    enrollment_id: str
    course_id: str
    learner_id: str
    course_version: int
    status: str | None
    status_at: datetime | None
    last_activity_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


@dataclass(frozen=True)
class PlannedReminder:
    key: str
    kind: NotificationKind
    recipient_id: str
    course_id: str
    enrollment_id: str
    due_at: datetime
    fingerprint: str
    params: Mapping[str, Any]
    lesson_id: str | None = None
    offset_minutes: int | None = None


@dataclass(frozen=True)
class DueReminder:
    id: int
    key: str
    kind: NotificationKind
    recipient_id: str
    course_id: str
    enrollment_id: str
    due_at: datetime
    fingerprint: str
    params: Mapping[str, Any]
    offset_minutes: int | None


def session_key(lesson_id: str, learner_id: str, offset_minutes: int) -> str:
    return f"session:{lesson_id}:{learner_id}:{offset_minutes}"


def inactivity_key(enrollment_id: str) -> str:
    return f"inactivity:{enrollment_id}"


def plan(enrollment: EnrollmentRecord, course: CourseRecord) -> list[PlannedReminder]:
    """Every reminder an ACTIVE enrolment should have for the newest version of its course (none otherwise)."""
    if not enrollment.active:
        return []
    out: list[PlannedReminder] = []
    for s in course.sessions:
        for offset in SESSION_OFFSETS_MINUTES:
            out.append(
                PlannedReminder(
                    key=session_key(s.lesson_id, enrollment.learner_id, offset),
                    kind=NotificationKind.SESSION_REMINDER,
                    recipient_id=enrollment.learner_id,
                    course_id=course.course_id,
                    enrollment_id=enrollment.enrollment_id,
                    due_at=s.starts_at - timedelta(minutes=offset),
                    fingerprint=s.starts_at.isoformat(),
                    params={
                        "lesson_id": s.lesson_id,
                        "lesson_titles": dict(s.titles),
                        "starts_at": s.starts_at.isoformat(),
                        "ends_at": s.ends_at.isoformat(),
                        "session_zone": s.timezone,
                        "venues": dict(s.venues),
                        "online_url": s.online_url,
                        "offset_minutes": offset,
                    },
                    lesson_id=s.lesson_id,
                    offset_minutes=offset,
                )
            )
    days = course.inactivity_reminder_days
    since = enrollment.last_activity_at or enrollment.status_at
    if days and since is not None:
        out.append(
            PlannedReminder(
                key=inactivity_key(enrollment.enrollment_id),
                kind=NotificationKind.INACTIVITY_REMINDER,
                recipient_id=enrollment.learner_id,
                course_id=course.course_id,
                enrollment_id=enrollment.enrollment_id,
                due_at=since + timedelta(days=days),
                fingerprint=f"{since.isoformat()}/{days}",
                params={"days": days},
            )
        )
    return out


def session_reminder_applies(starts_at: datetime, offset_minutes: int, now: datetime, min_gap_minutes: int) -> bool:
    """A due session reminder is sent unless the session started, or (the 24-hour one) the next,
    closer reminder is about due anyway: a service that was down sends one reminder, not two at once."""
    if now >= starts_at:
        return False
    closer = [o for o in SESSION_OFFSETS_MINUTES if o < offset_minutes]
    if closer:
        next_due = starts_at - timedelta(minutes=max(closer))
        if now >= next_due - timedelta(minutes=min_gap_minutes):
            return False
    return True
