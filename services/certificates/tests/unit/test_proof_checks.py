"""What the verification page says about each proof: checked by the service, against published keys."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from certificates.adapters.credentials import VcJwtSigner
from certificates.adapters.signing import IssuerKey
from certificates.service_layer.ports import CredentialFacts

pytestmark = pytest.mark.unit

BASE_URL = "https://kentbilim.example.org"


def facts(name: str = "Nurlan Abenov") -> CredentialFacts:
    return CredentialFacts(
        certificate_id=uuid.uuid4(),
        code="ABCD-2345",
        learner_name=name,
        learner_id="learner-1",
        course_id="course-1",
        course_title="Participatory budgeting",
        course_version=1,
        lang="en",
        issued_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        issuer_name="Kentbilim",
        verify_url=f"{BASE_URL}/verify/ABCD-2345",
        status_list_index=3,
        course_summary="How residents decide part of a budget.",
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _with_name(token: str, name: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["name"] = name
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def test_a_vc_jwt_verifies_with_the_key_it_names_and_not_when_tampered() -> None:
    signer = VcJwtSigner(IssuerKey.generate(), BASE_URL)
    token = signer.sign(facts()).jws
    assert signer.verify_jwt(token) is True
    assert signer.verify_jwt(_with_name(token, "Nurlan Abenoff")) is False
    assert signer.verify_jwt("not.a.token") is False


def test_a_rotated_key_still_verifies_what_it_signed_and_a_stranger_key_does_not() -> None:
    old = IssuerKey.generate()
    token = VcJwtSigner(old, BASE_URL).sign(facts()).jws
    signed = VcJwtSigner(old, BASE_URL).sign(facts()).data_integrity
    assert signed is not None
    rotated = VcJwtSigner(IssuerKey.generate(), BASE_URL, retired=[old.public])
    assert rotated.verify_jwt(token) is True
    assert rotated.verify_data_integrity(signed) is True
    stranger = VcJwtSigner(IssuerKey.generate(), BASE_URL)
    assert stranger.verify_jwt(token) is False
    assert stranger.verify_data_integrity(signed) is False


def test_each_format_is_checked_on_its_own() -> None:
    signer = VcJwtSigner(IssuerKey.generate(), BASE_URL)
    signed = signer.sign(facts())
    assert signed.data_integrity is not None
    tampered = dict(signed.data_integrity, credentialSubject=dict(signed.data_integrity["credentialSubject"], name="X"))
    assert signer.verify_jwt(signed.jws) is True and signer.verify_data_integrity(tampered) is False
