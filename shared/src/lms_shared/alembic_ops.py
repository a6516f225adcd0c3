"""Migration steps for the tables every service has (outbox, inbox, idempotency), written once.

A service's Alembic revision calls these instead of repeating the DDL, so the shared tables stay
the same in every database (``lms_shared.outbox.outbox_table`` and friends describe them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def create_outbox_and_inbox() -> None:
    """``outbox_message`` and ``processed_event`` as the first release created them."""
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_message_event_id")),
    )
    op.create_index(
        "ix_outbox_message_pending", "outbox_message", ["id"], unique=False, postgresql_where=sa.text("sent_at IS NULL")
    )
    op.create_table(
        "processed_event",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_event")),
    )


def drop_outbox_and_inbox() -> None:
    op.drop_table("processed_event")
    op.drop_index("ix_outbox_message_pending", table_name="outbox_message", postgresql_where=sa.text("sent_at IS NULL"))
    op.drop_table("outbox_message")


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


def upgrade_outbox_parking_and_idempotency() -> None:
    """Second release, in every service: parked outbox rows and Idempotency-Key records (issue 12)."""
    add_outbox_parking()
    create_idempotency_table()


def downgrade_outbox_parking_and_idempotency() -> None:
    drop_idempotency_table()
    drop_outbox_parking()
