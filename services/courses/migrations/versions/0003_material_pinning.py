"""Materials pinned by ETag; enrolments that can be withdrawn (issue 13, findings 3 and 9).

``material.etag``: the ETag of the confirmed object at its final key; downloads are refused when the
object there no longer has it. NULL for materials confirmed before this revision (they are served as
long as their object exists). ``material.quarantine_swept``: the quarantine object was deleted once the
upload policy could no longer be used.

``course_enrollment.withdrawn_at`` / ``changed_at``: set by ``enrollment.withdrawn``, cleared when the
learner enrols again; ``changed_at`` orders the events of one enrolment (a late, older one is ignored).
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None


def upgrade() -> None:
    op.add_column("material", sa.Column("etag", sa.String(255), nullable=True))
    op.add_column(
        "material", sa.Column("quarantine_swept", sa.Boolean(), nullable=False, server_default=sa.text("false"))
    )
    op.add_column("course_enrollment", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("course_enrollment", sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("course_enrollment", "changed_at")
    op.drop_column("course_enrollment", "withdrawn_at")
    op.drop_column("material", "quarantine_swept")
    op.drop_column("material", "etag")
