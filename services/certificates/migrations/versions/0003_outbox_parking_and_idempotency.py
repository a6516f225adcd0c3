"""Outbox rows can be parked after a permanent failure; Idempotency-Key records (issue 12).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from lms_shared.alembic_ops import (
    add_outbox_parking,
    create_idempotency_table,
    drop_idempotency_table,
    drop_outbox_parking,
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_parking()
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
    drop_outbox_parking()
