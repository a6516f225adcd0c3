"""Migration steps for the tables every service has (outbox, inbox, idempotency), written once.

A service's Alembic revision calls these instead of repeating the DDL, so the shared tables stay
the same in every database (``lms_shared.outbox.outbox_table`` and friends describe them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def add_outbox_parking() -> None:
    """``outbox_message.parked_at``: rows that failed permanently and are no longer tried."""
    op.add_column("outbox_message", sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))


def drop_outbox_parking() -> None:
    op.drop_column("outbox_message", "parked_at")


def create_idempotency_table() -> None:
    """``idempotency_record`` (lms_shared.idempotency): a caller's key, stored with the effect."""
    op.create_table(
        "idempotency_record",
        sa.Column("principal", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_index("ix_idempotency_record_created_at", "idempotency_record", ["created_at"])


def drop_idempotency_table() -> None:
    op.drop_index("ix_idempotency_record_created_at", table_name="idempotency_record")
    op.drop_table("idempotency_record")
