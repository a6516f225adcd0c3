"""The courses service's settings: every shared ``LMS_*`` variable plus the material limits."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator

from lms_shared.settings import Settings

MAX_UPLOAD_URL_SECONDS = 900


class CoursesSettings(Settings):
    """``lms_shared.settings.Settings`` and ``LMS_MATERIAL_*``: the limits of material uploads."""

    material_max_bytes: int = Field(default=524_288_000, ge=1)
    # A presigned POST policy lives at most 15 minutes, whatever is configured.
    material_upload_ttl_seconds: int = Field(default=900, ge=1)
    # PENDING materials older than this are marked REJECTED and their objects deleted.
    material_pending_ttl_seconds: int = Field(default=86_400, ge=1)
    material_cleanup_interval_seconds: float = Field(default=60.0, gt=0)

    @field_validator("material_upload_ttl_seconds")
    @classmethod
    def _cap_upload_ttl(cls, value: int) -> int:
        return min(value, MAX_UPLOAD_URL_SECONDS)


@lru_cache
def get_settings() -> CoursesSettings:
    return CoursesSettings()
