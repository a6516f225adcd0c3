"""Revoking certificates, and the signed status lists that tell verifiers about it.

A status list is one signed document per 131,072 certificates, so revocations of different
certificates write the same row. Each writer re-reads the revoked set and signs the whole list;
two of them in parallel would each miss the other's revocation and the later commit would drop
the earlier one from the published list (issue 13, finding 2). So every writer of a list first
takes that list's lock (:func:`_lock_status_list`), and only then reads the revoked set: under
READ COMMITTED that read sees every revocation committed by the writers before it, and the lock
is held from there to the commit, a few milliseconds (one indexed read, one signature, two
writes). Everything else a revocation does (lock and mark the certificate, audit, event) happens
before the list lock, so revocations of one list queue only for that short part.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from certificates.domain.certificate import (
    CertificateStatus,
    IssuedCertificate,
    RevocationError,
    clean_revocation_reason,
)
from certificates.domain.scope import may_revoke
from certificates.service_layer.issuing import Actor
from certificates.service_layer.ports import AuditEntry, CredentialSigner, Ports
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.db import utcnow
from lms_shared.errors import BadInput, Conflict, Forbidden, NotFound
from lms_shared.events.catalogue import CertificateRevokedV1

MAX_LIST_NUMBER = 100_000


@dataclass(frozen=True, slots=True)
class RevokeCertificate:
    certificate_id: uuid.UUID
    reason: object


async def revoke_certificate(
    uow: CertificatesUnitOfWork, actor: Actor, command: RevokeCertificate, ports: Ports
) -> IssuedCertificate:
    """Revoke a valid certificate: verify page, status list and event change in one transaction."""
    try:
        reason = clean_revocation_reason(command.reason)
    except RevocationError as exc:
        raise BadInput(str(exc)) from exc
    cert_id = command.certificate_id
    cert = await uow.certificates.get(cert_id, for_update=True)
    if cert is None:
        raise NotFound(f"There is no certificate {cert_id}.")
    if not may_revoke(cert.org, actor.country):
        state = f"of {cert.org}" if cert.org else "without a member state"
        raise Forbidden(
            f"Certificate {cert.code} is {state}; a country admin for {actor.country} revokes only {actor.country}'s."
        )
    if cert.status == CertificateStatus.REVOKED:
        revoked_on = f" on {cert.revoked_at:%Y-%m-%d}" if cert.revoked_at else ""
        raise Conflict(f"Certificate {cert.code} was already revoked{revoked_on}.")
    now = utcnow()
    await uow.certificates.mark_revoked(cert_id, now, reason, actor.sub)
    await uow.audit.add(
        AuditEntry(
            actor_sub=actor.sub,
            actor_name=actor.name,
            action="revoke",
            certificate_id=cert_id,
            reason=reason,
            details={"code": cert.code, "courseId": cert.course_id, "learnerName": cert.learner_name},
        )
    )
    uow.publish(
        CertificateRevokedV1(
            certificate_id=str(cert_id),
            code=cert.code,
            course_id=cert.course_id,
            learner_id=cert.learner_id,
            reason=reason,
            revoked_at=now,
        )
    )
    revoked = await uow.certificates.get(cert_id)
    assert revoked is not None
    # Last: from here to the commit the list is locked for every other revocation in it.
    await refresh_status_list(uow, ports.signer, ports.signer.status_list_of(cert.status_list_index))
    await uow.commit()
    return revoked


async def _lock_status_list(uow: CertificatesUnitOfWork, list_number: int) -> None:
    """Hold the list's lock until the transaction ends (``uow.status_lists.lock``).

    A lock of its own rather than the list's row: a list never signed has no row yet, and taking
    the lock writes nothing.
    """
    await uow.status_lists.lock(list_number)


async def refresh_status_list(uow: CertificatesUnitOfWork, signer: CredentialSigner, list_number: int) -> str:
    """Re-sign one status list from the revoked certificates it covers, and store it (no commit).

    Takes the list's lock first, so the revoked set read below includes every revocation
    committed before, and no writer can commit an older set over this one: the caller must
    commit soon after (the lock is held until then).
    """
    await _lock_status_list(uow, list_number)
    first, last = signer.status_list_bounds(list_number)
    revoked = await uow.certificates.revoked_indexes(first, last)
    jwt = signer.sign_status_list(list_number, revoked)
    # The same list with a Data Integrity proof, stored with it so both forms always agree.
    proved = signer.sign_status_list_data_integrity(list_number, revoked)
    await uow.status_lists.save(list_number, jwt, utcnow(), proved)
    return jwt


async def get_status_list(uow: CertificatesUnitOfWork, list_number: int, ports: Ports) -> str:
    """The signed status list; an untouched list is signed (all zeros) on first request.

    A list last signed with a key that has since been retired is re-signed with the current one on
    its first read after the rotation, so status lists, too, end up signed by the current key only.
    """
    if list_number < 0 or list_number > MAX_LIST_NUMBER:
        raise NotFound(f"There is no status list {list_number}.")
    stored = await uow.status_lists.get(list_number)
    if stored is not None and ports.signer.signed_with_current_key(stored):
        return stored
    jwt = await refresh_status_list(uow, ports.signer, list_number)
    await uow.commit()
    return jwt


async def get_status_list_data_integrity(uow: CertificatesUnitOfWork, list_number: int, ports: Ports) -> dict[str, Any]:
    """The status list as JSON-LD with an ``eddsa-rdfc-2022`` proof (for Data Integrity verifiers).

    Signed, like :func:`get_status_list`, on first request, after a key rotation, and for lists
    stored before migration 0008 (which have only the VC-JWT form).
    """
    if list_number < 0 or list_number > MAX_LIST_NUMBER:
        raise NotFound(f"There is no status list {list_number}.")
    stored = await uow.status_lists.get_data_integrity(list_number)
    if stored is not None and ports.signer.proved_with_current_key(stored):
        return stored
    await refresh_status_list(uow, ports.signer, list_number)
    proved = await uow.status_lists.get_data_integrity(list_number)
    await uow.commit()
    if proved is None:  # refresh_status_list stores it; a repository that loses it is a bug
        raise RuntimeError(f"status list {list_number} was signed but its Data Integrity form was not stored")
    return proved
