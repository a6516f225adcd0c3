"""Alembic environment of the certificates database."""

from certificates.adapters.orm import metadata
from lms_shared.alembic_env import run_migrations

run_migrations(metadata)
