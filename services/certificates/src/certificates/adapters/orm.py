"""The certificates database: tables, indexes, and the sequence of status-list positions.

The partial unique index ``uq_certificate_valid_recipient`` is what "one valid certificate per
recipient and course" rests on: whatever path issues (admin, auto, bulk worker, a redelivered chunk),
the second valid row for the same ``(course_id, recipient_key)`` cannot exist.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from lms_shared.db import new_metadata
from lms_shared.idempotency import idempotency_table
from lms_shared.inbox import processed_event_table
from lms_shared.outbox import outbox_table

metadata = new_metadata()
outbox = outbox_table(metadata)
inbox = processed_event_table(metadata)
idempotency = idempotency_table(metadata)

status_list_index_seq = Sequence("status_list_index_seq", metadata=metadata, start=0, minvalue=0)

course = Table(
    "course",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("slug", String(200), nullable=False),
    Column("titles", JSONB, nullable=False),
    Column("summaries", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("languages", JSONB, nullable=False),
    Column("default_language", String(16), nullable=False),
    Column("owner_id", String(255), nullable=False),
    Column("co_owner_ids", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # The ownership revision the owners above come from (course.owners_changed / course.published).
    Column("owner_revision", Integer, nullable=False, server_default=text("0")),
    Column("auto_issue", Boolean, nullable=False),
    Column("template_id", String(64), nullable=True),
    # certificate_policy.kind and the event of its LIVE sessions (migration 0013, issue 15).
    Column("kind", String(16), nullable=False, server_default=text("'COMPLETION'")),
    Column("event", JSONB, nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

completion = Table(
    "completion",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("learner_id", String(255), primary_key=True),
    Column("enrollment_id", String(64), nullable=False),
    Column("course_version", Integer, nullable=False),
    Column("learner_name", String(255), nullable=False),
    Column("org", String(64), nullable=True),
    Column("municipality", String(255), nullable=True),
    Column("locale", String(32), nullable=True),
    Column("score", Integer, nullable=True),
    Column("course_titles", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    # Set while the course's course.published has not arrived; issued when it does.
    Column("awaiting_course", Boolean, nullable=False, server_default=text("false")),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

certificate = Table(
    "certificate",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("course_id", String(64), nullable=False),
    Column("course_version", Integer, nullable=True),
    Column("recipient_key", String(700), nullable=False),
    Column("generation", Integer, nullable=False, server_default=text("0")),
    Column("learner_id", String(255), nullable=True),
    Column("learner_name", String(255), nullable=False),
    # lms_shared.text.name_search_key(learner_name): what the admin search matches (migration 0011).
    Column("name_key", String(600), nullable=False, server_default=text("''")),
    Column("email", String(320), nullable=True),
    Column("org", String(64), nullable=True),
    Column("municipality", String(255), nullable=True),
    Column("enrollment_id", String(64), nullable=True),
    Column("lang", String(16), nullable=False),
    Column("course_title", Text, nullable=False),
    Column("issuer_name", Text, nullable=False),
    Column("template_id", String(64), nullable=False),
    Column("printed", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("status", String(16), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("issued_by", String(255), nullable=True),
    Column("bulk_job_id", UUID(as_uuid=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revocation_reason", Text, nullable=True),
    Column("revoked_by", String(255), nullable=True),
    Column("pdf_key", String(255), nullable=False),
    Column("credential", JSONB, nullable=False),
    Column("credential_jws", Text, nullable=False),
    # The credential with an embedded eddsa-rdfc-2022 proof; NULL for certificates from before
    # migration 0008 until `certificates backfill-data-integrity` (or a read) provides one.
    # none_as_null: a certificate issued without its proof (LMS_DATA_INTEGRITY_PROOFS=false) has SQL
    # NULL, not JSON null, so the backfill's "credential_di IS NULL" finds it.
    Column("credential_di", JSONB(none_as_null=True), nullable=True),
    Column("status_list_index", BigInteger, nullable=False, unique=True),
    Index(
        "uq_certificate_valid_recipient",
        "course_id",
        "recipient_key",
        unique=True,
        postgresql_where=text("status = 'VALID'"),
    ),
    Index("ix_certificate_learner_id", "learner_id"),
    Index("ix_certificate_course_id", "course_id"),
    # The admin search (migration 0011): newest first overall, in a course, by code prefix; the
    # trigram index on name_key exists where pg_trgm is installed.
    Index("ix_certificate_issued", "issued_at", "id"),
    Index("ix_certificate_course_issued", "course_id", "issued_at", "id"),
    Index("ix_certificate_code_prefix", "code", postgresql_ops={"code": "varchar_pattern_ops"}),
    # Re-signing a status list reads the revoked positions in its range: a few rows among millions.
    Index("ix_certificate_revoked_slot", "status_list_index", postgresql_where=text("status = 'REVOKED'")),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor_sub", String(255), nullable=False),
    Column("actor_name", String(255), nullable=False),
    Column("action", String(32), nullable=False),
    Column("certificate_id", UUID(as_uuid=True), nullable=True),
    Column("job_id", UUID(as_uuid=True), nullable=True),
    Column("template_id", String(64), nullable=True),
    Column("reason", Text, nullable=True),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_audit_log_certificate_id", "certificate_id"),
    Index("ix_audit_log_job_id", "job_id"),
)

bulk_job = Table(
    "bulk_job",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total", Integer, nullable=False),
    Column("issued", Integer, nullable=False, server_default=text("0")),
    Column("skipped", Integer, nullable=False, server_default=text("0")),
    # Rows refused at planning (invalid input); stored as items too, so every input row is accounted for.
    Column("refused", Integer, nullable=False, server_default=text("0")),
    Column("failed", Integer, nullable=False, server_default=text("0")),
    Column("chunks", Integer, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("created_by_name", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # Set while an outage (object store, database) holds the job's chunks back; cleared by progress.
    Column("waiting_reason", Text, nullable=True),
    Column("waiting_since", DateTime(timezone=True), nullable=True),
    # A worker's last sign of life for the job; the watchdog re-queues jobs silent for too long.
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("requeues", Integer, nullable=False, server_default=text("0")),
    Index("ix_bulk_job_course_id", "course_id"),
    Index("ix_bulk_job_active", "updated_at", postgresql_where=text("status IN ('QUEUED', 'RUNNING')")),
)

bulk_item = Table(
    "bulk_item",
    metadata,
    Column("job_id", UUID(as_uuid=True), ForeignKey("bulk_job.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    # The 1-based CSV data row or index in the recipient list (idx + 1 then); NULL for allEligible.
    Column("row", Integer, nullable=True),
    Column("recipient", JSONB, nullable=False),
    Column("label", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("certificate_id", UUID(as_uuid=True), nullable=True),
    Column("reason_code", String(32), nullable=True),
    Column("reason", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_bulk_item_pending", "job_id", "idx", postgresql_where=text("status = 'PENDING'")),
)

template = Table(
    "certificate_template",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("data", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(255), nullable=False),
)

status_list = Table(
    "status_list",
    metadata,
    Column("list_number", Integer, primary_key=True),
    Column("credential_jwt", Text, nullable=False),
    # The same list with an eddsa-rdfc-2022 proof (NULL: signed before migration 0008).
    Column("credential_di", JSONB, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Completions that could not be certified automatically (a name the font cannot print …): one row per
# recipient and course, shown to admins until a certificate resolves it (issue 12, item 8).
auto_issue_failure = Table(
    "auto_issue_failure",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("recipient_key", String(700), nullable=False),
    Column("learner_id", String(255), nullable=True),
    Column("recipient", JSONB, nullable=False),
    Column("course_titles", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("reason_code", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("1")),
    Column("first_failed_at", DateTime(timezone=True), nullable=False),
    Column("last_failed_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("resolved_by", String(255), nullable=True),
    Column("certificate_id", UUID(as_uuid=True), nullable=True),
    Index("uq_auto_issue_failure_recipient", "course_id", "recipient_key", unique=True),
    Index("ix_auto_issue_failure_open", "course_id", "last_failed_at", postgresql_where=text("resolved_at IS NULL")),
)

# Completions waiting for their automatic certificate (migration 0014, issue 19 item 4): recorded by the
# course.completed consumer, issued in batches by the certificate workers, deleted in the transaction
# that certifies them (or records their failure).
auto_issue_request = Table(
    "auto_issue_request",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("recipient_key", String(700), primary_key=True),
    Column("learner_id", String(255), nullable=True),
    Column("course_version", Integer, nullable=True),
    Column("recipient", JSONB, nullable=False),
    Column("course_titles", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("not_before", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Index("ix_auto_issue_request_due", "not_before"),
    Index("ix_auto_issue_request_learner_id", "learner_id"),
)

# The certificate policy of every published version of a course (``course`` keeps only the newest):
# a completion is decided by the policy of the version the learner completed (issue 12, item 10).
course_version_policy = Table(
    "course_version_policy",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("auto_issue", Boolean, nullable=False),
    Column("template_id", String(64), nullable=True),
    Column("kind", String(16), nullable=False, server_default=text("'COMPLETION'")),
    Column("event", JSONB, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Print batches (issue 17, item 7): a ceremony's certificates as one merged PDF or a ZIP, produced
# by the workers. ``attempt`` is the lease's generation: a worker's writes only count for its own.
print_batch = Table(
    "print_batch",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("format", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("selection", JSONB, nullable=False),
    Column("lang", String(16), nullable=False),
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False, server_default=text("0")),
    Column("attempt", Integer, nullable=False, server_default=text("0")),
    Column("failures", Integer, nullable=False, server_default=text("0")),
    Column("error", Text, nullable=True),
    Column("waiting_reason", Text, nullable=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("lease_until", DateTime(timezone=True), nullable=True),
    Column("output_key", String(255), nullable=True),
    Column("size", BigInteger, nullable=True),
    Column("created_by", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Index("ix_print_batch_active", "due_at", postgresql_where=text("status IN ('QUEUED', 'RUNNING')")),
)

print_batch_item = Table(
    "print_batch_item",
    metadata,
    Column("batch_id", UUID(as_uuid=True), ForeignKey("print_batch.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("certificate_id", UUID(as_uuid=True), nullable=False),
    Column("pdf_key", String(255), nullable=False),
    Column("file_name", Text, nullable=False),
)

# Learners erased on request (migration 0010): a later completion for them is dropped, never certified.
erased_learner = Table(
    "erased_learner",
    metadata,
    Column("learner_id", String(255), primary_key=True),
    Column("pseudonym", String(300), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# National co-branding (migration 0012): one row per stored version of a state's variant of a
# template, never updated; ``data`` NULL is a removal. Certificates name the version they printed.
template_variant = Table(
    "template_variant",
    metadata,
    Column("template_id", String(64), primary_key=True),
    Column("org", String(2), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("data", JSONB, nullable=True),
    Column("digest", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(255), nullable=False),
)
