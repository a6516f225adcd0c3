"""Alembic environment of the notifications database (run by ``python -m lms_shared.migrate notifications``)."""

from lms_shared.alembic_env import run_migrations
from notifications.adapters.orm import metadata

run_migrations(metadata)
