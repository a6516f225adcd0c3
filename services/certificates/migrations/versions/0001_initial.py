"""The certificates database: courses and completions (local copies), certificates, bulk jobs,
templates, status lists, audit log, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 02:13:31.147445
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms_shared.alembic_ops import create_outbox_and_inbox, drop_outbox_and_inbox
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Positions in the revocation status lists; never reused, gaps are harmless.
    op.execute(sa.schema.CreateSequence(sa.Sequence('status_list_index_seq', start=0, minvalue=0)))
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_sub', sa.String(length=255), nullable=False),
    sa.Column('actor_name', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('certificate_id', sa.UUID(), nullable=True),
    sa.Column('job_id', sa.UUID(), nullable=True),
    sa.Column('template_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_certificate_id', 'audit_log', ['certificate_id'], unique=False)
    op.create_index('ix_audit_log_job_id', 'audit_log', ['job_id'], unique=False)
    op.create_table('bulk_job',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('issued', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('skipped', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('failed', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('created_by_name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_job'))
    )
    op.create_index('ix_bulk_job_course_id', 'bulk_job', ['course_id'], unique=False)
    op.create_table('certificate',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('course_version', sa.Integer(), nullable=True),
    sa.Column('recipient_key', sa.String(length=700), nullable=False),
    sa.Column('generation', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('learner_id', sa.String(length=255), nullable=True),
    sa.Column('learner_name', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('org', sa.String(length=64), nullable=True),
    sa.Column('municipality', sa.String(length=255), nullable=True),
    sa.Column('enrollment_id', sa.String(length=64), nullable=True),
    sa.Column('lang', sa.String(length=16), nullable=False),
    sa.Column('course_title', sa.Text(), nullable=False),
    sa.Column('issuer_name', sa.Text(), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('printed', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=255), nullable=True),
    sa.Column('bulk_job_id', sa.UUID(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('revoked_by', sa.String(length=255), nullable=True),
    sa.Column('pdf_key', sa.String(length=255), nullable=False),
    sa.Column('credential', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('credential_jws', sa.Text(), nullable=False),
    sa.Column('status_list_index', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('status_list_index', name=op.f('uq_certificate_status_list_index'))
    )
    op.create_index('ix_certificate_course_id', 'certificate', ['course_id'], unique=False)
    op.create_index('ix_certificate_learner_id', 'certificate', ['learner_id'], unique=False)
    op.create_index('uq_certificate_valid_recipient', 'certificate', ['course_id', 'recipient_key'], unique=True, postgresql_where=sa.text("status = 'VALID'"))
    op.create_table('certificate_template',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_template'))
    )
    op.create_table('completion',
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=255), nullable=False),
    sa.Column('enrollment_id', sa.String(length=64), nullable=False),
    sa.Column('course_version', sa.Integer(), nullable=False),
    sa.Column('learner_name', sa.String(length=255), nullable=False),
    sa.Column('org', sa.String(length=64), nullable=True),
    sa.Column('municipality', sa.String(length=255), nullable=True),
    sa.Column('locale', sa.String(length=32), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('course_titles', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('awaiting_course', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('course_id', 'learner_id', name=op.f('pk_completion'))
    )
    op.create_table('course',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('titles', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('languages', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('default_language', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.String(length=255), nullable=False),
    sa.Column('co_owner_ids', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('auto_issue', sa.Boolean(), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course'))
    )
    create_outbox_and_inbox()
    op.create_table('status_list',
    sa.Column('list_number', sa.Integer(), nullable=False),
    sa.Column('credential_jwt', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('list_number', name=op.f('pk_status_list'))
    )
    op.create_table('bulk_item',
    sa.Column('job_id', sa.UUID(), nullable=False),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('recipient', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('certificate_id', sa.UUID(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['bulk_job.id'], name=op.f('fk_bulk_item_job_id_bulk_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'idx', name=op.f('pk_bulk_item'))
    )
    op.create_index('ix_bulk_item_pending', 'bulk_item', ['job_id', 'idx'], unique=False, postgresql_where=sa.text("status = 'PENDING'"))


def downgrade() -> None:
    op.drop_index('ix_bulk_item_pending', table_name='bulk_item', postgresql_where=sa.text("status = 'PENDING'"))
    op.drop_table('bulk_item')
    op.drop_table('status_list')
    drop_outbox_and_inbox()
    op.drop_table('course')
    op.drop_table('completion')
    op.drop_table('certificate_template')
    op.drop_index('uq_certificate_valid_recipient', table_name='certificate', postgresql_where=sa.text("status = 'VALID'"))
    op.drop_index('ix_certificate_learner_id', table_name='certificate')
    op.drop_index('ix_certificate_course_id', table_name='certificate')
    op.drop_table('certificate')
    op.drop_index('ix_bulk_job_course_id', table_name='bulk_job')
    op.drop_table('bulk_job')
    op.drop_index('ix_audit_log_job_id', table_name='audit_log')
    op.drop_index('ix_audit_log_certificate_id', table_name='audit_log')
    op.drop_table('audit_log')
    op.execute(sa.schema.DropSequence(sa.Sequence('status_list_index_seq')))
