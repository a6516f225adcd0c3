"""Print batches: a ceremony's certificates as one merged PDF or a ZIP of PDFs (issue 17, item 7).

``print_batch`` is the job (format, selection, order language, progress, the worker's lease and
attempt, the parked error); ``print_batch_item`` the certificates it prints, in print order, with
their file names, fixed when the batch starts so every attempt writes the same bytes.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "print_batch",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("selection", JSONB(), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("waiting_reason", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("output_key", sa.String(255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_batch")),
    )
    op.create_index(
        "ix_print_batch_active",
        "print_batch",
        ["due_at"],
        postgresql_where=sa.text("status IN ('QUEUED', 'RUNNING')"),
    )
    op.create_table(
        "print_batch_item",
        sa.Column("batch_id", UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("certificate_id", UUID(as_uuid=True), nullable=False),
        sa.Column("pdf_key", sa.String(255), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["print_batch.id"],
            name=op.f("fk_print_batch_item_batch_id_print_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "position", name=op.f("pk_print_batch_item")),
    )


def downgrade() -> None:
    op.drop_table("print_batch_item")
    op.drop_index("ix_print_batch_active", table_name="print_batch")
    op.drop_table("print_batch")
