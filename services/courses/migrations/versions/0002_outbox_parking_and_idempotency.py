"""Outbox rows can be parked after a permanent failure; Idempotency-Key records (issue 12).

The same step in every service: see lms_shared.alembic_ops.
"""

from lms_shared.alembic_ops import downgrade_outbox_parking_and_idempotency as downgrade
from lms_shared.alembic_ops import upgrade_outbox_parking_and_idempotency as upgrade

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None
__all__ = ["downgrade", "upgrade"]
