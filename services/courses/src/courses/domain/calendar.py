"""A published course's live sessions as an iCalendar (RFC 5545) feed, for Outlook, Google Calendar
and phones that subscribe to ``Course.calendarUrl``.

- One VEVENT per LIVE lesson. Its UID is built from the lesson id only, so it never changes across
  versions: a calendar that imported the feed updates the event instead of adding a second one.
- SEQUENCE is the course version the feed shows: it grows with every publish, so a moved session
  (edit the draft, publish a new version) always reaches subscribers as a newer revision.
- DTSTART/DTEND carry the session's own zone (TZID) and the feed has the matching VTIMEZONE.
- The feed is public: it never carries the online join link (that is for ACTIVE learners only).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from courses.domain.live import session_local
from courses.domain.model import Course, LessonKind
from lms_shared.i18n import pick

PRODID = "-//Kentbilim//Live sessions//EN"
UID_DOMAIN = "kentbilim"


def session_uid(lesson_id: str) -> str:
    """Stable across versions: the lesson id is the session's identity, whatever its time or venue."""
    return f"live-{lesson_id}@{UID_DOMAIN}"


def course_calendar(course: Course, lang: str | None, *, course_url: str | None = None) -> bytes:
    """The feed of ``course`` (a published version), texts in ``lang`` with the usual fallback."""
    title = pick(course.titles, lang, None, course.default_language) or course.slug
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", title)
    stamp = (course.published_at or datetime.now(UTC)).astimezone(UTC)
    for lesson in course.lessons():
        session = lesson.live
        if lesson.kind is not LessonKind.LIVE or session is None:
            continue
        event = Event()
        event.add("uid", session_uid(lesson.id))
        event.add("sequence", max(course.version, 0))
        event.add("dtstamp", stamp)
        starts, ends = session_local(session)
        if session.timezone == "UTC":
            starts, ends = starts.astimezone(UTC), ends.astimezone(UTC)
        else:
            starts = starts.replace(tzinfo=ZoneInfo(session.timezone))
            ends = ends.replace(tzinfo=ZoneInfo(session.timezone))
        event.add("dtstart", starts)
        event.add("dtend", ends)
        lesson_title = pick(lesson.titles, lang, None, course.default_language) or ""
        event.add("summary", f"{lesson_title} · {title}" if lesson_title else title)
        venue = pick(session.venues, lang, None, course.default_language) if session.venues else None
        if venue:
            event.add("location", venue)
        if course_url:
            event.add("url", course_url)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data
