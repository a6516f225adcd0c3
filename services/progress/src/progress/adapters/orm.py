"""The progress database: a local copy of published courses, enrolments, lesson progress, certificates."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from lms_shared.db import new_metadata
from lms_shared.idempotency import idempotency_table
from lms_shared.inbox import processed_event_table
from lms_shared.outbox import outbox_table

metadata = new_metadata()

# Every published version, immutable: an enrolment pinned to version 1 keeps working after version 2.
course_version = Table(
    "course_version",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("snapshot", JSONB, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One row per course: which version new enrolments pin, who may see its reports, whether it is archived.
course = Table(
    "course",
    metadata,
    Column("course_id", String(64), primary_key=True),
    # 0 while only an archive event has been seen (events may arrive out of order).
    Column("current_version", Integer, nullable=False, server_default=text("0")),
    Column("owner_id", String(64), nullable=True),
    Column("co_owner_ids", ARRAY(String(64)), nullable=False, server_default=text("'{}'")),
    # The ownership revision the owners above come from (course.owners_changed / course.published).
    Column("owner_revision", Integer, nullable=False, server_default=text("0")),
    # The version that was current when the course was archived; a later version re-opens it.
    Column("archived_version", Integer, nullable=True),
    Column("archived_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

enrollment = Table(
    "enrollment",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("learner_name", String(300), nullable=False),
    Column("org", String(64), nullable=True),
    Column("municipality", String(200), nullable=True),
    Column("locale", String(16), nullable=True),
    Column("course_version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("via", String(16), nullable=False),
    Column("score", Integer, nullable=True),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    # Registration (migration 0006, domain/registration.py).
    Column("reason", String(500), nullable=True),
    Column("queue_seq", BigInteger, nullable=True),
    Column("decided_by", String(255), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("course_id", "learner_id"),
    Index("ix_enrollment_learner", "learner_id"),
    Index("ix_enrollment_course_status", "course_id", "status"),
    Index("ix_enrollment_waitlist", "course_id", "queue_seq", postgresql_where=text("status = 'WAITLISTED'")),
)

# The order of the waiting lists: each learner put on a list takes the next number (migration 0006).
enrollment_queue_seq = Sequence("enrollment_queue_seq", metadata=metadata)

lesson_progress = Table(
    "lesson_progress",
    metadata,
    Column("enrollment_id", String(64), ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True),
    Column("lesson_id", String(64), primary_key=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("best_score", Integer, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Certificates as the certificates service announced them; keyed by certificate so a revocation that
# overtakes its issuance still ends REVOKED.
certificate = Table(
    "certificate",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("code", String(64), nullable=False),
    Column("course_id", String(64), nullable=False),
    Column("learner_id", String(255), nullable=True),
    Column("enrollment_id", String(64), nullable=True),
    Column("revoked", Boolean, nullable=False, server_default=text("false")),
    Column("issued_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # The holder's member state and municipality, from certificate.issued (national reports).
    Column("org", String(64), nullable=True),
    Column("municipality", String(200), nullable=True),
    Index("ix_certificate_course_learner", "course_id", "learner_id"),
    Index("ix_certificate_enrollment", "enrollment_id"),
    Index("ix_certificate_learner", "learner_id"),
)

# --- national reports and the learner directory (migration 0004) ----------------------------------
# ``report_enrollment`` is merged from the enrolment events in any order; triggers (migration 0004)
# keep ``report_cell`` and ``report_learner`` equal to the aggregate of it and of ``certificate``.

report_enrollment = Table(
    "report_enrollment",
    metadata,
    Column("enrollment_id", String(64), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("org", String(64), nullable=True),
    Column("municipality", String(200), nullable=True),
    Column("enrolled_at", DateTime(timezone=True), nullable=True),
    Column("created_seen_at", DateTime(timezone=True), nullable=True),
    Column("withdrawn_seen_at", DateTime(timezone=True), nullable=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Index("ix_report_enrollment_learner", "learner_id"),
)

# Enrolments by enrolment month, completions by completion month, valid certificates by issue month;
# '' stands for an unknown org or municipality (primary-key columns cannot be NULL).
report_cell = Table(
    "report_cell",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("org", String(64), primary_key=True),
    Column("municipality", String(200), primary_key=True),
    Column("enrolled", Integer, nullable=False, server_default=text("0")),
    Column("completed", Integer, nullable=False, server_default=text("0")),
    Column("certificates", Integer, nullable=False, server_default=text("0")),
    Index("ix_report_cell_org_month", "org", "month"),
)

# Who enrolled when, across courses: distinct learners of rows that span several courses. Every
# enrolment is also counted in the all-time row of its learner (month = ALL_MONTHS, 0001-01-01), which
# reports without a period or MONTH read: one row per learner instead of one per learner and month.
report_learner = Table(
    "report_learner",
    metadata,
    Column("org", String(64), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("municipality", String(200), primary_key=True),
    Column("learner_id", String(255), primary_key=True),
    Column("enrollments", Integer, nullable=False, server_default=text("0")),
    Index("ix_report_learner_month", "month", "learner_id", postgresql_include=["org", "municipality", "enrollments"]),
    Index(
        "ix_report_learner_org_month", "org", "month", "learner_id", postgresql_include=["municipality", "enrollments"]
    ),
)

# Changes to the rollups, appended by the triggers (no row is ever updated in place, so concurrent
# events of one hot cell never wait for each other) and folded in by ``report_fold`` every second.
# Reports add what is still here, so they are exact before the fold as after.
report_cell_delta = Table(
    "report_cell_delta",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("course_id", String(200), nullable=False),
    Column("month", Date, nullable=False),
    Column("org", String(200), nullable=False),
    Column("municipality", String(200), nullable=False),
    Column("enrolled", Integer, nullable=False, server_default=text("0")),
    Column("completed", Integer, nullable=False, server_default=text("0")),
    Column("certificates", Integer, nullable=False, server_default=text("0")),
)
report_learner_delta = Table(
    "report_learner_delta",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("org", String(200), nullable=False),
    Column("month", Date, nullable=False),
    Column("municipality", String(200), nullable=False),
    Column("learner_id", String(255), nullable=False),
    Column("enrollments", Integer, nullable=False, server_default=text("0")),
)

learner = Table(
    "learner",
    metadata,
    Column("learner_id", String(255), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("name_key", String(300), nullable=False),
    Column("org", String(64), nullable=True),
    Column("municipality", String(200), nullable=True),
    Column("named_at", DateTime(timezone=True), nullable=False),
    Column("last_active_at", DateTime(timezone=True), nullable=True),
    Index("ix_learner_org_name", "org", "name_key", "learner_id"),
    Index("ix_learner_name", "name_key", "learner_id"),
)

report_export = Table(
    "report_export",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("params", JSONB, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_report_export_expires", "expires_at"),
)

# Learners erased on request (migration 0005): the record of the request and the tombstone that keeps
# a late event from writing the name back (service_layer/erasure.py).
erased_learner = Table(
    "erased_learner",
    metadata,
    Column("learner_id", String(255), primary_key=True),
    Column("pseudonym", String(300), nullable=False),
    Column("org", String(64), nullable=True),
    Column("reason", Text, nullable=True),
    Column("requested_by", String(255), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
)

# --- live sessions and surveys (issue 15, migration 0007) -----------------------------------------
# Check-in codes, stored hashed (domain/attendance.code_digest) in Postgres: they survive a restart of
# any process and every progress instance sees the same ones. A code is accepted until ``expires_at``
# and, once a newer code was issued, for the grace period after ``superseded_at``.
check_in_code = Table(
    "check_in_code",
    metadata,
    Column("code_sha256", String(64), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("lesson_id", String(64), nullable=False),
    Column("issued_by", String(255), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("superseded_at", DateTime(timezone=True), nullable=True),
    Index("ix_check_in_code_lesson", "course_id", "lesson_id", "expires_at"),
)

# openCheckIn and markAttendance name a lesson only: its course is found by containment
# (``snapshot @> {"modules": [{"lessons": [{"id": …}]}]}``), which this index answers.
Index(
    "ix_course_version_snapshot",
    course_version.c.snapshot,
    postgresql_using="gin",
    postgresql_ops={"snapshot": "jsonb_path_ops"},
)

# When a session's check-in closes (openCheckIn's ``minutes``), one row per live lesson.
check_in_window = Table(
    "check_in_window",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("lesson_id", String(64), primary_key=True),
    Column("closes_at", DateTime(timezone=True), nullable=False),
)

# Wrong codes typed, per learner, for the brute-force limit; rows older than the window are pruned.
check_in_failure = Table(
    "check_in_failure",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("learner_id", String(255), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),
    Index("ix_check_in_failure_learner", "learner_id", "failed_at"),
)

# One row per learner and session: present or absent, how (CODE or TRAINER) and when.
attendance = Table(
    "attendance",
    metadata,
    Column("enrollment_id", String(64), ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True),
    Column("lesson_id", String(64), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("present", Boolean, nullable=False),
    Column("method", String(16), nullable=False),
    Column("checked_in_at", DateTime(timezone=True), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(255), nullable=False),
    Index("ix_attendance_lesson", "course_id", "lesson_id", "present"),
)

# That an enrolment submitted a survey ("done"), kept apart from what was answered.
survey_submission = Table(
    "survey_submission",
    metadata,
    Column("enrollment_id", String(64), ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True),
    Column("lesson_id", String(64), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("org", String(64), nullable=True),
    Index("ix_survey_submission_lesson", "course_id", "lesson_id", "org"),
)

# Answers of anonymous surveys wait here (written with the submission, in its transaction) until the
# mixer moves a batch of them, in random order and in a transaction of its own, into survey_answer;
# neither table has a timestamp, an enrolment or a learner, and ids are random.
survey_ballot = Table(
    "survey_ballot",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("lesson_id", String(64), nullable=False),
    Column("question_id", String(64), nullable=False),
    Column("org", String(64), nullable=True),
    Column("rating", Integer, nullable=True),
    Column("option_id", String(64), nullable=True),
    Column("text", Text, nullable=True),
    Index("ix_survey_ballot_lesson", "course_id", "lesson_id"),
)

# Answers: anonymous ones without any link to a learner (enrollment_id NULL), the respondent's member
# state only; answers of surveys that are not anonymous keep their enrolment.
survey_answer = Table(
    "survey_answer",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("lesson_id", String(64), nullable=False),
    Column("question_id", String(64), nullable=False),
    Column("org", String(64), nullable=True),
    Column("enrollment_id", String(64), ForeignKey("enrollment.id", ondelete="CASCADE"), nullable=True),
    Column("rating", Integer, nullable=True),
    Column("option_id", String(64), nullable=True),
    Column("text", Text, nullable=True),
    Index("ix_survey_answer_lesson", "course_id", "lesson_id", "org"),
)

outbox = outbox_table(metadata)
inbox = processed_event_table(metadata)
idempotency = idempotency_table(metadata)
