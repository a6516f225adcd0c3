"""National reports and the learner directory (issue 14, items 2 and 3).

- ``report_enrollment``: one row per enrolment, merged from the enrolment events (created, withdrawn,
  completed) in any order; ``report_learner_activity`` and ``learner``: the learner directory.
- ``certificate`` gains the holder's ``org`` and ``municipality`` (from ``certificate.issued``).
- ``report_cell`` (course × month × org × municipality: enrolled, completed, certificates) and
  ``report_learner`` (org × municipality × month × learner: enrolments) are rollups kept equal to the
  aggregate of ``report_enrollment`` and ``certificate``: row triggers append each change of a fact's
  contribution (old out, new in) to ``report_*_delta`` in the fact's transaction, and
  ``report_fold()`` (called every second by progress) moves them into the rollups.
- ``report_export``: the short-lived CSV links (a random capability; only its SHA-256 is stored).

Existing enrolments and certificates are copied into the projections here; the consumer's replay of
older events then merges into the same rows without counting twice.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None

_TZ = sa.DateTime(timezone=True)


MONTH_FUNCTION = """
CREATE FUNCTION report_month(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (date_trunc('month', at AT TIME ZONE 'UTC'))::date $$;
"""

ENROLLMENT_TRIGGER = """
CREATE FUNCTION report_enrollment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o_in boolean := false; o_done boolean := false;
    n_in boolean := false; n_done boolean := false;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        o_in := OLD.enrolled_at IS NOT NULL AND (OLD.completed_at IS NOT NULL OR (OLD.created_seen_at IS NOT NULL AND
            (OLD.withdrawn_seen_at IS NULL OR OLD.created_seen_at > OLD.withdrawn_seen_at)));
        o_done := OLD.completed_at IS NOT NULL;
    END IF;
    n_in := NEW.enrolled_at IS NOT NULL AND (NEW.completed_at IS NOT NULL OR (NEW.created_seen_at IS NOT NULL AND
            (NEW.withdrawn_seen_at IS NULL OR NEW.created_seen_at > NEW.withdrawn_seen_at)));
    n_done := NEW.completed_at IS NOT NULL;
    -- Appended, never updated in place: concurrent events of one hot cell (a cohort of 10,000 in one
    -- course and municipality) never wait for each other; report_fold() moves them into the cells.
    INSERT INTO report_cell_delta (course_id, month, org, municipality, enrolled, completed, certificates)
    SELECT d.course_id, d.month, d.org, d.municipality, sum(d.e), sum(d.c), 0
    FROM (VALUES
        (o_in, OLD.course_id, report_month(OLD.enrolled_at),
            coalesce(OLD.org, ''), coalesce(OLD.municipality, ''), -1, 0),
        (o_done, OLD.course_id, report_month(OLD.completed_at),
            coalesce(OLD.org, ''), coalesce(OLD.municipality, ''), 0, -1),
        (n_in, NEW.course_id, report_month(NEW.enrolled_at),
            coalesce(NEW.org, ''), coalesce(NEW.municipality, ''), 1, 0),
        (n_done, NEW.course_id, report_month(NEW.completed_at),
            coalesce(NEW.org, ''), coalesce(NEW.municipality, ''), 0, 1)
    ) AS d(keep, course_id, month, org, municipality, e, c)
    WHERE d.keep
    GROUP BY d.course_id, d.month, d.org, d.municipality
    HAVING sum(d.e) <> 0 OR sum(d.c) <> 0;
    INSERT INTO report_learner_delta (org, month, municipality, learner_id, enrollments)
    SELECT d.org, d.month, d.municipality, d.learner_id, sum(d.n)
    -- Each enrolment twice: in its month, and in the all-time row (month 0001-01-01) that reports
    -- without a period read instead (one row per learner rather than one per learner and month).
    FROM (VALUES
        (o_in, coalesce(OLD.org, ''), report_month(OLD.enrolled_at), coalesce(OLD.municipality,''), OLD.learner_id, -1),
        (n_in, coalesce(NEW.org, ''), report_month(NEW.enrolled_at), coalesce(NEW.municipality,''), NEW.learner_id, 1),
        (o_in, coalesce(OLD.org, ''), date '0001-01-01', coalesce(OLD.municipality,''), OLD.learner_id, -1),
        (n_in, coalesce(NEW.org, ''), date '0001-01-01', coalesce(NEW.municipality,''), NEW.learner_id, 1)
    ) AS d(keep, org, month, municipality, learner_id, n)
    WHERE d.keep
    GROUP BY d.org, d.month, d.municipality, d.learner_id
    HAVING sum(d.n) <> 0;
    RETURN NULL;
END $$;
"""

CERTIFICATE_TRIGGER = """
CREATE FUNCTION report_certificate_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o_valid boolean := false;
    n_valid boolean;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        o_valid := OLD.issued_at IS NOT NULL AND NOT OLD.revoked;
    END IF;
    n_valid := NEW.issued_at IS NOT NULL AND NOT NEW.revoked;
    INSERT INTO report_cell_delta (course_id, month, org, municipality, enrolled, completed, certificates)
    SELECT d.course_id, d.month, d.org, d.municipality, 0, 0, sum(d.n)
    FROM (VALUES
        (o_valid, OLD.course_id, report_month(OLD.issued_at),
            coalesce(OLD.org, ''), coalesce(OLD.municipality, ''), -1),
        (n_valid, NEW.course_id, report_month(NEW.issued_at),
            coalesce(NEW.org, ''), coalesce(NEW.municipality, ''), 1)
    ) AS d(keep, course_id, month, org, municipality, n)
    WHERE d.keep
    GROUP BY d.course_id, d.month, d.org, d.municipality
    HAVING sum(d.n) <> 0;
    RETURN NULL;
END $$;
"""


# Folds the appended deltas into the rollups, in one statement per rollup: rows are deleted and
# added in the same transaction, in key order (two folders at once never deadlock, and never fold a
# delta twice: the second waits for the first's row locks and then finds the rows gone).
FOLD_FUNCTION = """
CREATE FUNCTION report_fold(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    cells integer; people integer;
BEGIN
    WITH picked AS (
        SELECT id FROM report_cell_delta ORDER BY id LIMIT batch FOR UPDATE SKIP LOCKED
    ), moved AS (
        DELETE FROM report_cell_delta d USING picked WHERE d.id = picked.id
        RETURNING d.course_id, d.month, d.org, d.municipality, d.enrolled, d.completed, d.certificates
    )
    INSERT INTO report_cell AS c (course_id, month, org, municipality, enrolled, completed, certificates)
    SELECT course_id, month, org, municipality, sum(enrolled), sum(completed), sum(certificates)
    FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (course_id, month, org, municipality) DO UPDATE
        SET enrolled = c.enrolled + EXCLUDED.enrolled, completed = c.completed + EXCLUDED.completed,
            certificates = c.certificates + EXCLUDED.certificates;
    GET DIAGNOSTICS cells = ROW_COUNT;
    WITH picked AS (
        SELECT id FROM report_learner_delta ORDER BY id LIMIT batch FOR UPDATE SKIP LOCKED
    ), moved AS (
        DELETE FROM report_learner_delta d USING picked WHERE d.id = picked.id
        RETURNING d.org, d.month, d.municipality, d.learner_id, d.enrollments
    )
    INSERT INTO report_learner AS l (org, month, municipality, learner_id, enrollments)
    SELECT org, month, municipality, learner_id, sum(enrollments)
    FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (org, month, municipality, learner_id) DO UPDATE SET enrollments = l.enrollments + EXCLUDED.enrollments;
    GET DIAGNOSTICS people = ROW_COUNT;
    RETURN cells + people;
END $$;
"""


def upgrade() -> None:
    op.add_column("certificate", sa.Column("org", sa.String(64), nullable=True))
    op.add_column("certificate", sa.Column("municipality", sa.String(200), nullable=True))
    op.create_index("ix_certificate_learner", "certificate", ["learner_id"])

    op.create_table(
        "report_enrollment",
        sa.Column("enrollment_id", sa.String(64), primary_key=True),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("org", sa.String(64), nullable=True),
        sa.Column("municipality", sa.String(200), nullable=True),
        # The first enrolment (a re-activation keeps it); NULL while only a withdrawal has arrived.
        sa.Column("enrolled_at", _TZ, nullable=True),
        # Newest enrollment.created / enrollment.withdrawn by event time: the later one decides.
        sa.Column("created_seen_at", _TZ, nullable=True),
        sa.Column("withdrawn_seen_at", _TZ, nullable=True),
        sa.Column("completed_at", _TZ, nullable=True),
        sa.PrimaryKeyConstraint("enrollment_id", name="pk_report_enrollment"),
    )
    op.create_index("ix_report_enrollment_learner", "report_enrollment", ["learner_id"])
    op.create_table(
        "report_cell",
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("municipality", sa.String(200), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("completed", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("certificates", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("course_id", "month", "org", "municipality", name="pk_report_cell"),
    )
    op.create_index("ix_report_cell_org_month", "report_cell", ["org", "month"])
    op.create_table(
        "report_learner",
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("municipality", sa.String(200), nullable=False),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("enrollments", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("org", "month", "municipality", "learner_id", name="pk_report_learner"),
    )
    for name, keys in (
        ("report_cell_delta", ("course_id", "month", "org", "municipality")),
        ("report_learner_delta", ("org", "month", "municipality", "learner_id")),
    ):
        counts = ("enrolled", "completed", "certificates") if name == "report_cell_delta" else ("enrollments",)
        op.create_table(
            name,
            sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
            *[
                sa.Column(
                    k, sa.Date() if k == "month" else sa.String(255 if k == "learner_id" else 200), nullable=False
                )
                for k in keys
            ],
            *[sa.Column(c, sa.Integer(), nullable=False, server_default=sa.text("0")) for c in counts],
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        )
    # Distinct learners stream out of these in order (no hash of every learner): by month across states,
    # and by state and month. INCLUDE makes them index-only.
    op.create_index(
        "ix_report_learner_month",
        "report_learner",
        ["month", "learner_id"],
        postgresql_include=["org", "municipality", "enrollments"],
    )
    op.create_index(
        "ix_report_learner_org_month",
        "report_learner",
        ["org", "month", "learner_id"],
        postgresql_include=["municipality", "enrollments"],
    )
    op.create_table(
        "learner",
        sa.Column("learner_id", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("name_key", sa.String(300), nullable=False),
        sa.Column("org", sa.String(64), nullable=True),
        sa.Column("municipality", sa.String(200), nullable=True),
        # The event the name, org and municipality come from: the newest wins, in any order.
        sa.Column("named_at", _TZ, nullable=False),
        sa.Column("last_active_at", _TZ, nullable=True),
        sa.PrimaryKeyConstraint("learner_id", name="pk_learner"),
    )
    op.create_index("ix_learner_org_name", "learner", ["org", "name_key", "learner_id"])
    op.create_index("ix_learner_name", "learner", ["name_key", "learner_id"])
    op.create_table(
        "report_export",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("params", JSONB(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name="pk_report_export"),
    )
    op.create_index("ix_report_export_expires", "report_export", ["expires_at"])

    # Certificates already held take the holder's state from their enrolment, before the trigger exists.
    op.execute(
        """
        UPDATE certificate c SET org = e.org, municipality = e.municipality
        FROM enrollment e
        WHERE e.id = c.enrollment_id OR (c.enrollment_id IS NULL AND e.course_id = c.course_id
                                         AND e.learner_id = c.learner_id)
        """
    )
    op.execute(MONTH_FUNCTION)
    op.execute(FOLD_FUNCTION)
    op.execute(ENROLLMENT_TRIGGER)
    op.execute(CERTIFICATE_TRIGGER)
    op.execute(
        "CREATE TRIGGER report_enrollment_changed AFTER INSERT OR UPDATE ON report_enrollment"
        " FOR EACH ROW EXECUTE FUNCTION report_enrollment_changed()"
    )
    op.execute(
        "CREATE TRIGGER report_certificate_changed AFTER INSERT OR UPDATE ON certificate"
        " FOR EACH ROW EXECUTE FUNCTION report_certificate_changed()"
    )
    op.execute(
        """
        INSERT INTO report_cell (course_id, month, org, municipality, certificates)
        SELECT course_id, report_month(issued_at), coalesce(org, ''), coalesce(municipality, ''), count(*)
        FROM certificate WHERE issued_at IS NOT NULL AND NOT revoked
        GROUP BY 1, 2, 3, 4
        """
    )
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                CREATE INDEX ix_learner_name_trgm ON learner USING gin (name_key gin_trgm_ops);
            END IF;
        END $$;
        """
    )
    _backfill()
    op.execute("SELECT report_fold(2147483647)")


def _backfill() -> None:
    """What progress already holds, so reports of an upgraded deployment start complete."""
    from lms_shared.text import name_search_key

    op.execute(
        """
        INSERT INTO report_enrollment (enrollment_id, course_id, learner_id, org, municipality, enrolled_at,
                                       created_seen_at, withdrawn_seen_at, completed_at)
        SELECT id, course_id, learner_id, org, municipality, enrolled_at,
               CASE WHEN status <> 'WITHDRAWN' THEN enrolled_at END,
               CASE WHEN status = 'WITHDRAWN' THEN coalesce(withdrawn_at, enrolled_at) END,
               CASE WHEN status = 'COMPLETED' THEN completed_at END
        FROM enrollment
        """
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT DISTINCT ON (e.learner_id) e.learner_id, e.learner_name, e.org, e.municipality, e.enrolled_at,"
            " greatest(e.enrolled_at, (SELECT max(p.updated_at) FROM lesson_progress p JOIN enrollment x"
            " ON x.id = p.enrollment_id WHERE x.learner_id = e.learner_id)) AS active"
            " FROM enrollment e ORDER BY e.learner_id, e.enrolled_at DESC"
        )
    ).all()
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO learner (learner_id, name, name_key, org, municipality, named_at, last_active_at)"
                " VALUES (:id, :name, :key, :org, :municipality, :at, :active)"
            ),
            [
                {
                    "id": r.learner_id,
                    "name": r.learner_name,
                    "key": name_search_key(r.learner_name),
                    "org": r.org,
                    "municipality": r.municipality,
                    "at": r.enrolled_at,
                    "active": r.active,
                }
                for r in rows
            ],
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS report_certificate_changed ON certificate")
    op.execute("DROP FUNCTION IF EXISTS report_certificate_changed()")
    op.execute("DROP TRIGGER IF EXISTS report_enrollment_changed ON report_enrollment")
    op.execute("DROP FUNCTION IF EXISTS report_enrollment_changed()")
    op.execute("DROP FUNCTION IF EXISTS report_month(timestamptz)")
    op.execute("DROP FUNCTION IF EXISTS report_fold(integer)")
    for table in (
        "report_export",
        "learner",
        "report_learner_delta",
        "report_cell_delta",
        "report_learner",
        "report_cell",
        "report_enrollment",
    ):
        op.drop_table(table)
    op.drop_index("ix_certificate_learner", table_name="certificate")
    op.drop_column("certificate", "municipality")
    op.drop_column("certificate", "org")
