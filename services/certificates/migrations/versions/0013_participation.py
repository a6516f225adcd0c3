"""Certificates of participation (issue 15, item 4): each published version's certificate kind and event.

``course`` (the newest version) and ``course_version_policy`` (every version) get ``kind``
(``COMPLETION`` or ``PARTICIPATION``, from ``course.published``'s ``certificate_policy.kind``) and
``event``: the first start, the last end, the zone and the venue per language of the version's
``LIVE`` sessions (JSON, see ``domain/participation.EventFacts``), NULL without sessions. Rows
from before this revision are certificates of completion, which is all they could be.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("course", "course_version_policy"):
        op.add_column(table, sa.Column("kind", sa.String(16), nullable=False, server_default=sa.text("'COMPLETION'")))
        op.add_column(table, sa.Column("event", JSONB, nullable=True))


def downgrade() -> None:
    for table in ("course", "course_version_policy"):
        op.drop_column(table, "event")
        op.drop_column(table, "kind")
