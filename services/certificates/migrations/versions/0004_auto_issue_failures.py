"""Auto-issue failures: completions that could not be certified, kept for an admin to fix (issue 12).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auto_issue_failure",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_key", sa.String(length=700), nullable=False),
        sa.Column("learner_id", sa.String(length=255), nullable=True),
        sa.Column("recipient", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "course_titles",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.Column("certificate_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_issue_failure")),
    )
    op.create_index(
        "uq_auto_issue_failure_recipient", "auto_issue_failure", ["course_id", "recipient_key"], unique=True
    )
    op.create_index(
        "ix_auto_issue_failure_open",
        "auto_issue_failure",
        ["course_id", "last_failed_at"],
        unique=False,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_auto_issue_failure_open", table_name="auto_issue_failure", postgresql_where=sa.text("resolved_at IS NULL")
    )
    op.drop_index("uq_auto_issue_failure_recipient", table_name="auto_issue_failure")
    op.drop_table("auto_issue_failure")
