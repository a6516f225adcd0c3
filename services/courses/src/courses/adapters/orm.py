"""The courses database: the working draft (course, module, lesson, material), the immutable
published versions, the enrolments learned from events, and the outbox/inbox tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from lms_shared.db import new_metadata
from lms_shared.idempotency import idempotency_table
from lms_shared.inbox import processed_event_table
from lms_shared.outbox import outbox_table


def _ts(name: str, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable, server_default=None if nullable else func.now())


metadata = new_metadata()

course = Table(
    "course",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("owner_id", String(255), nullable=False, index=True),
    Column("default_language", String(8), nullable=False),
    Column("titles", JSONB, nullable=False),
    Column("summaries", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("topics", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("topic_keys", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("languages", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("search_text", Text, nullable=False, server_default=""),
    Column("auto_issue", Boolean, nullable=False, server_default=text("true")),
    Column("template_id", String(64), nullable=True),
    Column("status", String(16), nullable=False, server_default="DRAFT"),
    # Latest published version (0: never published).
    Column("version", Integer, nullable=False, server_default=text("0")),
    # Incremented by every edit of the draft; publishing records the revision it froze.
    Column("revision", Integer, nullable=False, server_default=text("0")),
    Column("published_revision", Integer, nullable=False, server_default=text("0")),
    # Counts changes of the owner and co-owners (course.owners_changed revision); it only grows.
    Column("owner_revision", Integer, nullable=False, server_default=text("0")),
    # Issue 15: who gets a seat (capacity, quotas, approval, closing date, waiting list), the kind of
    # certificate, and the inactivity reminder (days; NULL = never).
    Column("registration", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("certificate_kind", String(16), nullable=False, server_default="COMPLETION"),
    Column("inactivity_reminder_days", Integer, nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("published_at", nullable=True),
    _ts("archived_at", nullable=True),
    Index("ix_course_created", "created_at", "id"),
)

course_co_owner = Table(
    "course_co_owner",
    metadata,
    Column("course_id", String(36), ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("trainer_id", String(255), primary_key=True),
    _ts("added_at"),
    Index("ix_course_co_owner_trainer", "trainer_id"),
)

# Every id seen with the trainer (or admin) role in a verified token: only they can become co-owners
# (courses has no user directory; a learner made co-owner would see drafts).
known_trainer = Table(
    "known_trainer",
    metadata,
    Column("id", String(255), primary_key=True),
    _ts("first_seen_at"),
)

module = Table(
    "module",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("course_id", String(36), ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("titles", JSONB, nullable=False),
    _ts("created_at"),
)

material = Table(
    "material",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("course_id", String(36), ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=True),
    # The ETag of the confirmed object at object_key; downloads are refused when it no longer matches.
    Column("etag", String(255), nullable=True),
    # Whether quarantine/<id> was deleted after the upload policy expired (a POST after confirming lands there).
    Column("quarantine_swept", Boolean, nullable=False, server_default=text("false")),
    Column("status", String(16), nullable=False),
    Column("rejection_reason", Text, nullable=True),
    Column("object_key", Text, nullable=False),
    Column("uploaded_by", String(255), nullable=False),
    _ts("created_at"),
    _ts("upload_expires_at"),
    _ts("confirmed_at", nullable=True),
    Index("ix_material_pending", "created_at", postgresql_where=text("status = 'PENDING'")),
)

lesson = Table(
    "lesson",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("module_id", String(36), ForeignKey("module.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("course_id", String(36), ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("titles", JSONB, nullable=False),
    Column("bodies", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("duration_minutes", Integer, nullable=True),
    Column("required", Boolean, nullable=False, server_default=text("true")),
    Column("material_id", String(36), ForeignKey("material.id", ondelete="SET NULL"), nullable=True),
    # The quiz with its answer key; it leaves the service only inside course.published.
    Column("quiz", JSONB, nullable=True),
    # A LIVE lesson's session (its online link leaves the service only to editors and in course.published).
    Column("live", JSONB, nullable=True),
    # A SURVEY lesson's questions (never answers: those are progress's).
    Column("survey", JSONB, nullable=True),
    _ts("created_at"),
)

course_version = Table(
    "course_version",
    metadata,
    Column("course_id", String(36), ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("snapshot", JSONB, nullable=False),
    Column("topic_keys", ARRAY(Text), nullable=False),
    Column("languages", ARRAY(Text), nullable=False),
    Column("search_text", Text, nullable=False),
    Column("published_by", String(255), nullable=False),
    _ts("published_at"),
)

course_enrollment = Table(
    "course_enrollment",
    metadata,
    Column("enrollment_id", String(64), primary_key=True),
    Column("course_id", String(36), nullable=False),
    Column("course_version", Integer, nullable=False),
    Column("learner_id", String(255), nullable=False),
    _ts("enrolled_at"),
    # Set by enrollment.withdrawn, cleared when progress re-announces the enrolment (a come-back).
    _ts("withdrawn_at", nullable=True),
    # The time of the last enrolment event applied: an older event arriving late changes nothing.
    _ts("changed_at", nullable=True),
    Index("ix_course_enrollment_course_learner", "course_id", "learner_id"),
)

outbox = outbox_table(metadata)
processed_event = processed_event_table(metadata)
idempotency = idempotency_table(metadata)
