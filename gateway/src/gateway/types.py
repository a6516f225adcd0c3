"""Scalars, enums and small types shared by every domain of the schema.

GraphQL objects are backed directly by the services' JSON (camelCase, the same names as the schema),
so most fields need no resolver at all: see ``resolve_default`` in :mod:`gateway.schema`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from typing import Any, NewType

import strawberry
from strawberry.scalars import JSON

from lms_shared.errors import BadInput
from lms_shared.i18n import as_mapping, pick

__all__ = [
    "DATETIME_SCALAR",
    "JSON",
    "DateTime",
    "Json",
    "LocalizedText",
    "LocalizedTextInput",
    "input_json",
    "localized",
]

Json = dict[str, Any]


def _serialize_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _parse_datetime(value: Any) -> datetime:
    # A domain error, so the caller gets BAD_USER_INPUT with this message (a plain ValueError from a
    # scalar would be masked as an unexpected failure by the error shaping).
    if not isinstance(value, str):
        raise BadInput("A DateTime is a string: an ISO 8601 date-time, e.g. 2026-05-01T09:00:00Z.")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{value[:40]!r} is not an ISO 8601 date-time; use e.g. 2026-05-01T09:00:00Z.") from None


DateTime = NewType("DateTime", str)
"""ISO 8601, UTC. The services already answer such strings; they pass through without a parse."""

DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    description="ISO 8601, UTC",
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)


@strawberry.enum(description="What a person may do on the platform.")
class Role(Enum):
    LEARNER = "LEARNER"
    TRAINER = "TRAINER"
    ADMIN = "ADMIN"
    COUNTRY_ADMIN = strawberry.enum_value(
        "COUNTRY_ADMIN",
        description="Token role `country_admin`: administers only the member state in the token's `org` claim.",
    )


@strawberry.enum(description="Where a course is in its life.")
class CourseStatus(Enum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


@strawberry.enum(description="What a lesson holds.")
class LessonKind(Enum):
    TEXT = "TEXT"
    VIDEO = "VIDEO"
    DOCUMENT = "DOCUMENT"
    QUIZ = "QUIZ"
    LIVE = strawberry.enum_value("LIVE", description="A scheduled session; attending it completes the lesson.")
    SURVEY = strawberry.enum_value("SURVEY", description="A feedback form; submitting it completes the lesson.")


@strawberry.enum(description="Whether an uploaded material's bytes arrived and passed the checks.")
class MaterialStatus(Enum):
    PENDING = "PENDING"
    READY = "READY"
    REJECTED = "REJECTED"


@strawberry.enum(description="Where a learner is in a course.")
class EnrollmentStatus(Enum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    PENDING = strawberry.enum_value("PENDING", description="Registered; waits for approval (holds a seat).")
    WAITLISTED = strawberry.enum_value("WAITLISTED", description="Registered; waits for a seat (see waitlistPosition).")
    REJECTED = strawberry.enum_value("REJECTED", description="Registration refused (see reason).")


@strawberry.enum(description="Where a learner is in one lesson.")
class LessonStatus(Enum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


@strawberry.enum(description="Whether a certificate still stands.")
class CertificateStatus(Enum):
    VALID = "VALID"
    REVOKED = "REVOKED"


@strawberry.enum(description="What a certificate certifies: a completed course, or taking part in an event.")
class CertificateKind(Enum):
    COMPLETION = "COMPLETION"
    PARTICIPATION = "PARTICIPATION"


@strawberry.enum(description="Where a bulk issuance job is.")
class BulkJobStatus(Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@strawberry.type(description="A text in one language.")
class LocalizedText:
    lang: str = strawberry.field(description="Language code, e.g. az, kk, ru.")
    text: str = strawberry.field(description="The text in that language.")


@strawberry.input(description="A text in one language.")
class LocalizedTextInput:
    lang: str = strawberry.field(description="Language code, e.g. az, kk, ru.")
    text: str = strawberry.field(description="The text in that language.")


@strawberry.type(description="Cursor pagination state.")
class PageInfo:
    endCursor: str | None = strawberry.field(description="Pass as `after` to get the next page.")
    hasNextPage: bool = strawberry.field(description="Whether another page follows.")


def localized(texts: Any, lang: str | None, locale: str | None, default: str | None) -> str | None:
    """The text in the fallback order ``lang`` → viewer's locale → course default → any."""
    return pick(as_mapping(texts), lang or None, locale, default)


def input_json(value: Any) -> Any:
    """A Strawberry input as the services' JSON: UNSET fields left out, enums as their names."""
    if value is strawberry.UNSET:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [input_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: input_json(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not strawberry.UNSET
        }
    return value
