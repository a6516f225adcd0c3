"""Owners follow course.owners_changed at once (issue 13, finding 7).

``course.owner_revision``: the ownership revision the stored owner and co-owners come from. Both
``course.owners_changed`` and ``course.published`` carry one; the highest wins, so a late event never
restores a co-owner who was removed since.
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None


def upgrade() -> None:
    op.add_column("course", sa.Column("owner_revision", sa.Integer(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    op.drop_column("course", "owner_revision")
