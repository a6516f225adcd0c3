"""Settings only the progress service reads (the shared ones live in ``lms_shared.settings``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProgressSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMS_", extra="ignore")

    # Attempts a learner gets per quiz; 0 means unlimited.
    quiz_max_attempts: int = Field(default=10, ge=0)


@lru_cache
def get_progress_settings() -> ProgressSettings:
    return ProgressSettings()
