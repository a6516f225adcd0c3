"""Live sessions and surveys (issue 15): check-in codes, attendance, survey submissions and answers.

- ``check_in_code``: rotating codes, hashed, with their expiry and the moment a newer code superseded
  them; ``check_in_window``: when a session's check-in closes; ``check_in_failure``: wrong codes typed
  per learner (the brute-force limit).
- ``attendance``: one row per enrolment and LIVE lesson (present, method, time, by whom).
- ``survey_submission``: that an enrolment submitted a survey; ``survey_ballot`` and ``survey_answer``:
  what was answered, anonymous answers without any link to a learner (the mixer moves ballots into
  answers in random order).
- A GIN index on ``course_version.snapshot`` finds the course of a lesson id.
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0007", "0006", None, None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_index(
        "ix_course_version_snapshot",
        "course_version",
        ["snapshot"],
        postgresql_using="gin",
        postgresql_ops={"snapshot": "jsonb_path_ops"},
    )
    op.create_table(
        "check_in_code",
        sa.Column("code_sha256", sa.String(64), primary_key=True),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("lesson_id", sa.String(64), nullable=False),
        sa.Column("issued_by", sa.String(255), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("superseded_at", TS, nullable=True),
    )
    op.create_index("ix_check_in_code_lesson", "check_in_code", ["course_id", "lesson_id", "expires_at"])
    op.create_table(
        "check_in_window",
        sa.Column("course_id", sa.String(64), primary_key=True),
        sa.Column("lesson_id", sa.String(64), primary_key=True),
        sa.Column("closes_at", TS, nullable=False),
    )
    op.create_table(
        "check_in_failure",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("learner_id", sa.String(255), nullable=False),
        sa.Column("failed_at", TS, nullable=False),
    )
    op.create_index("ix_check_in_failure_learner", "check_in_failure", ["learner_id", "failed_at"])
    op.create_table(
        "attendance",
        sa.Column(
            "enrollment_id",
            sa.String(64),
            sa.ForeignKey("enrollment.id", ondelete="CASCADE", name="fk_attendance_enrollment_id_enrollment"),
            primary_key=True,
        ),
        sa.Column("lesson_id", sa.String(64), primary_key=True),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("checked_in_at", TS, nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
    )
    op.create_index("ix_attendance_lesson", "attendance", ["course_id", "lesson_id", "present"])
    op.create_table(
        "survey_submission",
        sa.Column(
            "enrollment_id",
            sa.String(64),
            sa.ForeignKey("enrollment.id", ondelete="CASCADE", name="fk_survey_submission_enrollment_id_enrollment"),
            primary_key=True,
        ),
        sa.Column("lesson_id", sa.String(64), primary_key=True),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("org", sa.String(64), nullable=True),
    )
    op.create_index("ix_survey_submission_lesson", "survey_submission", ["course_id", "lesson_id", "org"])
    for name in ("survey_ballot", "survey_answer"):
        columns = [
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("course_id", sa.String(64), nullable=False),
            sa.Column("lesson_id", sa.String(64), nullable=False),
            sa.Column("question_id", sa.String(64), nullable=False),
            sa.Column("org", sa.String(64), nullable=True),
        ]
        if name == "survey_answer":
            columns.append(
                sa.Column(
                    "enrollment_id",
                    sa.String(64),
                    sa.ForeignKey(
                        "enrollment.id", ondelete="CASCADE", name="fk_survey_answer_enrollment_id_enrollment"
                    ),
                    nullable=True,
                )
            )
        columns += [
            sa.Column("rating", sa.Integer(), nullable=True),
            sa.Column("option_id", sa.String(64), nullable=True),
            sa.Column("text", sa.Text(), nullable=True),
        ]
        op.create_table(name, *columns)
    op.create_index("ix_survey_ballot_lesson", "survey_ballot", ["course_id", "lesson_id"])
    op.create_index("ix_survey_answer_lesson", "survey_answer", ["course_id", "lesson_id", "org"])


def downgrade() -> None:
    for name in ("survey_answer", "survey_ballot", "survey_submission", "attendance", "check_in_failure"):
        op.drop_table(name)
    op.drop_table("check_in_window")
    op.drop_table("check_in_code")
    op.drop_index("ix_course_version_snapshot", table_name="course_version")
