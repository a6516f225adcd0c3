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
from dataclasses import dataclass
from typing import Any, Final

from lms_shared.i18n import ascii_lower

CERTIFICATE_NAMESPACE: Final = uuid.UUID("6f1b3c52-4d0e-5a8b-9c71-2e4f8a9d0b13")
MAX_NAME_LENGTH: Final = 200
MAX_FIELD_LENGTH: Final = 200
_EMAIL_RE: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SPACES: Final = re.compile(r"\s+")


class RecipientError(ValueError):
    """A recipient row that cannot be issued; the message says what to fix."""


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


def parse_recipient(data: dict[str, Any], where: str) -> Recipient:
    """A :class:`Recipient` from API or CSV input, cleaned; raises :class:`RecipientError`.

    ``where`` prefixes the message (``"row 17"``) so a person can find the row to fix.
    """
    name = _clean(data.get("name"))
    if name is None:
        raise RecipientError(f"{where}: name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise RecipientError(f"{where}: name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in name):
        raise RecipientError(f"{where}: name contains control or unprintable characters")
    email = _clean(data.get("email"))
    if email is not None and not _EMAIL_RE.fullmatch(email):
        raise RecipientError(f"{where}: email {email!r} is not an e-mail address")
    fields: dict[str, str | None] = {}
    for field in ("learnerId", "org", "municipality", "locale", "enrollmentId"):
        value = _clean(data.get(field))
        if value is not None and len(value) > MAX_FIELD_LENGTH:
            raise RecipientError(f"{where}: {field} is longer than {MAX_FIELD_LENGTH} characters")
        fields[field] = value
    version = data.get("courseVersion")
    return Recipient(
        name=name,
        learner_id=fields["learnerId"],
        email=email,
        org=fields["org"],
        municipality=fields["municipality"],
        locale=fields["locale"],
        enrollment_id=fields["enrollmentId"],
        course_version=int(version) if isinstance(version, int) else None,
    )
