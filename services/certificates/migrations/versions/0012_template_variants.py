"""National co-branding of certificates (issue 14, item 5).

``template_variant``: every stored version of a member state's variant of a certificate template
(the national partner's names, logo key and signatories), append-only. The newest version of a
``(template_id, org)`` is the one in use; a version with ``data`` NULL removes the variant. A
certificate records the version it was printed with in ``certificate.printed``, so it re-renders
with exactly that version.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "template_variant",
        sa.Column("template_id", sa.String(64), primary_key=True),
        sa.Column("org", sa.String(2), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("data", JSONB, nullable=True),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("template_variant")
