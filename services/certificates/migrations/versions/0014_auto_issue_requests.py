"""Automatic issue on the batched path (issue 19, item 4): one row per completion waiting to be certified.

The ``course.completed`` consumer (and ``course.published``, for completions that waited for their
course) only records an ``auto_issue_request`` row in its own transaction; the certificate workers
claim pending rows in batches (``FOR UPDATE SKIP LOCKED``), issue them the way bulk chunks are
issued, and delete each row in the transaction that inserts its certificate or records its failure.
``(course_id, recipient_key)`` is the key: a duplicated or redelivered completion finds its row (or,
once issued, the certificate) and adds nothing. ``not_before`` and ``attempts`` hold a row back after
a failure (an outage: capped back-off without limit; a repeated deterministic error: recorded as an
``auto_issue_failure`` after a few attempts).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auto_issue_request",
        sa.Column("course_id", sa.String(64), primary_key=True),
        sa.Column("recipient_key", sa.String(700), primary_key=True),
        sa.Column("learner_id", sa.String(255), nullable=True),
        sa.Column("course_version", sa.Integer, nullable=True),
        sa.Column("recipient", JSONB, nullable=False),
        sa.Column("course_titles", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_auto_issue_request_due", "auto_issue_request", ["not_before"])
    op.create_index("ix_auto_issue_request_learner_id", "auto_issue_request", ["learner_id"])


def downgrade() -> None:
    op.drop_index("ix_auto_issue_request_learner_id", "auto_issue_request")
    op.drop_index("ix_auto_issue_request_due", "auto_issue_request")
    op.drop_table("auto_issue_request")
