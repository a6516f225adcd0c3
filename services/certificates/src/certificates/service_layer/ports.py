"""What the issuing code needs from the outside world, as narrow interfaces.

``bootstrap.py`` wires in the real renderer, signer and object store; unit tests pass fakes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from certificates.domain.model import CertificateDocument
from certificates.domain.templates import CertificateTemplate


@dataclass(frozen=True, slots=True)
class CredentialFacts:
    """What the signed credential states about one certificate (the same facts the PDF prints)."""

    certificate_id: uuid.UUID
    code: str
    learner_name: str
    learner_id: str | None
    course_id: str
    course_title: str
    course_version: int | None
    lang: str
    issued_at: datetime
    issuer_name: str
    verify_url: str
    status_list_index: int


@dataclass(frozen=True, slots=True)
class SignedCredential:
    """The credential as JSON (an enveloped VC) and the compact JWS that secures it."""

    credential: dict[str, Any]
    jws: str


class Renderer(Protocol):
    def render(self, doc: CertificateDocument, template: CertificateTemplate, lang: str) -> bytes: ...


class CredentialSigner(Protocol):
    def sign(self, facts: CredentialFacts) -> SignedCredential: ...

    def sign_status_list(self, list_number: int, revoked_indexes: list[int]) -> str:
        """A signed BitstringStatusListCredential; ``revoked_indexes`` are global indexes in the list."""
        ...

    def status_list_of(self, index: int) -> int:
        """The number of the status list a global status index falls in."""
        ...

    def status_list_bounds(self, list_number: int) -> tuple[int, int]:
        """The first and last global index a status list covers."""
        ...

    def signed_with_current_key(self, token: str) -> bool:
        """Whether a JWS names the key that signs today (False after a rotation)."""
        ...


class PdfStore(Protocol):
    """Blocking object-store writes; called from worker threads."""

    def put_pdf(self, key: str, data: bytes) -> None: ...

    def presigned_pdf_url(self, key: str, filename: str) -> str: ...
