"""A learner's data in certificates (issue 14, item 6): erasure by event, and the export.

``lms.progress.learner.erased.v1`` (published once by progress, delivered through this service's
inbox) does, in one transaction:

- keeps a tombstone (``erased_learner``), so that a completion or auto-issue request for the learner
  arriving later is dropped instead of printing their name again, and deletes the learner's
  requests still waiting for a worker (``auto_issue_request``);
- revokes every valid certificate of the learner with the reason ``erased on request`` (one
  ``certificate.revoked`` each, audit rows, and the status lists re-signed);
- replaces the name with the pseudonym in certificates, completions, bulk rows, auto-issue failures
  and the audit details; drops the e-mail; replaces the signed credential with a redacted copy
  without the name (and without proof: the signatures covered the name);
- deletes the PDFs from the object store. An object store that is down raises: the transaction rolls
  back and the event is delivered again (the inbox makes the re-run idempotent).

docs/privacy.md describes it for people; the verify page then shows REVOKED, the reason, no name.
"""

from __future__ import annotations

import asyncio
from typing import Any

from certificates.domain.erasure import ERASED_BY, ERASED_REASON, is_erased, redact_credential
from certificates.service_layer.ports import AuditEntry, Ports
from certificates.service_layer.revocation import refresh_status_list
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.auth import Principal
from lms_shared.errors import BadInput, Forbidden
from lms_shared.events.catalogue import CertificateRevokedV1, LearnerErasedV1
from lms_shared.events.envelope import Envelope
from lms_shared.i18n import ascii_upper
from lms_shared.logging import get_logger

log = get_logger(__name__)


async def on_learner_erased(
    uow: CertificatesUnitOfWork, event: LearnerErasedV1, envelope: Envelope, *, ports: Ports
) -> None:
    """Erase the learner's name from every row and file of certificates (see the module's doc)."""
    learner_id = event.learner_id
    # First, so that it waits for a batch of the workers holding one of them: a certificate that
    # batch commits is then seen (and revoked) below, and none is issued after the tombstone.
    await uow.auto_issue_requests.drop_learner(learner_id)
    await uow.erasures.record(learner_id, event.pseudonym, event.erased_at)
    pseudonym = await uow.erasures.pseudonym_of(learner_id) or event.pseudonym
    revoked = set(await uow.erasures.revoke_valid(learner_id, event.erased_at, ERASED_REASON, ERASED_BY))
    certs = await uow.certificates.of_learner(learner_id)
    for cert in certs:
        if cert.id not in revoked:
            continue
        await uow.audit.add(
            AuditEntry(
                actor_sub=ERASED_BY,
                actor_name="erasure on request",
                action="revoke",
                certificate_id=cert.id,
                reason=ERASED_REASON,
                details={"code": cert.code, "courseId": cert.course_id, "learnerName": pseudonym},
            )
        )
        uow.publish(
            CertificateRevokedV1(
                certificate_id=str(cert.id),
                code=cert.code,
                course_id=cert.course_id,
                learner_id=learner_id,
                reason=ERASED_REASON,
                revoked_at=event.erased_at,
            )
        )
    await uow.erasures.pseudonymise(
        learner_id, pseudonym, {cert.id: redact_credential(cert.credential) for cert in certs}
    )
    # Files last before the lists: an object store that is down raises and the whole erasure is retried.
    keys = [cert.pdf_key for cert in certs if cert.pdf_key]
    for key in keys:
        await asyncio.to_thread(ports.pdfs.remove_pdf, key)
    for list_number in sorted({ports.signer.status_list_of(c.status_list_index) for c in certs if c.id in revoked}):
        await refresh_status_list(uow, ports.signer, list_number)
    log.info(
        "learner.erased", learner_id=learner_id, certificates=len(certs), revoked=len(revoked), event_id=envelope.id
    )


async def erased_pseudonym(uow: CertificatesUnitOfWork, learner_id: str | None) -> str | None:
    """The pseudonym of an erased learner (None: not erased): events naming them are dropped."""
    if learner_id is None:
        return None
    return await uow.erasures.pseudonym_of(learner_id)


async def export_learner(uow: CertificatesUnitOfWork, user: Principal, learner_id: str, ports: Ports) -> dict[str, Any]:
    """Everything certificates holds about one learner: certificates (codes, status, credential and a
    short-lived PDF link while there is a PDF), completions, bulk rows, auto-issue failures.

    Admins; a country admin only when every member state recorded for the learner here is theirs.
    """
    learner_id = learner_id.strip()
    if not learner_id or len(learner_id) > 255:
        raise BadInput("A learner id is 1 to 255 characters.")
    if not user.is_admin and not user.is_country_admin:
        raise Forbidden("Only admins and the learner's country admin may export a learner's data.")
    certs = await uow.certificates.of_learner(learner_id)
    data = await uow.erasures.export(learner_id)
    orgs = {c.org for c in certs} | {r.get("org") for r in data["completions"]}
    for org in orgs:
        user.require_org(ascii_upper(org) if org else None)
    pseudonym = await uow.erasures.pseudonym_of(learner_id)
    out = []
    for c in certs:
        out.append(
            {
                "id": str(c.id),
                "code": c.code,
                "courseId": c.course_id,
                "courseVersion": c.course_version,
                "courseTitle": c.course_title,
                "learnerName": c.learner_name,
                "email": c.email,
                "org": c.org,
                "municipality": c.municipality,
                "status": c.status,
                "issuedAt": c.issued_at.isoformat(),
                "revokedAt": c.revoked_at.isoformat() if c.revoked_at else None,
                "revocationReason": c.revocation_reason,
                "credential": c.credential,
                "pdfKey": None if is_erased(c) else c.pdf_key,
                "pdfUrl": None
                if is_erased(c)
                else ports.pdfs.presigned_pdf_url(c.pdf_key, f"certificate-{c.code}.pdf"),
                "verifyUrl": ports.verify_url(c.code),
            }
        )
    return {
        "service": "certificates",
        "learnerId": learner_id,
        "erased": pseudonym is not None,
        "certificates": out,
        **data,
    }
