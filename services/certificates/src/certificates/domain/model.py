"""The certificate domain model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from certificates.domain.participation import PrintedEvent


@dataclass(frozen=True, slots=True)
class CertificateDocument:
    """Everything printed on one certificate that is specific to the learner.

    The renderer turns it into a PDF; the same values go into the signed credential and the
    public verification page, so what a verifier sees matches the paper.
    """

    code: str
    """Formatted certificate code, e.g. ``KB-7QX4-M9PA-K3TD``."""
    learner_name: str
    course_title: str
    """In the certificate's language."""
    issued_at: datetime
    """Timezone-aware, UTC."""
    verify_url: str
    """Public verification page; also what the QR code encodes."""
    course_version: int | None
    issuer_name: str
    """The issuing organisation, in the certificate's language."""
    event: PrintedEvent | None = None
    """A certificate of participation's event: its days and venue, printed under its name."""

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() != timedelta(0):
            raise ValueError("issued_at must be a timezone-aware UTC datetime")
        for name in ("code", "learner_name", "course_title", "verify_url", "issuer_name"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
