"""Live sessions, surveys, the registration policy and the certificate kind (issue 15).

``lesson.live`` / ``lesson.survey``: a LIVE lesson's session and a SURVEY lesson's questions (JSONB,
like the quiz). ``course.registration``: capacity, quotas per member state, approval, closing date,
waiting list (``{}`` = the first release's behaviour: no limits). ``course.certificate_kind``:
COMPLETION or PARTICIPATION. ``course.inactivity_reminder_days``: NULL = no reminder.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision, down_revision, branch_labels, depends_on = "0005", "0004", None, None


def upgrade() -> None:
    op.add_column("lesson", sa.Column("live", JSONB(), nullable=True))
    op.add_column("lesson", sa.Column("survey", JSONB(), nullable=True))
    op.add_column("course", sa.Column("registration", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")))
    op.add_column("course", sa.Column("certificate_kind", sa.String(16), nullable=False, server_default="COMPLETION"))
    op.add_column("course", sa.Column("inactivity_reminder_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("course", "inactivity_reminder_days")
    op.drop_column("course", "certificate_kind")
    op.drop_column("course", "registration")
    op.drop_column("lesson", "survey")
    op.drop_column("lesson", "live")
