"""The notifications database: people, preferences, course and enrolment projections, notifications,
staged emails, scheduled reminders, and the shared outbox, inbox and idempotency tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
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

# Whom the service can reach: from the person's own token (every call) and events' LearnerData.
# ``facts_at`` is the time of the freshest source, so a late event never overwrites a newer token.
person = Table(
    "person",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("name", String(300), nullable=True),
    Column("email", String(320), nullable=True),
    Column("locale", String(16), nullable=True),
    Column("zoneinfo", String(64), nullable=True),
    Column("erased", Boolean, nullable=False, server_default=text("false")),
    Column("facts_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

preference = Table(
    "preference",
    metadata,
    Column("person_id", String(255), primary_key=True),
    Column("email", Boolean, nullable=False, server_default=text("true")),
    Column("muted_email_kinds", ARRAY(String(32)), nullable=False, server_default=text("'{}'")),
    Column("digest", String(8), nullable=False, server_default=text("'NONE'")),
    Column("locale", String(16), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("digest IN ('NONE', 'DAILY', 'WEEKLY')", name="digest"),
)

# The newest published version of each course: titles for the texts, live sessions, inactivity days.
course = Table(
    "course",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("titles", JSONB, nullable=False),
    Column("default_language", String(16), nullable=False),
    Column("inactivity_reminder_days", Integer, nullable=True),
    Column("sessions", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("published_at", DateTime(timezone=True), nullable=False),
)

# Enrolments as the progress events describe them, in any order: the status with the latest
# ``status_at`` wins; ``last_activity_at`` (lesson.completed) only moves forward.
enrollment = Table(
    "enrollment",
    metadata,
    Column("enrollment_id", String(64), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("course_version", Integer, nullable=False),
    Column("status", String(16), nullable=True),
    Column("status_at", DateTime(timezone=True), nullable=True),
    Column("last_activity_at", DateTime(timezone=True), nullable=True),
    Index("ix_enrollment_course_status", "course_id", "status"),
    Index("ix_enrollment_learner", "learner_id"),
)

notification = Table(
    "notification",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("recipient_id", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    # What happened, once: a redelivered or re-planned event finds its notification stored.
    Column("dedupe_key", String(400), nullable=False, unique=True),
    # Facts for the texts (never rendered text: each reader gets their language).
    Column("params", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("url", Text, nullable=True),
    Column("course_id", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
    Index("ix_notification_recipient_created", "recipient_id", text("created_at DESC"), text("id DESC")),
    Index(
        "ix_notification_recipient_unread",
        "recipient_id",
        text("created_at DESC"),
        text("id DESC"),
        postgresql_where=text("read_at IS NULL"),
    ),
)

# One email per notification, staged with it; the email part's sender loop sends it (README, "seam").
email_delivery = Table(
    "email_delivery",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "notification_id", String(36), ForeignKey("notification.id", ondelete="CASCADE"), nullable=False, unique=True
    ),
    Column("recipient_id", String(255), nullable=False),
    Column("to_address", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default=text("'PENDING'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text, nullable=True),
    Column("message_id", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'PARKED')", name="status"),
    Index("ix_email_delivery_due", "status", "next_attempt_at"),
    Index("ix_email_delivery_recipient", "recipient_id"),
)

# Reminders due later: one row per (session lesson, learner, offset) or per enrolment (inactivity).
notification_schedule = Table(
    "notification_schedule",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("key", String(400), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("recipient_id", String(255), nullable=False),
    Column("course_id", String(64), nullable=False),
    Column("enrollment_id", String(64), nullable=False),
    Column("lesson_id", String(64), nullable=True),
    Column("offset_minutes", Integer, nullable=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    # The facts it was planned from (session start, last activity): a new one makes a sent row due again.
    Column("fingerprint", String(200), nullable=False),
    Column("params", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("status", String(16), nullable=False, server_default=text("'PENDING'")),
    Column("processed_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('PENDING', 'DONE', 'SKIPPED', 'CANCELLED')", name="status"),
    Index("ix_notification_schedule_due", "due_at", postgresql_where=text("status = 'PENDING'")),
    Index("ix_notification_schedule_enrollment", "enrollment_id"),
)

outbox = outbox_table(metadata)
inbox = processed_event_table(metadata)
idempotency = idempotency_table(metadata)

# --- email part (migration 0002) --------------------------------------------------------------
# One digest email per person and period (``D2026-12-01``, ``W2026-W49``): the UNIQUE pair makes the
# digest job exactly-once per period; it is sent like ``email_delivery`` (same statuses and lease).
email_digest = Table(
    "email_digest",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("recipient_id", String(255), nullable=False),
    Column("frequency", String(8), nullable=False),
    Column("period_key", String(16), nullable=False),
    Column("period_start", DateTime(timezone=True), nullable=False),
    Column("period_end", DateTime(timezone=True), nullable=False),
    Column("to_address", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default=text("'PENDING'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text, nullable=True),
    Column("message_id", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'PARKED')", name="status"),
    CheckConstraint("frequency IN ('DAILY', 'WEEKLY')", name="frequency"),
    UniqueConstraint("recipient_id", "period_key"),
    Index("ix_email_digest_due", "status", "next_attempt_at"),
)

# The notifications a digest lists: a notification is in at most one digest (its primary key).
email_digest_item = Table(
    "email_digest_item",
    metadata,
    Column("notification_id", String(36), ForeignKey("notification.id", ondelete="CASCADE"), primary_key=True),
    Column("digest_id", String(36), ForeignKey("email_digest.id", ondelete="CASCADE"), nullable=False),
    Index("ix_email_digest_item_digest", "digest_id"),
)
