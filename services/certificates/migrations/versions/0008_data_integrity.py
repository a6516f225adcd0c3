"""Data Integrity proofs (issue 17, items 1 and 6).

``certificate.credential_di``: the same Open Badges 3.0 credential as ``credential``, with an
embedded ``DataIntegrityProof`` (cryptosuite ``eddsa-rdfc-2022``). Nullable: certificates issued
before this revision get one lazily (first read) or from ``certificates backfill-data-integrity``.

``status_list.credential_di``: the status list with the same proof (so a Data Integrity verifier
can check revocation); NULL rows are signed on their next read.

``course.summaries``: the course summary per language, from ``course.published``; it becomes
``achievement.description``.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("certificate", sa.Column("credential_di", JSONB(), nullable=True))
    op.add_column("status_list", sa.Column("credential_di", JSONB(), nullable=True))
    op.add_column("course", sa.Column("summaries", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")))


def downgrade() -> None:
    op.drop_column("course", "summaries")
    op.drop_column("status_list", "credential_di")
    op.drop_column("certificate", "credential_di")
