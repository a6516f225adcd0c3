"""Bulk rows: refused rows are stored with the job, with their input row number and reason code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('bulk_job', sa.Column('refused', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('bulk_item', sa.Column('row', sa.Integer(), nullable=True))
    op.add_column('bulk_item', sa.Column('reason_code', sa.String(length=32), nullable=True))
    # Jobs planned before this revision numbered their explicit rows from 1 in input order.
    op.execute("UPDATE bulk_item SET row = idx + 1 FROM bulk_job WHERE bulk_job.id = bulk_item.job_id "
               "AND bulk_job.mode = 'recipients'")


def downgrade() -> None:
    op.drop_column('bulk_item', 'reason_code')
    op.drop_column('bulk_item', 'row')
    op.drop_column('bulk_job', 'refused')
