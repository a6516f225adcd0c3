"""Ownership changes as events, and co-owners only among known trainers (issue 13, findings 7 and 11a).

``course.owner_revision``: counts the changes of a course's owner and co-owners; every change stages
``course.owners_changed`` with the new value, and ``course.published`` carries it too, so consumers
keep the owners of the highest revision they have seen.

``known_trainer``: every id seen with the trainer or admin role in a verified token; adding a
co-owner who is not in it is refused.
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None


def upgrade() -> None:
    op.add_column("course", sa.Column("owner_revision", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.create_table(
        "known_trainer",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_known_trainer"),
    )
    # Whoever created a course had the trainer (or admin) role then. Co-owners are not copied: before
    # this revision anyone could be added, a learner too.
    op.execute("INSERT INTO known_trainer (id) SELECT DISTINCT owner_id FROM course ON CONFLICT DO NOTHING")


def downgrade() -> None:
    op.drop_table("known_trainer")
    op.drop_column("course", "owner_revision")
