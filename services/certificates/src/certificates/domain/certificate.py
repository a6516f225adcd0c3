"""Rules about an issued certificate: its status, its code, and what revoking it needs."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from certificates.domain.codes import ALPHABET, RANDOM_LENGTH, check_character, format_code

MAX_REASON_LENGTH: Final = 500


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
