"""Alembic environment of the courses database (run by ``python -m lms_shared.migrate courses``)."""

from courses.adapters.orm import metadata
from lms_shared.alembic_env import run_migrations

run_migrations(metadata)
