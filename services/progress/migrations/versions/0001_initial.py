"""Progress: course copies, enrolments, lesson progress, certificates, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms_shared.alembic_ops import create_outbox_and_inbox, drop_outbox_and_inbox
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_version",
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "version", name=op.f("pk_course_version")),
    )
    op.create_table(
        "course",
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("current_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=True),
        sa.Column("co_owner_ids", postgresql.ARRAY(sa.String(64)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("archived_version", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_course")),
    )
    op.create_table(
        "enrollment",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("learner_name", sa.String(300), nullable=False),
        sa.Column("org", sa.String(64), nullable=True),
        sa.Column("municipality", sa.String(200), nullable=True),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment")),
        sa.UniqueConstraint("course_id", "learner_id", name=op.f("uq_enrollment_course_id_learner_id")),
    )
    op.create_index("ix_enrollment_learner", "enrollment", ["learner_id"])
    op.create_index("ix_enrollment_course_status", "enrollment", ["course_id", "status"])
    op.create_table(
        "lesson_progress",
        sa.Column("enrollment_id", sa.String(64), nullable=False),
        sa.Column("lesson_id", sa.String(64), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("best_score", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_lesson_progress_enrollment_id_enrollment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enrollment_id", "lesson_id", name=op.f("pk_lesson_progress")),
    )
    op.create_table(
        "certificate",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=True),
        sa.Column("enrollment_id", sa.String(64), nullable=True),
        sa.Column("revoked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
    )
    op.create_index("ix_certificate_course_learner", "certificate", ["course_id", "learner_id"])
    op.create_index("ix_certificate_enrollment", "certificate", ["enrollment_id"])
    create_outbox_and_inbox()


def downgrade() -> None:
    drop_outbox_and_inbox()
    op.drop_index("ix_certificate_enrollment", table_name="certificate")
    op.drop_index("ix_certificate_course_learner", table_name="certificate")
    op.drop_table("certificate")
    op.drop_table("lesson_progress")
    op.drop_index("ix_enrollment_course_status", table_name="enrollment")
    op.drop_index("ix_enrollment_learner", table_name="enrollment")
    op.drop_table("enrollment")
    op.drop_table("course")
    op.drop_table("course_version")
