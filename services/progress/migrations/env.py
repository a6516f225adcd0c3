"""Alembic environment of the progress database (run by ``python -m lms_shared.migrate progress``)."""

from lms_shared.alembic_env import run_migrations
from progress.adapters.orm import metadata

run_migrations(metadata)
