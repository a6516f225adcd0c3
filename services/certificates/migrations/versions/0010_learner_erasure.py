"""Erasure of a learner on request (issue 14, item 6).

``erased_learner``: the tombstone of every learner erased by ``lms.progress.learner.erased.v1``. A
completion or auto-issue request for them that arrives later (redelivered, or late) is dropped, so
their name is never written back.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_learner",
        sa.Column("learner_id", sa.String(255), primary_key=True),
        sa.Column("pseudonym", sa.String(300), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("erased_learner")
