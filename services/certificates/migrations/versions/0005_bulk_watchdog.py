"""Bulk jobs show when an outage holds them back, and the watchdog sees when nobody works on them (issue 12).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bulk_job", sa.Column("waiting_reason", sa.Text(), nullable=True))
    op.add_column("bulk_job", sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "bulk_job", sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)
    )
    op.add_column("bulk_job", sa.Column("requeues", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.create_index(
        "ix_bulk_job_active",
        "bulk_job",
        ["updated_at"],
        postgresql_where=sa.text("status IN ('QUEUED', 'RUNNING')"),
    )


def downgrade() -> None:
    op.drop_index("ix_bulk_job_active", table_name="bulk_job")
    op.drop_column("bulk_job", "requeues")
    op.drop_column("bulk_job", "updated_at")
    op.drop_column("bulk_job", "waiting_since")
    op.drop_column("bulk_job", "waiting_reason")
