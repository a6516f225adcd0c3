"""Erasure of a learner on request (issue 14, item 6).

``erased_learner``: one row per erased learner, written in the transaction that pseudonymises the
learner's rows and stages ``lms.progress.learner.erased.v1`` in the outbox. It is the durable record
of the request and the tombstone that keeps a late event from writing the name back.
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0005", "0004", None, None


def upgrade() -> None:
    op.create_table(
        "erased_learner",
        sa.Column("learner_id", sa.String(255), primary_key=True),
        sa.Column("pseudonym", sa.String(300), nullable=False),
        sa.Column("org", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erased_learner")
