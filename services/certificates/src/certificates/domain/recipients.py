"""Who a certificate is for, and how we recognise the same person twice.

One valid certificate per recipient and course is the rule that makes re-running a bulk job, a
redelivered chunk or a crashed worker harmless. It needs a stable *recipient key*:

* the learner id when the platform knows the person (completions, cohort members);
* otherwise the e-mail address, lower-cased in ASCII only (the domain part is case-insensitive and
  the local part is in practice; a locale-aware fold would turn ``I`` into ``ı`` for a Turkish
  admin and split one person in two);
* otherwise the name with organisation and municipality, NFC-normalised and case-folded with
  Unicode's locale-independent ``casefold`` (workshop participants often have nothing else).

The certificate id is derived from the course and that key (UUIDv5), so every path that issues
computes the same id for the same person and the database's primary key refuses the second copy.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from lms_shared.i18n import ascii_lower, ascii_upper
from lms_shared.names import NameRefused, clean_name

CERTIFICATE_NAMESPACE: Final = uuid.UUID("6f1b3c52-4d0e-5a8b-9c71-2e4f8a9d0b13")
MAX_NAME_LENGTH: Final = 200
MAX_FIELD_LENGTH: Final = 200
MAX_EMAIL_LENGTH: Final = 320
_EMAIL_RE: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SPACES: Final = re.compile(r"\s+")
# Member states are named by their ISO 3166 alpha-2 code (the token's ``org`` claim).
_ORG_RE: Final = re.compile(r"[A-Za-z]{2}")


class ReasonCode(StrEnum):
    """Why a bulk row was refused, skipped or failed: stable codes clients translate (docs/rest-api.md)."""

    MISSING_NAME = "MISSING_NAME"
    NAME_TOO_LONG = "NAME_TOO_LONG"
    FIELD_TOO_LONG = "FIELD_TOO_LONG"
    INVALID_CHARACTERS = "INVALID_CHARACTERS"
    MIXED_SCRIPT = "MIXED_SCRIPT"
    SELF_CERTIFICATION = "SELF_CERTIFICATION"
    INVALID_EMAIL = "INVALID_EMAIL"
    UNKNOWN_ORG = "UNKNOWN_ORG"
    OTHER_STATE = "OTHER_STATE"  # a country admin's row for a learner of another member state (issue 14)
    MALFORMED_ROW = "MALFORMED_ROW"
    DUPLICATE_IN_INPUT = "DUPLICATE_IN_INPUT"
    ALREADY_CERTIFIED = "ALREADY_CERTIFIED"
    RENDER_FAILED = "RENDER_FAILED"
    ISSUE_CONFLICT = "ISSUE_CONFLICT"
    ISSUE_FAILED = "ISSUE_FAILED"
    CANCELLED = "CANCELLED"


class RecipientError(ValueError):
    """A recipient row that cannot be issued; ``detail`` says what to fix, ``code`` says it for machines."""

    def __init__(self, code: ReasonCode, detail: str, where: str = "") -> None:
        super().__init__(f"{where}: {detail}" if where else detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person a certificate is issued to, as printed and as recognised."""

    name: str
    learner_id: str | None = None
    email: str | None = None
    org: str | None = None
    municipality: str | None = None
    locale: str | None = None
    enrollment_id: str | None = None
    course_version: int | None = None

    @property
    def key(self) -> str:
        """The stable key that identifies this person within one course (see the module doc)."""
        return recipient_key(self.learner_id, self.email, self.name, self.org, self.municipality)

    @property
    def label(self) -> str:
        """How a person reading a failure list recognises this recipient."""
        extra = self.email or self.learner_id
        return f"{self.name} <{extra}>" if extra else self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "learnerId": self.learner_id,
            "email": self.email,
            "org": self.org,
            "municipality": self.municipality,
            "locale": self.locale,
            "enrollmentId": self.enrollment_id,
            "courseVersion": self.course_version,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recipient:
        return cls(
            name=data["name"],
            learner_id=data.get("learnerId"),
            email=data.get("email"),
            org=data.get("org"),
            municipality=data.get("municipality"),
            locale=data.get("locale"),
            enrollment_id=data.get("enrollmentId"),
            course_version=data.get("courseVersion"),
        )


