"""Rules about an issued certificate: its status, its code, and what revoking it needs."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from certificates.domain.codes import ALPHABET, RANDOM_LENGTH, check_character, format_code
from certificates.domain.participation import CertificateKind, PrintedEvent, kind_of
from certificates.domain.recipients import MAX_NAME_LENGTH, ReasonCode

MAX_REASON_LENGTH: Final = 500

# Every field printed on a certificate has a length cap (issue 13, finding 14: layout time grows
# with the length, and a 100,000-character title used to take minutes to render). Recipient fields
# are refused where they enter (``recipients.parse_recipient``); course titles arrive in events,
# which cannot be answered with a 422, so issuing for such a course is refused (docs/rest-api.md,
# "Length caps of printed fields"). The renderer checks every cap again, so no path can hand it more.
MAX_COURSE_TITLE_LENGTH: Final = 300
"""A course title in one language; the courses service's cap for titles should not exceed it."""
MAX_ISSUER_NAME_LENGTH: Final = 200
"""The issuing organisation (a template's ``issuerNames``; templates cap every text at 200)."""
MAX_VERIFY_URL_LENGTH: Final = 500
"""``{LMS_PUBLIC_URL}/verify/{code}``, also encoded in the QR symbol."""
MAX_CODE_LENGTH: Final = 64
MAX_VENUE_LENGTH: Final = 300
"""An event's venue in one language (a participation certificate prints it under the event's name)."""
PRINTED_FIELD_LIMITS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "learner_name": MAX_NAME_LENGTH,
        "course_title": MAX_COURSE_TITLE_LENGTH,
        "issuer_name": MAX_ISSUER_NAME_LENGTH,
        "code": MAX_CODE_LENGTH,
        "verify_url": MAX_VERIFY_URL_LENGTH,
        "event_venue": MAX_VENUE_LENGTH,
    }
)
"""Field of :class:`~certificates.domain.model.CertificateDocument` → most characters printed."""

_FIELD_LABELS: Final = {
    "learner_name": "name",
    "course_title": "course title",
    "issuer_name": "issuer name",
    "code": "certificate code",
    "verify_url": "verification URL",
    "event_venue": "event's venue",
}


class PrintedFieldTooLong(ValueError):
    """A field to be printed is longer than its cap; ``reason_code`` says it for machines."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        label = _FIELD_LABELS.get(field, field)
        super().__init__(f"the {label} is {length} characters long; the limit is {limit}")
        self.field = field
        self.length = length
        self.limit = limit
        self.reason_code = ReasonCode.NAME_TOO_LONG if field == "learner_name" else ReasonCode.FIELD_TOO_LONG


def check_printed_length(field: str, value: str, limits: Mapping[str, int] = PRINTED_FIELD_LIMITS) -> None:
    """Raise :class:`PrintedFieldTooLong` if ``value`` is longer than the cap of ``field``."""
    limit = limits.get(field)
    if limit is not None and len(value) > limit:
        raise PrintedFieldTooLong(field, len(value), limit)


def course_title_problem(titles: Mapping[str, str]) -> str | None:
    """Why a course's titles cannot be printed (the first title over the cap), or None.

    For the paths that learn titles from events (``course.published``, ``course.completed``):
    an event cannot be answered with a 422, so they refuse to *issue* with this message.
    """
    for lang, title in titles.items():
        if len(title) > MAX_COURSE_TITLE_LENGTH:
            return (
                f"the course title in {lang!r} is {len(title)} characters long; "
                f"certificates print at most {MAX_COURSE_TITLE_LENGTH}"
            )
    return None


class CertificateStatus(StrEnum):
    VALID = "VALID"
    REVOKED = "REVOKED"


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate as stored: what was printed, signed and where its PDF is."""

    id: uuid.UUID
    code: str
    course_id: str
    course_version: int | None
    recipient_key: str
    learner_id: str | None
    learner_name: str
    email: str | None
    org: str | None
    municipality: str | None
    enrollment_id: str | None
    lang: str
    course_title: str
    issuer_name: str
    template_id: str
    status: str
    issued_at: datetime
    pdf_key: str
    status_list_index: int
    credential: dict[str, Any] = field(repr=False)
    credential_jws: str = field(repr=False)
    printed: dict[str, Any] = field(default_factory=dict)
    bulk_job_id: uuid.UUID | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    generation: int = 0
    # The same credential with an embedded Data Integrity proof (None: issued before issue 17).
    credential_di: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def kind(self) -> CertificateKind:
        """``PARTICIPATION`` for a certificate of participation (``printed.kind``), else ``COMPLETION``."""
        return kind_of(self.printed.get("kind"))

    @property
    def event(self) -> PrintedEvent | None:
        """The event a certificate of participation printed (its days and venue), or None."""
        return PrintedEvent.from_json(self.printed.get("event"))


class RevocationError(ValueError):
    """A revocation request that cannot be accepted as it is."""


def derive_code(certificate_id: uuid.UUID, secret: bytes) -> str:
    """The printed code of a certificate, derived from its id with a keyed hash.

    Why derived and not drawn at random: the PDF is uploaded before the database commit, and two
    paths racing to issue the same person's certificate (an auto issue and a bulk chunk) compute
    the same id and write the same object key. With a derived code both write the same code, so the
    stored PDF always matches the row that wins (the object key includes the code as well, for the
    moment of an issuer key rotation when two processes may hold different keys). The key keeps
    codes unguessable: without it, a certificate id does not tell you the code, and codes do not
    tell you anything about each other.
    """
    digest = hmac.new(secret, certificate_id.bytes, hashlib.sha256).digest()
    value = int.from_bytes(digest, "big")
    chars = []
    for _ in range(RANDOM_LENGTH):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    payload = "".join(chars)
    return format_code(payload + check_character(payload))


def clean_revocation_reason(reason: object) -> str:
    """The reason as stored; raises :class:`RevocationError` when it is missing or too long."""
    if not isinstance(reason, str) or not reason.strip():
        raise RevocationError("Give a reason for the revocation; it is shown on the public verification page.")
    text = " ".join(reason.split())
    if len(text) > MAX_REASON_LENGTH:
        raise RevocationError(f"The reason is {len(text)} characters long; keep it under {MAX_REASON_LENGTH}.")
    return text
