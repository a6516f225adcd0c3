"""Certificates of participation: an event is a course whose lessons include ``LIVE`` sessions (issue 15).

A course's certificate policy says which kind its certificates are (``course.published``'s
``certificate_policy.kind``): ``COMPLETION`` (the first release's only kind) or ``PARTICIPATION``.
A participation certificate prints the event's name (the course title), its dates and its venue.

Two shapes of the same facts:

* :class:`EventFacts`, kept per published version of the course (``course_version_policy.event``):
  the first session's start, the last session's end, the zone the event is announced in (the first
  session's) and the venue per language (the first session that names one).
* :class:`PrintedEvent`, kept with each certificate (``certificate.printed.event``): the first and
  last day *in that zone* and the venue in the certificate's language, exactly as printed, so a
  re-render never depends on the tz database or on the course changing later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lms_shared.i18n import pick

CertificateKind = Literal["COMPLETION", "PARTICIPATION"]
COMPLETION: Final = "COMPLETION"
PARTICIPATION: Final = "PARTICIPATION"
KINDS: Final = (COMPLETION, PARTICIPATION)


def kind_of(value: object) -> CertificateKind:
    """A stored or received kind; anything unknown reads as a certificate of completion."""
    return PARTICIPATION if value == PARTICIPATION else COMPLETION


@dataclass(frozen=True, slots=True)
class Session:
    """One ``LIVE`` lesson's schedule, as ``course.published`` gives it."""

    starts_at: datetime
    ends_at: datetime
    timezone: str
    venues: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """When and where an event took place: what its participation certificates print."""

    starts_at: datetime
    """The first session's start (aware, UTC)."""
    ends_at: datetime
    """The last session's end (aware, UTC)."""
    timezone: str
    """The IANA zone the dates are printed in: the first session's."""
    venues: Mapping[str, str] = field(default_factory=dict)
    """The venue per language (the first session that names one); empty for an online event."""

    @classmethod
    def of_sessions(cls, sessions: Iterable[Session]) -> EventFacts | None:
        """The event of a course's live sessions; None when it has none."""
        ordered = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at))
        if not ordered:
            return None
        first = ordered[0]
        venues = next(({k: v for k, v in s.venues.items() if v.strip()} for s in ordered if _has_venue(s)), {})
        return cls(
            starts_at=first.starts_at.astimezone(UTC),
            ends_at=max(s.ends_at for s in ordered).astimezone(UTC),
            timezone=first.timezone,
            venues=venues,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "startsAt": self.starts_at.isoformat(),
            "endsAt": self.ends_at.isoformat(),
            "timezone": self.timezone,
            "venues": dict(self.venues),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> EventFacts | None:
        if not data:
            return None
        return cls(
            starts_at=datetime.fromisoformat(data["startsAt"]),
            ends_at=datetime.fromisoformat(data["endsAt"]),
            timezone=str(data["timezone"]),
            venues=dict(data.get("venues") or {}),
        )

    def printed(self, lang: str, default_language: str) -> PrintedEvent:
        """What a certificate in ``lang`` prints: the days in the event's zone, the venue in ``lang``.

        The venue falls back as every course text does (``lms_shared.i18n.pick``): the
        certificate's language, else the course's default language, else any venue given.
        """
        zone = _zone(self.timezone)
        start = self.starts_at.astimezone(zone)
        end = self.ends_at.astimezone(zone)
        last = end.date()
        if end.time() == time(0) and end > start:  # a session "until 24:00" ends on the day before
            last -= timedelta(days=1)
        return PrintedEvent(
            first_day=start.date(),
            last_day=max(start.date(), last),
            timezone=self.timezone,
            venue=pick(dict(self.venues), lang, None, default_language),
        )


@dataclass(frozen=True, slots=True)
class PrintedEvent:
    """The event as one certificate prints it (kept in ``certificate.printed.event``)."""

    first_day: date
    last_day: date
    timezone: str
    venue: str | None = None

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("the event's last day is before its first")

    def to_json(self) -> dict[str, Any]:
        return {
            "firstDay": self.first_day.isoformat(),
            "lastDay": self.last_day.isoformat(),
            "timezone": self.timezone,
            "venue": self.venue,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> PrintedEvent | None:
        if not data:
            return None
        return cls(
            first_day=date.fromisoformat(data["firstDay"]),
            last_day=date.fromisoformat(data["lastDay"]),
            timezone=str(data.get("timezone") or "UTC"),
            venue=data.get("venue") or None,
        )


def _has_venue(session: Session) -> bool:
    return any(v.strip() for v in session.venues.values())


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        # courses validates the zone; an unknown one (an older tz database here) prints UTC dates
        return ZoneInfo("UTC")
