"""Email part: digests (one email per person and period, and the notifications each one lists).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "email_digest",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("recipient_id", sa.String(255), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("period_key", sa.String(16), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), server_default=sa.text("'PENDING'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'PARKED')", name=op.f("ck_email_digest_status")
        ),
        sa.CheckConstraint("frequency IN ('DAILY', 'WEEKLY')", name=op.f("ck_email_digest_frequency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_digest")),
        sa.UniqueConstraint("recipient_id", "period_key", name=op.f("uq_email_digest_recipient_id_period_key")),
    )
    op.create_index("ix_email_digest_due", "email_digest", ["status", "next_attempt_at"])
    op.create_table(
        "email_digest_item",
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("digest_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_email_digest_item_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["email_digest.id"],
            name=op.f("fk_email_digest_item_digest_id_email_digest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_email_digest_item")),
    )
    op.create_index("ix_email_digest_item_digest", "email_digest_item", ["digest_id"])


def downgrade() -> None:
    op.drop_index("ix_email_digest_item_digest", table_name="email_digest_item")
    op.drop_table("email_digest_item")
    op.drop_index("ix_email_digest_due", table_name="email_digest")
    op.drop_table("email_digest")
