"""The settings of the progress service: the shared ``LMS_*`` ones plus its own."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from lms_shared.settings import Settings


class ProgressSettings(Settings):
    # Attempts a learner gets per quiz; 0 means unlimited.
    quiz_max_attempts: int = Field(default=10, ge=0)
    # Check-in at live sessions (issue 15): how long a code is accepted, how long after a newer one
    # was issued, how early and late check-in is open around the session, and the wrong-code limit.
    checkin_code_seconds: int = Field(default=90, ge=10, le=3600)
    checkin_grace_seconds: int = Field(default=60, ge=0, le=3600)
    checkin_margin_minutes: int = Field(default=30, ge=0, le=24 * 60)
    checkin_max_failures: int = Field(default=10, ge=1)
    checkin_failure_window_seconds: int = Field(default=600, ge=10)


@lru_cache
def get_settings() -> ProgressSettings:
    return ProgressSettings()
