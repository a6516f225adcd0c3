"""Events inside a course (issue 15): live sessions, feedback surveys, the registration policy and the
kind of certificate the course prints.

Pure rules: each ``check_*`` function raises ``ValueError`` with a message a trainer can act on; the
commands (``service_layer/commands.py``) call them while parsing a request, so a bad value answers
BAD_USER_INPUT before any handler runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from lms_shared.auth import ORG_CODE

Localized = dict[str, str]

ONLINE_URL_MAX = 2000
"""A join link longer than this is not a meeting link (and would not fit on a projector page)."""
VENUE_MAX = 500
SESSION_MAX_DAYS = 31
"""A single session lasting more than a month is a typing mistake; a forum is several sessions."""
RATING_SCALE_DEFAULT = 5
RATING_SCALE_MIN, RATING_SCALE_MAX = 2, 10
SURVEY_QUESTIONS_MAX = 100
SURVEY_OPTIONS_MAX = 20
INACTIVITY_DAYS_MIN, INACTIVITY_DAYS_MAX = 1, 365
_ZONE_SYNTAX = re.compile(r"^[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*$")


class CertificateKind(StrEnum):
    COMPLETION = "COMPLETION"
    PARTICIPATION = "PARTICIPATION"


class SurveyQuestionKind(StrEnum):
    RATING = "RATING"
    TEXT = "TEXT"
    SINGLE_CHOICE = "SINGLE_CHOICE"


@dataclass
class LiveSession:
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venues: Localized = field(default_factory=dict)
    online_url: str | None = None
    capacity: int | None = None


@dataclass
class SurveyOption:
    id: str
    labels: Localized


@dataclass
class SurveyQuestion:
    id: str
    kind: SurveyQuestionKind
    prompts: Localized
    scale: int | None = None
    options: list[SurveyOption] = field(default_factory=list)


@dataclass
class Survey:
    questions: list[SurveyQuestion]
    anonymous: bool = True


@dataclass
class RegistrationPolicy:
    """The first release's behaviour by default: unlimited seats, no approval, never closes."""

    capacity: int | None = None
    approval_required: bool = False
    quotas: dict[str, int] = field(default_factory=dict)
    closes_at: datetime | None = None
    waitlist: bool = True


# --- rules ---------------------------------------------------------------------------------------


def check_timezone(name: str) -> str:
    """An IANA zone name that zoneinfo knows (``Asia/Baku``); fixed offsets like ``+04:00`` are refused."""
    value = name.strip()
    if not value or not _ZONE_SYNTAX.match(value) or value.startswith(("posix/", "right/")):
        raise ValueError(f"{name!r} is not an IANA time zone; use a name such as Asia/Baku or Europe/Istanbul")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a time zone zoneinfo knows; use a name such as Asia/Baku") from exc
    return value


def known_timezones() -> list[str]:
    """The zones a trainer can pick from (the web client's selector)."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "posix/", "right/")))


def check_aware(value: datetime, what: str) -> datetime:
    """An instant with its offset, stored in UTC; a wall-clock time alone is ambiguous across zones."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} needs a time zone offset, e.g. 2026-05-14T09:00:00+04:00 or ...Z")
    return value.astimezone(UTC)


def check_session_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValueError(
            f"the session ends ({ends_at.isoformat()}) before or when it starts ({starts_at.isoformat()}); "
            "endsAt must be later than startsAt"
        )
    if (ends_at - starts_at).days >= SESSION_MAX_DAYS:
        raise ValueError(
            f"a session lasts at most {SESSION_MAX_DAYS} days; split a longer event into several LIVE lessons"
        )


