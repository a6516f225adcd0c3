"""The progress database: a local copy of published courses, enrolments, lesson progress, certificates."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from lms_shared.db import new_metadata
from lms_shared.idempotency import idempotency_table
from lms_shared.inbox import processed_event_table
from lms_shared.outbox import outbox_table

metadata = new_metadata()

# Every published version, immutable: an enrolment pinned to version 1 keeps working after version 2.
course_version = Table(
    "course_version",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("snapshot", JSONB, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One row per course: which version new enrolments pin, who may see its reports, whether it is archived.
course = Table(
    "course",
    metadata,
    Column("course_id", String(64), primary_key=True),
    # 0 while only an archive event has been seen (events may arrive out of order).
    Column("current_version", Integer, nullable=False, server_default=text("0")),
    Column("owner_id", String(64), nullable=True),
    Column("co_owner_ids", ARRAY(String(64)), nullable=False, server_default=text("'{}'")),
    # The ownership revision the owners above come from (course.owners_changed / course.published).
    Column("owner_revision", Integer, nullable=False, server_default=text("0")),
    # The version that was current when the course was archived; a later version re-opens it.
    Column("archived_version", Integer, nullable=True),
    Column("archived_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

enrollment = Table(
    "enrollment",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("learner_name", String(300), nullable=False),
    Column("org", String(64), nullable=True),
    Column("municipality", String(200), nullable=True),
    Column("locale", String(16), nullable=True),
    Column("course_version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("via", String(16), nullable=False),
    Column("score", Integer, nullable=True),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("course_id", "learner_id"),
    Index("ix_enrollment_learner", "learner_id"),
    Index("ix_enrollment_course_status", "course_id", "status"),
)

lesson_progress = Table(
    "lesson_progress",
    metadata,
    Column("enrollment_id", String(64), ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True),
    Column("lesson_id", String(64), primary_key=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("best_score", Integer, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Certificates as the certificates service announced them; keyed by certificate so a revocation that
# overtakes its issuance still ends REVOKED.
certificate = Table(
    "certificate",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("code", String(64), nullable=False),
    Column("course_id", String(64), nullable=False),
    Column("learner_id", String(255), nullable=True),
    Column("enrollment_id", String(64), nullable=True),
    Column("revoked", Boolean, nullable=False, server_default=text("false")),
    Column("issued_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_certificate_course_learner", "course_id", "learner_id"),
    Index("ix_certificate_enrollment", "enrollment_id"),
)

outbox = outbox_table(metadata)
inbox = processed_event_table(metadata)
idempotency = idempotency_table(metadata)
