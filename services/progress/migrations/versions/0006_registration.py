"""Registration (issue 15): capacity, quotas, approval and waiting lists on the enrolment itself.

``enrollment`` gains the registration's facts: ``reason`` (why it was REJECTED), ``queue_seq``
(its number in the waiting-list order, from ``enrollment_queue_seq``; positions are counted from it
when read), ``decided_by`` / ``decided_at`` (who approved or rejected it). The statuses PENDING,
WAITLISTED and REJECTED fit the existing ``status`` column. The policy itself is already stored with
each version (``course_version.snapshot -> 'registration'``, course.published minor 2).
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0006", "0005", None, None


def upgrade() -> None:
    op.add_column("enrollment", sa.Column("reason", sa.String(500), nullable=True))
    op.add_column("enrollment", sa.Column("queue_seq", sa.BigInteger(), nullable=True))
    op.add_column("enrollment", sa.Column("decided_by", sa.String(255), nullable=True))
    op.add_column("enrollment", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("CREATE SEQUENCE IF NOT EXISTS enrollment_queue_seq")
    op.create_index(
        "ix_enrollment_waitlist",
        "enrollment",
        ["course_id", "queue_seq"],
        postgresql_where=sa.text("status = 'WAITLISTED'"),
    )


def downgrade() -> None:
    op.drop_index("ix_enrollment_waitlist", table_name="enrollment")
    op.execute("DROP SEQUENCE IF EXISTS enrollment_queue_seq")
    for column in ("decided_at", "decided_by", "queue_seq", "reason"):
        op.drop_column("enrollment", column)