def check_online_url(url: str) -> str:
    """A join link: https only (it is opened from phones in the room), a host, no credentials, sane length."""
    value = url.strip()
    if len(value) > ONLINE_URL_MAX:
        raise ValueError(f"the online link is {len(value):,} characters long; the limit is {ONLINE_URL_MAX:,}")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("the online link contains spaces or control characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        raise ValueError(f"the online link {value!r} is not a URL") from exc
    if parts.scheme.lower() != "https":
        raise ValueError("the online link must start with https:// (plain http and other schemes are refused)")
    if not host:
        raise ValueError(f"the online link {value!r} has no host name")
    if parts.username or parts.password:
        raise ValueError("the online link must not contain a user name or password")
    return value


def check_capacity(value: int | None, what: str = "capacity") -> int | None:
    if value is not None and value < 1:
        raise ValueError(f"{what} is the number of seats: at least 1, or null for unlimited")
    return value


def check_org(code: str) -> str:
    """A member state as tokens and country admins name it: ISO 3166-1 alpha-2, upper case."""
    if not ORG_CODE.match(code):
        raise ValueError(f"{code!r} is not a member-state code; use two upper-case letters such as AZ, KZ or TR")
    return code


def check_quotas(capacity: int | None, quotas: Mapping[str, int]) -> None:
    for org, seats in quotas.items():
        check_org(org)
        if seats < 1:
            raise ValueError(f"the quota for {org} is {seats}; reserve at least 1 seat, or leave the state out")
    total = sum(quotas.values())
    if capacity is not None and total > capacity:
        raise ValueError(
            f"the quotas reserve {total} seats in all, more than the course's capacity of {capacity}; "
            "lower the quotas or raise the capacity"
        )


def check_inactivity_days(value: int | None) -> int | None:
    if value is not None and not INACTIVITY_DAYS_MIN <= value <= INACTIVITY_DAYS_MAX:
        raise ValueError(
            f"inactivityReminderDays is {value}; use {INACTIVITY_DAYS_MIN}..{INACTIVITY_DAYS_MAX} days, "
            "or null for no reminder"
        )
    return value


def check_rating_scale(scale: int | None) -> int:
    value = RATING_SCALE_DEFAULT if scale is None else scale
    if not RATING_SCALE_MIN <= value <= RATING_SCALE_MAX:
        raise ValueError(f"a rating scale runs from 1 to {RATING_SCALE_MIN}..{RATING_SCALE_MAX}; {value} is outside")
    return value


def survey_problems(survey: Survey | None) -> list[str]:
    """What is wrong with a survey as a whole (each question's shape is checked when it is parsed)."""
    if survey is None or not survey.questions:
        return ["add at least one question to the survey"]
    problems = []
    for n, q in enumerate(survey.questions, start=1):
        if q.kind is SurveyQuestionKind.SINGLE_CHOICE and len(q.options) < 2:
            problems.append(f"question {n} is SINGLE_CHOICE and needs at least two options")
        if not q.prompts:
            problems.append(f"question {n} has no prompt")
    return problems


def session_local(session: LiveSession) -> tuple[datetime, datetime]:
    """Start and end as the session announces them, in its own zone."""
    zone = ZoneInfo(session.timezone)
    return session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)


# --- JSON (draft columns and version snapshots) --------------------------------------------------


def live_to_json(s: LiveSession) -> dict[str, Any]:
    return {
        "startsAt": s.starts_at.astimezone(UTC).isoformat(),
        "endsAt": s.ends_at.astimezone(UTC).isoformat(),
        "timezone": s.timezone,
        "venues": s.venues,
        "onlineUrl": s.online_url,
        "capacity": s.capacity,
    }


def live_from_json(d: Mapping[str, Any]) -> LiveSession:
    return LiveSession(
        starts_at=datetime.fromisoformat(d["startsAt"]),
        ends_at=datetime.fromisoformat(d["endsAt"]),
        timezone=d["timezone"],
        venues=dict(d.get("venues") or {}),
        online_url=d.get("onlineUrl"),
        capacity=d.get("capacity"),
    )


def survey_to_json(s: Survey) -> dict[str, Any]:
    return {
        "anonymous": s.anonymous,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind.value,
                "prompts": q.prompts,
                "scale": q.scale,
                "options": [{"id": o.id, "labels": o.labels} for o in q.options],
            }
            for q in s.questions
        ],
    }


def survey_from_json(d: Mapping[str, Any]) -> Survey:
    return Survey(
        anonymous=bool(d.get("anonymous", True)),
        questions=[
            SurveyQuestion(
                id=q["id"],
                kind=SurveyQuestionKind(q["kind"]),
                prompts=dict(q.get("prompts") or {}),
                scale=q.get("scale"),
                options=[SurveyOption(o["id"], dict(o.get("labels") or {})) for o in q.get("options") or []],
            )
            for q in d.get("questions") or []
        ],
    )


def registration_to_json(r: RegistrationPolicy) -> dict[str, Any]:
    return {
        "capacity": r.capacity,
        "approvalRequired": r.approval_required,
        "quotas": dict(r.quotas),
        "closesAt": r.closes_at.astimezone(UTC).isoformat() if r.closes_at else None,
        "waitlist": r.waitlist,
    }


def registration_from_json(d: Mapping[str, Any] | None) -> RegistrationPolicy:
    if not d:
        return RegistrationPolicy()
    closes = d.get("closesAt")
    return RegistrationPolicy(
        capacity=d.get("capacity"),
        approval_required=bool(d.get("approvalRequired", False)),
        quotas={str(k): int(v) for k, v in (d.get("quotas") or {}).items()},
        closes_at=datetime.fromisoformat(closes) if closes else None,
        waitlist=bool(d.get("waitlist", True)),
    )
