"""The settings of the progress service: the shared ``LMS_*`` ones plus its own."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from lms_shared.settings import Settings


class ProgressSettings(Settings):
    # Attempts a learner gets per quiz; 0 means unlimited.
    quiz_max_attempts: int = Field(default=10, ge=0)


@lru_cache
def get_settings() -> ProgressSettings:
    return ProgressSettings()
