"""Certificates as Data Integrity credentials (``eddsa-rdfc-2022``), beside their VC-JWT.

Certificates issued since migration 0008 store the proved credential at issuance
(``IssuedCertificate.credential_di``). Older ones have only the VC-JWT: for them the same
credential is proved when it is read, with ``created`` set to the certificate's issue time so
every read returns the same bytes (Ed25519 signatures are deterministic), and
``certificates backfill-data-integrity`` stores those proofs once, in batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from certificates.domain.certificate import IssuedCertificate
from certificates.domain.codes import normalize_code
from certificates.service_layer.ports import Ports
from certificates.service_layer.unit_of_work import CertificatesUnitOfWork
from lms_shared.errors import NotFound


def credential_with_proof(ports: Ports, cert: IssuedCertificate) -> dict[str, Any]:
    """The certificate's Open Badges credential with its Data Integrity proof."""
    if cert.credential_di is not None:
        return cert.credential_di
    return ports.signer.data_integrity_of(cert.credential_jws, created=cert.issued_at)


async def public_credential(uow: CertificatesUnitOfWork, ports: Ports, code: str) -> dict[str, Any]:
    """Public, like the verification page: the proved credential of the certificate with ``code``.

    Revoked certificates are served too: their credential says where to check the status, and a
    verifier must be able to see that it was revoked.
    """
    canonical = normalize_code(code)
    cert = await uow.certificates.by_code(canonical) if canonical is not None else None
    if cert is None:
        raise NotFound(f"There is no certificate with code {code!r}.")
    return credential_with_proof(ports, cert)


@dataclass(frozen=True, slots=True)
class BackfillResult:
    proved: int
    remaining: bool


async def backfill_batch(uow: CertificatesUnitOfWork, ports: Ports, batch_size: int = 200) -> BackfillResult:
    """Store the Data Integrity form of up to ``batch_size`` certificates that have none; commits.

    Idempotent and restartable: a batch is one transaction, and a certificate that got its proof
    meanwhile (a concurrent run) is not overwritten.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    certs = await uow.certificates.without_data_integrity(batch_size)
    proved = 0
    for cert in certs:
        if await uow.certificates.set_data_integrity(cert.id, credential_with_proof(ports, cert)):
            proved += 1
    await uow.commit()
    return BackfillResult(proved=proved, remaining=len(certs) == batch_size)
