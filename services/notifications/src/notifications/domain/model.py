"""The notifications model: kinds, preferences, people, and a notification before it is stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from lms_shared.errors import BadInput
from lms_shared.i18n import SUPPORTED_LANGUAGES, normalize_lang


class NotificationKind(StrEnum):
    CERTIFICATE_ISSUED = "CERTIFICATE_ISSUED"
    CERTIFICATE_REVOKED = "CERTIFICATE_REVOKED"
    ENROLLED = "ENROLLED"
    REGISTRATION_APPROVED = "REGISTRATION_APPROVED"
    REGISTRATION_REJECTED = "REGISTRATION_REJECTED"
    WAITLIST_PROMOTED = "WAITLIST_PROMOTED"
    COURSE_UPDATED = "COURSE_UPDATED"
    SESSION_REMINDER = "SESSION_REMINDER"
    INACTIVITY_REMINDER = "INACTIVITY_REMINDER"
    BULK_JOB_FINISHED = "BULK_JOB_FINISHED"


class DigestFrequency(StrEnum):
    NONE = "NONE"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


def parse_kinds(values: Iterable[str]) -> list[NotificationKind]:
    """Kinds named by a client, de-duplicated in enum order; an unknown name is the client's error."""
    wanted: set[NotificationKind] = set()
    for value in values:
        try:
            wanted.add(NotificationKind(value))
        except ValueError:
            known = ", ".join(k.value for k in NotificationKind)
            raise BadInput(f"{value!r} is not a kind of notification; use one of {known}.") from None
    return [k for k in NotificationKind if k in wanted]


def parse_locale(value: str | None) -> str | None:
    """A preferred language among the seven the platform speaks (``kk-KZ`` is ``kk``); None clears it."""
    if value is None or not value.strip():
        return None
    lang = normalize_lang(value)
    if lang not in SUPPORTED_LANGUAGES:
        raise BadInput(f"{value!r} is not a language of the platform; use one of {', '.join(SUPPORTED_LANGUAGES)}.")
    return lang


def parse_digest(value: str) -> DigestFrequency:
    try:
        return DigestFrequency(value)
    except ValueError:
        raise BadInput(f"{value!r} is not a digest frequency; use NONE, DAILY or WEEKLY.") from None


@dataclass(frozen=True)
class Preferences:
    """What a person wants by email; in-app always shows everything."""

    email: bool = True
    muted_email_kinds: tuple[NotificationKind, ...] = ()
    digest: DigestFrequency = DigestFrequency.NONE
    locale: str | None = None

    def wants_email_now(self, kind: NotificationKind) -> bool:
        """One email per notification, now (a digest collects them instead)."""
        return self.email and kind not in self.muted_email_kinds and self.digest is DigestFrequency.NONE

    def updated(self, changes: Mapping[str, Any]) -> Preferences:
        """These preferences with the fields a client sent (any subset), each validated."""
        out = self
        if changes.get("email") is not None:
            out = replace(out, email=bool(changes["email"]))
        if changes.get("muted_email_kinds") is not None:
            out = replace(out, muted_email_kinds=tuple(parse_kinds(changes["muted_email_kinds"])))
        if changes.get("digest") is not None:
            out = replace(out, digest=parse_digest(changes["digest"]))
        if "locale" in changes:
            out = replace(out, locale=parse_locale(changes["locale"]))
        return out


@dataclass(frozen=True)
class Person:
    """A person as the service learned them: from their own token or from events' ``LearnerData``."""

    id: str
    name: str | None = None
    email: str | None = None
    locale: str | None = None
    zoneinfo: str | None = None
    erased: bool = False


@dataclass(frozen=True)
class NotificationDraft:
    """A notification to store, unless one with the same ``dedupe_key`` already is.

    ``params`` is what the texts need (codes, reasons, links, times), never rendered text: the title
    and body are rendered when read, in the reader's language.
    """

    recipient_id: str
    kind: NotificationKind
    dedupe_key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    course_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Notification:
    id: str
    recipient_id: str
    kind: NotificationKind
    params: Mapping[str, Any]
    url: str | None
    course_id: str | None
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class CourseInfo:
    """What the texts need of a course: its titles and default language (from course.published)."""

    course_id: str
    titles: Mapping[str, str]
    default_language: str


@dataclass(frozen=True)
class Links:
    """Where notifications lead: web-client paths (``url``) and absolute links for texts and emails."""

    public_url: str

    def absolute(self, path: str) -> str:
        return f"{self.public_url.rstrip('/')}{path}"

    @staticmethod
    def verify_path(code: str) -> str:
        return f"/verify/{code}"

    CERTIFICATES = "/certificates"
    LEARNING = "/learning"
    ADMIN_BULK = "/admin/bulk"

    @staticmethod
    def course_path(course_id: str) -> str:
        return f"/courses/{course_id}"

    @staticmethod
    def lesson_path(course_id: str, lesson_id: str) -> str:
        return f"/courses/{course_id}/lessons/{lesson_id}"
