"""Attendance at live sessions, as pure rules: the session window, check-in codes, who was present.

Attendance *is* the completion of a ``LIVE`` lesson: the first time a learner is recorded present
(checked in with the room's code, or marked by a trainer) the lesson is completed through the usual
completion path. Nothing here touches the database or the network.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from lms_shared.errors import BadInput, Conflict

LIVE = "LIVE"

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read off a projector across a hall, typed on a phone.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6


class Method(StrEnum):
    CODE = "CODE"
    TRAINER = "TRAINER"


@dataclass(frozen=True)
class LiveWindow:
    """When a live session takes place (aware UTC instants) and its optional join link."""

    starts_at: datetime
    ends_at: datetime
    timezone: str
    online_url: str | None = None

    @classmethod
    def from_snapshot(cls, raw: Mapping[str, Any]) -> LiveWindow:
        return cls(
            starts_at=_instant(raw["starts_at"]),
            ends_at=_instant(raw["ends_at"]),
            timezone=str(raw.get("timezone") or "UTC"),
            online_url=raw.get("online_url") or None,
        )

    def opens_at(self, margin: timedelta) -> datetime:
        return self.starts_at - margin

    def closes_at(self, margin: timedelta) -> datetime:
        return self.ends_at + margin

    def require_open(self, now: datetime, margin: timedelta) -> None:
        """CONFLICT outside the session window (with ``margin`` before the start and after the end)."""
        if now < self.opens_at(margin):
            raise Conflict(
                f"Check-in opens at {self.opens_at(margin).isoformat(timespec='minutes')} "
                f"({int(margin.total_seconds() // 60)} minutes before the session starts)."
            )
        if now > self.closes_at(margin):
            raise Conflict("This session is over; check-in is closed. Ask a trainer to mark you present.")


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def new_code() -> str:
    """A fresh code: 6 characters of a 25-letter alphabet, about 2.4 × 10⁸ possibilities."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """What the learner typed, as stored: upper case, spaces and dashes dropped (ASCII only)."""
    return "".join(ch for ch in typed.strip().upper() if ch not in " -\t")


def code_digest(course_id: str, lesson_id: str, code: str) -> str:
    """Codes are stored hashed and bound to their session: a code of one session never opens another."""
    return hashlib.sha256(f"{course_id}\x1f{lesson_id}\x1f{code}".encode()).hexdigest()


def code_matches(typed_digest: str, valid_digests: Iterable[str]) -> bool:
    """Constant-time comparison against every valid code (all are compared, whichever matches)."""
    found = False
    for digest in valid_digests:
        found |= hmac.compare_digest(typed_digest, digest)
    return found


@dataclass(frozen=True)
class CheckInPolicy:
    """How long codes live (settings): a code rotates out ``grace`` after a newer one was issued."""

    code_seconds: int
    grace_seconds: int
    margin_minutes: int
    max_failures: int
    failure_window_seconds: int

    @property
    def margin(self) -> timedelta:
        return timedelta(minutes=self.margin_minutes)


def code_expiry(now: datetime, closes_at: datetime, policy: CheckInPolicy) -> datetime:
    return min(now + timedelta(seconds=policy.code_seconds), closes_at)


def check_in_close(
    now: datetime, window: LiveWindow, policy: CheckInPolicy, minutes: int | None, current: datetime | None
) -> datetime:
    """When check-in closes: ``minutes`` from now when given (re)sets it; otherwise the close already
    set by an earlier call, else the end of the session (plus the margin). Never after that end."""
    latest = window.closes_at(policy.margin)
    if minutes is not None:
        if not 1 <= minutes <= 24 * 60:
            raise BadInput("minutes must be between 1 and 1440.")
        return min(now + timedelta(minutes=minutes), latest)
    if current is not None and current > now:
        return min(current, latest)
    return latest


@dataclass(frozen=True)
class AttendanceRecord:
    """One learner's attendance at one session (absent = nothing recorded)."""

    enrollment_id: str
    lesson_id: str
    present: bool
    method: Method
    checked_in_at: datetime | None
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class AttendanceRow:
    """A line of a session's attendance list: every admitted learner, present or not."""

    enrollment_id: str
    learner_id: str
    learner_name: str
    org: str | None
    municipality: str | None
    present: bool
    checked_in_at: datetime | None
    method: Method | None
