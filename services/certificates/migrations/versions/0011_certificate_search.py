"""The admin certificate search (issue 18, item 4).

- ``certificate.name_key``: ``lms_shared.text.name_search_key(learner_name)``, the Turkic-aware folding
  of the holder's name (with ə read both as "e" and as "a"), backfilled here for existing rows; kept
  in sync at issue and on erasure (the pseudonym's key).
- indexes for newest-first keyset paging (overall and per course), for code prefixes
  (``varchar_pattern_ops``) and, where pg_trgm is available, a trigram GIN index on ``name_key`` for
  the substring match; without pg_trgm the name search still works, by scan.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.add_column("certificate", sa.Column("name_key", sa.String(600), nullable=False, server_default=sa.text("''")))
    _backfill()
    op.create_index("ix_certificate_issued", "certificate", ["issued_at", "id"])
    op.create_index("ix_certificate_course_issued", "certificate", ["course_id", "issued_at", "id"])
    op.create_index(
        "ix_certificate_code_prefix", "certificate", ["code"], postgresql_ops={"code": "varchar_pattern_ops"}
    )
    op.execute(
        """
        DO $$
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pg_trgm unavailable (%); certificate name search runs without a trigram index', SQLERRM;
        END $$;
        """
    )
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                CREATE INDEX ix_certificate_name_trgm ON certificate USING gin (name_key gin_trgm_ops);
            END IF;
        END $$;
        """
    )


def _backfill() -> None:
    """The key of every existing row, computed by the same Python function the service uses."""
    from lms_shared.text import name_search_key

    bind = op.get_bind()
    last = None
    while True:
        query = "SELECT id, learner_name FROM certificate"
        params: dict[str, object] = {"n": _BATCH}
        if last is not None:
            query += " WHERE id > :last"
            params["last"] = last
        rows = bind.execute(sa.text(query + " ORDER BY id LIMIT :n"), params).all()
        if not rows:
            return
        bind.execute(
            sa.text("UPDATE certificate SET name_key = :key WHERE id = :id"),
            [{"id": r.id, "key": name_search_key(r.learner_name, 600)} for r in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_certificate_name_trgm")
    op.drop_index("ix_certificate_code_prefix", "certificate")
    op.drop_index("ix_certificate_course_issued", "certificate")
    op.drop_index("ix_certificate_issued", "certificate")
    op.drop_column("certificate", "name_key")
