"""``LMS_DATA_INTEGRITY_PROOFS``: both proofs at issue (the default), or the VC-JWT only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from certificates.adapters.credentials import VcJwtSigner
from certificates.adapters.data_integrity import check_proof
from certificates.adapters.signing import IssuerKey
from certificates.config import CertificatesSettings
from certificates.service_layer.ports import CredentialFacts

pytestmark = pytest.mark.unit

FACTS = CredentialFacts(
    certificate_id=uuid.uuid4(),
    code="KB-TEST-0001",
    learner_name='Ана "Q" \\ Ü',
    learner_id=None,
    course_id="course-1",
    course_title="Основы",
    course_version=2,
    lang="ru",
    issued_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
    issuer_name="Kentbilim",
    verify_url="https://certs.example.org/verify/KB-TEST-0001",
    status_list_index=17,
    course_summary="Десять модулей.",
)


def test_both_proofs_by_default_and_the_vc_jwt_only_when_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    key = IssuerKey.generate()
    monkeypatch.delenv("LMS_DATA_INTEGRITY_PROOFS", raising=False)
    assert CertificatesSettings().data_integrity_proofs is True
    both = VcJwtSigner(key, "https://certs.example.org").sign(FACTS)
    assert both.data_integrity is not None
    check_proof(both.data_integrity, [key.public])  # raises if it does not verify

    monkeypatch.setenv("LMS_DATA_INTEGRITY_PROOFS", "false")
    settings = CertificatesSettings()
    assert settings.data_integrity_proofs is False
    only_jwt = VcJwtSigner(key, "https://certs.example.org", data_integrity=settings.data_integrity_proofs).sign(FACTS)
    assert only_jwt.data_integrity is None
    assert only_jwt.jws.count(".") == 2
