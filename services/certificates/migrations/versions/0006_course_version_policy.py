"""Each published version's certificate policy; a partial index of revoked status-list slots (issue 12).

``course`` keeps only the newest published version, so a completion of an older (or a not yet
known) version used to be decided by whichever version's policy certificates held at the time.
``course_version_policy`` keeps ``auto_issue`` and ``template_id`` per ``(course_id, version)``.

Versions published before this revision are known only by the newest one: each course's versions
``1 .. version`` are filled in with the policy of the version stored in ``course``, which is what
certificates decided them by until now. A completion of such a version therefore never waits for a
``course.published`` that was consumed before the upgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_version_policy",
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("auto_issue", sa.Boolean(), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "version", name=op.f("pk_course_version_policy")),
    )
    op.execute(
        "INSERT INTO course_version_policy (course_id, version, auto_issue, template_id)"
        " SELECT c.id, v.version, c.auto_issue, c.template_id"
        " FROM course c CROSS JOIN LATERAL generate_series(1, c.version) AS v(version)"
        " ON CONFLICT DO NOTHING"
    )
    op.create_index(
        "ix_certificate_revoked_slot",
        "certificate",
        ["status_list_index"],
        unique=False,
        postgresql_where=sa.text("status = 'REVOKED'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_certificate_revoked_slot", table_name="certificate", postgresql_where=sa.text("status = 'REVOKED'")
    )
    op.drop_table("course_version_policy")