def _unprintable(text: str) -> bool:
    """Control, surrogate or private-use characters: nothing a printed or stored field may hold."""
    return any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in text)


def _clean(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
    return text or None


def recipient_key(
    learner_id: str | None, email: str | None, name: str, org: str | None, municipality: str | None
) -> str:
    """The recipient key: ``learner:<id>``, else ``email:<address>``, else ``name:<name|org|municipality>``."""
    if learner_id:
        return f"learner:{learner_id}"
    if email:
        return f"email:{ascii_lower(email.strip())}"
    parts = [_fold(name), _fold(org), _fold(municipality)]
    return "name:" + "|".join(parts)


def _fold(value: str | None) -> str:
    if not value:
        return ""
    return unicodedata.normalize("NFC", _SPACES.sub(" ", value).strip().casefold())


def certificate_id(course_id: str, key: str, generation: int = 0) -> uuid.UUID:
    """The id of a recipient's certificate for a course; ``generation`` counts earlier revoked ones."""
    name = f"{course_id}|{key}" if generation == 0 else f"{course_id}|{key}|{generation}"
    return uuid.uuid5(CERTIFICATE_NAMESPACE, name)


def parse_recipient(data: Mapping[str, Any], where: str = "") -> Recipient:
    """A :class:`Recipient` from API or CSV input, cleaned; raises :class:`RecipientError`.

    The one rule set for every path that names a recipient: admin issue, bulk jobs from a list or a CSV.
    ``where`` prefixes the message (``"row 17"``) so a person can find the row to fix.
    """
    name = _clean(data.get("name"))
    if name is None:
        raise RecipientError(ReasonCode.MISSING_NAME, "name is empty", where)
    try:
        checked = clean_name(name)
    except NameRefused as refused:
        raise RecipientError(ReasonCode(refused.code), str(refused), where) from None
    name = checked.name
    if checked.needs_confirmation and data.get("nameConfirmed") is not True:
        words = ", ".join(repr(w) for w in checked.mixed_script_words)
        raise RecipientError(
            ReasonCode.MIXED_SCRIPT,
            f"name mixes letters of two scripts in {words} (a look-alike of another name?); "
            "check it and send it again with nameConfirmed: true to issue it as written",
            where,
        )
    if len(name) > MAX_NAME_LENGTH:
        raise RecipientError(
            ReasonCode.NAME_TOO_LONG, f"name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}", where
        )
    if _unprintable(name):
        raise RecipientError(ReasonCode.INVALID_CHARACTERS, "name contains control or unprintable characters", where)
    email = _clean(data.get("email"))
    if email is not None and _unprintable(email):
        raise RecipientError(ReasonCode.INVALID_CHARACTERS, "email contains control characters", where)
    if email is not None and len(email) > MAX_EMAIL_LENGTH:
        raise RecipientError(ReasonCode.FIELD_TOO_LONG, f"email is longer than {MAX_EMAIL_LENGTH} characters", where)
    if email is not None and not _EMAIL_RE.fullmatch(email):
        raise RecipientError(ReasonCode.INVALID_EMAIL, f"email {email!r} is not an e-mail address", where)
    fields: dict[str, str | None] = {}
    for field in ("learnerId", "org", "municipality", "locale", "enrollmentId"):
        value = _clean(data.get(field))
        if value is not None and _unprintable(value):
            raise RecipientError(ReasonCode.INVALID_CHARACTERS, f"{field} contains control characters", where)
        if value is not None and len(value) > MAX_FIELD_LENGTH:
            raise RecipientError(
                ReasonCode.FIELD_TOO_LONG, f"{field} is longer than {MAX_FIELD_LENGTH} characters", where
            )
        fields[field] = value
    org = fields["org"]
    if org is not None:
        if not _ORG_RE.fullmatch(org):
            raise RecipientError(
                ReasonCode.UNKNOWN_ORG,
                f"org {org!r} is not a member state's two-letter country code (ISO 3166 alpha-2, e.g. KZ)",
                where,
            )
        org = ascii_upper(org)
    version = data.get("courseVersion")
    return Recipient(
        name=name,
        learner_id=fields["learnerId"],
        email=email,
        org=org,
        municipality=fields["municipality"],
        locale=fields["locale"],
        enrollment_id=fields["enrollmentId"],
        course_version=int(version) if isinstance(version, int) else None,
    )
