"""Notifications: people, preferences, course and enrolment projections, notifications, staged
emails, scheduled reminders, outbox, inbox and idempotency records.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from lms_shared.alembic_ops import (
    create_outbox_and_inbox,
    downgrade_outbox_parking_and_idempotency,
    drop_outbox_and_inbox,
    upgrade_outbox_parking_and_idempotency,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("zoneinfo", sa.String(64), nullable=True),
        sa.Column("erased", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("facts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_table(
        "preference",
        sa.Column("person_id", sa.String(255), nullable=False),
        sa.Column("email", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("muted_email_kinds", postgresql.ARRAY(sa.String(32)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("digest", sa.String(8), server_default=sa.text("'NONE'"), nullable=False),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("digest IN ('NONE', 'DAILY', 'WEEKLY')", name=op.f("ck_preference_digest")),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_preference")),
    )
    op.create_table(
        "course",
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("titles", JSONB, nullable=False),
        sa.Column("default_language", sa.String(16), nullable=False),
        sa.Column("inactivity_reminder_days", sa.Integer(), nullable=True),
        sa.Column("sessions", JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_course")),
    )
    op.create_table(
        "enrollment",
        sa.Column("enrollment_id", sa.String(64), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_enrollment")),
    )
    op.create_index("ix_enrollment_course_status", "enrollment", ["course_id", "status"])
    op.create_index("ix_enrollment_learner", "enrollment", ["learner_id"])
    op.create_table(
        "notification",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("recipient_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(400), nullable=False),
        sa.Column("params", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("course_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    op.create_index(
        "ix_notification_recipient_created",
        "notification",
        ["recipient_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )
    op.create_index(
        "ix_notification_recipient_unread",
        "notification",
        ["recipient_id", sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "email_delivery",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("recipient_id", sa.String(255), nullable=False),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), server_default=sa.text("'PENDING'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'PARKED')", name=op.f("ck_email_delivery_status")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_email_delivery_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_delivery")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_email_delivery_notification_id")),
    )
    op.create_index("ix_email_delivery_due", "email_delivery", ["status", "next_attempt_at"])
    op.create_index("ix_email_delivery_recipient", "email_delivery", ["recipient_id"])
    op.create_table(
        "notification_schedule",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recipient_id", sa.String(255), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("enrollment_id", sa.String(64), nullable=False),
        sa.Column("lesson_id", sa.String(64), nullable=True),
        sa.Column("offset_minutes", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(200), nullable=False),
        sa.Column("params", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("status", sa.String(16), server_default=sa.text("'PENDING'"), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "status IN ('PENDING', 'DONE', 'SKIPPED', 'CANCELLED')", name=op.f("ck_notification_schedule_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_schedule")),
        sa.UniqueConstraint("key", name=op.f("uq_notification_schedule_key")),
    )
    op.create_index(
        "ix_notification_schedule_due",
        "notification_schedule",
        ["due_at"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_index("ix_notification_schedule_enrollment", "notification_schedule", ["enrollment_id"])
    create_outbox_and_inbox()
    upgrade_outbox_parking_and_idempotency()


def downgrade() -> None:
    downgrade_outbox_parking_and_idempotency()
    drop_outbox_and_inbox()
    op.drop_index("ix_notification_schedule_enrollment", table_name="notification_schedule")
    op.drop_index("ix_notification_schedule_due", table_name="notification_schedule")
    op.drop_table("notification_schedule")
    op.drop_index("ix_email_delivery_recipient", table_name="email_delivery")
    op.drop_index("ix_email_delivery_due", table_name="email_delivery")
    op.drop_table("email_delivery")
    op.drop_index("ix_notification_recipient_unread", table_name="notification")
    op.drop_index("ix_notification_recipient_created", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_enrollment_learner", table_name="enrollment")
    op.drop_index("ix_enrollment_course_status", table_name="enrollment")
    op.drop_table("enrollment")
    op.drop_table("course")
    op.drop_table("preference")
    op.drop_table("person")
