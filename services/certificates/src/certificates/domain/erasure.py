"""What erasing a learner does to their certificates (issue 14, item 6; docs/privacy.md)."""

from __future__ import annotations

import copy
from typing import Any, Final

from certificates.domain.certificate import IssuedCertificate

ERASED_REASON: Final = "erased on request"
"""The revocation reason of every certificate that was valid when its holder was erased."""

ERASED_BY: Final = "erasure"
"""``revoked_by`` and the audit actor of those revocations (the request itself is in progress)."""

ERASED_MARK: Final = "erased"
"""Key set in a certificate's ``printed`` once its holder was erased: no name, no PDF is served."""


def is_erased(cert: IssuedCertificate) -> bool:
    return bool(cert.printed.get(ERASED_MARK))


def redact_credential(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential without the holder's name (``credentialSubject.name`` and the name identifier).

    Its signatures covered the name, so the redacted document carries no proof: what remains says
    which course it was, who issued it, and where its (revoked) status is published.
    """
    out = copy.deepcopy(credential)
    out.pop("proof", None)
    subject = out.get("credentialSubject")
    if isinstance(subject, dict):
        subject.pop("name", None)
        subject.pop("identifier", None)
        subject.pop("email", None)
    return out
